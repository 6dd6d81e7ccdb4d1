import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard recommendations [--market <conditionId>] [--limit] [--json]`: newest first.
enum RecommendationsCommand: Command {
    static let name = "recommendations"
    static let summary = "List stored recommendations, newest first"
    static let usage = "tradewizard recommendations [--market <conditionId>] [--limit N] [--json] [options]"
    static let options = [
        OptionSpec(name: "--market", takesValue: true, help: "Only this market's recommendations"),
        OptionSpec(name: "--limit", takesValue: true, help: "At most this many (default 50)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        guard let limit = arguments.pageLimit(context) else { return .usage }
        do {
            let database = try configuration.openDatabaseReadOnly()
            var marketID: Int64?
            if let conditionID = arguments.options["--market"] {
                guard let market = try database.markets.find(conditionID: conditionID) else {
                    context.console.error("no stored market with condition id \(conditionID)")
                    return .failure
                }
                marketID = market.id
            }
            let items = try database.recommendations.list(marketID: marketID, page: PageRequest(limit: limit)).items
            if arguments.has("--json") { context.console.printJSON(items); return .ok }
            if items.isEmpty { context.console.print("no recommendations") }
            for r in items {
                let market = try database.markets.find(id: r.marketID)
                let question = (market?.isSample == true ? "[SAMPLE DATA] " : "") + (market?.question ?? "?")
                context.console.print(Timestamp.format(r.createdAt).padding(to: 26) + r.direction.rawValue.padding(to: 10)
                                      + ("EV $" + Format.decimal(r.expectedValue, 2)).padding(to: 12)
                                      + ("edge " + Format.points(r.marketEdge)).padding(to: 18) + r.confidence.rawValue.padding(to: 10) + question)
            }
            return .ok
        } catch {
            context.console.error("recommendations: \(error)")
            return .failure
        }
    }
}
