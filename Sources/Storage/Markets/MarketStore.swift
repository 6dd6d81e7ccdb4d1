import FoundationEssentials
import Support

/// Queries on `markets`. Obtain one from `database.markets` inside a pool closure.
public struct MarketStore {
    let database: Database
    let now: Date

    static let columns = """
        id, condition_id, gamma_id, event_id, question, description, event_type, slug, market_probability,
        volume_24h, liquidity, status, resolved_outcome, end_date, trending_score, created_at, updated_at, last_analyzed_at,
        outcomes, clob_token_ids, event_title, resolved_at, sample
        """

    /// Inserts the market or updates the stored one with the same condition id, and returns the
    /// stored row. `createdAt` of an existing row is kept, and so is its `lastAnalyzedAt` unless
    /// `market.lastAnalyzedAt` is set (an analysis stores its result and its time in this one write).
    @discardableResult
    public func upsert(_ market: Market) throws -> Market {
        try database.execute("""
            INSERT INTO markets (condition_id, gamma_id, event_id, question, description, event_type, slug,
                market_probability, volume_24h, liquidity, status, resolved_outcome, end_date, trending_score,
                created_at, updated_at, outcomes, clob_token_ids, event_title, resolved_at, last_analyzed_at, sample)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (condition_id) DO UPDATE SET
                gamma_id = excluded.gamma_id, event_id = excluded.event_id, question = excluded.question,
                description = excluded.description, event_type = excluded.event_type, slug = excluded.slug,
                market_probability = excluded.market_probability, volume_24h = excluded.volume_24h,
                liquidity = excluded.liquidity, status = excluded.status, resolved_outcome = excluded.resolved_outcome,
                end_date = excluded.end_date, trending_score = excluded.trending_score, updated_at = excluded.updated_at,
                outcomes = excluded.outcomes, clob_token_ids = excluded.clob_token_ids, event_title = excluded.event_title,
                resolved_at = excluded.resolved_at, sample = excluded.sample,
                last_analyzed_at = coalesce(excluded.last_analyzed_at, markets.last_analyzed_at)
            """, [market.conditionID, market.gammaID, market.eventID, market.question, market.description,
                  market.eventType, market.slug, market.marketProbability, market.volume24h, market.liquidity,
                  market.status.rawValue, market.resolvedOutcome, market.endDate, market.trendingScore, now, now,
                  try DatabaseValue.json(market.outcomes), try DatabaseValue.json(market.clobTokenIDs), market.eventTitle,
                  market.resolvedAt, market.lastAnalyzedAt, market.isSample ? 1 : 0])
        guard let stored = try find(conditionID: market.conditionID) else {
            throw DatabaseError(resultCode: .error, message: "market vanished after upsert")
        }
        return stored
    }

    /// The market with this condition id.
    public func find(conditionID: String) throws -> Market? {
        try database.queryOne("SELECT \(Self.columns) FROM markets WHERE condition_id = ?", [conditionID]).map(Market.init(row:))
    }

    /// The market with this row id.
    public func find(id: Int64) throws -> Market? {
        try database.queryOne("SELECT \(Self.columns) FROM markets WHERE id = ?", [id]).map(Market.init(row:))
    }

    /// Markets by trending score (highest first), optionally of one status.
    /// The cursor is opaque (`score/id` of the last item).
    public func list(status: MarketStatus? = nil, page: PageRequest = PageRequest()) throws -> Page<Market> {
        var score = Double.greatestFiniteMagnitude
        var lastID = Int64.max
        if let cursor = page.cursor {
            let parts = cursor.split(separator: "/")
            guard parts.count == 2, let s = Double(parts[0]), let i = Int64(parts[1]) else {
                throw StorageError(.invalidCursor, "invalid cursor")
            }
            (score, lastID) = (s, i)
        }
        let rows = try database.query("""
            SELECT \(Self.columns) FROM markets
            WHERE (?1 IS NULL OR status = ?1) AND (trending_score < ?2 OR (trending_score = ?2 AND id > ?3))
            ORDER BY trending_score DESC, id ASC LIMIT ?4
            """, [status?.rawValue, score, page.cursor == nil ? Int64(0) : lastID, page.limit + 1])
        // The first page starts at the top score; "id > 0" admits every id there.
        let markets = try rows.map(Market.init(row:))
        return page.page(from: markets) { "\($0.trendingScore)/\($0.id)" }
    }

    /// Active markets analysed before `cutoff` (never-analysed ones are not stale), oldest analysis first.
    public func staleActive(analyzedBefore cutoff: Date, limit: Int) throws -> [Market] {
        try database.query("""
            SELECT \(Self.columns) FROM markets
            WHERE status = 'active' AND last_analyzed_at IS NOT NULL AND last_analyzed_at < ?
            ORDER BY last_analyzed_at ASC, id ASC LIMIT ?
            """, [cutoff, limit]).map(Market.init(row:))
    }

    /// Active markets, oldest update first (the refresh job's work list).
    public func active(limit: Int) throws -> [Market] {
        try database.query("SELECT \(Self.columns) FROM markets WHERE status = 'active' ORDER BY updated_at ASC, id ASC LIMIT ?",
                           [limit]).map(Market.init(row:))
    }

    /// Resolved real (not sample) markets with a recorded resolution time, oldest resolution first (what `replay` re-runs).
    public func resolvedLive() throws -> [Market] {
        try database.query("""
            SELECT \(Self.columns) FROM markets
            WHERE status = 'resolved' AND resolved_outcome IS NOT NULL AND resolved_at IS NOT NULL AND sample = 0
            ORDER BY resolved_at, id
            """).map(Market.init(row:))
    }

    /// Number of markets, optionally of one status.
    public func count(status: MarketStatus? = nil) throws -> Int {
        try database.scalar("SELECT count(*) FROM markets WHERE ?1 IS NULL OR status = ?1", [status?.rawValue]) ?? 0
    }
}
