import FoundationEssentials
import Support

/// Price series per outcome token (`price_history`): one row per token and time (epoch seconds,
/// whole), so storing an overlapping series twice changes nothing. Obtain one from
/// `database.priceHistory`.
public struct PriceHistoryStore {
    let database: Database
    let now: Date

    /// Stores `points` of `tokenID`; a point whose time is already stored is kept as it was
    /// (the first answer wins: a backfill and the hourly append agree on overlaps). Points whose
    /// price is outside 0…1 or not finite are skipped. Returns how many rows were added.
    @discardableResult
    public func append(tokenID: String, _ points: [PricePoint]) throws -> Int {
        guard !tokenID.isEmpty else { return 0 }
        var added = 0
        for point in points where point.p.isFinite && point.t.isFinite && (0...1).contains(point.p) {
            try database.execute("INSERT INTO price_history (token_id, t, p) VALUES (?, ?, ?) ON CONFLICT (token_id, t) DO NOTHING",
                                 [tokenID, Int64(point.t.rounded(.down)), point.p])
            added += database.changes
        }
        return added
    }

    /// The points of `tokenID` with `from ≤ t ≤ through` (epoch seconds; nil: unbounded), oldest first.
    public func points(tokenID: String, from: Double? = nil, through: Double? = nil) throws -> [PricePoint] {
        // A plain step loop: this is the hot path of track records and backtests (millions of points).
        let statement = try database.cachedStatement("SELECT t, p FROM price_history WHERE token_id = ? AND t >= ? AND t <= ? ORDER BY t")
        try statement.bind([tokenID, Int64((from ?? -1e15).rounded(.down)), Int64((through ?? 1e15).rounded(.down))])
        defer { statement.reset() }
        var points: [PricePoint] = []
        points.reserveCapacity(256)
        while try statement.step() { points.append(PricePoint(t: Double(statement.int64(at: 0)), p: statement.double(at: 1))) }
        return points
    }

    /// Calls `body` with each series of `tokens` (every point, oldest first), token by token in
    /// one scan of the table in key order; tokens without points are not called.
    public func forEachSeries(_ tokens: Set<String>, _ body: (_ token: String, _ series: [PricePoint]) throws -> Void) throws {
        var token = "", wanted = false
        var series: [PricePoint] = []
        try database.forEachRow("SELECT token_id, t, p FROM price_history ORDER BY token_id, t") { row in
            if !row.text(at: 0, equals: token) {
                if wanted, !series.isEmpty { try body(token, series) }
                token = row.text(at: 0) ?? ""
                wanted = tokens.contains(token)
                series.removeAll(keepingCapacity: true)
            }
            if wanted { series.append(PricePoint(t: Double(row.int64(at: 1)), p: row.double(at: 2))) }
            return true
        }
        if wanted, !series.isEmpty { try body(token, series) }
    }

    /// The newest stored time of `tokenID` (epoch seconds), or nil when none is stored.
    public func latestTime(tokenID: String) throws -> Double? {
        try database.scalar("SELECT max(t) FROM price_history WHERE token_id = ?", [tokenID], as: Int64.self).map(Double.init)
    }

    /// Stored points in total.
    public func count() throws -> Int { try database.scalar("SELECT count(*) FROM price_history", as: Int.self) ?? 0 }

    /// Deletes points older than `cutoff`, except those of tokens whose market has a
    /// recommendation (the track record replays trades over them, so they stay as long as the
    /// recommendation does). Returns how many were deleted.
    @discardableResult
    public func prune(olderThan cutoff: Date) throws -> Int {
        try database.execute("""
            DELETE FROM price_history WHERE t < ? AND token_id NOT IN (
                SELECT value FROM markets, json_each(markets.clob_token_ids)
                WHERE markets.id IN (SELECT DISTINCT market_id FROM recommendations))
            """, [Int64(cutoff.timeIntervalSince1970)])
        return database.changes
    }
}
