import FoundationEssentials
import Storage
import Support

/// Live Polymarket over the network client: Gamma for events and markets, the CLOB for books,
/// price history and resolution. Each endpoint draws from its own token bucket at Polymarket's
/// documented per-10-second limits.
public struct PolymarketAPI: MarketDataSource {
    public let name = "polymarket"
    let network: NetworkClient
    let gammaURL: String
    let clobURL: String
    /// Page size for Gamma lists.
    let pageSize: Int
    /// Minutes between price-history points asked of the CLOB (`fidelity`).
    let historyFidelityMinutes: Int

    /// Polymarket's documented limits, per 10 seconds.
    enum Limits {
        static let gammaMarkets = RateLimit(requests: 300, per: 10)
        static let gammaEvents = RateLimit(requests: 500, per: 10)
        static let clobBook = RateLimit(requests: 1_500, per: 10)
        static let clobPriceHistory = RateLimit(requests: 1_000, per: 10)
        /// Not documented per endpoint; the general CLOB budget, conservatively.
        static let clobOther = RateLimit(requests: 500, per: 10)
    }

    /// `historyFidelityMinutes`: the price-history resolution (60: hourly points).
    public init(network: NetworkClient, gammaURL: String, clobURL: String, pageSize: Int = 100, historyFidelityMinutes: Int = 60) {
        self.historyFidelityMinutes = max(1, historyFidelityMinutes)
        self.network = network
        self.gammaURL = gammaURL.hasSuffix("/") ? String(gammaURL.dropLast()) : gammaURL
        self.clobURL = clobURL.hasSuffix("/") ? String(clobURL.dropLast()) : clobURL
        self.pageSize = max(1, pageSize)
    }

    public func trendingEvents(_ query: EventQuery) async throws -> [GammaEvent] {
        var parameters = ["closed=false", "order=volume24hr", "ascending=false"]
        if let tag = query.tagID {
            parameters.append("tag_id=\(URLComponent.encoded(tag))")
            if query.relatedTags { parameters.append("related_tags=true") }
        }
        return try await pages(limit: query.limit) { offset, limit in
            let body = try await get(gammaURL + "/events?" + (parameters + ["limit=\(limit)", "offset=\(offset)"]).joined(separator: "&"),
                                     key: "gamma:/events", limit: Limits.gammaEvents, absentOn: Self.offsetTooLarge)
            return try body.flatMap { try GammaDecoder.events($0)?.events }
        }
    }

    public func event(id: String) async throws -> GammaEvent? {
        guard let body = try await get(gammaURL + "/events/" + URLComponent.encoded(id), key: "gamma:/events", limit: Limits.gammaEvents, absentOn: 404) else {
            return nil
        }
        guard let value = try? JSONValue.parse(body) else { throw PolymarketError.malformed(endpoint: "gamma /events/{id}", detail: "not JSON") }
        return try GammaEvent(wire: value.arrayValue?.first ?? value)
    }

    public func markets(conditionIDs: [String], closed: Bool) async throws -> [GammaMarket] {
        guard !conditionIDs.isEmpty else { return [] }
        let ids = conditionIDs.map { "condition_ids=" + URLComponent.encoded($0) }.joined(separator: "&")
        return try await pages(limit: conditionIDs.count) { offset, limit in
            let body = try await get(gammaURL + "/markets?\(ids)&closed=\(closed)&limit=\(limit)&offset=\(offset)",
                                     key: "gamma:/markets", limit: Limits.gammaMarkets, absentOn: Self.offsetTooLarge)
            return try body.flatMap { try GammaDecoder.markets($0)?.markets }
        }
    }

    public func orderBook(tokenID: String) async throws -> OrderBook {
        try OrderBook(wire: try await network.get(clobURL + "/book?token_id=" + URLComponent.encoded(tokenID), rateLimit: ("clob:/book", Limits.clobBook)))
    }

    public func priceHistory(tokenID: String, from: Double?, to: Double?) async throws -> [PricePoint] {
        // `interval` and `startTs`/`endTs` are mutually exclusive; `fidelity` is the resolution in minutes.
        var url = clobURL + "/prices-history?market=\(URLComponent.encoded(tokenID))&fidelity=\(historyFidelityMinutes)"
        if let from {
            url += "&startTs=\(Int64(from.rounded(.down)))&endTs=\(Int64((to ?? from + 30 * 86_400).rounded(.up)))"
        } else {
            url += "&interval=1m"
        }
        let points = try ClobDecoder.priceHistory(try await network.get(url, rateLimit: ("clob:/prices-history", Limits.clobPriceHistory)))
        guard let from else { return points }
        return points.filter { $0.t >= from && $0.t <= (to ?? .infinity) }
    }

    public func clobMarket(conditionID: String) async throws -> ClobMarket? {
        try await get(clobURL + "/markets/" + URLComponent.encoded(conditionID), key: "clob:/markets", limit: Limits.clobOther, absentOn: 404)
            .map(ClobDecoder.market)
    }

    /// Pages of `pageSize` until `limit` items, a short page, or Gamma's end-of-pages answer (nil).
    private func pages<T>(limit: Int, _ fetch: (_ offset: Int, _ limit: Int) async throws -> [T]?) async throws -> [T] {
        var items: [T] = []
        while items.count < limit {
            let want = min(pageSize, limit - items.count)
            guard let page = try await fetch(items.count, want) else { break }
            items += page
            if page.count < want { break }
        }
        return items
    }

    /// Gamma's status for "offset too large" (it may also answer 200 with an error object).
    static let offsetTooLarge = 422

    /// GET whose `absentOn` status means "nothing here" (nil); other non-2xx statuses throw.
    private func get(_ url: String, key: String, limit: RateLimit, absentOn: Int) async throws -> [UInt8]? {
        let response = try await network.send(NetworkRequest(url: url, rateLimit: (key, limit)))
        if response.status == absentOn { return nil }
        guard (200..<300).contains(response.status) else { throw NetworkError.status(response.status, url: url, body: response.text) }
        return response.body
    }
}
