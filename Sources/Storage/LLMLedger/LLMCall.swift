import FoundationEssentials
import Support

/// How a paid model call ended.
public enum LLMCallOutcome: String, Codable, Sendable, CaseIterable {
    /// The answer passed validation.
    case ok
    /// The model declined to answer.
    case refused
    /// The answer was not the JSON object asked for (truncated, invalid or off-schema).
    case malformed
}

/// One model answer that was paid for (`llm_calls`): the ledger budgets are summed from and the
/// record that lets a resumed run reuse an answer instead of paying for it again.
public struct LLMCall: Codable, Sendable, Equatable {
    public var id: Int64 = 0
    /// The analysis run (graph thread) the call belongs to.
    public var runID: String
    /// The call's name within its run (node and attempt, e.g. `agent_catalyst#1`).
    public var callKey: String
    public var node: String
    public var provider: String
    public var model: String
    public var outcome: LLMCallOutcome
    public var tokensIn: Int64
    public var tokensOut: Int64
    public var costUSD: Double
    /// The answer's text (the JSON object for `ok`; the refusal or the raw text otherwise).
    public var response: String
    /// UTC day of the call, `YYYY-MM-DD`.
    public var day: String = ""
    public var createdAt: Date = Date(timeIntervalSince1970: 0)

    public init(runID: String, callKey: String, node: String, provider: String, model: String, outcome: LLMCallOutcome,
                tokensIn: Int64, tokensOut: Int64, costUSD: Double, response: String) {
        self.runID = runID
        self.callKey = callKey
        self.node = node
        self.provider = provider
        self.model = model
        self.outcome = outcome
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
        self.costUSD = costUSD
        self.response = response
    }

    init(row: Row) throws {
        id = try row.get("id")
        runID = try row.get("run_id")
        callKey = try row.get("call_key")
        node = try row.get("node")
        provider = try row.get("provider")
        model = try row.get("model")
        outcome = try row.enumValue("outcome")
        tokensIn = try row.get("tokens_in")
        tokensOut = try row.get("tokens_out")
        costUSD = try row.get("cost_usd")
        response = try row.get("response")
        day = try row.get("day")
        createdAt = try row.get("created_at")
    }
}

/// Sums over ledger rows.
public struct LLMSpend: Codable, Sendable, Equatable {
    public var calls: Int64 = 0
    public var costUSD: Double = 0
    public var tokensIn: Int64 = 0
    public var tokensOut: Int64 = 0

    public init(calls: Int64 = 0, costUSD: Double = 0, tokensIn: Int64 = 0, tokensOut: Int64 = 0) {
        self.calls = calls
        self.costUSD = costUSD
        self.tokensIn = tokensIn
        self.tokensOut = tokensOut
    }
}
