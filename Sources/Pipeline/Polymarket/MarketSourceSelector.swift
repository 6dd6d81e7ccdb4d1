import FoundationEssentials
import Storage
import Support
import Synchronization

/// Chooses the market source: live Polymarket, or the bundled fixtures when offline mode is on
/// or Polymarket cannot be reached. After an unreachable error the fixtures are used for
/// `retrySeconds` before the network is tried again.
public final class MarketSourceSelector: Sendable {
    let live: (any MarketDataSource)?
    let fixtures: (any MarketDataSource)?
    let retrySeconds: Double
    let monotonic: @Sendable () -> Double
    private let unreachableSince = Mutex<Double?>(nil)

    /// `live` nil means offline mode. With neither source there is nothing to analyse.
    public init(live: (any MarketDataSource)?, fixtures: (any MarketDataSource)?, retrySeconds: Double = 600,
                monotonic: @escaping @Sendable () -> Double = { Double(MonotonicInstant.now().nanoseconds) / 1e9 }) {
        self.live = live
        self.fixtures = fixtures
        self.retrySeconds = retrySeconds
        self.monotonic = monotonic
    }

    /// The source to use now.
    public func current() -> any MarketDataSource {
        guard let live else { return fixtures ?? EmptyMarketSource() }
        guard let fixtures else { return live }
        let since = unreachableSince.withLock { $0 }
        if let since, monotonic() - since < retrySeconds { return fixtures }
        return ReportingSource(inner: live, selector: self)
    }

    func noteUnreachable() { unreachableSince.withLock { $0 = monotonic() } }

    /// Passes calls to the live source; an unreachable error switches the selector to the fixtures
    /// and the call is answered from them.
    struct ReportingSource: MarketDataSource {
        let inner: any MarketDataSource
        let selector: MarketSourceSelector
        var name: String { inner.name }

        func call<T>(_ body: (any MarketDataSource) async throws -> T) async throws -> T {
            do { return try await body(inner) } catch NetworkError.unreachable {
                selector.noteUnreachable()
                throw NetworkError.unreachable(origin: "polymarket", detail: "falling back to the bundled fixtures")
            }
        }
        func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent] {
            do { return try await inner.trendingEvents(query) } catch NetworkError.unreachable {
                // Discovery is where a cycle starts: switch the whole cycle to the fixtures.
                selector.noteUnreachable()
                return try await selector.current().trendingEvents(query)
            }
        }
        func event(id: String) async throws -> GammaEvent? { try await call { try await $0.event(id: id) } }
        func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket] {
            try await call { try await $0.markets(conditionIDs: conditionIDs, closed: closed) }
        }
        func orderBook(tokenID: String) async throws -> OrderBook { try await call { try await $0.orderBook(tokenID: tokenID) } }
        func priceHistory(tokenID: String) async throws -> [PricePoint] { try await call { try await $0.priceHistory(tokenID: tokenID) } }
        func clobMarket(conditionID: String) async throws -> ClobMarket? { try await call { try await $0.clobMarket(conditionID: conditionID) } }
    }
}

/// A source with no markets (neither network nor fixtures available).
public struct EmptyMarketSource: MarketDataSource {
    public let name = "none"
    public init() {}
    public func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent] { [] }
    public func event(id: String) async throws -> GammaEvent? { nil }
    public func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket] { [] }
    public func orderBook(tokenID: String) async throws -> OrderBook { OrderBook(bids: [], asks: []) }
    public func priceHistory(tokenID: String) async throws -> [PricePoint] { [] }
    public func clobMarket(conditionID: String) async throws -> ClobMarket? { nil }
}
