import FoundationEssentials
import Support

/// Queries on `recommendation_outcomes` and the track record built from them.
/// Obtain one from `database.outcomes`.
public struct OutcomeStore {
    let database: Database
    let now: Date

    /// Recommendations of resolved markets that have no outcome yet, with their market.
    public func unscored(limit: Int = 10_000) throws -> [(Recommendation, Market)] {
        let recommendations = try database.query("""
            SELECT \(RecommendationStore.columns) FROM recommendations
            WHERE market_id IN (SELECT id FROM markets WHERE status = 'resolved' AND resolved_outcome IS NOT NULL)
              AND id NOT IN (SELECT recommendation_id FROM recommendation_outcomes)
            ORDER BY id LIMIT ?
            """, [limit]).map(Recommendation.init(row:))
        var markets: [Int64: Market] = [:]
        return try recommendations.compactMap { recommendation in
            if markets[recommendation.marketID] == nil { markets[recommendation.marketID] = try database.markets.find(id: recommendation.marketID) }
            return markets[recommendation.marketID].map { (recommendation, $0) }
        }
    }

    /// Stores an outcome; a recommendation already scored is left as it is (returns false).
    @discardableResult
    public func insert(_ outcome: RecommendationOutcome) throws -> Bool {
        let o = outcome
        try database.execute("""
            INSERT INTO recommendation_outcomes (recommendation_id, market_id, direction, winning_outcome, yes_won, correct,
                roi_per_100, edge_captured, brier_fair, brier_market, scored_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (recommendation_id) DO NOTHING
            """, [o.recommendationID, o.marketID, o.direction.rawValue, o.winningOutcome, o.yesWon ? 1 : 0,
                  o.correct.map { $0 ? 1 : 0 }, o.roiPer100, o.edgeCaptured, o.brierFair, o.brierMarket, now])
        return database.changes > 0
    }

    /// Outcomes of one market's recommendations.
    public func forMarket(_ marketID: Int64) throws -> [RecommendationOutcome] {
        try database.query("""
            SELECT id, recommendation_id, market_id, direction, winning_outcome, yes_won, correct, roi_per_100, edge_captured,
                   brier_fair, brier_market, scored_at
            FROM recommendation_outcomes WHERE market_id = ? ORDER BY recommendation_id
            """, [marketID]).map(RecommendationOutcome.init(row:))
    }

    /// Hit rate, mean ROI and Brier scores (ours against the market's), overall and per agent,
    /// over live markets only, or over the sample set only (`sample`): the two never mix.
    public func stats(sample: Bool = false) throws -> PerformanceStats {
        let flag = sample ? 1 : 0
        let row = try database.queryOne("""
            SELECT count(correct) AS trades, coalesce(sum(correct), 0) AS correct, avg(roi_per_100) AS roi,
                   sum(direction = 'NO_TRADE') AS no_trades, avg(brier_fair) AS brier_ours, avg(brier_market) AS brier_market
            FROM recommendation_outcomes WHERE market_id IN (SELECT id FROM markets WHERE sample = ?)
            """, [flag])!
        let trades: Int = try row.get("trades")
        let correct: Int = try row.get("correct")
        let overall = PerformanceStats.Overall(
            trades: trades, correct: correct, hitRate: trades > 0 ? Double(correct) / Double(trades) : nil,
            meanROIPer100: try row.get("roi"), noTrades: try row.get("no_trades", as: Int?.self) ?? 0,
            brierOurs: try row.get("brier_ours"), brierMarket: try row.get("brier_market"))
        // Each agent's probability of YES against the outcome, over markets that resolved.
        let agents = try database.query("""
            WITH resolved AS (
                SELECT id, CASE WHEN resolved_outcome = json_extract(outcomes, '$[0]') THEN 1.0 ELSE 0.0 END AS y
                FROM markets WHERE status = 'resolved' AND resolved_outcome IS NOT NULL AND sample = ?)
            SELECT s.agent_name AS agent, count(*) AS signals,
                   avg((s.fair_probability - r.y) * (s.fair_probability - r.y)) AS brier,
                   sum(s.direction != 'NEUTRAL') AS directional,
                   sum((s.direction = 'YES' AND r.y = 1) OR (s.direction = 'NO' AND r.y = 0)) AS hits
            FROM agent_signals s JOIN resolved r ON r.id = s.market_id
            GROUP BY s.agent_name ORDER BY s.agent_name
            """, [flag]).map { row -> PerformanceStats.Agent in
            let directional: Int = try row.get("directional")
            let hits: Int = try row.get("hits")
            return PerformanceStats.Agent(agent: try row.get("agent"), signals: try row.get("signals"), brier: try row.get("brier"),
                                          hitRate: directional > 0 ? Double(hits) / Double(directional) : nil)
        }
        return PerformanceStats(data: sample ? "sample" : "live", overall: overall, agents: agents)
    }
}
