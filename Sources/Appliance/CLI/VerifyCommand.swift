import Storage
import Support

/// `tradewizard verify [file]`: checks a backup (default: the newest) against its manifest.
enum VerifyCommand: Command {
    static let name = "verify"
    static let summary = "Verify a backup (default: the newest): integrity check, schema version, manifest hash and row counts"
    static let usage = "tradewizard verify [file] [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count <= 1 else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let path: String
        if let file = arguments.positionals.first {
            path = file
        } else if let newest = Backup.list(in: configuration.dataDirectory.backupsPath).first {
            path = newest.path
        } else {
            context.console.error("no backups in \(configuration.dataDirectory.backupsPath)")
            return .failure
        }
        let verification = await (try? runBlocking { Backup.verify(path, supportedVersion: Schema.latestVersion, clock: SystemWallClock()) })
            ?? BackupVerification(file: path, verifiedAt: "", problems: ["verification could not run"])
        if arguments.has("--json") {
            context.console.printJSON(verification)
        } else if verification.isValid {
            context.console.print("\(path): OK")
        } else {
            context.console.print("\(path): FAILED")
            for problem in verification.problems { context.console.print("  - \(problem)") }
        }
        return verification.isValid ? .ok : .failure
    }
}
