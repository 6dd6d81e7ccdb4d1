import Storage
import Support

/// `tradewizard backup`: copy, verify and apply retention — safe while `serve` runs.
enum BackupCommand: Command {
    static let name = "backup"
    static let summary = "Back up the database now (online copy, verified, retention applied)"
    static let usage = "tradewizard backup [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let logger = Logger(level: .warning, format: .text, secrets: configuration.secrets, sink: .standardError)
        do {
            try configuration.dataDirectory.prepare()
            let result = try await BackupOperation.run(directory: configuration.dataDirectory, configuration: configuration,
                                                       clock: SystemWallClock(), logger: logger)
            if arguments.has("--json") {
                context.console.printJSON(result)
            } else {
                context.console.print("backup written and verified: \(result.path) (\(formatBytes(result.bytes)))")
                if !result.removedByRetention.isEmpty {
                    context.console.print("retention removed: \(result.removedByRetention.joined(separator: ", "))")
                }
            }
            return .ok
        } catch {
            context.console.error("backup failed: \(error)")
            return .failure
        }
    }
}
