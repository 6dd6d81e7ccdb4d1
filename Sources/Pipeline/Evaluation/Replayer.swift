import FoundationEssentials
import Storage
import Support
import Synchronization

/// What a replay re-runs: the times (`from` to `to`, every `every` seconds), the agents and the
/// data set, and the spending cap for LLM agents.
public struct ReplayPlan: Sendable, Equatable {
    public var id: String
    public var from: Date
    public var to: Date
    public var everySeconds: Double
    /// `offline` (the deterministic agents) or `llm`.
    public var agents: String
    /// `live` or `sample`.
    public var data: String
    /// LLM spend at which the replay stops (nil: no LLM agents).
    public var maxCostUSD: Double?

    public init(id: String, from: Date, to: Date, everySeconds: Double, agents: String = "offline", data: String, maxCostUSD: Double? = nil) {
        self.id = id
        self.from = from
        self.to = to
        self.everySeconds = everySeconds
        self.agents = agents
        self.data = data
        self.maxCostUSD = maxCostUSD
    }

    /// The replayed times, oldest first.
    public var times: [Date] {
        guard everySeconds > 0, from <= to else { return [] }
        return stride(from: from.timeIntervalSince1970, through: to.timeIntervalSince1970, by: everySeconds).map(Date.init(timeIntervalSince1970:))
    }

    /// The (time, market) pairs the replay will analyse.
    public func work(_ markets: [ReplayMarket]) -> [(Date, Int)] {
        times.flatMap { time in markets.indices.filter { markets[$0].isReplayable(at: time) }.map { (time, $0) } }
    }
}

/// Re-runs the analysis graph as of past times on markets that have since resolved, into a
/// database of its own. Each run sees only data at or before its time: the clock says that
/// time, the market data source holds the series up to it and no order book, and the market's
/// resolution is written into the replay's database only after every run finished — then the
/// replay is scored like live runs (the same track record code reads it).
public enum Replayer {
    /// Runs `plan` over `markets` into `database` (a fresh replay database whose clock is
    /// `clock`). `llm` makes LLM agents join (their spend is capped at `plan.maxCostUSD`).
    /// `progress` is called after each analysis with (done, total). Honours `stop` between runs.
    public static func run(_ plan: ReplayPlan, markets: [ReplayMarket], database: AppDatabase, clock: SettableWallClock,
                           llm: LLMAnalysis? = nil, stop: StopRequest = StopRequest(),
                           progress: @escaping @Sendable (Int, Int) -> Void = { _, _ in }) async throws -> ReplayInfo {
        var info = ReplayInfo(id: plan.id, path: database.directory.path, from: plan.from, to: plan.to, everySeconds: plan.everySeconds,
                              agents: plan.agents, data: plan.data, createdAt: Date())
        try await database.pool.write { [info] in try $0.replays.save(info) }
        let current = Mutex<AsOfMarketSource?>(nil)
        let sourceName = plan.data == "sample" ? FixtureMarketSource.sourceName : "polymarket"
        let analyzer = try MarketAnalyzer(pool: database.pool, clock: clock, source: {
            current.withLock { $0 } ?? AsOfMarketSource(name: sourceName, tokenID: "", history: [])
        }, llm: llm, stop: stop)
        let work = plan.work(markets)
        var analysed: Set<String> = []
        var done = 0
        do {
            for (time, index) in work {
                if stop.isRaised { throw CancellationError() }
                if let cap = plan.maxCostUSD {
                    let spent = try await database.pool.read { try $0.llmCalls.totalSpend() }
                    if spent >= cap { info.error = "stopped at the --max-cost cap of $\(Format.decimal(cap, 2)) after \(done) of \(work.count) analyses"; break }
                }
                let market = markets[index]
                guard let snapshot = market.snapshot(asOf: time), let token = market.market.clobTokenIDs.first else { continue }
                clock.set(time)
                current.withLock { $0 = AsOfMarketSource(name: sourceName, tokenID: token, history: market.history(asOf: time)) }
                let first = analysed.insert(market.market.conditionID).inserted
                _ = try await analyzer.analyze(snapshot, type: first ? .initial : .update)
                done += 1
                progress(done, work.count)
            }
            // Only now does the replay learn how the markets ended, and what their prices did after.
            let finished = analysed
            try await database.pool.write { db in
                for market in markets where finished.contains(market.market.conditionID) {
                    guard var stored = try db.markets.find(conditionID: market.market.conditionID) else { continue }
                    stored.status = .resolved
                    stored.resolvedOutcome = market.winner
                    stored.resolvedAt = market.resolvedAt
                    try db.markets.upsert(stored)
                    if let token = stored.clobTokenIDs.first { try db.priceHistory.append(tokenID: token, market.history) }
                }
            }
            _ = try await OutcomeScoring.scorePending(pool: database.pool)
            info.status = "done"
        } catch {
            info.status = "failed"
            info.error = error is CancellationError ? "stopped after \(done) of \(work.count) analyses" : String(describing: error)
        }
        info.markets = analysed.count
        info.runs = done
        info.costUSD = try await database.pool.read { try $0.llmCalls.totalSpend() }
        info.finishedAt = Date()
        try await database.pool.write { [info] in try $0.replays.save(info) }
        return info
    }
}
