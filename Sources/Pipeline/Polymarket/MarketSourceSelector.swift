import FoundationEssentials
import Storage
import Support
import Synchronization

/// The market source of this process, chosen once by its mode: live Polymarket by default, the
/// sample set only in offline mode (`--offline`, `TRADEWIZARD_OFFLINE=1`). There is no fallback
/// from one to the other: when Polymarket cannot be reached, calls fail (nothing is analysed or
/// written) and `unreachable` says since when and why, for `/health`; the next successful call
/// clears it.
public final class MarketSourceSelector: Sendable {
    let source: any MarketDataSource
    /// True in offline mode: every market comes from the sample set.
    public let isOffline: Bool
    private let failure = Mutex<(since: Date, detail: String)?>(nil)
    private let clock: any WallClock

    /// Live mode over `live`.
    public init(live: any MarketDataSource, clock: any WallClock = SystemWallClock()) {
        self.clock = clock
        isOffline = false
        source = live
    }

    /// Offline mode over the sample set.
    public init(sample: any MarketDataSource, clock: any WallClock = SystemWallClock()) {
        self.clock = clock
        isOffline = true
        source = sample
    }

    /// The source to use.
    public func current() -> any MarketDataSource { isOffline ? source : ReportingSource(inner: source, selector: self) }

    /// Since when and why Polymarket could not be reached (nil when the last call reached it).
    public var unreachable: (since: Date, detail: String)? { failure.withLock { $0 } }

    func noteUnreachable(_ detail: String) {
        let now = clock.now()
        failure.withLock { state in state = (state?.since ?? now, detail) }
    }

    func noteReached() { failure.withLock { $0 = nil } }

    /// Passes calls to the live source and records whether Polymarket answered.
    struct ReportingSource: MarketDataSource {
        let inner: any MarketDataSource
        let selector: MarketSourceSelector
        var name: String { inner.name }

        func call<T>(_ body: (any MarketDataSource) async throws -> T) async throws -> T {
            do {
                let value = try await body(inner)
                selector.noteReached()
                return value
            } catch let error as NetworkError {
                switch error {
                case .unreachable, .timedOut, .circuitOpen: selector.noteUnreachable(String(describing: error))
                default: break
                }
                throw error
            }
        }
        func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent] { try await call { try await $0.trendingEvents(query) } }
        func event(id: String) async throws -> GammaEvent? { try await call { try await $0.event(id: id) } }
        func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket] {
            try await call { try await $0.markets(conditionIDs: conditionIDs, closed: closed) }
        }
        func orderBook(tokenID: String) async throws -> OrderBook { try await call { try await $0.orderBook(tokenID: tokenID) } }
        func priceHistory(tokenID: String, from: Double?, to: Double?) async throws -> [PricePoint] {
            try await call { try await $0.priceHistory(tokenID: tokenID, from: from, to: to) }
        }
        func clobMarket(conditionID: String) async throws -> ClobMarket? { try await call { try await $0.clobMarket(conditionID: conditionID) } }
    }
}
