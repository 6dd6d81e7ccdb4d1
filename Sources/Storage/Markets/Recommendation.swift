import FoundationEssentials
import Support

/// What the analysis recommends doing in a market.
public enum TradeDirection: String, Codable, Sendable, CaseIterable {
    case longYes = "LONG_YES", longNo = "LONG_NO", noTrade = "NO_TRADE"
}

/// Confidence label of a recommendation.
public enum ConfidenceLevel: String, Codable, Sendable, CaseIterable {
    case high, moderate, low
}

/// Liquidity risk label.
public enum LiquidityRisk: String, Codable, Sendable, CaseIterable {
    case low, medium, high
}

/// A trade recommendation produced by one analysis run (`recommendations`).
/// Probabilities and prices are 0…1; `expectedValue` is dollars per $100 staked.
public struct Recommendation: Codable, Sendable, Equatable {
    public var id: Int64 = 0
    public var marketID: Int64
    public var runID: String
    public var direction: TradeDirection
    public var fairProbability: Double
    public var marketProbability: Double
    public var marketEdge: Double
    public var expectedValue: Double
    public var winProbability: Double?
    public var confidence: ConfidenceLevel
    public var entryZoneMin: Double?
    public var entryZoneMax: Double?
    public var targetZoneMin: Double?
    public var targetZoneMax: Double?
    public var stopLoss: Double?
    public var liquidityRisk: LiquidityRisk?
    public var explanation: String?
    public var coreThesis: String?
    public var catalysts: [String] = []
    public var risks: [String] = []
    public var createdAt: Date = Date(timeIntervalSince1970: 0)
    /// The agents' consensus probability of YES before any market blend (equal to
    /// `fairProbability` unless `DECISION_BLEND=auto` moved it); nil on rows older than schema v8.
    public var consensusProbability: Double?

    public init(marketID: Int64, runID: String, direction: TradeDirection, fairProbability: Double,
                marketProbability: Double, marketEdge: Double, expectedValue: Double, confidence: ConfidenceLevel) {
        self.marketID = marketID
        self.runID = runID
        self.direction = direction
        self.fairProbability = fairProbability
        self.marketProbability = marketProbability
        self.marketEdge = marketEdge
        self.expectedValue = expectedValue
        self.confidence = confidence
    }

    init(row: Row) throws {
        id = try row.get("id")
        marketID = try row.get("market_id")
        runID = try row.get("run_id")
        direction = try row.enumValue("direction")
        fairProbability = try row.get("fair_probability")
        marketProbability = try row.get("market_probability")
        marketEdge = try row.get("market_edge")
        expectedValue = try row.get("expected_value")
        winProbability = try row.get("win_probability")
        confidence = try row.enumValue("confidence")
        entryZoneMin = try row.get("entry_zone_min")
        entryZoneMax = try row.get("entry_zone_max")
        targetZoneMin = try row.get("target_zone_min")
        targetZoneMax = try row.get("target_zone_max")
        stopLoss = try row.get("stop_loss")
        let risk: String? = try row.get("liquidity_risk")
        liquidityRisk = risk.flatMap(LiquidityRisk.init(rawValue:))
        explanation = try row.get("explanation")
        coreThesis = try row.get("core_thesis")
        catalysts = try row.json("catalysts")
        risks = try row.json("risks")
        createdAt = try row.get("created_at")
        consensusProbability = try row.get("consensus_probability")
    }
}

extension Row {
    /// A column holding the raw value of a string enumeration.
    public func enumValue<T: RawRepresentable>(_ column: String, as type: T.Type = T.self) throws -> T where T.RawValue == String {
        let raw: String = try get(column)
        guard let value = T(rawValue: raw) else {
            throw DatabaseError(resultCode: .mismatch, message: "column \(column) holds an unknown \(T.self)")
        }
        return value
    }
}
