import FoundationEssentials
import Storage
import Support

/// The result of one analysis, as the CLI and `/trigger` show it.
public struct AnalysisReport: Codable, Sendable {
    public var runID: String
    public var conditionID: String
    public var question: String
    public var status: AnalysisStatus
    public var source: String
    public var durationMilliseconds: Int64
    public var errorMessage: String?
    public var marketProbability: Double?
    public var consensus: ConsensusResult?
    public var recommendation: Recommendation?
    public var signals: [AgentSignal]
    /// What the run's LLM calls cost (0 offline) and the tokens billed.
    public var costUSD: Double = 0
    public var tokensIn: Int64 = 0
    public var tokensOut: Int64 = 0
    /// Nodes that skipped the LLM or fell back to a template, and the budget that stopped spending.
    public var llm: JSONValue?
    /// Agents of a partial run that failed: node → error (empty when every agent answered).
    public var agentErrors: [String: String] = [:]
    /// For a NO_TRADE: the rule that decided it (edge below the minimum, no positive expected value).
    public var noTradeReason: String?
}

/// Runs analyses on the graph: one graph thread per run, never two runs of one market at once,
/// and an `analysis_history` row for every run, successful or not.
public final class MarketAnalyzer: Sendable {
    public let graph: Graph
    public let pool: DatabasePool
    public let clock: any WallClock
    public let source: @Sendable () -> any MarketDataSource
    private let locks = KeyedLock()

    /// The LLM analysis in use (nil: offline agents only).
    public let llm: LLMAnalysis?
    private let logger: Logger
    /// Once raised, no new analysis starts (`analyze` throws `CancellationError`).
    public let stop: StopRequest

    public init(pool: DatabasePool, clock: any WallClock, source: @escaping @Sendable () -> any MarketDataSource,
                llm: LLMAnalysis? = nil, logger: Logger = .disabled, stop: StopRequest = StopRequest(), decisionBlend: Bool = false) throws {
        self.logger = logger
        self.stop = stop
        self.pool = pool
        self.clock = clock
        self.source = source
        self.llm = llm?.gateway.isEnabled == true ? llm : nil
        graph = try AnalysisGraph.make(source: source, pool: pool, clock: clock, llm: self.llm, decisionBlend: decisionBlend)
    }

    /// Analyses the market of `snapshot`, storing it with its result (and `trendingScore` when
    /// given) in the run's one persistence write. Waits while another analysis of the same market
    /// runs. Throws `AnalysisError.marketResolved` for a resolved market and storage errors; a
    /// failed run is a report with status `failed`.
    public func analyze(_ snapshot: MarketSnapshot, type: AnalysisType, trendingScore: Double? = nil) async throws -> AnalysisReport {
        if stop.isRaised { throw CancellationError() }
        return try await locks.withLock(snapshot.conditionID) {
            if stop.isRaised { throw CancellationError() }
            let runID = "analysis-" + CheckpointID.next()
            let source = self.source().name
            let existing = try await pool.read { try $0.markets.find(conditionID: snapshot.conditionID) }
            if existing?.status == .resolved { throw AnalysisError.marketResolved(conditionID: snapshot.conditionID) }
            let request = AnalysisRequest(runID: runID, analysisType: type, snapshot: snapshot, source: source, startedAt: clock.now(),
                                          trendingScore: trendingScore)
            var input = StateUpdate()
            try input.set(AnalysisChannel.request, request)
            return try await run(request) { try await graph.invoke(thread: runID, input: input, checkpointer: $0) }
        }
    }

    /// The markets whose analysis run has started and not finished: running now, or interrupted
    /// by a crash and not yet resumed. A cycle does not pick them (the resume finishes them).
    public func marketsWithUnfinishedRuns() async throws -> Set<String> {
        try await pool.read { database in
            var markets: Set<String> = []
            for run in try database.checkpoints.runs(status: .running, limit: 10_000) where run.graph == AnalysisGraph.name {
                guard let row = try database.checkpoints.latest(thread: run.threadID),
                      let request = try? GraphState(Checkpoint(row: row).values).decode(AnalysisRequest.self, AnalysisChannel.request) else { continue }
                markets.insert(request.snapshot.conditionID)
            }
            return markets
        }
    }

    /// Resumes an interrupted run (same market lock, same failure recording).
    public func resume(thread: String) async throws -> AnalysisReport {
        let request = try await pool.read { database -> AnalysisRequest? in
            guard let row = try database.checkpoints.latest(thread: thread) else { return nil }
            return try GraphState(Checkpoint(row: row).values).decode(AnalysisRequest.self, AnalysisChannel.request)
        }
        guard let request else { throw GraphError.threadNotFound(thread) }
        return try await locks.withLock(request.snapshot.conditionID) {
            try await run(request) { try await graph.resume(thread: thread, checkpointer: $0) }
        }
    }

    /// Runs the graph call; a run that stops before persistence (graph or network failure) gets
    /// its failed history row here. Returns the stored report.
    private func run(_ request: AnalysisRequest, _ call: (GraphCheckpointer) async throws -> GraphOutcome) async throws -> AnalysisReport {
        do {
            _ = try await call(GraphCheckpointer(pool: pool))
        } catch let error as GraphError {
            try await recordFailure(request: request, message: error.description)
        } catch let error as NetworkError {
            try await recordFailure(request: request, message: error.description)
        }
        let report = try await report(runID: request.runID)
        log(report)
        return report
    }

    /// One line per finished analysis, naming the market: what an operator reads to know what was decided.
    private func log(_ report: AnalysisReport) {
        var fields: LogFields = ["conditionId": report.conditionID, "question": report.question, "run": report.runID,
                                 "status": report.status.rawValue, "source": report.source, "milliseconds": report.durationMilliseconds]
        if let recommendation = report.recommendation {
            fields["action"] = recommendation.direction.rawValue
            fields["expectedValue"] = recommendation.expectedValue
        }
        if report.costUSD > 0 { fields["costUsd"] = report.costUSD }
        if report.status == .failed {
            fields["error"] = report.errorMessage ?? "unknown"
            logger.warning("analysis failed", fields)
        } else {
            logger.info("analysis finished", fields)
        }
    }

    /// A history row for a run that stopped before persistence (nothing else is written, so no
    /// recommendation is ever half-stored).
    private func recordFailure(request: AnalysisRequest, message: String) async throws {
        let now = clock.now()
        try await pool.write { database in
            guard try database.analysisHistory.find(runID: request.runID) == nil else { return }
            let market = try database.markets.find(conditionID: request.snapshot.conditionID)
                ?? database.markets.upsert(request.marketRecord(existing: nil))
            var run = AnalysisRun(marketID: market.id, runID: request.runID, analysisType: request.analysisType, status: .failed)
            run.errorMessage = message
            run.source = request.source
            run.durationMilliseconds = max(0, Int64(now.timeIntervalSince(request.startedAt) * 1000))
            run.detail = ["failedStage": .string("graph")]
            try run.chargeLLMSpend(database)
            try database.analysisHistory.record(run)
        }
    }

    /// The stored result of a run.
    public func report(runID: String) async throws -> AnalysisReport {
        try await pool.read { database in
            guard let run = try database.analysisHistory.find(runID: runID), let market = try database.markets.find(id: run.marketID) else {
                throw AnalysisError.runNotFound(runID: runID)
            }
            let consensus = try AnalysisPersistence.consensus(in: run.detail)
            var report = AnalysisReport(runID: runID, conditionID: market.conditionID, question: market.question, status: run.status,
                                        source: run.source ?? "", durationMilliseconds: run.durationMilliseconds, errorMessage: run.errorMessage,
                                        marketProbability: market.marketProbability, consensus: consensus,
                                        recommendation: try database.recommendations.find(runID: runID),
                                        signals: try database.agentSignals.forRun(runID))
            report.costUSD = run.costUSD
            report.tokensIn = run.tokensIn
            report.tokensOut = run.tokensOut
            report.llm = run.detail["llm"]
            for (node, message) in run.detail["agentErrors"]?.objectValue ?? [:] { report.agentErrors[node] = message.stringValue ?? "" }
            report.noTradeReason = run.detail["noTradeReason"]?.stringValue
            if let budget = run.detail["budgetExhausted"] {
                report.llm = .object((report.llm?.objectValue ?? [:]).merging(["budgetExhausted": budget]) { _, new in new })
            }
            return report
        }
    }
}
