import FoundationEssentials
import Support

/// How a recommendation fared once its market resolved (`recommendation_outcomes`).
/// `correct`, `roiPer100` and `edgeCaptured` are nil for NO_TRADE, which is scored only for calibration.
public struct RecommendationOutcome: Codable, Sendable, Equatable {
    public var id: Int64 = 0
    public var recommendationID: Int64
    public var marketID: Int64
    public var direction: TradeDirection
    public var winningOutcome: String
    public var yesWon: Bool
    public var correct: Bool?
    /// Dollars returned per $100 staked at the entry-zone midpoint (−100 when wrong).
    public var roiPer100: Double?
    /// Payoff of the side taken (1 or 0) minus the price paid for it.
    public var edgeCaptured: Double?
    /// (fair probability of YES − outcome)².
    public var brierFair: Double
    /// (market YES price at recommendation time − outcome)².
    public var brierMarket: Double
    public var scoredAt: Date = Date(timeIntervalSince1970: 0)

    public init(recommendationID: Int64, marketID: Int64, direction: TradeDirection, winningOutcome: String, yesWon: Bool,
                correct: Bool?, roiPer100: Double?, edgeCaptured: Double?, brierFair: Double, brierMarket: Double) {
        self.recommendationID = recommendationID
        self.marketID = marketID
        self.direction = direction
        self.winningOutcome = winningOutcome
        self.yesWon = yesWon
        self.correct = correct
        self.roiPer100 = roiPer100
        self.edgeCaptured = edgeCaptured
        self.brierFair = brierFair
        self.brierMarket = brierMarket
    }

    init(row: Row) throws {
        id = try row.get("id")
        recommendationID = try row.get("recommendation_id")
        marketID = try row.get("market_id")
        direction = try row.enumValue("direction")
        winningOutcome = try row.get("winning_outcome")
        yesWon = try row.get("yes_won", as: Int.self) == 1
        correct = try row.get("correct", as: Int?.self).map { $0 == 1 }
        roiPer100 = try row.get("roi_per_100")
        edgeCaptured = try row.get("edge_captured")
        brierFair = try row.get("brier_fair")
        brierMarket = try row.get("brier_market")
        scoredAt = try row.get("scored_at")
    }
}

/// Track record over resolved markets: overall and per agent.
public struct PerformanceStats: Codable, Sendable, Equatable {
    public struct Overall: Codable, Sendable, Equatable {
        /// Scored LONG_YES/LONG_NO recommendations.
        public var trades: Int
        public var correct: Int
        /// correct / trades; nil with no trades.
        public var hitRate: Double?
        public var meanROIPer100: Double?
        public var noTrades: Int
        /// Mean Brier score of our fair probabilities over every scored recommendation (lower is better).
        public var brierOurs: Double?
        /// Mean Brier score of the market price at recommendation time over the same recommendations.
        public var brierMarket: Double?
    }
    public struct Agent: Codable, Sendable, Equatable {
        public var agent: String
        /// Signals on markets that have resolved.
        public var signals: Int
        public var brier: Double
        /// Directional signals (YES/NO) whose side won, over directional signals.
        public var hitRate: Double?
    }
    /// `live` (real markets only) or `sample` (the offline sample set only).
    public var data: String
    public var overall: Overall
    public var agents: [Agent]
}
