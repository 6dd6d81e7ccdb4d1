import FoundationEssentials
import Storage
import Support

/// The trade a consensus implies against the market price.
public struct TradePlan: Codable, Sendable, Equatable {
    public var direction: TradeDirection
    /// |p − m|.
    public var edge: Double
    /// Dollars per $100 staked; 0 for NO_TRADE.
    public var expectedValue: Double
    /// Probability that the side taken wins (p for YES, 1 − p for NO); nil for NO_TRADE.
    public var winProbability: Double?
    public var entryZone: ClosedRange<Double>?
    public var targetZone: ClosedRange<Double>?
    public var stopLoss: Double?
    public var liquidityRisk: LiquidityRisk
    public var confidence: ConfidenceLevel
    /// Why there is no trade (nil when there is one).
    public var noTradeReason: String?
}

public enum RecommendationMath {
    /// Below five points of edge there is no trade (original).
    public static let minimumEdge = 0.05
    /// Entry zone: the side's price ± 2 cents (original).
    static let entryHalfWidth = 0.02
    /// Stop distance below the entry zone by liquidity score: < 4 → 2.5¢, < 7 → 3¢, else 3.5¢ (original).
    static func stopDistance(liquidityScore: Double) -> Double {
        liquidityScore < 4 ? 0.025 : liquidityScore < 7 ? 0.03 : 0.035
    }
    /// Liquidity risk: score < 5 high, < 7 medium, else low (original).
    static func liquidityRisk(score: Double) -> LiquidityRisk { score < 5 ? .high : score < 7 ? .medium : .low }
    /// Confidence label from the band width: < 0.1 high, < 0.2 moderate, else low (original).
    static func confidence(bandWidth: Double) -> ConfidenceLevel { bandWidth < 0.1 ? .high : bandWidth < 0.2 ? .moderate : .low }

    /// The plan for consensus probability `p` (with its band) against the market YES price `m`.
    public static func plan(consensus: ConsensusResult, marketPrice m: Double, liquidityScore: Double) -> TradePlan {
        let p = consensus.probability
        let edge = abs(p - m)
        let risk = liquidityRisk(score: liquidityScore)
        let label = confidence(bandWidth: consensus.bandUpper - consensus.bandLower)
        func noTrade(_ reason: String) -> TradePlan {
            TradePlan(direction: .noTrade, edge: edge, expectedValue: 0, winProbability: nil, entryZone: nil, targetZone: nil,
                      stopLoss: nil, liquidityRisk: risk, confidence: label, noTradeReason: reason)
        }
        guard edge >= minimumEdge else {
            return noTrade("edge \(Format.points(edge)) is below the \(Format.points(minimumEdge)) minimum")
        }
        let yes = p > m
        // EV per $100: buying a side at price q that wins with probability π returns 100·(π/q − 1).
        let ev = yes ? 100 * (p / m - 1) : 100 * ((1 - p) / (1 - m) - 1)
        guard ev > 0 else { return noTrade("expected value \(Format.decimal(ev, 2)) per $100 is not positive") }
        let price = yes ? m : 1 - m
        let entry = max(0, price - entryHalfWidth)...min(1, price + entryHalfWidth)
        // The band is about YES; for NO it is mirrored.
        let target = yes ? consensus.bandLower...consensus.bandUpper : (1 - consensus.bandUpper)...(1 - consensus.bandLower)
        let rawStop = entry.lowerBound - stopDistance(liquidityScore: liquidityScore)
        let stop = max(0.01, min(entry.lowerBound - 0.01, rawStop))
        return TradePlan(direction: yes ? .longYes : .longNo, edge: edge, expectedValue: ev, winProbability: yes ? p : 1 - p,
                         entryZone: entry, targetZone: target, stopLoss: stop, liquidityRisk: risk, confidence: label, noTradeReason: nil)
    }
}
