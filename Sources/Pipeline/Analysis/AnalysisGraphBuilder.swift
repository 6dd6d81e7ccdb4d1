import FoundationEssentials
import Storage
import Support

/// The analysis graph's parts, one builder per stage, over the dependencies they share. Each
/// `add…` declares its nodes and the edges that leave them; `AnalysisGraph.make` calls them in
/// the order the stages run.
struct AnalysisGraphBuilder {
    let source: @Sendable () -> any MarketDataSource
    let pool: DatabasePool
    let clock: any WallClock
    let agents: [OfflineAgent]
    let llm: LLMAnalysis?
    /// `DECISION_BLEND=auto`: the plan is made on the consensus blended with the market price.
    var decisionBlend = false

    var llmAgents: [LLMAgent] { llm?.agents ?? [] }

    /// Market data: the network client retries transient failures itself (with backoff and
    /// Retry-After), so the node does not retry on top of it, which would multiply the calls.
    static let network = NodePolicy(timeout: 60, onFailure: .stop)
    /// Local computation: one quick retry.
    static let local = NodePolicy(timeout: 30, retry: RetryPolicy(maxAttempts: 2, initialBackoff: 0.1), onFailure: .stop)
    /// An agent's failure is recorded and the run goes on without it.
    static let agent = NodePolicy(timeout: 30, onFailure: .continue)
    /// Two answers, each with the network client's retries and Retry-After waits.
    static let llmAgent = NodePolicy(timeout: 600, onFailure: .continue)

    /// Every channel the nodes read or write.
    func addChannels(_ graph: inout StateGraph) {
        for channel in [AnalysisChannel.request, AnalysisChannel.briefing, AnalysisChannel.failure, AnalysisChannel.memory,
                        AnalysisChannel.fusion, AnalysisChannel.theses, AnalysisChannel.examination, AnalysisChannel.consensus,
                        AnalysisChannel.plan, AnalysisChannel.result] {
            graph.channel(channel)
        }
        graph.channel(AnalysisChannel.news)
        graph.channel(AnalysisChannel.signals, .append)
        graph.channel(AnalysisChannel.llmNotes, .append)
    }

    /// Ingestion: the briefing from the book and price history, or a recorded failure that goes straight
    /// to persistence.
    func addIngestion(_ graph: inout StateGraph) {
        let (source, clock) = (source, clock)
        let network = Self.network
        graph.node("ingestion", policy: network) { state, _ in
            let request = try state.require(AnalysisRequest.self, AnalysisChannel.request)
            var update = StateUpdate()
            do {
                let briefing = try await AnalysisGraph.ingest(request.snapshot, source: source(), now: clock.now())
                try update.set(AnalysisChannel.briefing, briefing)
            } catch let error as BriefingError {
                try update.set(AnalysisChannel.failure, AnalysisFailure(stage: "ingestion", message: error.description))
            }
            return update
        }
        graph.conditionalEdge("ingestion", targets: ["memory", "persistence"]) { state in
            state[AnalysisChannel.failure].map { $0 == .null } ?? true ? ["memory"] : ["persistence"]
        }
    }

    /// Memory (each agent's recent views) and, for the news agents, the latest headlines: fetched once
    /// per run and checkpointed, so a resumed run does not fetch them again.
    func addMemory(_ graph: inout StateGraph) {
        let pool = pool
        let network = Self.network
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
    }

    /// The fan-out: every offline agent and, with a provider, every LLM agent, all joining at fusion.
    func addAgents(_ graph: inout StateGraph) {
        let agentPolicy = Self.agent
        let llmAgentPolicy = Self.llmAgent
        let llm = llm
        let agents = agents
        let llmAgents = llmAgents
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
    }

    /// The model's version of a node's output, or the template's with a note saying why.
    static func written<T: Sendable>(_ llm: LLMAnalysis?, _ node: String, _ state: GraphState, _ update: inout StateUpdate, template: T,
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

    /// Fusion of the agents' signals, the two theses and their cross-examination.
    func addFusionAndTheses(_ graph: inout StateGraph) {
        let llm = llm
        let local = Self.local
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
                let theses = try await Self.written(llm, "theses", state, &update, template: template) { llm, runID in
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
                let examination = try await Self.written(llm, "cross_examination", state, &update, template: template) { llm, runID in
                    try await llm.gateway.ask(runID: runID, node: "cross_examination", LLMWriters.examinationRequest(briefing, theses: theses),
                                              decode: LLMWriters.examination)
                }
                try update.set(AnalysisChannel.examination, examination)
            }
            return update
        }
        graph.edge("cross_examination", "consensus")
    }

    /// Consensus: the fused probability with its band, or a recorded failure when the agents disagree
    /// too much.
    func addConsensus(_ graph: inout StateGraph) {
        let local = Self.local
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
    }

    /// The recommendation: the trade plan's math, the narrative, and the optional risk perspectives.
    func addRecommendation(_ graph: inout StateGraph) {
        let llm = llm
        let local = Self.local
        let pool = pool, decisionBlend = decisionBlend
        graph.node("recommendation", policy: local) { state, _ in
            let briefing = try state.require(MarketBriefing.self, AnalysisChannel.briefing)
            var consensus = try state.require(ConsensusResult.self, AnalysisChannel.consensus)
            var blend: BlendDecision?
            if decisionBlend {
                let request = try state.require(AnalysisRequest.self, AnalysisChannel.request)
                let fit = try await pool.read { try MarketBlend.fit(database: $0, sample: request.source == FixtureMarketSource.sourceName) }
                let m = briefing.probability
                blend = BlendDecision(fit: fit, unblended: consensus.probability,
                                      blended: MarketBlend.blend(consensus.probability, market: m, weight: fit.weight))
                consensus.probability = blend!.blended
                consensus.bandLower = MarketBlend.blend(consensus.bandLower, market: m, weight: fit.weight)
                consensus.bandUpper = MarketBlend.blend(consensus.bandUpper, market: m, weight: fit.weight)
            }
            let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
            let theses = try state.require(Theses.self, AnalysisChannel.theses)
            let examination = try state.require(CrossExamination.self, AnalysisChannel.examination)
            let plan = RecommendationMath.plan(consensus: consensus, marketPrice: briefing.probability, liquidityScore: briefing.liquidityScore)
            let story = ThesisBuilder.narrative(briefing: briefing, consensus: consensus, plan: plan, theses: theses,
                                                examination: examination, signals: signals)
            var update = StateUpdate()
            let template = RecommendationDraft(plan: plan, explanation: story.explanation, coreThesis: story.core,
                                               catalysts: story.catalysts, risks: story.risks, blend: blend)
            var draft = try await Self.written(llm, "explanation", state, &update, template: template) { llm, runID in
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
                draft.perspectives = try await Self.written(llm, "risk_perspectives", state, &update, template: nil) { llm, runID in
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
    }

    /// Persistence: the run's one transaction.
    func addPersistence(_ graph: inout StateGraph) {
        let (pool, clock) = (pool, clock)
        let local = Self.local
        graph.node("persistence", policy: local) { state, _ in
            let stored = try await AnalysisPersistence.persist(state, pool: pool, clock: clock)
            var update = StateUpdate()
            try update.set(AnalysisChannel.result, stored)
            return update
        }
    }
}
