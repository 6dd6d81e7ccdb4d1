import FoundationEssentials
import Support

/// Lifecycle of a market as the monitor tracks it.
public enum MarketStatus: String, Codable, Sendable, CaseIterable {
    case active, closed, resolved
}

/// A Polymarket market the monitor tracks (`markets`).
public struct Market: Codable, Sendable, Equatable {
    /// Row id; 0 before the market is stored.
    public var id: Int64 = 0
    /// Polymarket's condition id (unique).
    public var conditionID: String
    public var gammaID: String?
    public var eventID: String?
    public var question: String
    public var description: String?
    public var eventType: String = "other"
    public var slug: String?
    /// Price of YES, 0…1.
    public var marketProbability: Double?
    /// Dollars traded in the last 24 hours.
    public var volume24h: Double = 0
    /// Dollars of liquidity.
    public var liquidity: Double = 0
    public var status: MarketStatus = .active
    /// The winning outcome's name once resolved.
    public var resolvedOutcome: String?
    public var endDate: Date?
    /// 0…10, higher is more worth analysing.
    public var trendingScore: Double = 0
    public var createdAt: Date = Date(timeIntervalSince1970: 0)
    public var updatedAt: Date = Date(timeIntervalSince1970: 0)
    public var lastAnalyzedAt: Date?
    /// Outcome names; the first is YES.
    public var outcomes: [String] = ["Yes", "No"]
    /// CLOB token ids in the order of `outcomes`.
    public var clobTokenIDs: [String] = []
    public var eventTitle: String?
    public var resolvedAt: Date?
    /// True for a market of the sample set (offline mode): not a real market.
    public var isSample = false

    public init(conditionID: String, question: String) {
        self.conditionID = conditionID
        self.question = question
    }

    init(row: Row) throws {
        id = try row.get("id")
        conditionID = try row.get("condition_id")
        gammaID = try row.get("gamma_id")
        eventID = try row.get("event_id")
        question = try row.get("question")
        description = try row.get("description")
        eventType = try row.get("event_type")
        slug = try row.get("slug")
        marketProbability = try row.get("market_probability")
        volume24h = try row.get("volume_24h")
        liquidity = try row.get("liquidity")
        let statusText: String = try row.get("status")
        guard let status = MarketStatus(rawValue: statusText) else {
            throw DatabaseError(resultCode: .mismatch, message: "column status holds an unknown market status")
        }
        self.status = status
        resolvedOutcome = try row.get("resolved_outcome")
        endDate = try row.get("end_date")
        trendingScore = try row.get("trending_score")
        createdAt = try row.get("created_at")
        updatedAt = try row.get("updated_at")
        lastAnalyzedAt = try row.get("last_analyzed_at")
        outcomes = try row.json("outcomes")
        clobTokenIDs = try row.json("clob_token_ids")
        eventTitle = try row.get("event_title")
        resolvedAt = try row.get("resolved_at")
        isSample = try row.get("sample", as: Int.self) != 0
    }
}
