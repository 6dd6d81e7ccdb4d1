import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard analyze <conditionId> [--offline] [--json]`: one analysis, run in this process.
enum AnalyzeCommand: Command {
    static let name = "analyze"
    static let summary = "Analyse one market now and print the recommendation"
    static let usage = "tradewizard analyze <conditionId> [--offline] [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print the full report as JSON")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count == 1, let conditionID = arguments.positionals.first, !conditionID.isEmpty else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            let database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration)
            defer { database.close() }
            let logger = Logger(level: .warning, format: .text, secrets: configuration.secrets, sink: .standardError)
            let report = try await AnalysisServices(configuration: configuration, database: database, logger: logger).analyze(conditionID: conditionID)
            if arguments.has("--json") { context.console.printJSON(report) } else { context.console.print(render(report)) }
            return report.status == .failed ? .failure : .ok
        } catch let error as StorageError where error.code == .dataDirectoryLocked {
            context.console.error("analyze: \(error.message)\nThe server holds the data directory; ask it instead: tradewizard trigger \(conditionID)")
            return .failure
        } catch {
            context.console.error("analyze: \(error)")
            return .failure
        }
    }

    /// The report the way the original CLI printed it.
    static func render(_ report: AnalysisReport) -> String {
        var lines = ["\(report.question)", "condition \(report.conditionID) · run \(report.runID) · \(report.source) · \(report.durationMilliseconds) ms"]
        if report.source == FixtureMarketSource.sourceName {
            lines.insert("SAMPLE DATA — a built-in sample market, not a real one; do not trade on this", at: 0)
        }
        if report.tokensIn + report.tokensOut > 0 {
            lines.append("LLM cost $\(Format.decimal(report.costUSD, 4)) · \(report.tokensIn) tokens in, \(report.tokensOut) out")
        }
        if let budget = report.llm?["budgetExhausted"]?.stringValue { lines.append("LLM agents skipped: \(budget)") }
        if report.status == .partial || !report.agentErrors.isEmpty {
            lines.append("PARTIAL: \(report.agentErrors.count) agent(s) failed and are not in the consensus:")
            for (node, message) in report.agentErrors.sorted(by: { $0.key < $1.key }) { lines.append("  \(node): \(message)") }
        }
        lines.append("")
        guard let recommendation = report.recommendation else {
            lines.append("No recommendation: \(report.errorMessage ?? "the run failed")")
            return lines.joined(separator: "\n")
        }
        let r = recommendation
        func zone(_ low: Double?, _ high: Double?) -> String {
            guard let low, let high else { return "-" }
            return "\(Format.percent(low)) – \(Format.percent(high))"
        }
        lines += [
            "Action            \(r.direction.rawValue)" + (r.direction == .noTrade ? report.noTradeReason.map { " — \($0)" } ?? "" : ""),
            "EV per $100       $\(Format.decimal(r.expectedValue, 2))",
            "Win probability   \(r.winProbability.map(Format.percent) ?? "-")",
            "Entry zone        \(zone(r.entryZoneMin, r.entryZoneMax))",
            "Target zone       \(zone(r.targetZoneMin, r.targetZoneMax))",
            "Stop loss         \(r.stopLoss.map(Format.percent) ?? "-")",
            "Liquidity risk    \(r.liquidityRisk?.rawValue ?? "-")",
            "Confidence        \(r.confidence.rawValue)",
            "",
            "Summary: \(r.explanation ?? "")",
            "",
            "Catalysts:",
        ]
        lines += r.catalysts.map { "  - " + $0 }
        lines += ["", "Failure scenarios:"] + r.risks.map { "  - " + $0 }
        lines += ["", "Market probability      \(Format.percent(r.marketProbability))",
                  "Consensus probability   \(Format.percent(r.fairProbability))",
                  "Edge                    \(Format.points(r.marketEdge))"]
        if let consensus = report.consensus {
            lines.append("Band                    \(Format.percent(consensus.bandLower)) – \(Format.percent(consensus.bandUpper)) (DI \(Format.decimal(consensus.disagreementIndex, 3)), \(consensus.regime.rawValue))")
        }
        lines += ["", "Agents:"]
        for signal in report.signals {
            lines.append("  " + signal.agentName.padding(to: 24) + signal.direction.rawValue.padding(to: 8)
                         + Format.percent(signal.fairProbability).padding(to: 8) + "conf \(Format.decimal(signal.confidence, 2))  "
                         + (signal.keyDrivers.first ?? ""))
        }
        return lines.joined(separator: "\n")
    }
}
