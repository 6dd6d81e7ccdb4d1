import FoundationEssentials
import Glibc
import Support

/// The agents' signals combined into one probability and confidence (the original's fusion math).
public struct FusionResult: Codable, Sendable, Equatable {
    /// Σ wᵢ·pᵢ with normalised weights.
    public var probability: Double
    public var confidence: Double
    /// Agent name → normalised weight.
    public var weights: [String: Double]
    /// Pairs of agents whose probabilities differ by more than `Fusion.conflictThreshold`.
    public var conflicts: [[String]]
    /// max(0, 1 − 2σ) of the agents' probabilities.
    public var alignment: Double
}

public enum Fusion {
    /// Base weight by evidence kind (original monitor): polling is the strongest evidence,
    /// sentiment the weakest.
    public static func baseWeight(_ kind: AgentKind) -> Double {
        switch kind {
        case .mvp: 1.0
        case .event: 1.2
        case .polling: 1.5
        case .sentiment: 0.8
        case .price: 1.0
        }
    }
    /// Confidence scaling of a weight: 0.7 + 0.5 × confidence (original).
    static let confidenceFloor = 0.7
    static let confidenceSlope = 0.5
    /// Price agents in illiquid markets (liquidity score < 5) are discounted by 0.5 + 0.1 × score (original).
    static let illiquidScore = 5.0
    static let liquidityFloor = 0.5
    static let liquiditySlope = 0.1
    /// Two signals conflict when their probabilities differ by more than 20 points (original).
    public static let conflictThreshold = 0.20
    /// Confidence: + 0.2 × alignment, − 0.3 × (1 − mean confidence), halved when the spread of
    /// probabilities (max − min) exceeds 0.7 (original).
    static let alignmentBonus = 0.2
    static let uncertaintyPenalty = 0.3
    static let extremeSpread = 0.7

    /// Fuses `signals` (at least one) given the market's liquidity score.
    public static func fuse(_ signals: [AgentOutput], liquidityScore: Double) -> FusionResult {
        precondition(!signals.isEmpty, "fusion needs at least one signal")
        let raw = signals.map { signal -> Double in
            var weight = baseWeight(signal.kind) * (confidenceFloor + confidenceSlope * signal.confidence)
            if signal.kind == .price && liquidityScore < illiquidScore {
                weight *= liquidityFloor + liquiditySlope * liquidityScore
            }
            return weight
        }
        let total = raw.reduce(0, +)
        let weights = raw.map { total > 0 ? $0 / total : 1 / Double(raw.count) }
        let probability = zip(weights, signals).reduce(0) { $0 + $1.0 * $1.1.fairProbability }
        var conflicts: [[String]] = []
        for i in signals.indices {
            for j in signals.indices where j > i && abs(signals[i].fairProbability - signals[j].fairProbability) > conflictThreshold {
                conflicts.append([signals[i].agent, signals[j].agent].sorted())
            }
        }
        let probabilities = signals.map(\.fairProbability)
        let alignment = max(0, 1 - 2 * standardDeviation(probabilities))
        let meanConfidence = signals.map(\.confidence).reduce(0, +) / Double(signals.count)
        var confidence = zip(weights, signals).reduce(0) { $0 + $1.0 * $1.1.confidence }
            + alignmentBonus * alignment - uncertaintyPenalty * (1 - meanConfidence)
        if (probabilities.max()! - probabilities.min()!) > extremeSpread { confidence /= 2 }
        return FusionResult(probability: min(1, max(0, probability)), confidence: min(1, max(0, confidence)),
                            weights: Dictionary(uniqueKeysWithValues: zip(signals.map(\.agent), weights)),
                            conflicts: conflicts.sorted { $0.joined() < $1.joined() }, alignment: alignment)
    }
}
