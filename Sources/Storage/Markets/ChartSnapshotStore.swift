import FoundationEssentials
import Support

/// One stored chart snapshot (its SVG is read separately: listings stay small).
public struct ChartSnapshot: Codable, Sendable, Equatable {
    public var id: Int64
    public var recommendationID: Int64
    public var marketID: Int64
    /// When the recommendation was made (the chart's right edge).
    public var createdAt: Date
    /// Price points drawn.
    public var points: Int
    /// Bytes of the SVG.
    public var bytes: Int
}

/// The `chart_snapshots` table. Obtain one from `database.chartSnapshots`.
public struct ChartSnapshotStore {
    let database: Database
    let now: Date

    static let columns = "id, recommendation_id, market_id, created_at, points, length(svg)"

    static func snapshot(_ row: Statement) -> ChartSnapshot {
        ChartSnapshot(id: row.int64(at: 0), recommendationID: row.int64(at: 1), marketID: row.int64(at: 2),
                      createdAt: Timestamp.parse(row.text(at: 3) ?? "") ?? Date(timeIntervalSince1970: 0),
                      points: Int(row.int64(at: 4)), bytes: Int(row.int64(at: 5)))
    }

    /// Stores the snapshot of `recommendation` (made at `createdAt`); a second one for the same
    /// recommendation is ignored. Returns whether a row was added.
    @discardableResult
    public func insert(recommendationID: Int64, marketID: Int64, createdAt: Date, points: Int, svg: String) throws -> Bool {
        try database.execute("""
            INSERT INTO chart_snapshots (recommendation_id, market_id, created_at, points, svg) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (recommendation_id) DO NOTHING
            """, [recommendationID, marketID, createdAt, points, svg])
        return database.changes > 0
    }

    /// Ids of recommendations made since `since` that have no snapshot yet, oldest first, at most `limit`.
    public func missing(since: Date, limit: Int) throws -> [Int64] {
        var ids: [Int64] = []
        try database.forEachRow("""
            SELECT r.id FROM recommendations r
            WHERE r.created_at >= ? AND NOT EXISTS (SELECT 1 FROM chart_snapshots c WHERE c.recommendation_id = r.id)
            ORDER BY r.created_at, r.id LIMIT ?
            """, [since, limit]) { row in
            ids.append(row.int64(at: 0))
            return true
        }
        return ids
    }

    /// Snapshots newest first: of one market (or all), at most `limit`.
    public func list(marketID: Int64? = nil, limit: Int = 60) throws -> [ChartSnapshot] {
        var found: [ChartSnapshot] = []
        let filter = marketID == nil ? "" : "WHERE market_id = ?"
        let arguments: StatementArguments = marketID.map { [$0, limit] } ?? [limit]
        try database.forEachRow("SELECT \(Self.columns) FROM chart_snapshots \(filter) ORDER BY created_at DESC, id DESC LIMIT ?", arguments) { row in
            found.append(Self.snapshot(row))
            return true
        }
        return found
    }

    /// The SVG of snapshot `id`, or nil.
    public func svg(id: Int64) throws -> String? {
        try database.scalar("SELECT svg FROM chart_snapshots WHERE id = ?", [id], as: String.self)
    }

    /// Deletes snapshots of recommendations made before `cutoff`; returns how many.
    @discardableResult
    public func prune(before cutoff: Date) throws -> Int {
        try database.execute("DELETE FROM chart_snapshots WHERE created_at < ?", [cutoff])
        return database.changes
    }
}

extension Database {
    /// Chart snapshots of recommendations (`chart_snapshots`).
    public var chartSnapshots: ChartSnapshotStore { ChartSnapshotStore(database: self, now: clock.now()) }
}
