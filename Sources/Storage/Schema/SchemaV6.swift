import Support
/// Version 6: what LLM-backed analysis needs to spend money safely — a ledger of every paid model
/// call (its tokens, cost and validated answer, so a resumed run reuses an answer instead of
/// paying for it again, and budgets are summed from what was really spent), daily usage counters
/// per external API (quotas that survive restarts and reset at UTC midnight), and a cache of news
/// searches.
enum SchemaV6 {
    static let migration = Migration(version: 6, name: "llm call ledger, api usage, news cache", sql: """
        -- One row per model answer received (paid for). `call_key` names the call within its run
        -- (node and attempt), so the same call of a resumed run finds its answer here.
        CREATE TABLE llm_calls (
            id INTEGER PRIMARY KEY,
            run_id TEXT NOT NULL,
            call_key TEXT NOT NULL,
            node TEXT NOT NULL,
            provider TEXT NOT NULL,
            model TEXT NOT NULL,
            outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'malformed')),
            tokens_in INTEGER NOT NULL CHECK (tokens_in >= 0),
            tokens_out INTEGER NOT NULL CHECK (tokens_out >= 0),
            cost_usd REAL NOT NULL CHECK (cost_usd >= 0),
            response TEXT NOT NULL,
            day TEXT NOT NULL CHECK (length(day) = 10),
            created_at TEXT NOT NULL,
            UNIQUE (run_id, call_key)
        );
        CREATE INDEX llm_calls_by_day ON llm_calls (day);

        -- Calls sent to each external API per UTC day (the quota counters).
        CREATE TABLE api_usage (
            api TEXT NOT NULL,
            day TEXT NOT NULL CHECK (length(day) = 10),
            used INTEGER NOT NULL CHECK (used >= 0),
            PRIMARY KEY (api, day)
        ) WITHOUT ROWID;

        -- The latest answer to each news search.
        CREATE TABLE news_cache (
            query TEXT PRIMARY KEY,
            fetched_at TEXT NOT NULL,
            articles TEXT NOT NULL CHECK (json_valid(articles) AND json_type(articles) = 'array')
        );
        """)
}
