import FoundationEssentials
import Support

/// How much an alert matters; channels can ask for a minimum.
public enum AlertSeverity: String, Codable, Sendable, CaseIterable, Comparable {
    case info, warning, critical
    var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// A fact worth telling someone, as written to the outbox.
public struct NewAlert: Sendable, Equatable {
    /// Stable event name (`recommendation.actionable`, `health.changed`, …).
    public var event: String
    public var severity: AlertSeverity
    /// The message, plain text (channels format it).
    public var text: String
    /// Structured detail for the generic webhook (a JSON object).
    public var data: JSONValue
    /// Pending alerts of one channel with the same key are sent as one message (the newest, with a count).
    public var coalesceKey: String?

    public init(event: String, severity: AlertSeverity, text: String, data: JSONValue = .object([:]), coalesceKey: String? = nil) {
        self.event = event
        self.severity = severity
        self.text = text
        self.data = data
        self.coalesceKey = coalesceKey
    }
}

/// Where one alert stands on one channel.
public enum DeliveryStatus: String, Codable, Sendable, CaseIterable {
    case pending, sent, failed, coalesced
}

/// One alert on one channel, as the sender and `tradewizard alerts` see it.
public struct AlertDelivery: Codable, Sendable, Equatable {
    public var id: Int64
    public var alertID: Int64
    public var channel: String
    public var event: String
    public var severity: AlertSeverity
    public var text: String
    public var data: JSONValue
    public var coalesceKey: String?
    public var createdAt: Date
    public var status: DeliveryStatus
    public var attempts: Int
    public var nextAttemptAt: Date
    public var sentAt: Date?
    public var lastError: String?
    public var response: String?

    /// A delivery that was never stored (a test message): pending, no attempts.
    public init(id: Int64, alertID: Int64, channel: String, event: String, severity: AlertSeverity, text: String, data: JSONValue,
                coalesceKey: String? = nil, createdAt: Date) {
        self.id = id
        self.alertID = alertID
        self.channel = channel
        self.event = event
        self.severity = severity
        self.text = text
        self.data = data
        self.coalesceKey = coalesceKey
        self.createdAt = createdAt
        status = .pending
        attempts = 0
        nextAttemptAt = createdAt
    }

    /// The idempotency key receivers de-duplicate on: the same alert on the same channel is the
    /// same key, however often it is sent.
    public var idempotencyKey: String { "alert-\(alertID)-\(channel)" }
}

/// The outbox (`alerts`, `alert_deliveries`). Obtain one from `database.alerts`.
public struct AlertStore {
    let database: Database
    let now: Date

    /// Writes `alert` to the outbox, in the caller's transaction. Returns its id.
    @discardableResult
    public func enqueue(_ alert: NewAlert) throws -> Int64 {
        guard case .object = alert.data else { throw StorageError(.invalidInput, "alert data must be a JSON object") }
        try database.execute("INSERT INTO alerts (event, severity, text, data, coalesce_key, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                             [alert.event, alert.severity.rawValue, alert.text, String(decoding: alert.data.serialized(), as: UTF8.self), alert.coalesceKey, now])
        return database.lastInsertRowID
    }

    /// Alerts not yet fanned out, oldest first: (id, event, severity).
    public func unrouted(limit: Int = 1_000) throws -> [(id: Int64, event: String, severity: AlertSeverity)] {
        try database.query("SELECT id, event, severity FROM alerts WHERE fanned_out = 0 ORDER BY id LIMIT ?", [limit]).map {
            (try $0.get("id"), try $0.get("event"), AlertSeverity(rawValue: try $0.get("severity", as: String.self)) ?? .info)
        }
    }

    /// Creates the deliveries of alert `id` to `channels` (none twice) and marks it fanned out.
    public func route(_ id: Int64, to channels: [String]) throws {
        for channel in channels {
            try database.execute("""
                INSERT INTO alert_deliveries (alert_id, channel, next_attempt_at) VALUES (?, ?, ?)
                ON CONFLICT (alert_id, channel) DO NOTHING
                """, [id, channel, now])
        }
        try database.execute("UPDATE alerts SET fanned_out = 1 WHERE id = ?", [id])
    }

    static let deliveryColumns = """
        d.id, d.alert_id, d.channel, a.event, a.severity, a.text, a.data, a.coalesce_key, a.created_at, d.status, d.attempts,
        d.next_attempt_at, d.sent_at, d.last_error, d.response
        """

    static func delivery(_ row: Row) throws -> AlertDelivery {
        var delivery = AlertDelivery(id: try row.get("id"), alertID: try row.get("alert_id"), channel: try row.get("channel"), event: try row.get("event"),
                                     severity: AlertSeverity(rawValue: try row.get("severity", as: String.self)) ?? .info, text: try row.get("text"),
                                     data: (try? JSONValue.parse(Array(try row.get("data", as: String.self).utf8))) ?? .object([:]),
                                     coalesceKey: try row.get("coalesce_key"), createdAt: try row.get("created_at"))
        delivery.status = DeliveryStatus(rawValue: try row.get("status", as: String.self)) ?? .pending
        delivery.attempts = try row.get("attempts")
        delivery.nextAttemptAt = try row.get("next_attempt_at")
        delivery.sentAt = try row.get("sent_at")
        delivery.lastError = try row.get("last_error")
        delivery.response = try row.get("response")
        return delivery
    }

    /// Pending deliveries of `channel` due now, oldest first, at most `limit`.
    public func due(channel: String, limit: Int) throws -> [AlertDelivery] {
        try database.query("""
            SELECT \(Self.deliveryColumns) FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
            WHERE d.channel = ? AND d.status = 'pending' AND d.next_attempt_at <= ? ORDER BY d.id LIMIT ?
            """, [channel, now, limit]).map(Self.delivery)
    }

    /// Deliveries newest first (optionally of one status), at most `limit`.
    public func list(status: DeliveryStatus? = nil, limit: Int = 100) throws -> [AlertDelivery] {
        let filter = status == nil ? "" : "WHERE d.status = ?"
        let arguments: StatementArguments = status.map { [$0.rawValue, limit] } ?? [limit]
        return try database.query("""
            SELECT \(Self.deliveryColumns) FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id \(filter) ORDER BY d.id DESC LIMIT ?
            """, arguments).map(Self.delivery)
    }

    public func markSent(_ id: Int64, response: String) throws {
        try database.execute("UPDATE alert_deliveries SET status = 'sent', sent_at = ?, attempts = attempts + 1, response = ?, last_error = NULL WHERE id = ?",
                             [now, String(response.prefix(500)), id])
    }

    /// Folded into another delivery's message (`into`).
    public func markCoalesced(_ ids: [Int64], into: Int64) throws {
        for id in ids {
            try database.execute("UPDATE alert_deliveries SET status = 'coalesced', sent_at = ?, response = ? WHERE id = ? AND status = 'pending'",
                                 [now, "sent within delivery \(into)", id])
        }
    }

    /// A failed attempt: tried again at `retryAt`, or given up (`failed`) when `retryAt` is nil.
    public func markFailed(_ id: Int64, error: String, retryAt: Date?, countAttempt: Bool = true) throws {
        try database.execute("""
            UPDATE alert_deliveries SET attempts = attempts + ?, last_error = ?, status = ?, next_attempt_at = coalesce(?, next_attempt_at)
            WHERE id = ?
            """, [countAttempt ? 1 : 0, String(error.prefix(500)), retryAt == nil ? "failed" : "pending", retryAt, id])
    }

    /// Counts by event, channel and status (for `/metrics`).
    public func counts() throws -> [(event: String, channel: String, status: String, count: Int)] {
        try database.query("""
            SELECT a.event, d.channel, d.status, count(*) AS n FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
            GROUP BY a.event, d.channel, d.status ORDER BY 1, 2, 3
            """).map { (try $0.get("event"), try $0.get("channel"), try $0.get("status"), try $0.get("n")) }
    }

    /// Per channel, since when its deliveries have been failing: the oldest pending delivery
    /// with a failed attempt, or one given up in the last day (absent when the channel is fine).
    public func failingSince() throws -> [String: Date] {
        var since: [String: Date] = [:]
        for row in try database.query("""
            SELECT d.channel, min(a.created_at) AS since FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
            WHERE (d.status = 'pending' AND d.attempts > 0) OR (d.status = 'failed' AND a.created_at >= ?)
            GROUP BY d.channel
            """, [now.addingTimeInterval(-86_400)]) {
            since[try row.get("channel")] = try row.get("since")
        }
        return since
    }
}

extension Database {
    /// The alert outbox (`alerts`, `alert_deliveries`).
    public var alerts: AlertStore { AlertStore(database: self, now: clock.now()) }
}
