import FoundationEssentials
import Glibc
import Storage
import Support

/// An agent that works from market data alone: deterministic, no network, no keys.
public struct OfflineAgent: Sendable {
    public let name: String
    public let kind: AgentKind
    let evaluate: @Sendable (MarketBriefing) -> AgentOutput

    /// Runs the agent and applies its memory (see `AgentMemory.adjustedConfidence`).
    public func run(_ briefing: MarketBriefing, memory: AgentMemory) -> AgentOutput {
        var output = evaluate(briefing)
        let (confidence, note) = memory.adjustedConfidence(agent: name, fair: output.fairProbability, confidence: output.confidence)
        output.confidence = confidence
        if let note { output.keyDrivers.append("Memory: " + note) }
        output.metadata["previousFairProbabilities"] = .array((memory.entries[name] ?? []).map { .number($0.fairProbability) })
        return output
    }
}

/// The seven offline agents. Each formula is ours, stated next to its constants; they read
/// only the briefing, so the same market data always gives the same signals.
public enum OfflineAgents {
    public static let all: [OfflineAgent] = [microstructure, probabilityBaseline, momentum, meanReversion, crossMarket, riskAssessment, tailRisk]

    /// Market microstructure: fair = mid + 0.04 × book imbalance (a fully one-sided top of book
    /// moves the view 4 points toward the heavy side). Confidence 0.3 + 0.4 × tightness × depth,
    /// with tightness = 1 − spread/0.10 and depth = liquidity score / 10.
    public static let microstructure = OfflineAgent(name: "market_microstructure", kind: .price) { b in
        let mid = b.bestBid.flatMap { bid in b.bestAsk.map { (bid + $0) / 2 } } ?? b.probability
        let fair = mid + 0.04 * b.bookImbalance
        let tightness = 1 - min(1, (b.spread ?? 0.10) / 0.10)
        let confidence = 0.3 + 0.4 * tightness * (b.liquidityScore / 10)
        var risks: [String] = []
        var drivers: [String]
        switch b.bookShape {
        case .none:
            // No orders: nothing to read from a book; the last price is all there is.
            drivers = ["No order book: the last price \(Format.percent(b.probability)) is all there is to go by"]
            risks.append("No order book")
        case .oneSided:
            let side = b.bestBid != nil ? "bids only, best \(Format.percent(b.bestBid!))" : "asks only, best \(Format.percent(b.bestAsk!))"
            drivers = ["One-sided book (\(side)); no midpoint", "Order book imbalance \(Format.decimal(b.bookImbalance, 2)) toward \(b.bookImbalance >= 0 ? "bids" : "asks")"]
            risks.append("One-sided book: \(b.bestBid == nil ? "no bids" : "no asks")")
        case .twoSided:
            drivers = ["Order book imbalance \(Format.decimal(b.bookImbalance, 2)) toward \(b.bookImbalance >= 0 ? "bids" : "asks")",
                       "Book midpoint \(Format.percent(mid))"]
            if let spread = b.spread, spread > 0.05 { risks.append("Wide spread (\(Format.percent(spread)))") }
        }
        return AgentOutput(agent: "market_microstructure", kind: .price, fairProbability: fair, confidence: confidence,
                           direction: AgentOutput.direction(fair: fair, market: b.probability),
                           keyDrivers: drivers,
                           riskFactors: risks, metadata: ["imbalance": .number(b.bookImbalance), "midpoint": .number(mid),
                                                          "book": .string(b.bookShape.rawValue)])
    }

    /// Probability baseline: half today's price, half the time-weighted mean of the history with
    /// weights halving every 7 days. Confidence 0.4 + 0.4 × (1 − σ/0.10) of the history.
    public static let probabilityBaseline = OfflineAgent(name: "probability_baseline", kind: .mvp) { b in
        let (twap, sigma) = timeWeighted(b.history, halfLifeDays: 7)
        let fair = 0.5 * b.probability + 0.5 * (twap ?? b.probability)
        let confidence = 0.4 + 0.4 * (1 - min(1, sigma / 0.10))
        return AgentOutput(agent: "probability_baseline", kind: .mvp, fairProbability: fair, confidence: confidence,
                           direction: AgentOutput.direction(fair: fair, market: b.probability),
                           keyDrivers: ["Time-weighted price \(twap.map(Format.percent) ?? "n/a") over \(b.history.count) points",
                                        "Current price \(Format.percent(b.probability))"],
                           riskFactors: sigma > 0.08 ? ["Unstable price history (σ \(Format.percent(sigma)))"] : [],
                           metadata: ["twap": twap.map(JSONValue.number) ?? .null, "sigma": .number(sigma)])
    }

    /// Momentum: least-squares slope of the last 14 days of history, projected 7 days ahead at half
    /// strength. Confidence 0.2 + 0.5 × R² of the fit.
    public static let momentum = OfflineAgent(name: "momentum", kind: .price) { b in
        let recent = b.history.filter { $0.t >= (b.history.last?.t ?? 0) - 14 * 86_400 }
        let (slopePerDay, r2) = regression(recent)
        let fair = b.probability + 0.5 * slopePerDay * 7
        return AgentOutput(agent: "momentum", kind: .price, fairProbability: fair, confidence: 0.2 + 0.5 * r2,
                           direction: AgentOutput.direction(fair: fair, market: b.probability),
                           keyDrivers: ["14-day trend \(Format.points(slopePerDay * 7)) per week (R² \(Format.decimal(r2, 2)))"],
                           riskFactors: r2 < 0.2 ? ["Trend is noise-dominated"] : [],
                           metadata: ["slopePerDay": .number(slopePerDay), "r2": .number(r2)])
    }

    /// Mean reversion: when today's price is more than one standard deviation from its 30-day mean,
    /// expect 30% of the gap to close; otherwise no view. Confidence 0.3 + 0.1 × min(|z|, 3).
    public static let meanReversion = OfflineAgent(name: "mean_reversion", kind: .price) { b in
        let prices = b.history.map(\.p)
        let mean = prices.isEmpty ? b.probability : prices.reduce(0, +) / Double(prices.count)
        let sigma = standardDeviation(prices)
        let z = sigma > 1e-9 ? (b.probability - mean) / sigma : 0
        let fair = abs(z) > 1 ? b.probability - 0.3 * (b.probability - mean) : b.probability
        return AgentOutput(agent: "mean_reversion", kind: .price, fairProbability: fair, confidence: 0.3 + 0.1 * min(abs(z), 3),
                           direction: AgentOutput.direction(fair: fair, market: b.probability),
                           keyDrivers: ["Price is \(Format.decimal(z, 2)) σ from its 30-day mean \(Format.percent(mean))"],
                           riskFactors: abs(z) > 2 ? ["Large recent move may reflect real news"] : [],
                           metadata: ["zScore": .number(z), "mean": .number(mean)])
    }

    /// Cross-market consistency: in a multi-outcome event the legs' YES prices should sum to 1.
    /// Fair = price / sum of the legs. Confidence 0.35 + 3 × |sum − 1| (capped at 0.85): the larger
    /// the mispricing, the stronger the evidence. A binary event gives no evidence (confidence 0.2).
    public static let crossMarket = OfflineAgent(name: "cross_market", kind: .event) { b in
        let legs = b.snapshot.siblings
        guard !legs.isEmpty else {
            return AgentOutput(agent: "cross_market", kind: .event, fairProbability: b.probability, confidence: 0.2, direction: .neutral,
                               keyDrivers: ["Binary event: no sibling markets to compare"], metadata: ["legs": .number(1)])
        }
        let sum = legs.reduce(b.probability) { $0 + $1.yesPrice }
        let fair = b.probability / sum
        return AgentOutput(agent: "cross_market", kind: .event, fairProbability: fair, confidence: min(0.85, 0.35 + 3 * abs(sum - 1)),
                           direction: AgentOutput.direction(fair: fair, market: b.probability),
                           keyDrivers: ["\(legs.count + 1) legs sum to \(Format.percent(sum)) (normalised: \(Format.percent(fair)))"],
                           riskFactors: sum < 0.9 ? ["Legs sum well under 100%: an unlisted outcome may be likely"] : [],
                           metadata: ["legs": .number(Double(legs.count + 1)), "sum": .number(sum)])
    }

    /// Risk assessment: uncertainty u (0…1) = mean of thin liquidity (1 − score/10), distance to
    /// expiry (days/365, capped at 1) and ambiguity (1 without a resolution source, else 0.3).
    /// Fair moves 10% × u of the way toward 50%; confidence 0.6 − 0.3 × u.
    public static let riskAssessment = OfflineAgent(name: "risk_assessment", kind: .mvp) { b in
        let thin = 1 - b.liquidityScore / 10
        let horizon = min(1, max(0, (b.daysToExpiry ?? 365) / 365))
        let ambiguity = (b.snapshot.resolutionSource ?? "").isEmpty ? 1.0 : 0.3
        let u = (thin + horizon + ambiguity) / 3
        let fair = b.probability + (0.5 - b.probability) * 0.1 * u
        var risks: [String] = []
        if thin > 0.5 { risks.append("Thin liquidity (score \(Format.decimal(b.liquidityScore, 1))/10)") }
        if horizon > 0.5 { risks.append("Resolution is \(Int(b.daysToExpiry ?? 365)) days away") }
        if ambiguity == 1 { risks.append("No named resolution source") }
        return AgentOutput(agent: "risk_assessment", kind: .mvp, fairProbability: fair, confidence: 0.6 - 0.3 * u,
                           direction: AgentOutput.direction(fair: fair, market: b.probability),
                           keyDrivers: ["Uncertainty \(Format.decimal(u, 2)) (liquidity \(Format.decimal(thin, 2)), horizon \(Format.decimal(horizon, 2)), ambiguity \(Format.decimal(ambiguity, 1)))"],
                           riskFactors: risks, metadata: ["uncertainty": .number(u)])
    }

    /// Tail risk and time decay: the favourite–longshot bias — prices under 15% overstate YES (fair
    /// = 0.85 × price), over 85% understate it (fair = price + 0.15 × (1 − price)). Close to expiry
    /// an unmoved longshot decays further: × (1 − 0.2 × e^(−days/14)). Confidence 0.35, 0.5 inside 30 days.
    public static let tailRisk = OfflineAgent(name: "tail_risk", kind: .mvp) { b in
        let p = b.probability
        var fair = p < 0.15 ? 0.85 * p : p > 0.85 ? p + 0.15 * (1 - p) : p
        let days = b.daysToExpiry ?? 365
        if p < 0.15 { fair *= 1 - 0.2 * exp(-days / 14) }
        let regime = p < 0.15 ? "longshot" : p > 0.85 ? "favourite" : "mid-range"
        return AgentOutput(agent: "tail_risk", kind: .mvp, fairProbability: fair, confidence: days < 30 ? 0.5 : 0.35,
                           direction: AgentOutput.direction(fair: fair, market: p),
                           keyDrivers: ["\(regime.capitalized) price \(Format.percent(p)), \(Int(days)) days to expiry"],
                           riskFactors: p < 0.15 || p > 0.85 ? ["Tail outcome: small probability errors dominate returns"] : [],
                           metadata: ["regime": .string(regime)])
    }

    // MARK: - Statistics

    /// Time-weighted mean (weights halve every `halfLifeDays` back from the newest point) and the
    /// plain standard deviation of the prices.
    static func timeWeighted(_ history: [PricePoint], halfLifeDays: Double) -> (Double?, Double) {
        guard let newest = history.last?.t else { return (nil, 0) }
        var sum = 0.0, weights = 0.0
        for point in history {
            let weight = pow(0.5, (newest - point.t) / 86_400 / halfLifeDays)
            sum += weight * point.p
            weights += weight
        }
        return (weights > 0 ? sum / weights : nil, standardDeviation(history.map(\.p)))
    }

    /// Least-squares slope (probability per day) and R² of price against time.
    static func regression(_ points: [PricePoint]) -> (slope: Double, r2: Double) {
        guard points.count >= 3 else { return (0, 0) }
        let xs = points.map { $0.t / 86_400 }, ys = points.map(\.p)
        let n = Double(points.count)
        let mx = xs.reduce(0, +) / n, my = ys.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in zip(xs, ys) {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
            syy += (y - my) * (y - my)
        }
        guard sxx > 0 else { return (0, 0) }
        let slope = sxy / sxx
        return (slope, syy > 0 ? min(1, (sxy * sxy) / (sxx * syy)) : 0)
    }
}

/// Population standard deviation (0 for fewer than two values).
public func standardDeviation(_ values: [Double]) -> Double {
    guard values.count >= 2 else { return 0 }
    let mean = values.reduce(0, +) / Double(values.count)
    return sqrt(values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count))
}
