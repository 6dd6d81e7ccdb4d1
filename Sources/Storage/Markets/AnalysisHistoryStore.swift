import FoundationEssentials
import Support

/// Queries on `analysis_history`. Obtain one from `database.analysisHistory`.
public struct AnalysisHistoryStore {
    let database: Database
    let now: Date

    static let columns = """
        id, market_id, run_id, analysis_type, status, duration_ms, cost_usd, tokens_in, tokens_out, agents_used,
        error_message, source, detail, created_at
        """

    /// Records how a run ended. Recording the same run id again replaces the earlier record (a
    /// resumed run finishes once).
    @discardableResult
    public func record(_ run: AnalysisRun) throws -> AnalysisRun {
        try database.execute("""
            INSERT INTO analysis_history (market_id, run_id, analysis_type, status, duration_ms, cost_usd, tokens_in,
                tokens_out, agents_used, error_message, source, detail, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (run_id) DO UPDATE SET status = excluded.status, duration_ms = excluded.duration_ms,
                cost_usd = excluded.cost_usd, tokens_in = excluded.tokens_in, tokens_out = excluded.tokens_out,
                agents_used = excluded.agents_used, error_message = excluded.error_message, source = excluded.source,
                detail = excluded.detail
            """, [run.marketID, run.runID, run.analysisType.rawValue, run.status.rawValue, run.durationMilliseconds,
                  run.costUSD, run.tokensIn, run.tokensOut, try DatabaseValue.json(run.agentsUsed), run.errorMessage,
                  run.source, try DatabaseValue.json(run.detail), now])
        guard let stored = try database.queryOne("SELECT \(Self.columns) FROM analysis_history WHERE run_id = ?", [run.runID]) else {
            throw DatabaseError(resultCode: .error, message: "analysis run vanished after insert")
        }
        return try AnalysisRun(row: stored)
    }

    /// Runs newest first, optionally for one market.
    public func list(marketID: Int64? = nil, page: PageRequest = PageRequest()) throws -> Page<AnalysisRun> {
        let rows = try database.query("""
            SELECT \(Self.columns) FROM analysis_history
            WHERE (?1 IS NULL OR market_id = ?1) AND id < ?2 ORDER BY id DESC LIMIT ?3
            """, [marketID, try page.idCursor(), page.limit + 1])
        return page.page(from: try rows.map(AnalysisRun.init(row:))) { String($0.id) }
    }

    /// The run with this id.
    public func find(runID: String) throws -> AnalysisRun? {
        try database.queryOne("SELECT \(Self.columns) FROM analysis_history WHERE run_id = ?", [runID]).map(AnalysisRun.init(row:))
    }

    /// Runs recorded since `date` whose LLM calls a cost budget stopped (`detail.budgetExhausted`).
    public func budgetLimitedCount(since date: Date) throws -> Int {
        try database.scalar("""
            SELECT count(*) FROM analysis_history WHERE created_at >= ? AND json_extract(detail, '$.budgetExhausted') IS NOT NULL
            """, [date], as: Int.self) ?? 0
    }

    /// The most recent run of any market.
    public func latest() throws -> AnalysisRun? {
        try database.queryOne("SELECT \(Self.columns) FROM analysis_history ORDER BY id DESC LIMIT 1").map(AnalysisRun.init(row:))
    }
}
