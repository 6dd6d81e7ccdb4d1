import FoundationEssentials
import Storage
import Support

/// What discovery asks Gamma for: open events by 24-hour volume, optionally of one tag.
public struct EventQuery: Sendable, Equatable {
    /// Events wanted in total (paged).
    public var limit: Int
    /// Gamma tag id (2 is Politics); nil for every tag.
    public var tagID: String?
    /// Include events of tags related to `tagID`.
    public var relatedTags: Bool

    public init(limit: Int, tagID: String? = "2", relatedTags: Bool = true) {
        self.limit = max(1, limit)
        self.tagID = tagID
        self.relatedTags = relatedTags
    }
}

/// Where market data comes from: live Polymarket (`PolymarketAPI`) or the bundled fixtures
/// (`FixtureMarketSource`). Both return the same decoded types.
public protocol MarketDataSource: Sendable {
    /// `polymarket` or `fixtures`, recorded with each run.
    var name: String { get }
    /// Open events by 24-hour volume, highest first, with their markets.
    func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent]
    /// The event with this id (open or closed), with its markets.
    func event(id: String) async throws -> GammaEvent?
    /// Markets by condition id, open (`closed == false`) or closed.
    func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket]
    /// The order book of one outcome token.
    func orderBook(tokenID: String) async throws -> OrderBook
    /// Price history of one outcome token, oldest first: the last month when `from` is nil,
    /// otherwise the points with `from ≤ t ≤ to` (epoch seconds).
    func priceHistory(tokenID: String, from: Double?, to: Double?) async throws -> [PricePoint]
    /// The CLOB market record (with `winner` flags once resolved); nil when unknown.
    func clobMarket(conditionID: String) async throws -> ClobMarket?
}

extension MarketDataSource {
    /// Price history of one outcome token over the last month.
    public func priceHistory(tokenID: String) async throws -> [PricePoint] { try await priceHistory(tokenID: tokenID, from: nil, to: nil) }

    /// A market by condition id whether open or closed.
    public func market(conditionID: String) async throws -> GammaMarket? {
        if let open = try await markets(conditionIDs: [conditionID], closed: false).first { return open }
        return try await markets(conditionIDs: [conditionID], closed: true).first
    }
}
