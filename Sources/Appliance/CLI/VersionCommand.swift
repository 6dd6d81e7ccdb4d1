import CSQLite
import Storage
import Support

/// `tradewizard version`.
enum VersionCommand: Command {
    static let name = "version"
    static let summary = "Print the version, schema version and SQLite version"
    static let usage = "tradewizard version [--json]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]
    static let usesConfiguration = false

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        let sqlite = String(cString: sqlite3_libversion())
        if arguments.has("--json") {
            context.console.printJSON(["version": Version.current, "schema": String(Schema.latestVersion), "sqlite": sqlite])
        } else {
            context.console.print("tradewizard \(Version.current) (schema \(Schema.latestVersion), SQLite \(sqlite))")
        }
        return .ok
    }
}
