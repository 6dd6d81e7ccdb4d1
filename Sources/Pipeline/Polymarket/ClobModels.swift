import FoundationEssentials
import Storage
import Support

/// One price level of an order book.
public struct PriceLevel: Codable, Sendable, Equatable {
    public var price: Double
    public var size: Double
}

/// A CLOB order book for one outcome token. Polymarket sends bids ascending and asks descending,
/// so the best of each is the last element; `bestBid`/`bestAsk` take the max/min anyway, which
/// is the same on well-formed books and still right on any other order.
public struct OrderBook: Codable, Sendable, Equatable {
    public var tokenID: String?
    public var bids: [PriceLevel]
    public var asks: [PriceLevel]
    public var lastTradePrice: Double?
    public var timestamp: Date?

    public init(tokenID: String? = nil, bids: [PriceLevel], asks: [PriceLevel], lastTradePrice: Double? = nil, timestamp: Date? = nil) {
        self.tokenID = tokenID
        self.bids = bids
        self.asks = asks
        self.lastTradePrice = lastTradePrice
        self.timestamp = timestamp
    }

    public var bestBid: Double? { bids.map(\.price).max() }
    public var bestAsk: Double? { asks.map(\.price).min() }
    /// Best ask − best bid, when both sides exist.
    public var spread: Double? {
        guard let bid = bestBid, let ask = bestAsk else { return nil }
        return max(0, ask - bid)
    }
    /// Midpoint of the best levels, when both sides exist.
    public var midpoint: Double? {
        guard let bid = bestBid, let ask = bestAsk else { return nil }
        return (bid + ask) / 2
    }

    /// Decodes `/book`. Levels whose price or size is not a number are dropped.
    public init(wire body: [UInt8]) throws {
        guard let value = try? JSONValue.parse(body), value.objectValue != nil else {
            throw PolymarketError.malformed(endpoint: "clob /book", detail: "not a JSON object")
        }
        func levels(_ key: String) -> [PriceLevel] {
            (value[key]?.arrayValue ?? []).compactMap { level in
                guard let price = level.wireNumber("price"), let size = level.wireNumber("size") else { return nil }
                return PriceLevel(price: price, size: size)
            }
        }
        tokenID = value.wireString("asset_id")
        bids = levels("bids")
        asks = levels("asks")
        lastTradePrice = value.wireNumber("last_trade_price")
        // `timestamp` is epoch milliseconds, as a string.
        timestamp = value.wireNumber("timestamp").map { Date(timeIntervalSince1970: $0 / 1000) }
    }
}

/// Decoders for CLOB bodies other than the book.
public enum ClobDecoder {
    /// `/prices-history` → `{history:[{t,p}]}`, sorted by time; points without both numbers are dropped.
    public static func priceHistory(_ body: [UInt8]) throws -> [PricePoint] {
        guard let value = try? JSONValue.parse(body), let history = value["history"]?.arrayValue else {
            throw PolymarketError.malformed(endpoint: "clob /prices-history", detail: "expected {history:[…]}")
        }
        return history.compactMap { point in
            guard let t = point.wireNumber("t"), let p = point.wireNumber("p") else { return nil }
            return PricePoint(t: t, p: p)
        }.sorted { $0.t < $1.t }
    }

    /// `/midpoint` → `{mid}` (or `{mid_price}`).
    public static func midpoint(_ body: [UInt8]) throws -> Double {
        guard let value = try? JSONValue.parse(body), let mid = value.wireNumber("mid") ?? value.wireNumber("mid_price") else {
            throw PolymarketError.malformed(endpoint: "clob /midpoint", detail: "expected {mid}")
        }
        return mid
    }

    /// `/markets/{conditionId}`.
    public static func market(_ body: [UInt8]) throws -> ClobMarket {
        guard let value = try? JSONValue.parse(body), value.objectValue != nil, let conditionID = value.wireString("condition_id") else {
            throw PolymarketError.malformed(endpoint: "clob /markets/{id}", detail: "expected an object with condition_id")
        }
        let tokens = (value["tokens"]?.arrayValue ?? []).compactMap { token -> ClobToken? in
            guard let id = token.wireString("token_id") else { return nil }
            return ClobToken(tokenID: id, outcome: token.wireString("outcome") ?? "", price: token.wireNumber("price"),
                             winner: token.wireBool("winner") ?? false)
        }
        return ClobMarket(conditionID: conditionID, question: value.wireString("question"), active: value.wireBool("active"),
                          closed: value.wireBool("closed") ?? false, acceptingOrders: value.wireBool("accepting_orders"),
                          endDate: value.wireDate("end_date_iso"), tokens: tokens)
    }
}

/// A CLOB market record (snake_case on the wire).
public struct ClobMarket: Codable, Sendable, Equatable {
    public var conditionID: String
    public var question: String?
    public var active: Bool?
    public var closed: Bool
    public var acceptingOrders: Bool?
    public var endDate: Date?
    public var tokens: [ClobToken]

    public init(conditionID: String, question: String? = nil, active: Bool? = nil, closed: Bool, acceptingOrders: Bool? = nil,
                endDate: Date? = nil, tokens: [ClobToken]) {
        self.conditionID = conditionID
        self.question = question
        self.active = active
        self.closed = closed
        self.acceptingOrders = acceptingOrders
        self.endDate = endDate
        self.tokens = tokens
    }
}

/// An outcome token of a CLOB market; `winner` is set once the market resolved.
public struct ClobToken: Codable, Sendable, Equatable {
    public var tokenID: String
    public var outcome: String
    public var price: Double?
    public var winner: Bool

    public init(tokenID: String, outcome: String, price: Double?, winner: Bool) {
        self.tokenID = tokenID
        self.outcome = outcome
        self.price = price
        self.winner = winner
    }
}
