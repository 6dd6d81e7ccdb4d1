import FoundationEssentials
import Storage
import Support

/// A tag of a Gamma event (`{id, label, slug}`).
public struct GammaTag: Codable, Sendable, Equatable {
    public var id: String
    public var label: String?
    public var slug: String?
}

/// A Gamma market, decoded tolerantly (see `WireDecoding`). Unknown keys are ignored.
public struct GammaMarket: Codable, Sendable, Equatable {
    public var id: String
    public var conditionID: String
    public var question: String
    public var description: String?
    public var slug: String?
    public var resolutionSource: String?
    public var outcomes: [String]
    /// Prices in the order of `outcomes`; the first is YES.
    public var outcomePrices: [Double]
    /// CLOB token ids (76–78 digit strings) in the order of `outcomes`.
    public var clobTokenIDs: [String]
    public var volume: Double?
    public var volume24h: Double?
    public var liquidity: Double?
    public var active: Bool?
    public var closed: Bool?
    public var acceptingOrders: Bool?
    public var endDate: Date?
    public var startDate: Date?
    public var createdAt: Date?
    public var closedTime: Date?
    /// Gamma's 0…1 measure of how close the market is to 50/50.
    public var competitive: Double?
    public var oneDayPriceChange: Double?
    public var oneWeekPriceChange: Double?
    public var oneMonthPriceChange: Double?
    public var bestBid: Double?
    public var bestAsk: Double?
    public var spread: Double?
    public var lastTradePrice: Double?
    public var negRisk: Bool?
    public var groupItemTitle: String?
    public var umaResolutionStatus: String?
    public var umaResolutionStatuses: [String]
    /// The event this market belongs to, when the response nests it.
    public var eventID: String?
    public var eventTitle: String?

    /// The YES price (`outcomePrices[0]`).
    public var yesPrice: Double? { outcomePrices.first }

    /// Decodes one market object; throws when it has no condition id or question.
    public init(wire: JSONValue) throws {
        guard wire.objectValue != nil else { throw PolymarketError.malformed(endpoint: "gamma market", detail: "not an object") }
        guard let conditionID = wire.wireString("conditionId"), let question = wire.wireString("question") else {
            throw PolymarketError.malformed(endpoint: "gamma market", detail: "conditionId or question missing")
        }
        self.conditionID = conditionID
        self.question = question
        id = wire.wireString("id") ?? conditionID
        description = wire.wireString("description")
        slug = wire.wireString("slug")
        resolutionSource = wire.wireString("resolutionSource")
        outcomes = wire.wireStringList("outcomes")
        outcomePrices = wire.wireStringList("outcomePrices").compactMap { Double($0) }
        clobTokenIDs = wire.wireStringList("clobTokenIds")
        volume = wire.wireNumber("volumeNum") ?? wire.wireNumber("volume")
        volume24h = wire.wireNumber("volume24hr") ?? wire.wireNumber("volume24hrClob")
        liquidity = wire.wireNumber("liquidityNum") ?? wire.wireNumber("liquidity") ?? wire.wireNumber("liquidityClob")
        active = wire.wireBool("active")
        closed = wire.wireBool("closed")
        acceptingOrders = wire.wireBool("acceptingOrders")
        endDate = wire.wireDate("endDate") ?? wire.wireDate("endDateIso")
        startDate = wire.wireDate("startDate") ?? wire.wireDate("startDateIso")
        createdAt = wire.wireDate("createdAt")
        closedTime = wire.wireDate("closedTime")
        competitive = wire.wireNumber("competitive")
        oneDayPriceChange = wire.wireNumber("oneDayPriceChange")
        oneWeekPriceChange = wire.wireNumber("oneWeekPriceChange")
        oneMonthPriceChange = wire.wireNumber("oneMonthPriceChange")
        bestBid = wire.wireNumber("bestBid")
        bestAsk = wire.wireNumber("bestAsk")
        spread = wire.wireNumber("spread")
        lastTradePrice = wire.wireNumber("lastTradePrice")
        negRisk = wire.wireBool("negRisk")
        groupItemTitle = wire.wireString("groupItemTitle")
        umaResolutionStatus = wire.wireString("umaResolutionStatus")
        umaResolutionStatuses = wire.wireStringList("umaResolutionStatuses")
        let event = wire["events"]?.arrayValue?.first
        eventID = event?.wireString("id")
        eventTitle = event?.wireString("title")
    }
}

/// A Gamma event with its markets.
public struct GammaEvent: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var slug: String?
    public var description: String?
    public var active: Bool?
    public var closed: Bool?
    public var endDate: Date?
    public var startDate: Date?
    public var createdAt: Date?
    public var volume: Double?
    public var volume24h: Double?
    public var liquidity: Double?
    public var competitive: Double?
    public var negRisk: Bool?
    public var tags: [GammaTag]
    public var markets: [GammaMarket]
    /// Nested markets that could not be decoded (no condition id, not an object).
    public var skippedMarkets: Int

    /// Decodes one event object and its nested markets; each market gets the event's id and title.
    public init(wire: JSONValue) throws {
        guard wire.objectValue != nil, let id = wire.wireString("id") else {
            throw PolymarketError.malformed(endpoint: "gamma event", detail: "not an object with an id")
        }
        self.id = id
        title = wire.wireString("title") ?? wire.wireString("slug") ?? id
        slug = wire.wireString("slug")
        description = wire.wireString("description")
        active = wire.wireBool("active")
        closed = wire.wireBool("closed")
        endDate = wire.wireDate("endDate")
        startDate = wire.wireDate("startDate")
        createdAt = wire.wireDate("createdAt") ?? wire.wireDate("creationDate")
        volume = wire.wireNumber("volume")
        volume24h = wire.wireNumber("volume24hr")
        liquidity = wire.wireNumber("liquidity")
        competitive = wire.wireNumber("competitive")
        negRisk = wire.wireBool("negRisk")
        tags = (wire["tags"]?.arrayValue ?? []).compactMap { tag in
            tag.wireString("id").map { GammaTag(id: $0, label: tag.wireString("label"), slug: tag.wireString("slug")) }
        }
        var markets: [GammaMarket] = []
        var skipped = 0
        for item in wire["markets"]?.arrayValue ?? [] {
            guard var market = try? GammaMarket(wire: item) else { skipped += 1; continue }
            market.eventID = id
            market.eventTitle = title
            markets.append(market)
        }
        self.markets = markets
        skippedMarkets = skipped
    }
}

/// Decoders for whole Gamma response bodies.
public enum GammaDecoder {
    /// A `/markets` or `/events` list body. Gamma reports "offset too large" either as a 422 or
    /// as a 200 whose body is an error object; both come back as `nil` (the end of the pages).
    public static func list(_ body: [UInt8], endpoint: String) throws -> [JSONValue]? {
        let value: JSONValue
        do { value = try JSONValue.parse(body) } catch {
            throw PolymarketError.malformed(endpoint: endpoint, detail: "not JSON")
        }
        if let items = value.arrayValue { return items }
        if let items = value["data"]?.arrayValue { return items } // paginated envelope
        if value.objectValue != nil, isOffsetError(value) { return nil }
        throw PolymarketError.malformed(endpoint: endpoint, detail: "expected a JSON array")
    }

    /// True for Gamma's error object about a too-large offset.
    static func isOffsetError(_ value: JSONValue) -> Bool {
        let text = [value.wireString("error"), value.wireString("message"), value.wireString("detail")]
            .compactMap { $0?.lowercased() }.joined(separator: " ")
        return text.contains("offset")
    }

    /// The markets of a `/markets` body (undecodable entries are skipped and counted).
    public static func markets(_ body: [UInt8]) throws -> (markets: [GammaMarket], skipped: Int)? {
        guard let items = try list(body, endpoint: "gamma /markets") else { return nil }
        let markets = items.compactMap { try? GammaMarket(wire: $0) }
        return (markets, items.count - markets.count)
    }

    /// The events of an `/events` body.
    public static func events(_ body: [UInt8]) throws -> (events: [GammaEvent], skipped: Int)? {
        guard let items = try list(body, endpoint: "gamma /events") else { return nil }
        let events = items.compactMap { try? GammaEvent(wire: $0) }
        return (events, items.count - events.count)
    }

    /// A single-market body (`/markets/{id}`).
    public static func market(_ body: [UInt8]) throws -> GammaMarket {
        guard let value = try? JSONValue.parse(body) else { throw PolymarketError.malformed(endpoint: "gamma /markets/{id}", detail: "not JSON") }
        return try GammaMarket(wire: value)
    }
}
