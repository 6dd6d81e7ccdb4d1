import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard stats [--json]`: the track record over resolved markets.
enum StatsCommand: Command {
    static let name = "stats"
    static let summary = "Hit rate, ROI and Brier scores over resolved markets, overall and per agent"
    static let usage = "tradewizard stats [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
                          OptionSpec(name: "--sample", takesValue: false, help: "The offline sample set's figures instead of live markets' (never mixed)")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            let stats = try configuration.openDatabaseReadOnly().outcomes.stats(sample: arguments.has("--sample"))
            if arguments.has("--json") { context.console.printJSON(stats); return .ok }
            context.console.print(stats.data == "sample" ? "SAMPLE DATA (offline sample markets, not real markets)" : "live markets only (sample data excluded)")
            let o = stats.overall
            func optional(_ value: Double?, _ places: Int = 3) -> String { value.map { Format.decimal($0, places) } ?? "-" }
            context.console.print("trades scored     \(o.trades) (\(o.correct) correct), NO_TRADE scored \(o.noTrades)")
            context.console.print("hit rate          \(o.hitRate.map(Format.percent) ?? "-")")
            context.console.print("mean ROI / $100   \(optional(o.meanROIPer100, 2))")
            context.console.print("Brier (ours)      \(optional(o.brierOurs))   Brier (market) \(optional(o.brierMarket))")
            if !stats.agents.isEmpty { context.console.print("\nper agent:") }
            for agent in stats.agents {
                context.console.print("  " + agent.agent.padding(to: 24) + "\(agent.signals) signals".padding(to: 14)
                                      + "Brier \(Format.decimal(agent.brier, 3))".padding(to: 14) + "hit rate \(agent.hitRate.map(Format.percent) ?? "-")")
            }
            context.console.print("\nforecast skill against the market, simulated trades and portfolio figures: tradewizard track-record"
                                  + (stats.data == "sample" ? " --sample" : ""))
            return .ok
        } catch {
            context.console.error("stats: \(error)")
            return .failure
        }
    }
}
