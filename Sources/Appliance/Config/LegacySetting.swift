import Support

/// Names from the original TradeWizard monitor's `.env` that this appliance does not read under
/// that name: each is either carried over to the setting that does the same here (`renamed`),
/// or explained in one line (`unsupported`), so an original `.env` works and nothing in it is
/// ignored without a word. `config check` (and `serve` at start) print every explanation.
enum LegacySetting {
    case renamed(to: String, convert: @Sendable (String) -> String?)
    case unsupported(String)

    static let sqlite = "not needed: every record is in the local SQLite file"
    static let builtIn = "not needed: built in (Polymarket's documented limits, retries with backoff, a circuit breaker per host)"

    static let table: [String: LegacySetting] = [
        "POLYMARKET_POLITICS_TAG_ID": .renamed(to: "POLYMARKET_TAG_ID", convert: { $0 }),
        "AGENT_TIMEOUT_MS": .renamed(to: "LLM_TIMEOUT_SECONDS", convert: { text in
            DecimalText.parse(text).map { ($0 / 1000).plainText } }),
        "SUPABASE_URL": .unsupported(sqlite),
        "SUPABASE_KEY": .unsupported(sqlite),
        "SUPABASE_SERVICE_ROLE_KEY": .unsupported(sqlite),
        "DATABASE_URL": .unsupported(sqlite),
        "DB_POOL_MIN": .unsupported(sqlite), "DB_POOL_MAX": .unsupported(sqlite),
        "REDIS_URL": .unsupported("not needed: caches and quotas are in the SQLite file"),
        "POLYMARKET_RATE_LIMIT_BUFFER": .unsupported(builtIn),
        "MAX_RETRY_ATTEMPTS": .unsupported(builtIn), "RETRY_BASE_DELAY_MS": .unsupported(builtIn),
        "CIRCUIT_BREAKER_THRESHOLD": .unsupported(builtIn), "CIRCUIT_BREAKER_TIMEOUT_MS": .unsupported(builtIn),
        "NEWS_API_DAILY_QUOTA": .unsupported("not used: NewsAPI is not supported; news comes from NewsData.io, limited by NEWSDATA_DAILY_QUOTA"),
        "NEWS_API_KEY": .unsupported("not used: NewsAPI is not supported; set NEWSDATA_API_KEY for NewsData.io"),
        "TWITTER_API_DAILY_QUOTA": .unsupported("not used: there is no Twitter/X source"),
        "REDDIT_API_DAILY_QUOTA": .unsupported("not used: there is no Reddit source"),
        "NODE_ENV": .unsupported("not needed: one binary, the same in every environment"),
        "PM2_HOME": .unsupported("not needed: run it under systemd (tradewizard.service)"),
        "AUDIT_TRAIL_RETENTION_DAYS": .unsupported("not needed: analysis history is kept; CHECKPOINT_RETENTION_DAYS prunes graph checkpoints"),
        "OPIK_API_KEY": .unsupported("not needed: every model call's tokens and cost are in the llm_calls ledger and /metrics"),
        "OPIK_PROJECT_NAME": .unsupported("not needed: LLM tracing is the llm_calls ledger"),
        "OPIK_WORKSPACE": .unsupported("not needed: LLM tracing is the llm_calls ledger"),
        "OPIK_TRACK_COSTS": .unsupported("not needed: costs are always tracked (llm_calls)"),
        "OPIK_TAGS": .unsupported("not needed: LLM tracing is the llm_calls ledger"),
        "LANGGRAPH_CHECKPOINTER": .unsupported("not needed: checkpoints are in the SQLite file, readable by LangGraph's SqliteSaver"),
        "LANGGRAPH_RECURSION_LIMIT": .unsupported("not needed: the graph has a built-in step limit"),
        "LANGGRAPH_STREAM_MODE": .unsupported("not needed: runs are checkpointed after every superstep"),
        "MIN_AGENTS_REQUIRED": .unsupported("not needed: the seven offline agents always answer, so a consensus always has enough"),
        "MIN_EDGE_THRESHOLD": .unsupported("fixed: a trade needs an edge of at least 0.05, the original's default"),
        "HIGH_DISAGREEMENT_THRESHOLD": .unsupported("fixed: the consensus fails above a disagreement index of 0.30"),
    ]

    /// Original level names that differ from ours.
    static let logLevels = ["warn": "warning", "fatal": "critical", "silent": "critical"]
}
