import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard markets [--status] [--limit] [--json]`: stored markets by trending score.
enum MarketsCommand: Command {
    static let name = "markets"
    static let summary = "List stored markets by trending score"
    static let usage = "tradewizard markets [--status active|closed|resolved] [--limit N] [--json] [options]"
    static let options = [
        OptionSpec(name: "--status", takesValue: true, help: "Only markets of this status"),
        OptionSpec(name: "--limit", takesValue: true, help: "At most this many (default 50)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        var status: MarketStatus?
        if let text = arguments.options["--status"] {
            guard let value = MarketStatus(rawValue: text) else {
                context.console.error("--status takes active, closed or resolved")
                return .usage
            }
            status = value
        }
        guard let limit = arguments.pageLimit(context) else { return .usage }
        do {
            let markets = try configuration.openDatabaseReadOnly().markets.list(status: status, page: PageRequest(limit: limit)).items
            if arguments.has("--json") { context.console.printJSON(markets); return .ok }
            if markets.isEmpty { context.console.print("no markets"); return .ok }
            context.console.print("SCORE".padding(to: 7) + "STATUS".padding(to: 9) + "PRICE".padding(to: 8) + "LAST ANALYSED".padding(to: 26)
                                  + "CONDITION ID".padding(to: 68) + "QUESTION")
            for market in markets {
                context.console.print(Format.decimal(market.trendingScore, 2).padding(to: 7) + market.status.rawValue.padding(to: 9)
                                      + (market.marketProbability.map(Format.percent) ?? "-").padding(to: 8)
                                      + (market.lastAnalyzedAt.map(Timestamp.format) ?? "never").padding(to: 26)
                                      + market.conditionID.padding(to: 68) + (market.isSample ? "[SAMPLE DATA] " : "") + market.question)
            }
            return .ok
        } catch {
            context.console.error("markets: \(error)")
            return .failure
        }
    }
}
