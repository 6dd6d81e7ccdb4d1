import Support

extension Database {
    /// Markets (`markets`).
    public var markets: MarketStore { MarketStore(database: self, now: clock.now()) }
    /// Recommendations (`recommendations`).
    public var recommendations: RecommendationStore { RecommendationStore(database: self, now: clock.now()) }
    /// Agent signals (`agent_signals`).
    public var agentSignals: AgentSignalStore { AgentSignalStore(database: self, now: clock.now()) }
    /// Analysis history (`analysis_history`).
    public var analysisHistory: AnalysisHistoryStore { AnalysisHistoryStore(database: self, now: clock.now()) }
    /// Recommendation outcomes and the track record (`recommendation_outcomes`).
    public var outcomes: OutcomeStore { OutcomeStore(database: self, now: clock.now()) }
    /// Price series per outcome token (`price_history`).
    public var priceHistory: PriceHistoryStore { PriceHistoryStore(database: self, now: clock.now()) }
    /// The inputs of the track record (recommendations, agent signals and resolutions in one scan each).
    public var trackRecord: TrackRecordStore { TrackRecordStore(database: self, now: clock.now()) }
    /// Scheduler job runs (`job_runs`).
    public var jobRuns: JobRunStore { JobRunStore(database: self, now: clock.now()) }
}

extension Database {
    /// The ledger of paid model calls (`llm_calls`).
    public var llmCalls: LLMCallStore { LLMCallStore(database: self, now: clock.now()) }
    /// Daily call counters per external API (`api_usage`).
    public var apiUsage: APIUsageStore { APIUsageStore(database: self, now: clock.now()) }
    /// Cached news searches (`news_cache`).
    public var newsCache: NewsCacheStore { NewsCacheStore(database: self, now: clock.now()) }
}
