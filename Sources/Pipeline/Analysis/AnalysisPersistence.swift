import FoundationEssentials
import Storage
import Support

/// The persistence node: one transaction stores the run's outcome — the market row (written once
/// per analysis, with its new price and analysis time), recommendation (if any), agent signals
/// and the history row. Idempotent:
/// a resumed run whose history row exists returns what was stored.
enum AnalysisPersistence {
    static func persist(_ state: GraphState, pool: DatabasePool, clock: any WallClock) async throws -> PersistedAnalysis {
        let request = try state.require(AnalysisRequest.self, AnalysisChannel.request)
        let briefing = try state.decode(MarketBriefing.self, AnalysisChannel.briefing)
        let failure = try state.decode(AnalysisFailure.self, AnalysisChannel.failure)
        let signals = try state.decode([AgentOutput].self, AnalysisChannel.signals) ?? []
        let draft = try state.decode(RecommendationDraft.self, AnalysisChannel.plan)
        let consensus = try state.decode(ConsensusResult.self, AnalysisChannel.consensus)
        let fusion = try state.decode(FusionResult.self, AnalysisChannel.fusion)
        let agentErrors = state.errors
        let notes = try state.decode([LLMNote].self, AnalysisChannel.llmNotes) ?? []
        return try await pool.write { database in
            if let existing = try database.analysisHistory.find(runID: request.runID) {
                return PersistedAnalysis(status: existing.status, recommendationID: try database.recommendations.find(runID: request.runID)?.id,
                                         errorMessage: existing.errorMessage)
            }
            // The run's one write of the market row: the snapshot it analysed, the briefing's
            // prices and the analysis time. A market that resolved meanwhile keeps its resolution.
            let now = clock.now()
            let existing = try database.markets.find(conditionID: request.snapshot.conditionID)
            var record = existing?.status == .resolved ? existing! : request.marketRecord(existing: existing)
            if let briefing, existing?.status != .resolved {
                record.marketProbability = briefing.probability
                record.volume24h = max(0, briefing.snapshot.volume24h)
                record.liquidity = max(0, briefing.snapshot.liquidity)
                record.eventType = briefing.eventType
            }
            record.lastAnalyzedAt = now
            let market = try database.markets.upsert(record)
            // The price series the run saw (the YES token's; NO is 1 − YES): the backfill of the
            // track record's history, idempotent on overlaps.
            if let briefing, let token = market.clobTokenIDs.first { try database.priceHistory.append(tokenID: token, briefing.history) }
            var recommendationID: Int64?
            if failure == nil, let draft, let consensus, let briefing {
                var record = Recommendation(marketID: market.id, runID: request.runID, direction: draft.plan.direction,
                                            fairProbability: min(1, max(0, draft.blend?.blended ?? consensus.probability)), marketProbability: briefing.probability,
                                            marketEdge: min(1, draft.plan.edge), expectedValue: draft.plan.expectedValue,
                                            confidence: draft.plan.confidence)
                record.winProbability = draft.plan.winProbability
                record.consensusProbability = min(1, max(0, consensus.probability))
                record.entryZoneMin = draft.plan.entryZone?.lowerBound
                record.entryZoneMax = draft.plan.entryZone?.upperBound
                record.targetZoneMin = draft.plan.targetZone?.lowerBound
                record.targetZoneMax = draft.plan.targetZone?.upperBound
                record.stopLoss = draft.plan.stopLoss
                record.liquidityRisk = draft.plan.liquidityRisk
                record.explanation = draft.explanation
                record.coreThesis = draft.coreThesis
                record.catalysts = draft.catalysts
                record.risks = draft.risks
                let stored = try database.recommendations.insert(record)
                recommendationID = stored.id
                // The alert is part of the fact: written in the same transaction, or not at all.
                if stored.direction != .noTrade { try database.alerts.enqueue(AlertEvents.actionable(stored, market: market)) }
            }
            for output in signals.sorted(by: { $0.agent < $1.agent }) {
                var signal = AgentSignal(marketID: market.id, runID: request.runID, agentName: output.agent, agentType: output.kind.rawValue,
                                         fairProbability: output.fairProbability, confidence: output.confidence, direction: output.direction)
                signal.recommendationID = recommendationID
                signal.keyDrivers = output.keyDrivers
                signal.riskFactors = output.riskFactors
                signal.metadata = output.metadata
                try database.agentSignals.insert(signal)
            }
            let status: AnalysisStatus = failure != nil ? .failed : agentErrors.isEmpty ? .success : .partial
            var run = AnalysisRun(marketID: market.id, runID: request.runID, analysisType: request.analysisType, status: status)
            run.durationMilliseconds = max(0, Int64(now.timeIntervalSince(request.startedAt) * 1000))
            run.agentsUsed = signals.map(\.agent).sorted()
            run.errorMessage = failure?.message ?? (agentErrors.isEmpty ? nil : "agents failed: " + agentErrors.map(\.node).joined(separator: ", "))
            run.source = request.source
            run.detail = detail(consensus: consensus, fusion: fusion, plan: draft?.plan, failureStage: failure?.stage)
            run.detail.merge(llmDetail(notes: notes, perspectives: draft?.perspectives)) { _, new in new }
            if let blend = draft?.blend, let value = try? JSONValue.parse(JSONCoding.encode(blend)) { run.detail["blend"] = value }
            if !agentErrors.isEmpty {
                // Which agents failed and why, so a partial run shows them instead of leaving them out.
                run.detail["agentErrors"] = .object(Dictionary(agentErrors.map { ($0.node, JSONValue.string($0.message)) }) { first, _ in first })
            }
            try run.chargeLLMSpend(database)
            try database.analysisHistory.record(run)
            if status == .failed {
                try database.alerts.enqueue(AlertEvents.failed(market: market, runID: request.runID, message: run.errorMessage ?? "unknown error"))
            }
            return PersistedAnalysis(status: status, recommendationID: recommendationID, errorMessage: run.errorMessage)
        }
    }

    /// What the run's LLM nodes did not do and why: `llm.skipped` and `llm.fallbacks` (node →
    /// reason), `budgetExhausted` (the budget that stopped spending), and the risk perspectives.
    static func llmDetail(notes: [LLMNote], perspectives: RiskPerspectives?) -> [String: JSONValue] {
        var detail: [String: JSONValue] = [:]
        if !notes.isEmpty {
            var skipped: [String: JSONValue] = [:], fallbacks: [String: JSONValue] = [:]
            for note in notes {
                if note.event == .skipped { skipped[note.node] = .string(note.reason) } else { fallbacks[note.node] = .string(note.reason) }
            }
            detail["llm"] = ["skipped": .object(skipped), "fallbacks": .object(fallbacks)]
        }
        if let budget = notes.first(where: \.budget) { detail["budgetExhausted"] = .string(budget.reason) }
        if let perspectives, let value = try? JSONValue.parse(JSONCoding.encode(perspectives)) { detail["riskPerspectives"] = value }
        return detail
    }

    /// The consensus a history row's detail holds (`detail.consensus`, as `detail` wrote it); nil
    /// for runs that stopped before consensus.
    static func consensus(in detail: [String: JSONValue]) throws -> ConsensusResult? {
        guard let value = detail["consensus"] else { return nil }
        return try JSONCoding.decode(ConsensusResult.self, from: value.serialized())
    }

    static func detail(consensus: ConsensusResult?, fusion: FusionResult?, plan: TradePlan?, failureStage: String?) -> [String: JSONValue] {
        var detail: [String: JSONValue] = [:]
        if let consensus, let value = try? JSONValue.parse(JSONCoding.encode(consensus)) { detail["consensus"] = value }
        if let fusion {
            detail["fusedConfidence"] = .number(fusion.confidence)
            detail["alignment"] = .number(fusion.alignment)
            detail["conflicts"] = .array(fusion.conflicts.map { .array($0.map(JSONValue.string)) })
        }
        if let reason = plan?.noTradeReason { detail["noTradeReason"] = .string(reason) }
        if let failureStage { detail["failedStage"] = .string(failureStage) }
        return detail
    }
}

extension AnalysisRun {
    /// Sets the run's cost and tokens to what the ledger says its LLM calls cost (paid answers,
    /// including refused and malformed ones).
    mutating func chargeLLMSpend(_ database: Database) throws {
        let spend = try database.llmCalls.spend(runID: runID)
        costUSD = spend.costUSD
        tokensIn = spend.tokensIn
        tokensOut = spend.tokensOut
        if spend.calls > 0 { detail["llmCalls"] = .number(Double(spend.calls)) }
    }
}
