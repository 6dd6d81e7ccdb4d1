import FoundationEssentials
import Storage
import Support

/// The input of an analysis run (the `request` channel).
public struct AnalysisRequest: Codable, Sendable, Equatable {
    public var runID: String
    public var analysisType: AnalysisType
    public var snapshot: MarketSnapshot
    /// `polymarket` or `fixtures`.
    public var source: String
    public var startedAt: Date
    /// The discovery score the market is stored with (nil: keep the stored one, or 0 for a new one).
    public var trendingScore: Double?

    /// The market row this run stores: the snapshot's fields, the trending score, and what the
    /// stored row (`existing`) knows that a snapshot does not.
    func marketRecord(existing: Market?) -> Market {
        var record = snapshot.marketRecord(trendingScore: trendingScore ?? existing?.trendingScore ?? 0,
                                           eventType: BriefingBuilder.eventType(for: snapshot))
        record.lastAnalyzedAt = existing?.lastAnalyzedAt
        record.isSample = source == FixtureMarketSource.sourceName
        return record
    }
}

/// Why a run ended without a recommendation (the `failure` channel).
public struct AnalysisFailure: Codable, Sendable, Equatable {
    /// `ingestion` (invalid briefing) or `consensus` (the agents disagree too much).
    public var stage: String
    public var message: String
}

/// What the recommendation node decided (the `plan` channel).
public struct RecommendationDraft: Codable, Sendable, Equatable {
    public var plan: TradePlan
    public var explanation: String
    public var coreThesis: String
    public var catalysts: [String]
    public var risks: [String]
    /// The aggressive / conservative / neutral views, when enabled and written.
    public var perspectives: RiskPerspectives?
    /// With `DECISION_BLEND=auto`: the blend of the consensus with the market that the plan used.
    public var blend: BlendDecision?
}

/// The market blend one decision used: the consensus before it, the probability after it, and
/// the weight with the history it was fitted on.
public struct BlendDecision: Codable, Sendable, Equatable {
    public var fit: BlendFit
    public var unblended: Double
    public var blended: Double
}

/// What persistence stored (the `result` channel).
public struct PersistedAnalysis: Codable, Sendable, Equatable {
    public var status: AnalysisStatus
    public var recommendationID: Int64?
    public var errorMessage: String?
}

/// Channel names of the analysis graph.
enum AnalysisChannel {
    static let request = "request"
    static let briefing = "briefing"
    static let failure = "failure"
    static let memory = "memory"
    static let signals = "signals"
    static let fusion = "fusion"
    static let theses = "theses"
    static let examination = "examination"
    static let consensus = "consensus"
    static let plan = "plan"
    static let result = "result"
    /// Headlines for the news agents (a list, possibly empty).
    static let news = "news"
    /// Nodes that skipped the LLM or fell back to a template (appended).
    static let llmNotes = "llm_notes"
}

extension GraphState {
    /// A channel that must hold a value by this point of the run.
    func require<T: Decodable>(_ type: T.Type, _ channel: String) throws -> T {
        guard let value = try decode(T.self, channel) else { throw GraphError.invalidUpdate("channel \(channel) is empty") }
        return value
    }
}
