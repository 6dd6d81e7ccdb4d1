import Dispatch
import FoundationEssentials
import Storage
import Support
import Synchronization

/// Skill of one group of forecasts (an agent, an event type).
public struct GroupSkill: Codable, Sendable, Equatable {
    public var name: String
    public var figures: SkillFigures
}

/// Directional recommendations on resolved markets whose side won (NO_TRADE never counts).
public struct HitRate: Codable, Sendable, Equatable {
    public var trades: Int
    public var wins: Int
    /// wins / trades; nil with no trades.
    public var rate: Double?
}

/// Which analyses of a market count in forecast skill.
public enum ForecastCounting: String, Codable, Sendable, CaseIterable {
    /// The first analysis of each market: one forecast per question, so a market analysed daily
    /// for a month does not weigh thirty times more than one analysed once, and the bootstrap
    /// resamples independent questions. The default.
    case first
    /// Every analysis (each one is a decision the user could have acted on).
    case all
}

/// The track record: forecast skill against the market price at decision time, the simulated
/// trades of every actionable recommendation and the portfolio they make. Every figure is
/// computed from the database by the rules stated in `rules` and the README, so the same
/// database always gives the same record.
public struct TrackRecord: Codable, Sendable {
    /// `live`, `sample` or `replay` — never mixed.
    public var data: String
    /// The replay's id when `data` is `replay`.
    public var replay: String?
    public var since: Date?
    public var until: Date?
    public var generatedAt: Date
    public var counting: ForecastCounting
    public var rules: TradeRules

    public struct Forecasts: Codable, Sendable {
        /// Resolved markets with at least one analysis in the period.
        public var resolvedMarkets: Int
        /// Analyses scored (one per market with `first`).
        public var analysesScored: Int
        /// Our probability (the agents' consensus) against the market price.
        public var overall: SkillFigures
        /// The market blend, each forecast blended with the weight fitted on what had resolved
        /// before it (prequential), beside `overall` so the user sees whether blending helps.
        public var blended: SkillFigures
        /// The blend weight `DECISION_BLEND=auto` uses now: fitted on the first analysis of every
        /// resolved market of this data set, whatever the period.
        public var blend: BlendFit
        public var byEventType: [GroupSkill]
        public var byAgent: [GroupSkill]
    }
    public var forecasts: Forecasts
    public var hitRate: HitRate
    /// Trades by status (every status listed, zeros included).
    public var tradesByStatus: [String: Int]
    public var trades: [SimulatedTrade]
    public var portfolio: PortfolioFigures
    /// What the figures cannot say (empty period, gaps, too few resolved markets…).
    public var notes: [String]
}

/// Builds track records from a database.
public enum TrackRecordBuilder {
    /// Bootstrap resamples for the groups (per agent, per event type).
    static let groupResamples = 1_000

    /// The record of `scope` under `rules` at `now`. `data`/`replay` name where the database's
    /// runs come from (the sample flag of `scope` selects the markets).
    public static func build(_ database: Database, scope: TrackRecordScope, rules: TradeRules = TradeRules(),
                             counting: ForecastCounting = .first, now: Date, data: String? = nil, replay: String? = nil,
                             resamples: Int = ForecastSkill.resamples) throws -> TrackRecord {
        let store = database.trackRecord
        let inScope = try store.forecasts(scope)
        var rows = inScope
        if counting == .first {
            var seen: Set<Int64> = []
            rows = rows.filter { seen.insert($0.marketID).inserted }
        }
        var counted: [Int64: (market: Double, outcome: Double)] = [:]
        for row in rows { counted[row.recommendationID] = (row.marketProbability, row.outcome) }
        let scored = rows.map { ScoredForecast(probability: $0.consensusProbability, market: $0.marketProbability, outcome: $0.outcome) }
        let blendedProbabilities = MarketBlend.prequential(scored, times: rows.map(\.time), resolvedAt: rows.map(\.resolvedAt))
        let blended = zip(scored, blendedProbabilities).map { ScoredForecast(probability: $1, market: $0.market, outcome: $0.outcome) }

        var byType: [String: [ScoredForecast]] = [:]
        for (row, forecast) in zip(rows, scored) { byType[row.eventType, default: []].append(forecast) }
        let (agentNames, agentRows) = try store.agentForecasts()
        var perAgent = [[ScoredForecast]](repeating: [], count: agentNames.count)
        for row in agentRows {
            guard let run = counted[row.recommendationID] else { continue }
            perAgent[row.agent].append(ScoredForecast(probability: row.probability, market: run.market, outcome: run.outcome))
        }
        var byAgent: [String: [ScoredForecast]] = [:]
        for (name, forecasts) in zip(agentNames, perAgent) where !forecasts.isEmpty { byAgent[name, default: []] += forecasts }
        // The figures (each a bootstrap) computed side by side: overall, blended, each type, each agent.
        let types = byType.keys.sorted(), agents = byAgent.keys.sorted()
        let jobs: [([ScoredForecast], Int)] = [(scored, resamples), (blended, resamples)]
            + types.map { (byType[$0]!, min(resamples, groupResamples)) } + agents.map { (byAgent[$0]!, min(resamples, groupResamples)) }
        let results = Mutex([SkillFigures?](repeating: nil, count: jobs.count))
        DispatchQueue.concurrentPerform(iterations: jobs.count) { index in
            let figures = ForecastSkill.figures(jobs[index].0, resamples: jobs[index].1)
            results.withLock { $0[index] = figures }
        }
        let figures = results.withLock { $0.map { $0! } }
        let typeSkill = zip(types, figures[2..<(2 + types.count)]).map { GroupSkill(name: $0, figures: $1) }
        let agentSkill = zip(agents, figures[(2 + types.count)...]).map { GroupSkill(name: $0, figures: $1) }
        let directional = rows.filter { $0.direction != .noTrade }
        let wins = directional.filter { ($0.direction == .longYes) == ($0.outcome == 1) }.count

        let trades = try simulate(database, scope: scope, rules: rules, now: now.timeIntervalSince1970)
        var byStatus = Dictionary(uniqueKeysWithValues: SimulatedTradeStatus.allCases.map { ($0.rawValue, 0) })
        for trade in trades { byStatus[trade.status.rawValue, default: 0] += 1 }

        var notes: [String] = []
        if rows.isEmpty { notes.append("no resolved market has an analysis in this period: forecast skill is empty, not zero") }
        if trades.isEmpty { notes.append("no actionable recommendation in this period: no simulated trades") }
        let gapped = trades.filter { $0.gapCount > 0 }.count
        if gapped > 0 { notes.append("\(gapped) trade(s) have gaps of more than \(Format.decimal(rules.gapHours, 0)) h in their price history; each trade lists its gaps (never interpolated)") }
        let fit = scope.since == nil && scope.until == nil ? MarketBlend.fit(firstOf: inScope) : try MarketBlend.fit(database: database, sample: scope.sample)
        if fit.resolved < fit.enough { notes.append("the market blend has \(fit.resolved) of the \(fit.enough) resolved markets it needs for its full weight") }

        return TrackRecord(
            data: data ?? (scope.sample ? "sample" : "live"), replay: replay, since: scope.since, until: scope.until, generatedAt: now,
            counting: counting, rules: rules,
            forecasts: TrackRecord.Forecasts(resolvedMarkets: Set(rows.map(\.marketID)).count, analysesScored: rows.count,
                                             overall: figures[0], blended: figures[1], blend: fit,
                                             byEventType: typeSkill, byAgent: agentSkill),
            hitRate: HitRate(trades: directional.count, wins: wins, rate: directional.isEmpty ? nil : Double(wins) / Double(directional.count)),
            tradesByStatus: byStatus, trades: trades, portfolio: PortfolioFigures.of(trades), notes: notes)
    }

    /// The simulated trade of every actionable recommendation in scope with at least
    /// `rules.minimumEdge` of edge, each token's series read once.
    public static func simulate(_ database: Database, scope: TrackRecordScope, rules: TradeRules, now: Double) throws -> [SimulatedTrade] {
        let rows = try database.trackRecord.trades(scope).filter { $0.edge >= rules.minimumEdge }
        let tokens = Set(rows.compactMap(\.yesTokenID))
        guard tokens.count >= wholeScanTokens else {
            return try simulate(rows, rules: rules, now: now) { token, from in try database.priceHistory.points(tokenID: token, from: from) }
        }
        // Many tokens: one scan of the table in key order, one series in memory at a time.
        var byToken: [String: [Int]] = [:]
        for (index, row) in rows.enumerated() { byToken[row.yesTokenID ?? "", default: []].append(index) }
        var trades = [SimulatedTrade?](repeating: nil, count: rows.count)
        try database.priceHistory.forEachSeries(tokens) { token, series in
            for index in byToken.removeValue(forKey: token) ?? [] {
                trades[index] = TradeSimulator.simulate(rows[index], history: series, rules: rules, now: now)
            }
        }
        for index in byToken.values.joined() { trades[index] = TradeSimulator.simulate(rows[index], history: [], rules: rules, now: now) }
        return trades.compactMap { $0 }
    }

    /// From this many distinct tokens on, `simulate` reads the price table in one ordered scan
    /// instead of one query per token (measured: 20,000 tokens × 100 points each, 0.45 s → 0.2 s; with 2,000 tokens × 2,000 points the queries are faster).
    static let wholeScanTokens = 5_000

    /// The trades of `rows` (in their order), reading each YES token's series once, from the
    /// earliest recommendation on it, and letting it go before the next (memory stays at one series).
    public static func simulate(_ rows: [TradeRow], rules: TradeRules, now: Double,
                                history: (_ token: String, _ from: Double) throws -> [PricePoint]) throws -> [SimulatedTrade] {
        var byToken: [String: [Int]] = [:]
        for (index, row) in rows.enumerated() { byToken[row.yesTokenID ?? "", default: []].append(index) }
        var trades = [SimulatedTrade?](repeating: nil, count: rows.count)
        for (token, indices) in byToken {
            let from = indices.map { rows[$0].time }.min() ?? 0
            let series = token.isEmpty ? [] : try history(token, from)
            for index in indices { trades[index] = TradeSimulator.simulate(rows[index], history: series, rules: rules, now: now) }
        }
        return trades.compactMap { $0 }
    }
}
