import FoundationEssentials
import Support

/// A validated signal about to be stored.
public struct NewSignal: Sendable {
    public var correlationID: String
    public var source: String
    public var symbol: String
    /// As sent, upper-cased: CALL, PUT, LONG, SHORT, BUY, SELL or EXIT.
    public var direction: String
    public var timeframe: String?
    public var signalTime: Date
    public var receivedAt: Date
    public var price: Double?
    public var score: Double?
    public var confidence: Double?
    public var idempotencyKey: String?
    public var dedupKey: String
    /// hmac, path_token or body_secret.
    public var authMethod: String
    public var metadata: JSONValue
    /// The body as received, with any `secret` field removed.
    public var rawBody: String

    public init(correlationID: String, source: String, symbol: String, direction: String, timeframe: String?, signalTime: Date,
                receivedAt: Date, price: Double?, score: Double?, confidence: Double?, idempotencyKey: String?, dedupKey: String,
                authMethod: String, metadata: JSONValue, rawBody: String) {
        self.correlationID = correlationID
        self.source = source
        self.symbol = symbol
        self.direction = direction
        self.timeframe = timeframe
        self.signalTime = signalTime
        self.receivedAt = receivedAt
        self.price = price
        self.score = score
        self.confidence = confidence
        self.idempotencyKey = idempotencyKey
        self.dedupKey = dedupKey
        self.authMethod = authMethod
        self.metadata = metadata
        self.rawBody = rawBody
    }
}

/// A stored signal with its decision (`tradewizard signals`).
public struct SignalSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var correlationID: String
    public var source: String
    public var symbol: String
    public var direction: String
    public var timeframe: String?
    public var signalTime: Date
    public var receivedAt: Date
    public var price: Double?
    public var action: String?
    public var rule: String?
    public var reasons: [String]

    init(row: Row) throws {
        id = try row.get("id")
        correlationID = try row.get("correlation_id")
        source = try row.get("source")
        symbol = try row.get("symbol")
        direction = try row.get("direction")
        timeframe = try row.get("timeframe")
        signalTime = try row.get("signal_time")
        receivedAt = try row.get("received_at")
        price = try row.get("price")
        action = try row.get("action")
        rule = try row.get("rule")
        let reasonsText: String? = try row.get("reasons")
        reasons = reasonsText.flatMap { try? JSONDecoder().decode([String].self, from: Data($0.utf8)) } ?? []
    }
}

/// Long or short.
public enum PositionSide: String, Codable, Sendable { case long = "LONG", short = "SHORT" }

/// A paper position (`positions`).
public struct Position: Codable, Sendable, Equatable {
    public var id: Int64
    public var symbol: String
    public var side: PositionSide
    public var quantity: Double
    public var entryPrice: Double
    public var entrySignalID: Int64
    public var openedAt: Date
    public var status: String
    public var exitPrice: Double?
    public var closedAt: Date?
    public var realizedPnl: Double?

    /// Notional at entry.
    public var exposure: Double { quantity * entryPrice }

    /// Profit or loss if closed at `price`.
    public func pnl(at price: Double) -> Double {
        side == .long ? (price - entryPrice) * quantity : (entryPrice - price) * quantity
    }

    init(row: Row) throws {
        id = try row.get("id")
        symbol = try row.get("symbol")
        side = try row.enumValue("side")
        quantity = try row.get("quantity")
        entryPrice = try row.get("entry_price")
        entrySignalID = try row.get("entry_signal_id")
        openedAt = try row.get("opened_at")
        status = try row.get("status")
        exitPrice = try row.get("exit_price")
        closedAt = try row.get("closed_at")
        realizedPnl = try row.get("realized_pnl")
    }
}

/// Counts for `/metrics/signals`.
public struct SignalCounts: Codable, Sendable, Equatable {
    public var accepted: Int
    public var rejected: Int
    public var duplicates: Int
    public var total: Int { accepted + rejected + duplicates }

    public init(accepted: Int, rejected: Int, duplicates: Int) {
        self.accepted = accepted
        self.rejected = rejected
        self.duplicates = duplicates
    }
}
