import FoundationEssentials
import Glibc
import Support

// Entry point: `tradewizard <verb> [arguments]`. Exit codes: 0 ok, 1 failure, 2 bad usage.
let commands: [any Command.Type] = [
    ServeCommand.self, StatusCommand.self, HealthCommand.self, TriggerCommand.self, AnalyzeCommand.self,
    MarketsCommand.self, RecommendationsCommand.self, HistoryCommand.self, ChartCommand.self, AlertsCommand.self, DigestCommand.self, TrackRecordCommand.self, BacktestCommand.self, ReplayCommand.self, ExportCommand.self, StatsCommand.self,
    CheckpointsCommand.self, SignalsCommand.self, PositionsCommand.self, BackupCommand.self, VerifyCommand.self, RestoreCommand.self, BackupsCommand.self,
    MigrateCommand.self, ConfigCommand.self, BenchCommand.self, VersionCommand.self,
]

@MainActor func overview() -> String {
    var text = "tradewizard — Polymarket monitor, analysis pipeline and signal intake in one process and one SQLite file\n\nUsage: tradewizard <command> [options]\n\nCommands:\n"
    for command in commands { text += "  " + command.name.padding(to: 14) + command.summary + "\n" }
    text += "\nRun `tradewizard <command> --help` for a command's options.\n"
    return text
}

signal(SIGPIPE, SIG_IGN)
ProcessMemory.limitArenas()
let console = Console.standard
var arguments = Array(CommandLine.arguments.dropFirst())
guard let verb = arguments.first else {
    console.error(overview())
    exit(ExitCode.usage.rawValue)
}
if verb == "--help" || verb == "-h" || verb == "help" {
    console.print(overview())
    exit(ExitCode.ok.rawValue)
}
if verb == "--version" { arguments = ["version"] }
guard let command = commands.first(where: { $0.name == arguments[0] }) else {
    console.error("unknown command \(verb)\n\n" + overview())
    exit(ExitCode.usage.rawValue)
}
let rest = Array(arguments.dropFirst())
if rest.contains("--help") || rest.contains("-h") {
    console.print(command.help)
    exit(ExitCode.ok.rawValue)
}
let accepted = command.options + (command.usesConfiguration ? command.configurationOptions : [])
do {
    let parsed = try ParsedArguments.parse(rest, accepting: accepted)
    let context = CommandContext(environment: ProcessInfo.processInfo.environment, console: console)
    let code = await command.run(parsed, context)
    if code != .ok, parsed.has("--json") { console.printJSONError(code: code == .usage ? "invalid_usage_or_configuration" : "failed") }
    exit(code.rawValue)
} catch {
    console.error("\(error)\n\nUsage: \(command.usage)\nRun `tradewizard \(command.name) --help` for options.")
    exit(ExitCode.usage.rawValue)
}
