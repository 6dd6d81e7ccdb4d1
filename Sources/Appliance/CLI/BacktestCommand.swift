import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard backtest`: the stored recommendations re-simulated under other rules, beside
/// the configured ("live") rules — "what if" without a single new model call.
enum BacktestCommand: Command {
    static let name = "backtest"
    static let summary = "Re-simulate stored recommendations with other trade rules, beside the live rules"
    static let usage = """
        tradewizard backtest [--min-edge X] [--fill-window HOURS] [--stake USD] [--fee-rate R] [--stop | --no-stop]
                             [--since D] [--until D] [--sample | --replay ID] [--json] [options]
        """
    static let options = [
        OptionSpec(name: "--min-edge", takesValue: true, help: "Only recommendations with at least this edge, 0–1 (live: every actionable one; below 0.05 adds none)"),
        OptionSpec(name: "--fill-window", takesValue: true, help: "Hours the entry may take to fill"),
        OptionSpec(name: "--stake", takesValue: true, help: "Dollars per trade"),
        OptionSpec(name: "--fee-rate", takesValue: true, help: "Taker fee rate (fee = shares × rate × p × (1 − p))"),
        OptionSpec(name: "--stop", takesValue: false, help: "Exit at the stop loss (the live rule)"),
        OptionSpec(name: "--no-stop", takesValue: false, help: "Ignore stop losses: hold to the target or resolution"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ] + TrackRecordOptions.period + TrackRecordOptions.dataSet

    /// One column of the comparison.
    struct Column: Encodable {
        var rules: TradeRules
        var tradesByStatus: [String: Int]
        var portfolio: PortfolioFigures
    }

    struct Comparison: Encodable {
        var data: String
        var replay: String?
        var since: Date?
        var until: Date?
        var recommendations: Int
        var live: Column
        var backtest: Column
    }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            if arguments.has("--stop") && arguments.has("--no-stop") { throw UsageError("--stop and --no-stop cannot be combined") }
            var rules = configuration.tradeRules
            if let value = try TrackRecordOptions.number(arguments, "--min-edge", 0...1) { rules.minimumEdge = value }
            if let value = try TrackRecordOptions.number(arguments, "--fill-window", 0.01...8_760) { rules.fillWindowHours = value }
            if let value = try TrackRecordOptions.number(arguments, "--stake", 0.01...1_000_000_000) { rules.stakeUSD = value }
            if let value = try TrackRecordOptions.number(arguments, "--fee-rate", 0...0.25) { rules.feeRate = value }
            if arguments.has("--no-stop") { rules.useStopLoss = false }
            var scope = try TrackRecordOptions.scope(arguments)
            let (database, replay) = try TrackRecordOptions.database(arguments, configuration, scope: &scope)
            let rows = try database.trackRecord.trades(scope)
            let now = Date().timeIntervalSince1970
            let progress = Progress(label: "backtest", total: 2 * rows.count, enabled: !arguments.has("--json"))
            func column(_ rules: TradeRules) throws -> Column {
                let chosen = rows.filter { $0.edge >= rules.minimumEdge }
                let trades = try TrackRecordBuilder.simulate(chosen, rules: rules, now: now) { token, from in
                    try database.priceHistory.points(tokenID: token, from: from)
                }
                progress.advance(by: rows.count)
                var byStatus = Dictionary(uniqueKeysWithValues: SimulatedTradeStatus.allCases.map { ($0.rawValue, 0) })
                for trade in trades { byStatus[trade.status.rawValue, default: 0] += 1 }
                return Column(rules: rules, tradesByStatus: byStatus, portfolio: PortfolioFigures.of(trades))
            }
            let comparison = Comparison(data: replay == nil ? (scope.sample ? "sample" : "live") : "replay", replay: replay?.id,
                                        since: scope.since, until: scope.until, recommendations: rows.count,
                                        live: try column(configuration.tradeRules), backtest: try column(rules))
            progress.finish()
            if arguments.has("--json") { context.console.printJSON(comparison); return .ok }
            print(comparison, context)
            return .ok
        } catch let error as UsageError {
            context.console.error("backtest: \(error)\n\n\(usage)")
            return .usage
        } catch {
            context.console.error("backtest: \(error)")
            return .failure
        }
    }

    static func print(_ c: Comparison, _ context: CommandContext) {
        let banner = c.data == "sample" ? "SAMPLE DATA (offline sample markets, not real markets)"
            : c.data == "replay" ? "REPLAY \(c.replay ?? "")" : "live markets only (sample data and replays excluded)"
        context.console.print(banner)
        context.console.print("\(c.recommendations) actionable recommendations, \(c.since.map(Timestamp.format) ?? "the beginning") to \(c.until.map(Timestamp.format) ?? "now")\n")
        func row(_ name: String, _ live: String, _ test: String) {
            context.console.print(name.padding(to: 26) + live.padding(to: 18) + test)
        }
        let (l, b) = (c.live, c.backtest)
        row("", "live rules", "backtest")
        row("minimum edge", Format.decimal(l.rules.minimumEdge, 3), Format.decimal(b.rules.minimumEdge, 3))
        row("fill window (h)", Format.decimal(l.rules.fillWindowHours, 1), Format.decimal(b.rules.fillWindowHours, 1))
        row("stake", TrackRecordText.money(l.rules.stakeUSD), TrackRecordText.money(b.rules.stakeUSD))
        row("fee rate", Format.decimal(l.rules.feeRate, 3), Format.decimal(b.rules.feeRate, 3))
        row("stop loss", l.rules.useStopLoss ? "on" : "off", b.rules.useStopLoss ? "on" : "off")
        for status in SimulatedTradeStatus.allCases {
            row("  " + status.rawValue, "\(l.tradesByStatus[status.rawValue] ?? 0)", "\(b.tradesByStatus[status.rawValue] ?? 0)")
        }
        let (lp, bp) = (l.portfolio, b.portfolio)
        row("realised P&L", TrackRecordText.money(lp.realizedPnLUSD), TrackRecordText.money(bp.realizedPnLUSD))
        row("open, marked", TrackRecordText.money(lp.unrealizedPnLUSD), TrackRecordText.money(bp.unrealizedPnLUSD))
        row("mean P&L per $100", TrackRecordText.money(lp.meanPnLPer100), TrackRecordText.money(bp.meanPnLPer100))
        row("win rate", TrackRecordText.percent(lp.winRate), TrackRecordText.percent(bp.winRate))
        row("profit factor", TrackRecordText.optional(lp.profitFactor, 2), TrackRecordText.optional(bp.profitFactor, 2))
        row("max drawdown", TrackRecordText.money(lp.maxDrawdownUSD), TrackRecordText.money(bp.maxDrawdownUSD))
        row("fees", TrackRecordText.money(lp.feesUSD), TrackRecordText.money(bp.feesUSD))
        row("peak capital locked", TrackRecordText.money(lp.peakCapitalLockedUSD), TrackRecordText.money(bp.peakCapitalLockedUSD))
    }
}
