import FoundationEssentials
import Support

/// What `export` can write. Every kind but `trades` is a query on stored rows; `trades` are the
/// track record's simulated trades (built above Storage, written with the same encoder).
public enum ExportKind: String, Sendable, CaseIterable {
    case recommendations, trades, analyses
    case agentSignals = "agent-signals"
    case signals, positions

    /// The query of a stored kind: its select list and tables, the time column the period filters
    /// on, the id column that orders and pages it, and whether its rows come from markets (and
    /// so are live or sample). nil for `trades`.
    var query: (select: String, time: String, id: String, marketScoped: Bool)? {
        switch self {
        case .recommendations:
            return ("""
                SELECT r.id, m.condition_id, m.question, r.run_id, r.direction, r.fair_probability, r.market_probability, r.market_edge,
                       r.expected_value, r.win_probability, r.confidence, r.entry_zone_min, r.entry_zone_max, r.target_zone_min,
                       r.target_zone_max, r.stop_loss, r.liquidity_risk, r.explanation, r.core_thesis, r.catalysts, r.risks, r.created_at, m.sample
                FROM recommendations r JOIN markets m ON m.id = r.market_id
                """, "r.created_at", "r.id", true)
        case .analyses:
            return ("""
                SELECT h.id, m.condition_id, m.question, h.run_id, h.analysis_type, h.status, h.duration_ms, h.cost_usd, h.tokens_in,
                       h.tokens_out, h.agents_used, h.error_message, h.source, h.created_at, m.sample
                FROM analysis_history h JOIN markets m ON m.id = h.market_id
                """, "h.created_at", "h.id", true)
        case .agentSignals:
            return ("""
                SELECT s.id, m.condition_id, s.run_id, s.recommendation_id, s.agent_name, s.agent_type, s.fair_probability, s.confidence,
                       s.direction, s.key_drivers, s.risk_factors, s.created_at, m.sample
                FROM agent_signals s JOIN markets m ON m.id = s.market_id
                """, "s.created_at", "s.id", true)
        case .signals:
            return ("""
                SELECT s.id, s.correlation_id, s.source, s.symbol, s.direction, s.timeframe, s.signal_time, s.received_at, s.price, s.score,
                       s.confidence, s.idempotency_key, s.auth_method, s.metadata, d.action AS decision, d.rule AS decision_rule,
                       d.reasons AS decision_reasons, d.position_id
                FROM signals s LEFT JOIN decisions d ON d.signal_id = s.id
                """, "s.received_at", "s.id", false)
        case .positions:
            return ("""
                SELECT p.id, p.symbol, p.side, p.quantity, p.entry_price, p.entry_signal_id, p.opened_at, p.status, p.exit_price,
                       p.exit_signal_id, p.closed_at, p.realized_pnl
                FROM positions p
                """, "p.opened_at", "p.id", false)
        case .trades:
            return nil
        }
    }
}

extension ExportKind {
    /// The kind's unfiltered select on one line (what `bench track-record` gives the sqlite3
    /// shell to compare with); nil for `trades`.
    public var unfilteredSelect: String? {
        query.map { $0.select.split(separator: "\n").map { String($0).trimmed() }.joined(separator: " ") }
    }
}

/// Which rows an export covers: live or sample rows (for kinds made from markets), a period,
/// and a page (`after` an id, at most `limit` rows) for callers that cannot stream.
public struct ExportScope: Sendable, Equatable {
    public var sample = false
    public var since: Date?
    public var until: Date?
    public var after: Int64?
    public var limit: Int?

    public init(sample: Bool = false, since: Date? = nil, until: Date? = nil, after: Int64? = nil, limit: Int? = nil) {
        self.sample = sample
        self.since = since
        self.until = until
        self.after = after
        self.limit = limit
    }
}

/// Writes stored rows of a kind through an `ExportEncoder`, one row at a time.
public enum Exporter {
    /// Streams `kind` (not `trades`) in `format` to `sink`; returns the rows written and the
    /// last id (the `after` of the next page).
    @discardableResult
    public static func run(_ database: Database, kind: ExportKind, format: ExportFormat, scope: ExportScope,
                           progress: (Int) -> Void = { _ in }, sink: @escaping ([UInt8]) throws -> Void) throws -> (rows: Int, lastID: Int64?) {
        guard let query = kind.query else { throw StorageError(.invalidInput, "trades are built from the track record, not stored rows") }
        var conditions = ["\(query.time) >= ?", "\(query.time) <= ?", "\(query.id) > ?"]
        var arguments: StatementArguments = [scope.since.map(Timestamp.format) ?? "", scope.until.map(Timestamp.format) ?? "9999", scope.after ?? Int64.min]
        if query.marketScoped {
            conditions.append("m.sample = ?")
            arguments.append(scope.sample ? 1 : 0)
        }
        var sql = query.select + " WHERE " + conditions.joined(separator: " AND ") + " ORDER BY \(query.id)"
        if let limit = scope.limit { sql += " LIMIT \(max(0, limit))" }
        var encoder: ExportEncoder?
        var lastID: Int64?
        try database.forEachRow(sql, arguments) { statement in
            if encoder == nil { encoder = try ExportEncoder(format: format, columns: statement.columnNamesList, sink: sink) }
            let values = (0..<statement.columnCount).map { statement.value(at: $0) }
            try encoder!.add(values)
            lastID = statement.int64(at: 0)
            if encoder!.rows % 10_000 == 0 { progress(encoder!.rows) }
            return true
        }
        if encoder == nil {
            // No rows: the header (CSV) or an empty array (JSON) still says what the columns are.
            let names = try database.columnNames(of: query.select + " LIMIT 0")
            encoder = try ExportEncoder(format: format, columns: names, sink: sink)
        }
        try encoder!.finish()
        return (encoder!.rows, lastID)
    }
}
