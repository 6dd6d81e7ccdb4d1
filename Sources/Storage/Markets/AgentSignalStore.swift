import FoundationEssentials
import Support

/// Queries on `agent_signals`. Obtain one from `database.agentSignals`.
public struct AgentSignalStore {
    let database: Database
    let now: Date

    static let columns = """
        id, market_id, recommendation_id, run_id, agent_name, agent_type, fair_probability, confidence, direction,
        key_drivers, risk_factors, metadata, created_at
        """

    /// Stores a signal and returns it with its id and creation time.
    @discardableResult
    public func insert(_ signal: AgentSignal) throws -> AgentSignal {
        let s = signal
        try database.execute("""
            INSERT INTO agent_signals (market_id, recommendation_id, run_id, agent_name, agent_type, fair_probability,
                confidence, direction, key_drivers, risk_factors, metadata, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [s.marketID, s.recommendationID, s.runID, s.agentName, s.agentType, s.fairProbability, s.confidence,
                  s.direction.rawValue, try DatabaseValue.json(s.keyDrivers), try DatabaseValue.json(s.riskFactors),
                  try DatabaseValue.json(s.metadata), now])
        var stored = s
        stored.id = database.lastInsertRowID
        stored.createdAt = now
        return stored
    }

    /// An agent's most recent signals for a market, newest first (the agent's memory).
    public func recent(marketID: Int64, agentName: String, limit: Int = 3) throws -> [AgentSignal] {
        try database.query("""
            SELECT \(Self.columns) FROM agent_signals WHERE market_id = ? AND agent_name = ?
            ORDER BY created_at DESC, id DESC LIMIT ?
            """, [marketID, agentName, limit]).map(AgentSignal.init(row:))
    }

    /// The signals of one run, by agent name.
    public func forRun(_ runID: String) throws -> [AgentSignal] {
        try database.query("SELECT \(Self.columns) FROM agent_signals WHERE run_id = ? ORDER BY agent_name, id", [runID])
            .map(AgentSignal.init(row:))
    }
}
