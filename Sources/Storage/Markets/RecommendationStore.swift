import FoundationEssentials
import Support

/// Queries on `recommendations`. Obtain one from `database.recommendations`.
public struct RecommendationStore {
    let database: Database
    let now: Date

    static let columns = """
        id, market_id, run_id, direction, fair_probability, market_probability, market_edge, expected_value,
        win_probability, confidence, entry_zone_min, entry_zone_max, target_zone_min, target_zone_max, stop_loss,
        liquidity_risk, explanation, core_thesis, catalysts, risks, created_at, consensus_probability
        """

    /// Stores a recommendation and returns it with its id and creation time.
    @discardableResult
    public func insert(_ recommendation: Recommendation) throws -> Recommendation {
        let r = recommendation
        try database.execute("""
            INSERT INTO recommendations (market_id, run_id, direction, fair_probability, market_probability,
                market_edge, expected_value, win_probability, confidence, entry_zone_min, entry_zone_max,
                target_zone_min, target_zone_max, stop_loss, liquidity_risk, explanation, core_thesis,
                catalysts, risks, created_at, consensus_probability)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [r.marketID, r.runID, r.direction.rawValue, r.fairProbability, r.marketProbability, r.marketEdge,
                  r.expectedValue, r.winProbability, r.confidence.rawValue, r.entryZoneMin, r.entryZoneMax,
                  r.targetZoneMin, r.targetZoneMax, r.stopLoss, r.liquidityRisk?.rawValue, r.explanation,
                  r.coreThesis, try DatabaseValue.json(r.catalysts), try DatabaseValue.json(r.risks), now, r.consensusProbability])
        var stored = r
        stored.id = database.lastInsertRowID
        stored.createdAt = now
        return stored
    }

    /// The newest recommendation for a market.
    public func latest(marketID: Int64) throws -> Recommendation? {
        try database.queryOne("""
            SELECT \(Self.columns) FROM recommendations WHERE market_id = ? ORDER BY created_at DESC, id DESC LIMIT 1
            """, [marketID]).map(Recommendation.init(row:))
    }

    /// The recommendation with row id `id`, or nil.
    public func find(id: Int64) throws -> Recommendation? {
        try database.queryOne("SELECT \(Self.columns) FROM recommendations WHERE id = ?", [id]).map(Recommendation.init(row:))
    }

    /// Recommendations newest first, optionally for one market.
    public func list(marketID: Int64? = nil, page: PageRequest = PageRequest()) throws -> Page<Recommendation> {
        let rows = try database.query("""
            SELECT \(Self.columns) FROM recommendations
            WHERE (?1 IS NULL OR market_id = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3
            """, [marketID, try page.idCursor(), page.limit + 1])
        return page.page(from: try rows.map(Recommendation.init(row:))) { String($0.id) }
    }

    /// The recommendation a run produced.
    public func find(runID: String) throws -> Recommendation? {
        try database.queryOne("SELECT \(Self.columns) FROM recommendations WHERE run_id = ? ORDER BY id DESC LIMIT 1", [runID])
            .map(Recommendation.init(row:))
    }
}
