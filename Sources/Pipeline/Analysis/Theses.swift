import FoundationEssentials
import Storage
import Support

/// One side's case, built from the agents that lean that way.
public struct Thesis: Codable, Sendable, Equatable {
    /// YES (bull) or NO (bear).
    public var side: AgentDirection
    /// The probability of YES this side argues for: the weighted mean of its agents (the market
    /// price when no agent leans this way).
    public var probability: Double
    /// Σ fusion weight × confidence of its agents.
    public var strength: Double
    public var supporters: [String]
    public var drivers: [String]
    public var summary: String
}

/// The two theses.
public struct Theses: Codable, Sendable, Equatable {
    public var bull: Thesis
    public var bear: Thesis
}

/// Structured scores (−1…1) of one thesis on the five tests.
public struct ExaminationScores: Codable, Sendable, Equatable {
    public var evidence: Double
    public var causality: Double
    public var timing: Double
    public var liquidity: Double
    public var tailRisk: Double
    public var total: Double { (evidence + causality + timing + liquidity + tailRisk) / 5 }
}

/// The cross-examination of both theses.
public struct CrossExamination: Codable, Sendable, Equatable {
    public var bull: ExaminationScores
    public var bear: ExaminationScores
    /// The side whose total is higher (NEUTRAL on a tie).
    public var stronger: AgentDirection
}

/// Theses, cross-examination and the explanation, from templates over the numbers. (Part 2 lets
/// an LLM write them; these remain the fallback.)
public enum ThesisBuilder {
    /// Agents leaning each way, with their fused weights.
    public static func theses(signals: [AgentOutput], fusion: FusionResult, market: Double) -> Theses {
        func build(_ side: AgentDirection) -> Thesis {
            let supporters = signals.filter { $0.direction == side }.sorted { $0.confidence > $1.confidence }
            let weight = supporters.reduce(0) { $0 + (fusion.weights[$1.agent] ?? 0) }
            let probability = weight > 0 ? supporters.reduce(0) { $0 + (fusion.weights[$1.agent] ?? 0) * $1.fairProbability } / weight : market
            let strength = supporters.reduce(0) { $0 + (fusion.weights[$1.agent] ?? 0) * $1.confidence }
            let drivers = Array(supporters.flatMap(\.keyDrivers).prefix(5))
            let name = side == .yes ? "Bull" : "Bear"
            let summary = supporters.isEmpty
                ? "\(name) case: no agent leans \(side.rawValue); the market price \(Format.percent(market)) stands."
                : "\(name) case: \(supporters.count) agent(s) (\(supporters.map(\.agent).joined(separator: ", "))) put YES at \(Format.percent(probability)) against \(Format.percent(market))."
            return Thesis(side: side, probability: probability, strength: strength, supporters: supporters.map(\.agent), drivers: drivers, summary: summary)
        }
        return Theses(bull: build(.yes), bear: build(.no))
    }

    /// Agents whose evidence is the market's own trading (price action, order book).
    static let marketAgents: Set<String> = ["market_microstructure", "momentum", "mean_reversion"]

    /// Scores each thesis on five tests, each −1…1:
    /// - evidence: (its agents' weight − the other side's) / the weight of all directional agents;
    /// - causality: whether market-driven and fundamental agents agree with it (+1 both, 0 one, −1 neither);
    /// - timing: +0.5 with 7–365 days left, −0.5 inside 7 days, −0.3 beyond a year; ± 0.5 × sign of the momentum agent's lean;
    /// - liquidity: (liquidity score − 5) / 5 for both sides;
    /// - tail risk: −0.5 for arguing toward a tail (YES on a price < 15%, NO on > 85%), else 0.
    public static func crossExamine(theses: Theses, signals: [AgentOutput], fusion: FusionResult, briefing: MarketBriefing) -> CrossExamination {
        let directional = signals.filter { $0.direction != .neutral }
        let total = directional.reduce(0) { $0 + (fusion.weights[$1.agent] ?? 0) }
        let momentumLean = signals.first { $0.agent == "momentum" }.map { $0.fairProbability - briefing.probability } ?? 0
        func scores(_ side: AgentDirection) -> ExaminationScores {
            let mine = directional.filter { $0.direction == side }.reduce(0) { $0 + (fusion.weights[$1.agent] ?? 0) }
            let evidence = total > 0 ? (2 * mine - total) / total : 0
            let market = signals.contains { marketAgents.contains($0.agent) && $0.direction == side }
            let fundamental = signals.contains { !marketAgents.contains($0.agent) && $0.direction == side }
            let causality = market && fundamental ? 1.0 : market || fundamental ? 0.0 : -1.0
            let days = briefing.daysToExpiry ?? 365
            var timing = days < 7 ? -0.5 : days > 365 ? -0.3 : 0.5
            if abs(momentumLean) > AgentOutput.neutralBand { timing += (momentumLean > 0) == (side == .yes) ? 0.5 : -0.5 }
            let liquidity = (briefing.liquidityScore - 5) / 5
            let tail = (side == .yes && briefing.probability < 0.15) || (side == .no && briefing.probability > 0.85) ? -0.5 : 0
            return ExaminationScores(evidence: evidence, causality: causality, timing: min(1, max(-1, timing)),
                                     liquidity: min(1, max(-1, liquidity)), tailRisk: tail)
        }
        let bull = scores(.yes), bear = scores(.no)
        let stronger: AgentDirection = abs(bull.total - bear.total) < 1e-9 ? .neutral : bull.total > bear.total ? .yes : .no
        return CrossExamination(bull: bull, bear: bear, stronger: stronger)
    }

    /// The explanation, core thesis, catalysts and failure scenarios of a recommendation.
    public static func narrative(briefing: MarketBriefing, consensus: ConsensusResult, plan: TradePlan, theses: Theses,
                                 examination: CrossExamination, signals: [AgentOutput]) -> (explanation: String, core: String, catalysts: [String], risks: [String]) {
        let side = plan.direction == .longNo ? theses.bear : theses.bull
        let other = plan.direction == .longNo ? theses.bull : theses.bear
        let action: String
        switch plan.direction {
        case .longYes: action = "Buy YES"
        case .longNo: action = "Buy NO"
        case .noTrade: action = "No trade"
        }
        var explanation = "Consensus puts YES at \(Format.percent(consensus.probability)) (band \(Format.percent(consensus.bandLower))–\(Format.percent(consensus.bandUpper)), \(consensus.regime.rawValue)) against a market price of \(Format.percent(briefing.probability)): edge \(Format.points(plan.edge))."
        if let reason = plan.noTradeReason {
            explanation += " \(action): \(reason)."
        } else {
            explanation += " \(action): expected value $\(Format.decimal(plan.expectedValue, 2)) per $100."
        }
        let strongest = examination.stronger == .yes ? "bull" : examination.stronger == .no ? "bear" : "neither"
        explanation += " Cross-examination favours \(strongest) (bull \(Format.decimal(examination.bull.total, 2)), bear \(Format.decimal(examination.bear.total, 2)))."
        let core = plan.direction == .noTrade ? "The market price is fair within the consensus band." : side.summary
        var catalysts = side.drivers
        if catalysts.isEmpty { catalysts = ["No agent-specific catalyst; the edge comes from the fused probability"] }
        var risks = Array(firstOccurrences(signals.flatMap(\.riskFactors)).prefix(5))
        risks += other.drivers.prefix(2).map { "Counter-case: " + $0 }
        if let days = briefing.daysToExpiry, days < 7 { risks.append("Resolves within \(Int(days.rounded(.up))) day(s)") }
        return (explanation, core, Array(catalysts.prefix(5)), risks)
    }
}

/// Unique elements in first-seen order.
func firstOccurrences(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
