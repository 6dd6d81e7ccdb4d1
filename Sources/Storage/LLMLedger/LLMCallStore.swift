import FoundationEssentials
import Support

/// The ledger of paid model calls (`llm_calls`). Obtain one from `database.llmCalls`.
public struct LLMCallStore {
    let database: Database
    let now: Date

    static let columns = "id, run_id, call_key, node, provider, model, outcome, tokens_in, tokens_out, cost_usd, response, day, created_at"

    /// Records a paid call (dated now). A call already recorded under the same run and key is kept
    /// as it was and returned: an answer is paid for once.
    @discardableResult
    public func record(_ call: LLMCall) throws -> LLMCall {
        try database.execute("""
            INSERT INTO llm_calls (run_id, call_key, node, provider, model, outcome, tokens_in, tokens_out, cost_usd, response, day, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (run_id, call_key) DO NOTHING
            """, [call.runID, call.callKey, call.node, call.provider, call.model, call.outcome.rawValue, call.tokensIn, call.tokensOut,
                  call.costUSD, call.response, Timestamp.day(now), now])
        guard let stored = try find(runID: call.runID, callKey: call.callKey) else {
            throw DatabaseError(resultCode: .error, message: "llm call vanished after insert")
        }
        return stored
    }

    /// The recorded answer of a call, if it was paid for already.
    public func find(runID: String, callKey: String) throws -> LLMCall? {
        try database.queryOne("SELECT \(Self.columns) FROM llm_calls WHERE run_id = ? AND call_key = ?", [runID, callKey])
            .map(LLMCall.init(row:))
    }

    /// Every call of a run, oldest first.
    public func forRun(_ runID: String) throws -> [LLMCall] {
        try database.query("SELECT \(Self.columns) FROM llm_calls WHERE run_id = ? ORDER BY id", [runID]).map(LLMCall.init(row:))
    }

    /// What a run spent.
    public func spend(runID: String) throws -> LLMSpend {
        try sum("WHERE run_id = ?", [runID])
    }

    /// Dollars of every recorded call.
    public func totalSpend() throws -> Double {
        try database.scalar("SELECT coalesce(sum(cost_usd), 0) FROM llm_calls", as: Double.self) ?? 0
    }

    /// What was spent on a UTC day (`YYYY-MM-DD`).
    public func spend(day: String) throws -> LLMSpend {
        try sum("WHERE day = ?", [day])
    }

    /// Totals since the ledger began, by provider and node (for `/metrics`).
    public func totalsByProviderAndNode() throws -> [(provider: String, node: String, spend: LLMSpend)] {
        try database.query("""
            SELECT provider, node, count(*) AS calls, total(cost_usd) AS cost, total(tokens_in) AS tin, total(tokens_out) AS tout
            FROM llm_calls GROUP BY provider, node ORDER BY provider, node
            """).map { row in
            (try row.get("provider"), try row.get("node"),
             LLMSpend(calls: try row.get("calls"), costUSD: try row.get("cost"), tokensIn: Int64(try row.get("tin") as Double),
                      tokensOut: Int64(try row.get("tout") as Double)))
        }
    }

    private func sum(_ filter: String, _ arguments: StatementArguments) throws -> LLMSpend {
        guard let row = try database.queryOne("""
            SELECT count(*) AS calls, total(cost_usd) AS cost, total(tokens_in) AS tin, total(tokens_out) AS tout FROM llm_calls \(filter)
            """, arguments) else { return LLMSpend() }
        return LLMSpend(calls: try row.get("calls"), costUSD: try row.get("cost"), tokensIn: Int64(try row.get("tin") as Double),
                        tokensOut: Int64(try row.get("tout") as Double))
    }
}

/// Daily call counters per external API (`api_usage`): the quotas. Obtain one from `database.apiUsage`.
public struct APIUsageStore {
    let database: Database
    let now: Date

    /// Counts one call to `api` today (UTC) unless that would pass `limit`. Returns the calls used
    /// today including this one, or nil when the quota is spent (nothing is counted then).
    public func consume(api: String, limit: Int) throws -> Int? {
        let day = Timestamp.day(now)
        guard limit > 0 else { return nil }
        try database.execute("""
            INSERT INTO api_usage (api, day, used) VALUES (?1, ?2, 1)
            ON CONFLICT (api, day) DO UPDATE SET used = used + 1 WHERE used < ?3
            """, [api, day, limit])
        guard database.changes == 1 else { return nil }
        return try database.scalar("SELECT used FROM api_usage WHERE api = ? AND day = ?", [api, day], as: Int.self)
    }

    /// Calls used today (UTC) by API.
    public func today() throws -> [String: Int] {
        var used: [String: Int] = [:]
        for row in try database.query("SELECT api, used FROM api_usage WHERE day = ?", [Timestamp.day(now)]) {
            used[try row.get("api")] = try row.get("used")
        }
        return used
    }
}

/// The latest answer to each news search (`news_cache`). Obtain one from `database.newsCache`.
public struct NewsCacheStore {
    let database: Database
    let now: Date

    /// The cached articles for `query` if fetched within `maxAgeSeconds`.
    public func find(query: String, maxAgeSeconds: Double) throws -> JSONValue? {
        guard let row = try database.queryOne("SELECT fetched_at, articles FROM news_cache WHERE query = ?", [query]) else { return nil }
        let fetchedAt: Date = try row.get("fetched_at")
        guard now.timeIntervalSince(fetchedAt) <= maxAgeSeconds else { return nil }
        return try row.json("articles")
    }

    /// Stores the articles (a JSON array) fetched now for `query`.
    public func save(query: String, articles: JSONValue) throws {
        try database.execute("""
            INSERT INTO news_cache (query, fetched_at, articles) VALUES (?, ?, ?)
            ON CONFLICT (query) DO UPDATE SET fetched_at = excluded.fetched_at, articles = excluded.articles
            """, [query, now, try DatabaseValue.json(articles)])
    }
}
