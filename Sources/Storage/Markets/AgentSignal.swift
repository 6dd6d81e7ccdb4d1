import FoundationEssentials
import Support

/// An agent's view of where the market should go.
public enum SignalDirection: String, Codable, Sendable, CaseIterable {
    case yes = "YES", no = "NO", neutral = "NEUTRAL"
}

/// One agent's output in one analysis run (`agent_signals`). Probabilities and confidence are 0…1.
public struct AgentSignal: Codable, Sendable, Equatable {
    public var id: Int64 = 0
    public var marketID: Int64
    public var recommendationID: Int64?
    public var runID: String
    public var agentName: String
    public var agentType: String
    public var fairProbability: Double
    public var confidence: Double
    public var direction: SignalDirection
    public var keyDrivers: [String] = []
    public var riskFactors: [String] = []
    public var metadata: [String: JSONValue] = [:]
    public var createdAt: Date = Date(timeIntervalSince1970: 0)

    public init(marketID: Int64, runID: String, agentName: String, agentType: String,
                fairProbability: Double, confidence: Double, direction: SignalDirection) {
        self.marketID = marketID
        self.runID = runID
        self.agentName = agentName
        self.agentType = agentType
        self.fairProbability = fairProbability
        self.confidence = confidence
        self.direction = direction
    }

    init(row: Row) throws {
        id = try row.get("id")
        marketID = try row.get("market_id")
        recommendationID = try row.get("recommendation_id")
        runID = try row.get("run_id")
        agentName = try row.get("agent_name")
        agentType = try row.get("agent_type")
        fairProbability = try row.get("fair_probability")
        confidence = try row.get("confidence")
        direction = try row.enumValue("direction")
        keyDrivers = try row.json("key_drivers")
        riskFactors = try row.json("risk_factors")
        metadata = try row.json("metadata")
        createdAt = try row.get("created_at")
    }
}
