import Storage
import Support

/// `tradewizard restore <file>`: replaces the database with a verified backup (server stopped).
enum RestoreCommand: Command {
    static let name = "restore"
    static let summary = "Replace the database with a verified backup; the current one is kept as pre-restore-…db. Stop the server first."
    static let usage = "tradewizard restore <file> [options]"
    static let options: [OptionSpec] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count == 1, let file = arguments.positionals.first else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            let result = try await runBlocking {
                try Backup.restore(file, into: configuration.dataDirectory, supportedVersion: Schema.latestVersion, clock: SystemWallClock())
            }
            context.console.print("restored \(result.restored)")
            if let previous = result.previous { context.console.print("the previous database is kept as \(previous.path)") }
            return .ok
        } catch {
            context.console.error("restore refused: \(error)")
            return .failure
        }
    }
}
