import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard history <conditionId> [--json]`: every analysis run of one market, newest first.
enum HistoryCommand: Command {
    static let name = "history"
    static let summary = "List a market's analysis runs, successful or not"
    static let usage = "tradewizard history <conditionId> [--limit N] [--json] [options]"
    static let options = [
        OptionSpec(name: "--limit", takesValue: true, help: "At most this many (default 50)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count == 1, let conditionID = arguments.positionals.first else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        guard let limit = arguments.pageLimit(context) else { return .usage }
        do {
            let database = try configuration.openDatabaseReadOnly()
            guard let market = try database.markets.find(conditionID: conditionID) else {
                context.console.error("no stored market with condition id \(conditionID)")
                return .failure
            }
            let runs = try database.analysisHistory.list(marketID: market.id, page: PageRequest(limit: limit)).items
            if arguments.has("--json") { context.console.printJSON(runs); return .ok }
            context.console.print(market.question)
            if runs.isEmpty { context.console.print("no analysis runs") }
            for run in runs {
                context.console.print(Timestamp.format(run.createdAt).padding(to: 26) + run.analysisType.rawValue.padding(to: 9)
                                      + run.status.rawValue.padding(to: 9) + "\(run.durationMilliseconds) ms".padding(to: 10)
                                      + (run.source ?? "").padding(to: 12) + run.runID + (run.errorMessage.map { "  " + $0 } ?? ""))
            }
            return .ok
        } catch {
            context.console.error("history: \(error)")
            return .failure
        }
    }
}
