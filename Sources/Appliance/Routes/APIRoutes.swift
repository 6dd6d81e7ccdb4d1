import FoundationEssentials
import HTTPServer
import Storage
import Support

/// Read-only JSON API over the stores, paginated with `limit` (1–500, default 50) and the opaque
/// `cursor` returned as `nextCursor`.
enum APIRoutes {
    static func routes(database: AppDatabase) -> [Route] {
        let pool = database.pool
        return [
            Route(.get, "/api/markets", .task { request in
                let page = try pageRequest(request)
                let status = try request.query["status"].map { value -> MarketStatus in
                    guard let status = MarketStatus(rawValue: value) else {
                        throw HTTPError.badRequest("invalid_status", "status must be active, closed or resolved")
                    }
                    return status
                }
                return .json(try await storeCall { try await pool.read { try $0.markets.list(status: status, page: page) } })
            }),
            Route(.get, "/api/markets/{conditionId}", .task { request in
                let conditionID = request.pathParameters["conditionId"] ?? ""
                let found = try await storeCall { try await pool.read { database -> (Market, Recommendation?)? in
                    guard let market = try database.markets.find(conditionID: conditionID) else { return nil }
                    return (market, try database.recommendations.latest(marketID: market.id))
                } }
                guard let (market, recommendation) = found else { throw HTTPError.notFound("no market with that condition id") }
                return .json(MarketDetail(market: market, latestRecommendation: recommendation))
            }),
            Route(.get, "/api/recommendations", .task { request in
                let page = try pageRequest(request)
                let conditionID = request.query["market"]
                return .json(try await storeCall { try await pool.read { database -> Page<Recommendation> in
                    guard let conditionID else { return try database.recommendations.list(page: page) }
                    guard let market = try database.markets.find(conditionID: conditionID) else { return Page(items: [], nextCursor: nil) }
                    return try database.recommendations.list(marketID: market.id, page: page)
                } })
            }),
            Route(.get, "/api/history", .task { request in
                let page = try pageRequest(request)
                let conditionID = request.query["market"]
                return .json(try await storeCall { try await pool.read { database -> Page<AnalysisRun> in
                    guard let conditionID else { return try database.analysisHistory.list(page: page) }
                    guard let market = try database.markets.find(conditionID: conditionID) else { return Page(items: [], nextCursor: nil) }
                    return try database.analysisHistory.list(marketID: market.id, page: page)
                } })
            }),
            Route(.get, "/api/stats", .task { request in
                // Live markets only; `?data=sample` for the offline sample set's (never mixed).
                let sample = request.query["data"] == "sample"
                return .json(try await pool.read { try $0.outcomes.stats(sample: sample) })
            }),
        ]
    }

    struct MarketDetail: Encodable {
        var market: Market
        var latestRecommendation: Recommendation?
    }

    static func pageRequest(_ request: HTTPRequest) throws -> PageRequest {
        var limit = 50
        if let text = request.query["limit"] {
            guard let value = Int(text), (1...PageRequest.maximumLimit).contains(value) else {
                throw HTTPError.badRequest("invalid_limit", "limit must be a whole number from 1 to \(PageRequest.maximumLimit)")
            }
            limit = value
        }
        return PageRequest(limit: limit, cursor: request.query["cursor"])
    }

    /// Maps a store's refusal of caller input to a 400; other errors stay internal.
    static func storeCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as StorageError where error.code == .invalidCursor {
            throw HTTPError.badRequest("invalid_cursor", "the cursor is not one this server gave out")
        }
    }
}
