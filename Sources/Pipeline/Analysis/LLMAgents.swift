import FoundationEssentials
import Storage
import Support

/// An agent that asks a model for its view. It sends the market facts (and headlines, for the
/// news agents) and gets back the same `AgentOutput` the offline agents produce, so both kinds
/// share fusion, theses and consensus.
public struct LLMAgent: Sendable {
    public let name: String
    public let kind: AgentKind
    /// What this analyst looks at (the system prompt's task).
    let focus: String
    /// The agent's own metadata fields.
    let metadata: [(name: String, schema: OutputSchema)]
    /// Receives the latest headlines when a news source is configured.
    public let readsNews: Bool

    public var node: String { "agent_" + name }

    /// The answer every LLM agent gives: the common fields plus its own metadata.
    public var schema: OutputSchema {
        .object([
            ("fairProbability", .number(minimum: 0, maximum: 1, description: "Your fair probability that the market resolves YES")),
            ("confidence", .number(minimum: 0, maximum: 1, description: "How sure you are of that estimate")),
            ("direction", .string(enumeration: ["NEUTRAL", "YES", "NO"],
                                  description: "YES if YES is underpriced by the market, NO if overpriced, NEUTRAL if fairly priced")),
            ("keyDrivers", .array(.string(), minItems: 1, maxItems: 5, description: "The most important reasons, one sentence each")),
            ("riskFactors", .array(.string(), maxItems: 5, description: "What could make this view wrong")),
            ("metadata", .object(metadata)),
        ])
    }

    /// The question for this market.
    public func request(_ briefing: MarketBriefing, memory: AgentMemory, news: [Headline]) -> LLMRequest {
        var prompt = AgentPrompt.facts(briefing)
        if let past = memory.entries[name], !past.isEmpty {
            prompt += "\nYour previous views on this market (newest first): "
                + past.map { "\(Format.percent($0.fairProbability)) (\($0.direction.rawValue), \(Timestamp.day($0.at)))" }.joined(separator: "; ") + "\n"
        }
        if readsNews {
            prompt += news.isEmpty ? "\nNo recent headlines are available; say so in your drivers if it matters.\n"
                : "\nLatest headlines:\n" + news.prefix(10).map { "- \($0.title) (\($0.source), \($0.publishedAt))" }.joined(separator: "\n") + "\n"
        }
        let system = """
            You are the \(name.split(separator: "_").joined(separator: " ")) analyst of a prediction-market research desk. \(focus) \
            Estimate the fair probability that the market resolves YES, compare it with the market price, and answer only \
            with the JSON object the schema describes. Never invent facts that are not given; when evidence is thin, keep the \
            probability near the market price and the confidence low.
            """
        return LLMRequest(system: system, prompt: prompt, schemaName: name, schema: schema, maxOutputTokens: 700)
    }

    /// Reads a schema-valid answer. The direction must agree with the probability: YES more than
    /// the neutral band above the market price is fine, YES below it is a contradiction.
    public func output(_ value: JSONValue, market: Double) throws -> AgentOutput {
        guard let fair = value["fairProbability"]?.numberValue, let confidence = value["confidence"]?.numberValue,
              let direction = value["direction"]?.stringValue.flatMap(AgentDirection.init(rawValue:)) else {
            throw LLMValidationError("answer lacks probability, confidence or direction")
        }
        if direction == .yes && fair < market - AgentOutput.neutralBand || direction == .no && fair > market + AgentOutput.neutralBand {
            throw LLMValidationError("direction \(direction.rawValue) contradicts fair probability \(Format.percent(fair)) against market \(Format.percent(market))")
        }
        var output = AgentOutput(agent: name, kind: kind, fairProbability: fair, confidence: confidence, direction: direction,
                                 keyDrivers: value["keyDrivers"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                 riskFactors: value["riskFactors"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                 metadata: value["metadata"]?.objectValue ?? [:])
        output.metadata["source"] = "llm"
        return output
    }
}

/// The seven LLM agents of the original pipeline.
public enum LLMAgents {
    public static let all: [LLMAgent] = [breakingNews, eventImpact, historicalPattern, mediaSentiment, socialSentiment, narrativeVelocity, catalyst]

    static let breakingNews = LLMAgent(
        name: "breaking_news", kind: .event,
        focus: "You judge whether the latest news changes the odds and how quickly the market will price it in.",
        metadata: [("newsRelevance", .number(minimum: 0, maximum: 1, description: "How much recent news bears on the question")),
                   ("headlineCount", .number(minimum: 0, description: "Relevant headlines considered"))],
        readsNews: true)
    static let eventImpact = LLMAgent(
        name: "event_impact", kind: .event,
        focus: "You weigh scheduled and likely events before resolution (votes, rulings, data releases, debates) and their effect on the outcome.",
        metadata: [("nextEvent", .string(description: "The next event that matters, or none")),
                   ("impact", .string(enumeration: ["low", "medium", "high"]))],
        readsNews: false)
    static let historicalPattern = LLMAgent(
        name: "historical_pattern", kind: .mvp,
        focus: "You compare this question with similar past questions and their base rates.",
        metadata: [("baseRate", .number(minimum: 0, maximum: 1, description: "Base rate of YES among comparable cases")),
                   ("analogues", .array(.string(), maxItems: 3, description: "Comparable past cases"))],
        readsNews: false)
    static let mediaSentiment = LLMAgent(
        name: "media_sentiment", kind: .sentiment,
        focus: "You read the tone of mainstream media coverage and whether it leans toward YES or NO.",
        metadata: [("sentiment", .number(minimum: -1, maximum: 1, description: "−1 strongly toward NO … 1 strongly toward YES"))],
        readsNews: true)
    static let socialSentiment = LLMAgent(
        name: "social_sentiment", kind: .sentiment,
        focus: "You judge crowd and social-media sentiment and whether the market price reflects hype rather than evidence.",
        metadata: [("sentiment", .number(minimum: -1, maximum: 1, description: "−1 strongly toward NO … 1 strongly toward YES")),
                   ("crowding", .string(enumeration: ["low", "medium", "high"], description: "How one-sided the crowd is"))],
        readsNews: false)
    static let narrativeVelocity = LLMAgent(
        name: "narrative_velocity", kind: .sentiment,
        focus: "You judge whether the dominant narrative around the question is gaining or losing momentum.",
        metadata: [("velocity", .string(enumeration: ["accelerating", "steady", "fading"]))],
        readsNews: true)
    static let catalyst = LLMAgent(
        name: "catalyst", kind: .event,
        focus: "You identify the catalysts that could move the price before resolution and their timing.",
        metadata: [("catalysts", .array(.string(), maxItems: 3, description: "Upcoming catalysts with dates when known")),
                   ("daysToNextCatalyst", .number(minimum: 0, description: "Days until the first catalyst (0 if unknown)"))],
        readsNews: true)
}

/// The market facts every LLM prompt starts with (plain text, compact, numbers as percentages).
enum AgentPrompt {
    static func facts(_ b: MarketBriefing) -> String {
        let s = b.snapshot
        var lines = ["Market: \(s.question)"]
        if let event = s.eventTitle, event != s.question { lines.append("Event: \(event)") }
        if let description = s.description, !description.isEmpty { lines.append("Resolution rules: \(description.prefix(1_200))") }
        lines.append("Outcomes: \(s.outcomes.joined(separator: " / ")); YES price \(Format.percent(b.probability))")
        if let bid = b.bestBid, let ask = b.bestAsk { lines.append("Order book: best bid \(Format.percent(bid)), best ask \(Format.percent(ask))") }
        lines.append("Liquidity score \(Format.decimal(b.liquidityScore, 1))/10, 24h volume $\(Format.decimal(s.volume24h, 0)), volatility \(b.volatilityRegime.rawValue)")
        if let days = b.daysToExpiry { lines.append("Resolves in \(Format.decimal(days, 0)) day(s)") }
        if let first = b.history.first, let last = b.history.last {
            let prices = b.history.map(\.p)
            lines.append("Price history: \(Format.percent(first.p)) → \(Format.percent(last.p)) over \(Format.decimal(Double(last.t - first.t) / 86_400, 0)) day(s), range \(Format.percent(prices.min()!))–\(Format.percent(prices.max()!))")
        }
        if !s.tags.isEmpty { lines.append("Tags: \(s.tags.joined(separator: ", "))") }
        lines.append("Category: \(b.eventType)")
        return lines.joined(separator: "\n") + "\n"
    }
}
