import FoundationEssentials
import Storage
import Support

/// The LLM analysis configured for a graph: the gateway, the agents that run, and the news feed.
public struct LLMAnalysis: Sendable {
    public let gateway: LLMGateway
    public let agents: [LLMAgent]
    public let news: (any NewsFeed)?

    public init(gateway: LLMGateway, agents: [LLMAgent] = LLMAgents.all, news: (any NewsFeed)? = nil) {
        self.gateway = gateway
        self.agents = agents
        self.news = news
    }
}

/// A node that did not use the LLM as configured: skipped (budget, quota) or fell back to the
/// template (the model failed twice). Recorded in the run's history detail.
public struct LLMNote: Codable, Sendable, Equatable {
    public enum Event: String, Codable, Sendable { case skipped, fallback }
    public var node: String
    public var event: Event
    public var reason: String
    /// True when a cost budget stopped the call.
    public var budget: Bool

    /// A note that is not an LLM error (e.g. news unavailable).
    init(node: String, reason: String) {
        self.node = node
        event = .skipped
        self.reason = reason
        budget = false
    }

    init(node: String, error: LLMError, fallback: Bool) {
        self.node = node
        event = error.isSkip && !fallback ? .skipped : .fallback
        reason = error.description
        if case .budgetExhausted = error { budget = true } else { budget = false }
    }
}

/// The aggressive, conservative and neutral readings of a recommendation.
public struct RiskPerspectives: Codable, Sendable, Equatable {
    public struct View: Codable, Sendable, Equatable {
        public var view: String
        /// Multiple of the plan's position size this stance would take (0…2).
        public var sizeMultiplier: Double
    }
    public var aggressive: View
    public var conservative: View
    public var neutral: View
}

/// The LLM-written parts after the agents: theses prose, the cross-examination's ten scores, the
/// explanation and the optional risk perspectives. Numbers (probabilities, weights, the plan)
/// always come from the formulas; the model writes prose and scores. Each falls back to the
/// template on failure.
enum LLMWriters {
    static let system = """
        You are the senior analyst of a prediction-market research desk. You receive the market facts and the desk's \
        numbers; you never change the numbers, you judge and explain them. Answer only with the JSON object the schema describes.
        """

    static func signalsText(_ signals: [AgentOutput]) -> String {
        signals.sorted { $0.agent < $1.agent }.map {
            "- \($0.agent): fair \(Format.percent($0.fairProbability)), confidence \(Format.decimal($0.confidence, 2)), \($0.direction.rawValue); \($0.keyDrivers.prefix(2).joined(separator: "; "))"
        }.joined(separator: "\n")
    }

    // MARK: theses

    static let thesisSide = OutputSchema.object([("summary", .string(description: "Two sentences arguing this side")),
                                                 ("drivers", .array(.string(), minItems: 1, maxItems: 5))])
    static let thesesSchema = OutputSchema.object([("bull", thesisSide), ("bear", thesisSide)])

    static func thesesRequest(_ briefing: MarketBriefing, signals: [AgentOutput], template: Theses) -> LLMRequest {
        LLMRequest(system: system, prompt: AgentPrompt.facts(briefing) + """

            Agent views:
            \(signalsText(signals))
            Bull side (YES) argued at \(Format.percent(template.bull.probability)) by \(template.bull.supporters.joined(separator: ", ").ifEmpty("no agent")).
            Bear side (NO) argued at \(Format.percent(template.bear.probability)) by \(template.bear.supporters.joined(separator: ", ").ifEmpty("no agent")).
            Write the strongest honest case for each side from this evidence.
            """, schemaName: "theses", schema: thesesSchema, maxOutputTokens: 900)
    }

    static func theses(_ value: JSONValue, template: Theses) -> Theses {
        var out = template
        for (side, key) in [(\Theses.bull, "bull"), (\Theses.bear, "bear")] {
            out[keyPath: side].summary = value[key]?["summary"]?.stringValue ?? template[keyPath: side].summary
            out[keyPath: side].drivers = value[key]?["drivers"]?.arrayValue?.compactMap(\.stringValue) ?? template[keyPath: side].drivers
        }
        return out
    }

    // MARK: cross-examination

    static let score = OutputSchema.number(minimum: -1, maximum: 1)
    static let scoreSet = OutputSchema.object([("evidence", score), ("causality", score), ("timing", score), ("liquidity", score), ("tailRisk", score)])
    static let examinationSchema = OutputSchema.object([("bull", scoreSet), ("bear", scoreSet)])

    static func examinationRequest(_ briefing: MarketBriefing, theses: Theses) -> LLMRequest {
        LLMRequest(system: system, prompt: AgentPrompt.facts(briefing) + """

            Bull thesis: \(theses.bull.summary) Drivers: \(theses.bull.drivers.joined(separator: "; "))
            Bear thesis: \(theses.bear.summary) Drivers: \(theses.bear.drivers.joined(separator: "; "))
            Cross-examine both theses on five tests, each scored from -1 (fails) to 1 (passes): evidence (is it supported), \
            causality (does the mechanism hold), timing (will it play out before resolution), liquidity (can the market \
            absorb the trade), tailRisk (exposure to unlikely but costly outcomes).
            """, schemaName: "cross_examination", schema: examinationSchema, maxOutputTokens: 400)
    }

    static func examination(_ value: JSONValue) throws -> CrossExamination {
        func scores(_ key: String) throws -> ExaminationScores {
            guard let s = value[key], let e = s["evidence"]?.numberValue, let c = s["causality"]?.numberValue, let t = s["timing"]?.numberValue,
                  let l = s["liquidity"]?.numberValue, let r = s["tailRisk"]?.numberValue else { throw LLMValidationError("missing \(key) scores") }
            return ExaminationScores(evidence: e, causality: c, timing: t, liquidity: l, tailRisk: r)
        }
        let bull = try scores("bull"), bear = try scores("bear")
        return CrossExamination(bull: bull, bear: bear, stronger: abs(bull.total - bear.total) < 1e-9 ? .neutral : bull.total > bear.total ? .yes : .no)
    }

    // MARK: explanation

    static let explanationSchema = OutputSchema.object([
        ("explanation", .string(description: "Three to five sentences for a trader: the call, the edge and why")),
        ("coreThesis", .string(description: "One sentence")),
        ("catalysts", .array(.string(), minItems: 1, maxItems: 5)),
        ("risks", .array(.string(), minItems: 1, maxItems: 5)),
    ])

    static func explanationRequest(_ briefing: MarketBriefing, consensus: ConsensusResult, plan: TradePlan, theses: Theses,
                                   examination: CrossExamination) -> LLMRequest {
        let call = plan.direction == .longYes ? "buy YES" : plan.direction == .longNo ? "buy NO" : "no trade"
        return LLMRequest(system: system, prompt: AgentPrompt.facts(briefing) + """

            Consensus: YES at \(Format.percent(consensus.probability)) (band \(Format.percent(consensus.bandLower))–\(Format.percent(consensus.bandUpper)), \(consensus.regime.rawValue)).
            Decision: \(call); edge \(Format.points(plan.edge)); expected value $\(Format.decimal(plan.expectedValue, 2)) per $100\(plan.noTradeReason.map { "; " + $0 } ?? "").
            Bull: \(theses.bull.summary) Bear: \(theses.bear.summary)
            Cross-examination totals: bull \(Format.decimal(examination.bull.total, 2)), bear \(Format.decimal(examination.bear.total, 2)).
            Explain the decision without changing it.
            """, schemaName: "explanation", schema: explanationSchema, maxOutputTokens: 700)
    }

    // MARK: risk perspectives

    static let perspective = OutputSchema.object([("view", .string()), ("sizeMultiplier", .number(minimum: 0, maximum: 2))])
    static let perspectivesSchema = OutputSchema.object([("aggressive", perspective), ("conservative", perspective), ("neutral", perspective)])

    static func perspectivesRequest(_ briefing: MarketBriefing, plan: TradePlan, explanation: String) -> LLMRequest {
        LLMRequest(system: system, prompt: AgentPrompt.facts(briefing) + """

            Recommendation: \(plan.direction.rawValue), edge \(Format.points(plan.edge)), liquidity risk \(plan.liquidityRisk.rawValue).
            \(explanation)
            Give an aggressive, a conservative and a neutral risk manager's view of this trade, each with a position-size multiplier.
            """, schemaName: "risk_perspectives", schema: perspectivesSchema, maxOutputTokens: 500)
    }
}

/// Every schema the analysis asks models for, by wire name (for fake servers in benchmarks).
public enum LLMAnalysisSchemas {
    public static func named(_ name: String) -> OutputSchema? {
        if let agent = LLMAgents.all.first(where: { $0.name == name }) { return agent.schema }
        switch name {
        case "theses": return LLMWriters.thesesSchema
        case "cross_examination": return LLMWriters.examinationSchema
        case "explanation": return LLMWriters.explanationSchema
        case "risk_perspectives": return LLMWriters.perspectivesSchema
        default: return nil
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
