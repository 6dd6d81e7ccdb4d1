import FoundationEssentials
import Storage
import Support

/// The market-analysis graph on the engine:
///
/// ingestion → memory (and news) → agents (in parallel: the offline agents, and the LLM agents when
/// a provider is configured) → fusion → theses → cross_examination → consensus → recommendation
/// (explanation, optional risk perspectives) → persistence. An invalid briefing and a failed consensus go straight to
/// persistence, which records the failure. One graph thread per run; every superstep is
/// checkpointed, so a run killed anywhere resumes where it stopped.
public enum AnalysisGraph {
    /// The name recorded with each run.
    public static let name = "market-analysis"

    /// Node names of the offline agents.
    public static var agentNodes: [String] { OfflineAgents.all.map { "agent_" + $0.name } }

    /// Builds the graph over `source` (market data), `pool` (memory and persistence) and `clock`.
    /// With `llm`, its agents join the fan-out and the theses, cross-examination and explanation
    /// are written by the model (each falling back to its template); without it the graph is
    /// the offline one.
    public static func make(source: @escaping @Sendable () -> any MarketDataSource, pool: DatabasePool, clock: any WallClock,
                            agents: [OfflineAgent] = OfflineAgents.all, llm: LLMAnalysis? = nil) throws -> Graph {
        var graph = StateGraph(name: name)
        for channel in [AnalysisChannel.request, AnalysisChannel.briefing, AnalysisChannel.failure, AnalysisChannel.memory,
                        AnalysisChannel.fusion, AnalysisChannel.theses, AnalysisChannel.examination, AnalysisChannel.consensus,
                        AnalysisChannel.plan, AnalysisChannel.result] {
            graph.channel(channel)
        }
        graph.channel(AnalysisChannel.news)
        graph.channel(AnalysisChannel.signals, .append)
        graph.channel(AnalysisChannel.llmNotes, .append)
        let network = NodePolicy(timeout: 60, retry: RetryPolicy(maxAttempts: 3, initialBackoff: 1), onFailure: .stop)
        let local = NodePolicy(timeout: 30, retry: RetryPolicy(maxAttempts: 2, initialBackoff: 0.1), onFailure: .stop)
        let agentPolicy = NodePolicy(timeout: 30, onFailure: .continue)
        // Two answers, each with the network client's retries and Retry-After waits.
        let llmAgentPolicy = NodePolicy(timeout: 600, onFailure: .continue)
        let llmAgents = llm?.agents ?? []

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

        let agentNames = agents.map(\.name) + llmAgents.map(\.name)
        let newsFeed = llmAgents.contains(where: \.readsNews) ? llm?.news : nil
        // Memory (each agent's recent views) and, for the news agents, the latest headlines:
        // fetched once per run and checkpointed, so a resumed run does not fetch them again.
        graph.node("memory", policy: network) { state, _ in
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
            if let newsFeed {
                let (headlines, note) = await newsFeed.headlines(for: request.snapshot)
                try update.set(AnalysisChannel.news, headlines)
                if let note { try update.set(AnalysisChannel.llmNotes, [LLMNote(node: "news", reason: note)]) }
            }
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
        for agent in llmAgents {
            guard let llm else { break }
            graph.node(agent.node, policy: llmAgentPolicy) { state, _ in
                let request = try state.require(AnalysisRequest.self, AnalysisChannel.request)
                let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
                let memory = try state.decode(AgentMemory.self, AnalysisChannel.memory) ?? AgentMemory()
                let news = try state.decode([Headline].self, AnalysisChannel.news) ?? []
                var update = StateUpdate()
                do {
                    let output = try await llm.gateway.ask(runID: request.runID, node: agent.node, agent.request(briefing, memory: memory, news: news)) {
                        try agent.output($0, market: briefing.probability)
                    }
                    try update.set(AnalysisChannel.signals, [output])
                } catch let error as LLMError where error.isSkip {
                    try update.set(AnalysisChannel.llmNotes, [LLMNote(node: agent.node, error: error, fallback: false)])
                }
                return update
            }
            graph.edge("memory", agent.node)
        }
        graph.edge(from: agents.map { "agent_" + $0.name } + llmAgents.map(\.node), to: "fusion")

        /// The model's version of a node's output, or the template's with a note saying why.
        @Sendable func written<T: Sendable>(_ node: String, _ state: GraphState, _ update: inout StateUpdate, template: T,
                                            _ ask: (LLMAnalysis, String) async throws -> T) async throws -> T {
            guard let llm else { return template }
            let runID = try state.require(AnalysisRequest.self, AnalysisChannel.request).runID
            do {
                return try await ask(llm, runID)
            } catch let error as LLMError {
                try update.set(AnalysisChannel.llmNotes, [LLMNote(node: node, error: error, fallback: true)])
                return template
            }
        }

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
                let template = ThesisBuilder.theses(signals: signals, fusion: fusion, market: briefing.probability)
                let theses = try await written("theses", state, &update, template: template) { llm, runID in
                    try await llm.gateway.ask(runID: runID, node: "theses", LLMWriters.thesesRequest(briefing, signals: signals, template: template)) {
                        LLMWriters.theses($0, template: template)
                    }
                }
                try update.set(AnalysisChannel.theses, theses)
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
                let template = ThesisBuilder.crossExamine(theses: theses, signals: signals, fusion: fusion, briefing: briefing)
                let examination = try await written("cross_examination", state, &update, template: template) { llm, runID in
                    try await llm.gateway.ask(runID: runID, node: "cross_examination", LLMWriters.examinationRequest(briefing, theses: theses),
                                              decode: LLMWriters.examination)
                }
                try update.set(AnalysisChannel.examination, examination)
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
            let template = RecommendationDraft(plan: plan, explanation: story.explanation, coreThesis: story.core,
                                               catalysts: story.catalysts, risks: story.risks)
            var draft = try await written("explanation", state, &update, template: template) { llm, runID in
                try await llm.gateway.ask(runID: runID, node: "explanation",
                                          LLMWriters.explanationRequest(briefing, consensus: consensus, plan: plan, theses: theses, examination: examination)) {
                    var written = template
                    written.explanation = $0["explanation"]?.stringValue ?? template.explanation
                    written.coreThesis = $0["coreThesis"]?.stringValue ?? template.coreThesis
                    written.catalysts = $0["catalysts"]?.arrayValue?.compactMap(\.stringValue) ?? template.catalysts
                    written.risks = $0["risks"]?.arrayValue?.compactMap(\.stringValue) ?? template.risks
                    return written
                }
            }
            if llm?.gateway.settings.riskPerspectives == true {
                let explanation = draft.explanation
                draft.perspectives = try await written("risk_perspectives", state, &update, template: nil) { llm, runID in
                    try await llm.gateway.ask(runID: runID, node: "risk_perspectives",
                                              LLMWriters.perspectivesRequest(briefing, plan: plan, explanation: explanation)) {
                        try JSONCoding.decode(RiskPerspectives.self, from: $0.serialized())
                    }
                }
            }
            try update.set(AnalysisChannel.plan, draft)
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
