import FoundationEssentials
import Storage
import Support

/// The sample market set — built into the binary (`SampleMarketData`, generated from
/// `data/fixtures/`) or read from a directory (`TRADEWIZARD_FIXTURES_DIR`) — served with Gamma's
/// and the CLOB's semantics so the appliance works with no network. Sample data, not real
/// markets: its `name` is `sample`, and everything made from it is marked so. `gamma-events.json` (events with nested markets),
/// `clob-books.json` and `clob-prices-history.json` (by token id) and `clob-markets.json` (by
/// condition id). The bodies are in the real wire format and go through the same decoders.
public struct FixtureMarketSource: MarketDataSource {
    public let name = FixtureMarketSource.sourceName
    /// The source name of sample data, stored with every analysis made from it.
    public static let sourceName = "sample"
    let events: [GammaEvent]
    let books: [String: OrderBook]
    let histories: [String: [PricePoint]]
    let clobMarkets: [String: ClobMarket]

    /// The files every fixture directory must hold.
    public static let files = ["gamma-events.json", "clob-books.json", "clob-prices-history.json", "clob-markets.json"]

    /// Loads and decodes the directory; throws naming the file that is missing or malformed.
    public init(directory: String) throws {
        var contents: [String: [UInt8]] = [:]
        for file in Self.files {
            guard let data = FileManager.default.contents(atPath: directory + "/" + file) else {
                throw StorageError(.notFound, "market fixtures: cannot read \(directory)/\(file)")
            }
            contents[file] = Array(data)
        }
        try self.init(files: contents)
    }

    /// The sample set built into the binary.
    public static func builtIn() throws -> FixtureMarketSource {
        try FixtureMarketSource(files: SampleMarketData.files.mapValues { Array($0.utf8) })
    }

    /// Decodes the four files (by name); throws naming the one that is missing or malformed.
    init(files: [String: [UInt8]]) throws {
        func read(_ file: String) throws -> [UInt8] {
            guard let bytes = files[file] else { throw StorageError(.notFound, "market fixtures: \(file) is missing") }
            return bytes
        }
        func object(_ file: String) throws -> [String: JSONValue] {
            guard let members = try? JSONValue.parse(try read(file)).objectValue else {
                throw StorageError(.invalidInput, "market fixtures: \(file) is not a JSON object")
            }
            return members
        }
        guard let decoded = try GammaDecoder.events(try read("gamma-events.json")) else {
            throw StorageError(.invalidInput, "market fixtures: gamma-events.json is not a list of events")
        }
        events = decoded.events
        books = try object("clob-books.json").compactMapValues { try? OrderBook(wire: $0.serialized()) }
        histories = try object("clob-prices-history.json").compactMapValues { try? ClobDecoder.priceHistory($0.serialized()) }
        clobMarkets = try object("clob-markets.json").compactMapValues { try? ClobDecoder.market($0.serialized()) }
    }

    /// A set built in memory (benchmarks clone fixture markets into large sets).
    public init(events: [GammaEvent], books: [String: OrderBook], histories: [String: [PricePoint]], clobMarkets: [String: ClobMarket] = [:]) {
        self.events = events
        self.books = books
        self.histories = histories
        self.clobMarkets = clobMarkets
    }

    /// `count` copies of the event holding `conditionID`, each with fresh event, market and token
    /// ids and the original's book and history: a large market set with real-looking data.
    public func cloned(_ conditionID: String, count: Int) -> FixtureMarketSource? {
        guard let template = events.first(where: { $0.markets.contains { $0.conditionID == conditionID } }),
              var market = template.markets.first(where: { $0.conditionID == conditionID }) else { return nil }
        var events: [GammaEvent] = [], books: [String: OrderBook] = [:], histories: [String: [PricePoint]] = [:]
        let tokens = market.clobTokenIDs, question = market.question
        for index in 0..<count {
            var event = template
            event.id = "bench-event-\(index)"
            market.id = "bench-\(index)"
            market.conditionID = "0xbench" + String(index)
            market.question = question + " (#\(index))"
            market.eventID = event.id
            market.clobTokenIDs = tokens.map { $0 + "-\(index)" }
            event.markets = [market]
            events.append(event)
            for (original, copy) in zip(tokens, market.clobTokenIDs) {
                books[copy] = self.books[original]
                histories[copy] = self.histories[original]
            }
        }
        return FixtureMarketSource(events: events, books: books, histories: histories)
    }

    /// Every market in the set.
    public var allMarkets: [GammaMarket] { events.flatMap(\.markets) }

    public func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent] {
        let open = events.filter { $0.closed != true }
        let tagged = query.tagID.map { tag in open.filter { $0.tags.contains { $0.id == tag } } } ?? open
        return Array(tagged.sorted { ($0.volume24h ?? 0) > ($1.volume24h ?? 0) }.prefix(query.limit))
    }

    public func event(id: String) async throws -> GammaEvent? { events.first { $0.id == id } }

    public func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket] {
        let wanted = Set(conditionIDs)
        return allMarkets.filter { wanted.contains($0.conditionID) && ($0.closed ?? false) == closed }
    }

    public func orderBook(tokenID: String) async throws -> OrderBook {
        guard let book = books[tokenID] else { throw NetworkError.status(404, url: "fixtures:/book", body: "{\"error\":\"No orderbook exists for the requested token id\"}") }
        return book
    }

    public func priceHistory(tokenID: String, from: Double?, to: Double?) async throws -> [PricePoint] {
        let points = histories[tokenID] ?? []
        guard let from else { return points }
        return points.filter { $0.t >= from && $0.t <= (to ?? .infinity) }
    }

    public func clobMarket(conditionID: String) async throws -> ClobMarket? { clobMarkets[conditionID] }
}
