import FoundationEssentials
import Support

/// One recommendation on a resolved market, as forecast scoring needs it.
public struct ForecastRow: Sendable, Equatable {
    public var recommendationID: Int64
    public var marketID: Int64
    /// Epoch seconds of the recommendation.
    public var time: Double
    /// The probability of YES the decision used (`recommendations.fair_probability`).
    public var decisionProbability: Double
    /// The agents' consensus before any market blend (the run's `detail.consensus.probability`;
    /// the decision probability when the run recorded none).
    public var consensusProbability: Double
    /// The market's YES price at decision time.
    public var marketProbability: Double
    public var direction: TradeDirection
    /// 1 when YES won, 0 when NO won.
    public var outcome: Double
    public var eventType: String
    /// Epoch seconds at which the resolution was recorded.
    public var resolvedAt: Double?
}

/// One agent's probability in the run of a recommendation; `agent` indexes the names that
/// `agentForecasts()` returns beside the rows.
public struct AgentForecastRow: Sendable, Equatable {
    public var recommendationID: Int64
    public var agent: Int
    public var probability: Double
}

/// One actionable recommendation with what a simulated trade needs.
public struct TradeRow: Sendable, Equatable {
    public var recommendationID: Int64
    public var marketID: Int64
    public var conditionID: String
    public var question: String
    public var eventID: String?
    public var eventTitle: String?
    public var eventType: String
    public var direction: TradeDirection
    /// Epoch seconds of the recommendation.
    public var time: Double
    public var marketProbability: Double
    public var edge: Double
    public var entryZone: ClosedRange<Double>?
    public var targetZone: ClosedRange<Double>?
    public var stopLoss: Double?
    /// The YES token, whose series is stored.
    public var yesTokenID: String?
    /// nil while the market is unresolved; true when YES won.
    public var yesWon: Bool?
    /// Epoch seconds at which the resolution was recorded.
    public var resolvedAt: Double?

    public init(recommendationID: Int64, marketID: Int64, conditionID: String, question: String, eventID: String?, eventTitle: String?,
                eventType: String, direction: TradeDirection, time: Double, marketProbability: Double, edge: Double,
                entryZone: ClosedRange<Double>?, targetZone: ClosedRange<Double>?, stopLoss: Double?, yesTokenID: String?,
                yesWon: Bool?, resolvedAt: Double?) {
        self.recommendationID = recommendationID
        self.marketID = marketID
        self.conditionID = conditionID
        self.question = question
        self.eventID = eventID
        self.eventTitle = eventTitle
        self.eventType = eventType
        self.direction = direction
        self.time = time
        self.marketProbability = marketProbability
        self.edge = edge
        self.entryZone = entryZone
        self.targetZone = targetZone
        self.stopLoss = stopLoss
        self.yesTokenID = yesTokenID
        self.yesWon = yesWon
        self.resolvedAt = resolvedAt
    }
}

/// Which recommendations a track record covers: the live markets or the sample set (never
/// both), and a period of recommendation times (inclusive; nil: unbounded).
public struct TrackRecordScope: Sendable, Equatable {
    public var sample: Bool
    public var since: Date?
    public var until: Date?

    public init(sample: Bool = false, since: Date? = nil, until: Date? = nil) {
        self.sample = sample
        self.since = since
        self.until = until
    }

    var arguments: StatementArguments { [sample ? 1 : 0, since.map(Timestamp.format) ?? "", until.map(Timestamp.format) ?? "9999"] }
}

/// The inputs of the track record, read in a few scans. Obtain one from `database.trackRecord`.
public struct TrackRecordStore {
    let database: Database
    let now: Date

    /// `m` is the markets alias; the three arguments of `TrackRecordScope.arguments` follow.
    static let scopeFilter = "m.sample = ? AND r.created_at >= ? AND r.created_at <= ?"
    /// Epoch seconds of an ISO-8601 text column (works on every SQLite version we support).
    static func seconds(_ column: String) -> String { "(julianday(\(column)) - 2440587.5) * 86400.0" }
    /// 1.0 when the market's first outcome (YES) won.
    static let yesWon = "CASE WHEN m.resolved_outcome = json_extract(m.outcomes, '$[0]') THEN 1.0 ELSE 0.0 END"

    /// Every recommendation (NO_TRADE included) of a resolved market in scope, oldest first.
    public func forecasts(_ scope: TrackRecordScope) throws -> [ForecastRow] {
        var rows: [ForecastRow] = []
        var types: [String] = [], directions: [String] = []
        // Each resolved market's outcome and close time computed once (not once per analysis).
        try database.forEachRow("""
            WITH m AS MATERIALIZED (
                SELECT id, event_type, \(Self.yesWon) AS yes_won, \(Self.seconds("resolved_at")) AS resolved
                FROM markets m WHERE m.status = 'resolved' AND m.resolved_outcome IS NOT NULL AND m.sample = ?)
            SELECT r.id, r.market_id, \(Self.seconds("r.created_at")), r.fair_probability,
                   coalesce(r.consensus_probability,
                            (SELECT json_extract(h.detail, '$.consensus.probability') FROM analysis_history h WHERE h.run_id = r.run_id),
                            r.fair_probability), r.market_probability,
                   r.direction, m.yes_won, m.event_type, m.resolved
            FROM m JOIN recommendations r ON r.market_id = m.id
            WHERE r.created_at >= ? AND r.created_at <= ?
            """, scope.arguments) { s in
            rows.append(ForecastRow(recommendationID: s.int64(at: 0), marketID: s.int64(at: 1),
                                    time: s.double(at: 2), decisionProbability: s.double(at: 3),
                                    consensusProbability: min(1, max(0, s.double(at: 4))), marketProbability: s.double(at: 5),
                                    direction: TradeDirection(rawValue: s.text(at: 6, interning: &directions)) ?? .noTrade, outcome: s.double(at: 7),
                                    eventType: s.text(at: 8, interning: &types), resolvedAt: s.isNull(at: 9) ? nil : s.double(at: 9)))
            return true
        }
        // Sorted here rather than by SQL: a hundred times cheaper than its temporary B-tree.
        return rows.sorted { ($0.time, $0.recommendationID) < ($1.time, $1.recommendationID) }
    }

    /// Every agent probability of a run that made a recommendation, in no particular order (one
    /// scan; the caller keeps those of the recommendations it counts, whose market and outcome
    /// it has), with the agent names the rows index.
    public func agentForecasts() throws -> (names: [String], rows: [AgentForecastRow]) {
        var rows: [AgentForecastRow] = []
        var names: [String] = []
        try database.forEachRow("SELECT recommendation_id, agent_name, fair_probability FROM agent_signals WHERE recommendation_id IS NOT NULL") { s in
            rows.append(AgentForecastRow(recommendationID: s.int64(at: 0), agent: s.textIndex(at: 1, interning: &names), probability: s.double(at: 2)))
            return true
        }
        return (names, rows)
    }

    /// Every LONG_YES / LONG_NO recommendation in scope (resolved or not), oldest first.
    public func trades(_ scope: TrackRecordScope, marketID: Int64? = nil) throws -> [TradeRow] {
        var rows: [TradeRow] = []
        var arguments = scope.arguments
        if let marketID { arguments.append(marketID) }
        try database.forEachRow("""
            SELECT r.id, r.market_id, m.condition_id, m.question, m.event_id, m.event_title, m.event_type, r.direction,
                   \(Self.seconds("r.created_at")), r.market_probability, r.market_edge, r.entry_zone_min, r.entry_zone_max,
                   r.target_zone_min, r.target_zone_max, r.stop_loss, json_extract(m.clob_token_ids, '$[0]'),
                   CASE WHEN m.status = 'resolved' AND m.resolved_outcome IS NOT NULL THEN \(Self.yesWon) END,
                   \(Self.seconds("m.resolved_at"))
            FROM recommendations r JOIN markets m ON m.id = r.market_id
            WHERE r.direction != 'NO_TRADE' AND \(Self.scopeFilter)\(marketID == nil ? "" : " AND r.market_id = ?")
            ORDER BY r.created_at, r.id
            """, arguments) { s in
            func range(_ low: Int32, _ high: Int32) -> ClosedRange<Double>? {
                guard !s.isNull(at: low), !s.isNull(at: high), s.double(at: low) <= s.double(at: high) else { return nil }
                return s.double(at: low)...s.double(at: high)
            }
            rows.append(TradeRow(recommendationID: s.int64(at: 0), marketID: s.int64(at: 1), conditionID: s.text(at: 2) ?? "",
                                 question: s.text(at: 3) ?? "", eventID: s.text(at: 4), eventTitle: s.text(at: 5), eventType: s.text(at: 6) ?? "other",
                                 direction: TradeDirection(rawValue: s.text(at: 7) ?? "") ?? .longYes, time: s.double(at: 8),
                                 marketProbability: s.double(at: 9), edge: s.double(at: 10), entryZone: range(11, 12), targetZone: range(13, 14),
                                 stopLoss: s.isNull(at: 15) ? nil : s.double(at: 15), yesTokenID: s.text(at: 16),
                                 yesWon: s.isNull(at: 17) ? nil : s.double(at: 17) == 1, resolvedAt: s.isNull(at: 18) ? nil : s.double(at: 18)))
            return true
        }
        return rows
    }
}
