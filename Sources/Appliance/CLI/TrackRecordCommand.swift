import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard track-record`: forecast skill against the market, simulated trades and the
/// portfolio they make, from the database.
enum TrackRecordCommand: Command {
    static let name = "track-record"
    static let summary = "Forecast skill against the market, simulated trades and portfolio figures"
    static let usage = "tradewizard track-record [--since D] [--until D] [--sample | --replay ID] [--count first|all] [--trades] [--json] [options]"
    static let options = TrackRecordOptions.period + TrackRecordOptions.dataSet + [
        OptionSpec(name: "--count", takesValue: true, help: "Which analyses of a market count in forecast skill: first (default) or all"),
        OptionSpec(name: "--trades", takesValue: false, help: "List every simulated trade"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON (trades included)"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            var scope = try TrackRecordOptions.scope(arguments)
            guard let counting = ForecastCounting(rawValue: arguments.options["--count"] ?? "first") else {
                throw UsageError("--count takes first or all")
            }
            let (database, replay) = try TrackRecordOptions.database(arguments, configuration, scope: &scope)
            let record = try TrackRecordBuilder.build(database, scope: scope, rules: configuration.tradeRules, counting: counting,
                                                      now: Date(), data: replay == nil ? nil : "replay", replay: replay?.id)
            if arguments.has("--json") { context.console.printJSON(record); return .ok }
            for line in TrackRecordText.lines(record, trades: arguments.has("--trades")) { context.console.print(line) }
            return .ok
        } catch let error as UsageError {
            context.console.error("track-record: \(error)\n\n\(usage)")
            return .usage
        } catch {
            context.console.error("track-record: \(error)")
            return .failure
        }
    }
}
