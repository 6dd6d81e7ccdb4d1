import FoundationEssentials
import Storage
import Support

/// A market that has resolved, as a replay needs it: what is known of it at any time (its
/// question, rules, outcomes, tokens, end date, event and tags), its YES price series, and its
/// resolution — which the replayed analysis never sees.
public struct ReplayMarket: Sendable {
    public var market: Market
    public var tags: [String]
    /// The YES token's series, oldest first.
    public var history: [PricePoint]
    public var winner: String
    public var resolvedAt: Date
    /// The other legs of a mutually exclusive event (negRisk) with their YES series, so the
    /// cross-market agent sees the legs' prices as of the replay time; empty otherwise.
    public var siblings: [(conditionID: String, title: String, history: [PricePoint])] = []

    public init(market: Market, tags: [String], history: [PricePoint], winner: String, resolvedAt: Date) {
        self.market = market
        self.tags = tags
        self.history = history
        self.winner = winner
        self.resolvedAt = resolvedAt
    }

    /// The newest price at or before `time` must be at most this old for the market to be
    /// replayed at `time` (older: the market was not trading then, or the series has a hole).
    public static let stalePriceSeconds = 48 * 3_600.0

    /// The series up to and including `time` (nothing after it).
    public func history(asOf time: Date) -> [PricePoint] {
        let cut = TradeSimulator.firstIndex(history, atOrAfter: time.timeIntervalSince1970.nextUp)
        return Array(history[..<cut])
    }

    /// Whether the market can be replayed at `time`: unresolved then, with a recent price.
    public func isReplayable(at time: Date) -> Bool {
        guard time < resolvedAt, let last = history(asOf: time).last else { return false }
        return time.timeIntervalSince1970 - last.t <= Self.stalePriceSeconds && last.p > 0 && last.p < 1
    }

    /// The snapshot the analysis starts from at `time`, built from data at or before it only:
    /// the last price, the 1-day, 1-week and 1-month changes from the series, the market's
    /// static facts. What cannot be reconstructed is absent: volume and liquidity (0: unknown),
    /// the order book. Sibling legs (sample events) are priced from their own series at `time`.
    public func snapshot(asOf time: Date) -> MarketSnapshot? {
        let series = history(asOf: time)
        guard let last = series.last else { return nil }
        func change(_ seconds: Double) -> Double? {
            let index = TradeSimulator.firstIndex(series, atOrAfter: time.timeIntervalSince1970 - seconds)
            guard index < series.count, series[index].t < last.t else { return nil }
            return last.p - series[index].p
        }
        var snapshot = MarketSnapshot(replaying: market, tags: tags, price: last.p, changes: (change(86_400), change(7 * 86_400), change(30 * 86_400)))
        snapshot.siblings = siblings.compactMap { leg in
            let cut = TradeSimulator.firstIndex(leg.history, atOrAfter: time.timeIntervalSince1970.nextUp)
            guard cut > 0, time.timeIntervalSince1970 - leg.history[cut - 1].t <= Self.stalePriceSeconds else { return nil }
            return SiblingLeg(conditionID: leg.conditionID, title: leg.title, yesPrice: leg.history[cut - 1].p)
        }
        return snapshot
    }

    /// The resolved markets of the sample set with a price series (for `replay --sample`).
    public static func sample(_ source: FixtureMarketSource) -> [ReplayMarket] {
        source.events.flatMap { event in
            event.markets.compactMap { gamma -> ReplayMarket? in
                let clob = source.clobMarkets[gamma.conditionID]
                guard let winner = MarketResolution.winner(clob: clob, gamma: gamma), let token = gamma.clobTokenIDs.first,
                      let history = source.histories[token], !history.isEmpty else { return nil }
                let snapshot = MarketSnapshot(market: gamma, event: event)
                var market = snapshot.marketRecord(trendingScore: 0, eventType: BriefingBuilder.eventType(for: snapshot))
                market.isSample = true
                var replay = ReplayMarket(market: market, tags: snapshot.tags, history: history, winner: winner,
                                          resolvedAt: gamma.closedTime ?? gamma.endDate ?? Date(timeIntervalSince1970: history.last!.t))
                if event.negRisk == true || gamma.negRisk == true {
                    replay.siblings = event.markets.compactMap { leg in
                        guard leg.conditionID != gamma.conditionID, let token = leg.clobTokenIDs.first, let series = source.histories[token] else { return nil }
                        return (leg.conditionID, leg.groupItemTitle ?? leg.question, series)
                    }
                }
                return replay
            }
        }
    }

    /// The stored live markets that have resolved, with their stored series (for `replay`).
    public static func stored(_ database: Database) throws -> [ReplayMarket] {
        try database.markets.resolvedLive().compactMap { market in
            guard let winner = market.resolvedOutcome, let resolvedAt = market.resolvedAt, let token = market.clobTokenIDs.first else { return nil }
            let history = try database.priceHistory.points(tokenID: token)
            guard !history.isEmpty else { return nil }
            return ReplayMarket(market: market, tags: [], history: history, winner: winner, resolvedAt: resolvedAt)
        }
    }
}

extension MarketSnapshot {
    /// The snapshot of a stored market at a past price (see `ReplayMarket.snapshot(asOf:)`).
    init(replaying market: Market, tags: [String], price: Double, changes: (day: Double?, week: Double?, month: Double?)) {
        conditionID = market.conditionID
        gammaID = market.gammaID
        eventID = market.eventID
        eventTitle = market.eventTitle
        question = market.question
        description = market.description
        slug = market.slug
        resolutionSource = ResolutionSourceText.named(in: market.description)
        outcomes = market.outcomes
        yesPrice = price
        clobTokenIDs = market.clobTokenIDs
        volume24h = 0
        liquidity = 0
        endDate = market.endDate
        createdAt = nil
        competitive = nil
        oneDayPriceChange = changes.day
        oneWeekPriceChange = changes.week
        oneMonthPriceChange = changes.month
        acceptingOrders = true
        closed = false
        self.tags = tags
        siblings = []
    }
}

/// The market data of one replayed analysis: the market as of the replay time, its series up to
/// then, and no order book (Polymarket keeps no history of books: absent, and the briefing says so).
struct AsOfMarketSource: MarketDataSource {
    let name: String
    let tokenID: String
    let history: [PricePoint]

    func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent] { [] }
    func event(id: String) async throws -> GammaEvent? { nil }
    func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket] { [] }
    func orderBook(tokenID: String) async throws -> OrderBook {
        throw NetworkError.status(404, url: "replay:/book", body: "{\"error\":\"order books are not kept historically\"}")
    }
    func priceHistory(tokenID: String, from: Double?, to: Double?) async throws -> [PricePoint] {
        guard tokenID == self.tokenID, let newest = history.last?.t else { return [] }
        // Like the CLOB: without a start, the last month (the replay time is the newest point's).
        let start = from ?? newest - 30 * 86_400
        return history.filter { $0.t >= start && $0.t <= (to ?? .infinity) }
    }
    func clobMarket(conditionID: String) async throws -> ClobMarket? { nil }
}
