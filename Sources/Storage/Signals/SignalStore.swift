import FoundationEssentials
import Support

/// Signals, decisions, paper positions and rejected requests. Obtain one from `database.signals`.
public struct SignalStore {
    let database: Database
    let now: Date

    static let positionColumns = "id, symbol, side, quantity, entry_price, entry_signal_id, opened_at, status, exit_price, closed_at, realized_pnl"

    // MARK: Intake

    /// The signal already stored under `dedupKey` when it was first seen at or after `notBefore`;
    /// counts the duplicate. Nil when the key is new or its window has passed.
    public func duplicate(of dedupKey: String, notBefore: Date) throws -> String? {
        guard let row = try database.queryOne("""
            SELECT s.correlation_id, d.first_seen_at FROM signal_dedup d JOIN signals s ON s.id = d.signal_id WHERE d.dedup_key = ?
            """, [dedupKey]) else { return nil }
        let firstSeen: Date = try row.get("first_seen_at")
        guard firstSeen >= notBefore else { return nil }
        try database.execute("UPDATE signal_dedup SET duplicates = duplicates + 1 WHERE dedup_key = ?", [dedupKey])
        return try row.get("correlation_id")
    }

    /// Stores a signal and claims its de-duplication key; returns the signal's id.
    public func insert(_ signal: NewSignal, intakeMilliseconds: Double) throws -> Int64 {
        try database.execute("""
            INSERT INTO signals (correlation_id, source, symbol, direction, timeframe, signal_time, received_at, price, score,
                                 confidence, idempotency_key, dedup_key, auth_method, metadata, raw_body, intake_ms)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [signal.correlationID, signal.source, signal.symbol, signal.direction, signal.timeframe, signal.signalTime,
                  signal.receivedAt, signal.price, signal.score, signal.confidence, signal.idempotencyKey, signal.dedupKey,
                  signal.authMethod, String(decoding: signal.metadata.serialized(), as: UTF8.self), signal.rawBody, intakeMilliseconds])
        let id = database.lastInsertRowID
        try database.execute("""
            INSERT INTO signal_dedup (dedup_key, signal_id, first_seen_at) VALUES (?, ?, ?)
            ON CONFLICT (dedup_key) DO UPDATE SET signal_id = excluded.signal_id, first_seen_at = excluded.first_seen_at
            """, [signal.dedupKey, id, signal.receivedAt])
        return id
    }

    /// Records the decision for a signal.
    public func recordDecision(signalID: Int64, action: String, rule: String, reasons: [String], positionID: Int64?,
                               milliseconds: Double) throws {
        try database.execute("""
            INSERT INTO decisions (signal_id, action, rule, reasons, position_id, decided_at, decision_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, [signalID, action, rule, String(decoding: JSONValue.array(reasons.map(JSONValue.string)).serialized(), as: UTF8.self),
                  positionID, now, milliseconds])
    }

    /// Keeps a rejected request: `payload` is truncated to `limit` bytes (on a UTF-8 boundary).
    /// Webhook requests refused as unprocessable, counted by error code (all time).
    public func errorCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        try database.forEachRow("SELECT code, count(*) FROM processing_errors GROUP BY code") { row in
            counts[row.text(at: 0) ?? ""] = Int(row.int64(at: 1))
            return true
        }
        return counts
    }

    public func recordError(code: String, message: String, payload: String, remoteAddress: String?, limit: Int = 2_048) throws {
        var bytes = Array(payload.utf8.prefix(limit))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        try database.execute("INSERT INTO processing_errors (received_at, code, message, payload, remote_address) VALUES (?, ?, ?, ?, ?)",
                             [now, code, message, String(decoding: bytes, as: UTF8.self), remoteAddress])
    }

    // MARK: What the rules look at

    /// The open position on `symbol`, if any.
    public func openPosition(symbol: String) throws -> Position? {
        try database.queryOne("SELECT \(Self.positionColumns) FROM positions WHERE status = 'open' AND symbol = ?", [symbol])
            .map(Position.init(row:))
    }

    /// Open positions, oldest first.
    public func openPositions() throws -> [Position] {
        try database.query("SELECT \(Self.positionColumns) FROM positions WHERE status = 'open' ORDER BY id").map(Position.init(row:))
    }

    /// When the last position on `symbol` was opened (every ENTER opens one).
    public func lastEntry(symbol: String) throws -> Date? {
        try database.scalar("SELECT max(opened_at) FROM positions WHERE symbol = ?", [symbol], as: Date.self)
    }

    /// The newest price a signal carried for `symbol`.
    public func lastPrice(symbol: String) throws -> Double? {
        try database.scalar("SELECT price FROM signals WHERE symbol = ? AND price IS NOT NULL ORDER BY received_at DESC, id DESC LIMIT 1",
                            [symbol], as: Double.self)
    }

    // MARK: Positions

    /// Opens a position and records the event; returns its id.
    public func open(symbol: String, side: PositionSide, quantity: Double, price: Double, signalID: Int64) throws -> Int64 {
        try database.execute("""
            INSERT INTO positions (symbol, side, quantity, entry_price, entry_signal_id, opened_at, status) VALUES (?, ?, ?, ?, ?, ?, 'open')
            """, [symbol, side.rawValue, quantity, price, signalID, now])
        let id = database.lastInsertRowID
        try database.execute("INSERT INTO position_events (position_id, kind, signal_id, price, quantity, at) VALUES (?, 'open', ?, ?, ?, ?)",
                             [id, signalID, price, quantity, now])
        return id
    }

    /// Closes a position at `price`, records the event and returns the realized P&L.
    @discardableResult
    public func close(_ position: Position, price: Double, signalID: Int64) throws -> Double {
        let pnl = position.pnl(at: price)
        try database.execute("""
            UPDATE positions SET status = 'closed', exit_price = ?, exit_signal_id = ?, closed_at = ?, realized_pnl = ? WHERE id = ? AND status = 'open'
            """, [price, signalID, now, pnl, position.id])
        try database.execute("""
            INSERT INTO position_events (position_id, kind, signal_id, price, quantity, realized_pnl, at) VALUES (?, 'close', ?, ?, ?, ?, ?)
            """, [position.id, signalID, price, position.quantity, pnl, now])
        return pnl
    }

    // MARK: Reports

    /// Accepted, rejected and duplicate counts, optionally since a time.
    public func counts(since: Date? = nil) throws -> SignalCounts {
        let since = since ?? Date(timeIntervalSince1970: 0)
        return SignalCounts(
            accepted: try database.scalar("SELECT count(*) FROM signals WHERE received_at >= ?", [since], as: Int.self) ?? 0,
            rejected: try database.scalar("SELECT count(*) FROM processing_errors WHERE received_at >= ?", [since], as: Int.self) ?? 0,
            duplicates: try database.scalar("SELECT coalesce(sum(duplicates), 0) FROM signal_dedup WHERE first_seen_at >= ?", [since], as: Int.self) ?? 0)
    }

    /// Decisions by action.
    public func decisionCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in try database.query("SELECT action, count(*) AS n FROM decisions GROUP BY action") {
            counts[try row.get("action")] = try row.get("n")
        }
        return counts
    }

    /// Realized P&L of all closed positions.
    /// Closed positions, oldest close first, at most the newest `limit`.
    public func closedPositions(limit: Int = 1_000) throws -> [Position] {
        try database.query("""
            SELECT * FROM (SELECT \(Self.positionColumns) FROM positions WHERE status = 'closed' ORDER BY closed_at DESC, id DESC LIMIT ?)
            ORDER BY closed_at, id
            """, [limit]).map(Position.init(row:))
    }

    public func realizedPnl() throws -> Double {
        try database.scalar("SELECT coalesce(sum(realized_pnl), 0) FROM positions WHERE status = 'closed'", as: Double.self) ?? 0
    }

    /// The newest intake and decision latencies (milliseconds), at most `limit` each.
    public func latencies(limit: Int = 10_000) throws -> (intake: [Double], decision: [Double]) {
        (try database.query("SELECT intake_ms FROM signals ORDER BY id DESC LIMIT ?", [limit]).map { try $0.get("intake_ms") },
         try database.query("SELECT decision_ms FROM decisions ORDER BY id DESC LIMIT ?", [limit]).map { try $0.get("decision_ms") })
    }

    /// Signals newest first with their decisions, optionally since a time.
    public func list(since: Date? = nil, limit: Int = 100) throws -> [SignalSummary] {
        try database.query("""
            SELECT s.id, s.correlation_id, s.source, s.symbol, s.direction, s.timeframe, s.signal_time, s.received_at, s.price,
                   d.action, d.rule, d.reasons
            FROM signals s LEFT JOIN decisions d ON d.signal_id = s.id
            WHERE s.received_at >= ? ORDER BY s.id DESC LIMIT ?
            """, [since ?? Date(timeIntervalSince1970: 0), limit]).map(SignalSummary.init(row:))
    }
}

extension Database {
    /// Webhook signals, decisions and paper positions.
    public var signals: SignalStore { SignalStore(database: self, now: clock.now()) }
}
