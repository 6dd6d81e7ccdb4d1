import FoundationEssentials
import Support

/// How much the agents agree.
public enum ConsensusRegime: String, Codable, Sendable {
    case highConfidence = "high-confidence", moderate = "moderate", highUncertainty = "high-uncertainty"
}

/// The consensus: a probability with a band, or a recorded failure.
public struct ConsensusResult: Codable, Sendable, Equatable {
    public var reached: Bool
    /// The fused probability of YES.
    public var probability: Double
    /// Disagreement index: the standard deviation of the agents' probabilities.
    public var disagreementIndex: Double
    public var bandLower: Double
    public var bandUpper: Double
    public var regime: ConsensusRegime
    public var signalCount: Int
    /// Why consensus failed (nil when reached).
    public var failure: String?
}

public enum Consensus {
    /// At least two agent signals are needed (original).
    public static let minimumSignals = 2
    /// DI above 0.30 means the agents disagree too much to recommend anything (original).
    public static let maximumDisagreement = 0.30
    /// Band half-width: 0.05 × (1 + 3 × DI) (original).
    static let bandBase = 0.05
    static let bandDisagreementFactor = 3.0
    /// Regimes: DI < 0.1 high confidence, < 0.2 moderate, else high uncertainty (original).
    static let highConfidenceBelow = 0.1
    static let moderateBelow = 0.2

    /// The consensus of `signals` around the fused probability.
    public static func evaluate(_ signals: [AgentOutput], fused probability: Double) -> ConsensusResult {
        let di = standardDeviation(signals.map(\.fairProbability))
        let half = bandBase * (1 + bandDisagreementFactor * di)
        let regime: ConsensusRegime = di < highConfidenceBelow ? .highConfidence : di < moderateBelow ? .moderate : .highUncertainty
        var failure: String?
        if signals.count < minimumSignals {
            failure = "only \(signals.count) agent signal(s); consensus needs \(minimumSignals)"
        } else if di > maximumDisagreement {
            failure = "disagreement index \(Format.decimal(di, 3)) exceeds \(Format.decimal(maximumDisagreement, 2))"
        }
        return ConsensusResult(reached: failure == nil, probability: probability, disagreementIndex: di,
                               bandLower: max(0, probability - half), bandUpper: min(1, probability + half),
                               regime: regime, signalCount: signals.count, failure: failure)
    }
}
