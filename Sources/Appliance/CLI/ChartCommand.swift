import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard chart <conditionId> [--out file.svg] [--days N]`: the market's price chart — the
/// dashboard's drawing, as a standalone SVG file — over its last N days of stored history.
enum ChartCommand: Command {
    static let name = "chart"
    static let summary = "Write a market's price chart (recommendations, zones, simulated trades) as an SVG file"
    static let usage = "tradewizard chart <conditionId> [--out FILE.svg] [--days N] [options]"
    static let options = [
        OptionSpec(name: "--out", takesValue: true, help: "Write to this file (created whole) instead of standard output"),
        OptionSpec(name: "--days", takesValue: true, help: "Days of history up to the newest point (1–3650, default 30)"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count == 1, let conditionID = arguments.positionals.first else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let days = arguments.options["--days"].map { DecimalText.parse($0) } ?? 30
        guard let days, (1...3_650).contains(days) else {
            context.console.error("chart: --days takes a number from 1 to 3650\n\n\(usage)")
            return .usage
        }
        var output: OutputFile?
        do {
            let database = try configuration.openDatabaseReadOnly()
            guard let market = try database.markets.find(conditionID: conditionID) else {
                context.console.error("no stored market with condition id \(conditionID)")
                return .failure
            }
            let token = market.clobTokenIDs.first
            let newest = try token.flatMap { try database.priceHistory.latestTime(tokenID: $0) } ?? Date().timeIntervalSince1970
            let from = newest - days * 86_400
            let history = try token.map { try database.priceHistory.points(tokenID: $0, from: from) } ?? []
            let recommendations = try database.recommendations.list(marketID: market.id, page: PageRequest(limit: 500)).items
                .filter { $0.createdAt.timeIntervalSince1970 >= from }
            let runs = try database.analysisHistory.list(marketID: market.id, page: PageRequest(limit: 500)).items
                .filter { $0.createdAt.timeIntervalSince1970 >= from }
            let now = Date().timeIntervalSince1970
            let rules = configuration.tradeRules
            let trades = try database.trackRecord.trades(TrackRecordScope(sample: market.isSample), marketID: market.id)
                .filter { $0.time >= from }.map { TradeSimulator.simulate($0, history: history, rules: rules, now: now) }
            let svg = MarketChart.render(market: market, history: history, recommendations: recommendations, runs: runs,
                                         trades: trades, rules: rules, now: now, standalone: true)
            let out = try arguments.options["--out"].map(OutputFile.create) ?? OutputFile.standardOutput()
            output = out
            try out.write(Array((svg.text + "\n").utf8))
            try out.commit()
            if let path = arguments.options["--out"] { context.console.warn("wrote the chart of \(market.question) (\(history.count) points) to \(path)") }
            return .ok
        } catch {
            output?.discard()
            context.console.error("chart: \(error)")
            return .failure
        }
    }
}
