import FoundationEssentials
import Storage

/// The market-analysis graph on the engine:
///
/// ingestion → memory → agents (in parallel) → fusion → theses → cross_examination → consensus →
/// recommendation → persistence. An invalid briefing and a failed consensus go straight to
/// persistence, which records the failure. One graph thread per run; every superstep is
/// checkpointed, so a run killed anywhere resumes where it stopped.
public enum AnalysisGraph {
    /// The name recorded with each run.
    public static let name = "market-analysis"

    /// Node names of the agents (one per offline agent).
    public static var agentNodes: [String] { OfflineAgents.all.map { "agent_" + $0.name } }

    /// Builds the graph over `source` (market data), `pool` (memory and persistence) and `clock`.
    public static func make(source: @escaping @Sendable () -> any MarketDataSource, pool: DatabasePool, clock: any WallClock,
                            agents: [OfflineAgent] = OfflineAgents.all) throws -> Graph {
        var graph = StateGraph(name: name)
        for channel in [AnalysisChannel.request, AnalysisChannel.briefing, AnalysisChannel.failure, AnalysisChannel.memory,
                        AnalysisChannel.fusion, AnalysisChannel.theses, AnalysisChannel.examination, AnalysisChannel.consensus,
                        AnalysisChannel.plan, AnalysisChannel.result] {
            graph.channel(channel)
        }
        graph.channel(AnalysisChannel.signals, .append)
        let network = NodePolicy(timeout: 60, retry: RetryPolicy(maxAttempts: 3, initialBackoff: 1), onFailure: .stop)
        let local = NodePolicy(timeout: 30, retry: RetryPolicy(maxAttempts: 2, initialBackoff: 0.1), onFailure: .stop)
        let agentPolicy = NodePolicy(timeout: 30, onFailure: .continue)

        graph.node("ingestion", policy: network) { state, _ in
            let request = try state.require(AnalysisRequest.self, AnalysisChannel.request)
            var update = StateUpdate()
            do {
                let briefing = try await ingest(request.snapshot, source: source(), now: clock.now())
                try update.set(AnalysisChannel.briefing, briefing)
            } catch let error as BriefingError {
                try update.set(AnalysisChannel.failure, AnalysisFailure(stage: "ingestion", message: error.description))
            }
            return update
        }
        graph.conditionalEdge("ingestion", targets: ["memory", "persistence"]) { state in
            state[AnalysisChannel.failure].map { $0 == .null } ?? true ? ["memory"] : ["persistence"]
        }

        let agentNames = agents.map(\.name)
        graph.node("memory", policy: local) { state, _ in
            let request = try state.require(AnalysisRequest.self, AnalysisChannel.request)
            let memory = try await pool.read { database -> AgentMemory in
                guard let market = try database.markets.find(conditionID: request.snapshot.conditionID) else { return AgentMemory() }
                var entries: [String: [AgentMemory.Entry]] = [:]
                for agent in agentNames {
                    entries[agent] = try database.agentSignals.recent(marketID: market.id, agentName: agent, limit: AgentMemory.depth)
                        .filter { $0.runID != request.runID }
                        .map { AgentMemory.Entry(fairProbability: $0.fairProbability, confidence: $0.confidence, direction: $0.direction, at: $0.createdAt) }
                }
                return AgentMemory(entries: entries)
            }
            var update = StateUpdate()
            try update.set(AnalysisChannel.memory, memory)
            return update
        }
        for agent in agents {
            let node = "agent_" + agent.name
            graph.node(node, policy: agentPolicy) { state, _ in
                let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
                let memory = try state.decode(AgentMemory.self, AnalysisChannel.memory) ?? AgentMemory()
                var update = StateUpdate()
                try update.set(AnalysisChannel.signals, [agent.run(briefing, memory: memory)])
                return update
            }
            graph.edge("memory", node)
        }
        graph.edge(from: agents.map { "agent_" + $0.name }, to: "fusion")

        graph.node("fusion", policy: local) { state, _ in
            let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
            let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
            var update = StateUpdate()
            if !signals.isEmpty { try update.set(AnalysisChannel.fusion, Fusion.fuse(signals, liquidityScore: briefing.liquidityScore)) }
            return update
        }
        graph.edge("fusion", "theses")
        graph.node("theses", policy: local) { state, _ in
            let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
            let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
            var update = StateUpdate()
            if let fusion = try state.decode(FusionResult.self, AnalysisChannel.fusion) {
                try update.set(AnalysisChannel.theses, ThesisBuilder.theses(signals: signals, fusion: fusion, market: briefing.probability))
            }
            return update
        }
        graph.edge("theses", "cross_examination")
        graph.node("cross_examination", policy: local) { state, _ in
            let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
            let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
            var update = StateUpdate()
            if let fusion = try state.decode(FusionResult.self, AnalysisChannel.fusion),
               let theses = try state.decode(Theses.self, AnalysisChannel.theses) {
                try update.set(AnalysisChannel.examination,
                               ThesisBuilder.crossExamine(theses: theses, signals: signals, fusion: fusion, briefing: briefing))
            }
            return update
        }
        graph.edge("cross_examination", "consensus")
        graph.node("consensus", policy: local) { state, _ in
            let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
            let fusion = try state.decode(FusionResult.self, AnalysisChannel.fusion)
            let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
            let consensus = Consensus.evaluate(signals, fused: fusion?.probability ?? briefing.probability)
            var update = StateUpdate()
            try update.set(AnalysisChannel.consensus, consensus)
            if let failure = consensus.failure {
                try update.set(AnalysisChannel.failure, AnalysisFailure(stage: "consensus", message: "consensus failed: " + failure))
            }
            return update
        }
        graph.conditionalEdge("consensus", targets: ["recommendation", "persistence"]) { state in
            state[AnalysisChannel.failure].map { $0 == .null } ?? true ? ["recommendation"] : ["persistence"]
        }
        graph.node("recommendation", policy: local) { state, _ in
            let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
            let consensus = try state.require(ConsensusResult.self, AnalysisChannel.consensus)
            let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
            let theses = try state.require(Theses.self, AnalysisChannel.theses)
            let examination = try state.require(CrossExamination.self, AnalysisChannel.examination)
            let plan = RecommendationMath.plan(consensus: consensus, marketPrice: briefing.probability, liquidityScore: briefing.liquidityScore)
            let story = ThesisBuilder.narrative(briefing: briefing, consensus: consensus, plan: plan, theses: theses,
                                                examination: examination, signals: signals)
            var update = StateUpdate()
            try update.set(AnalysisChannel.plan, RecommendationDraft(plan: plan, explanation: story.explanation, coreThesis: story.core,
                                                                     catalysts: story.catalysts, risks: story.risks))
            return update
        }
        graph.edge("recommendation", "persistence")
        graph.node("persistence", policy: local) { state, _ in
            let stored = try await AnalysisPersistence.persist(state, pool: pool, clock: clock)
            var update = StateUpdate()
            try update.set(AnalysisChannel.result, stored)
            return update
        }
        graph.edge(StateGraph.start, "ingestion")
        return try graph.compile(GraphOptions(stepLimit: 20, maxConcurrency: 8))
    }

    /// Fetches the YES book and price history and builds the briefing. A missing book (404) is an
    /// empty book, not a failure; other network errors propagate (and are retried by the node).
    static func ingest(_ snapshot: MarketSnapshot, source: any MarketDataSource, now: Date) async throws -> MarketBriefing {
        guard let token = snapshot.clobTokenIDs.first, let price = snapshot.yesPrice, price > 0, price < 1, !snapshot.closed else {
            // Not analysable; the builder says why without fetching anything.
            return try BriefingBuilder.build(snapshot: snapshot, book: nil, history: [], now: now)
        }
        var book: OrderBook?
        do { book = try await source.orderBook(tokenID: token) } catch NetworkError.status(404, _, _) { book = nil }
        let history = try await source.priceHistory(tokenID: token)
        return try BriefingBuilder.build(snapshot: snapshot, book: book, history: history, now: now)
    }
}
