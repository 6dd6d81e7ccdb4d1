import FoundationEssentials
import Storage
import Support
import Synchronization

/// The one way analysis talks to models. For each call it
/// 1. reuses the answer if this run already paid for the same call (the `llm_calls` ledger), so a
///    resumed run never pays twice;
/// 2. otherwise picks the node's preferred provider, then the others in order, skipping a
///    provider whose call would pass a budget or whose daily quota is spent;
/// 3. admits the call in one write transaction (budgets checked against the ledger plus the
///    calls in flight, quota counted), sends it (at most `maxConcurrentCalls` at once), and records
///    the answer with its tokens and cost in another;
/// 4. validates the answer against the schema and the caller's own checks; a refusal or a
///    malformed answer is asked again once, and a second one fails the call.
public final class LLMGateway: Sendable {
    public let settings: LLMSettings
    let pool: DatabasePool
    let clock: any WallClock
    private let slots: AsyncSemaphore
    /// Run id → estimated cost of its calls in flight.
    private let inFlight = Mutex<[String: Double]>([:])

    /// Answers asked per call: the first and one retry.
    public static let attempts = 2

    /// Provider fallbacks, skipped providers and re-asked answers are logged here.
    let logger: Logger

    /// Once raised, no new model call is sent: a call waits for the shutdown deadline to cancel it.
    let stop: StopRequest

    public init(settings: LLMSettings, pool: DatabasePool, clock: any WallClock, logger: Logger = .disabled, stop: StopRequest = StopRequest()) {
        self.stop = stop
        self.settings = settings
        self.pool = pool
        self.clock = clock
        self.logger = logger
        slots = AsyncSemaphore(settings.maxConcurrentCalls)
    }

    /// True when at least one provider is configured.
    public var isEnabled: Bool { !settings.providers.isEmpty }

    /// The validated answer of a call: `decode` turns the schema-valid JSON into the caller's type
    /// and throws `LLMValidationError` for answers the schema cannot rule out (both count as
    /// malformed). Throws `LLMError`.
    public func ask<T: Sendable>(runID: String, node: String, _ request: LLMRequest,
                                 decode: @Sendable (JSONValue) throws -> T) async throws -> T {
        guard isEnabled else { throw LLMError.noProvider }
        var failure = LLMError.noProvider
        for attempt in 1...Self.attempts {
            let key = node + "#" + String(attempt)
            let call: LLMCall
            if let recorded = try await pool.read({ try $0.llmCalls.find(runID: runID, callKey: key) }) {
                call = recorded
            } else {
                call = try await pay(runID: runID, node: node, key: key, request: request, decode: decode)
            }
            switch call.outcome {
            case .ok:
                do {
                    return try decode(try JSONValue.parse(Array(call.response.utf8)))
                } catch {
                    failure = .malformedOutput(provider: call.provider, detail: String(describing: error))
                }
            case .refused: failure = .refused(provider: call.provider, reason: call.response)
            case .malformed: failure = .malformedOutput(provider: call.provider, detail: call.response)
            }
            logger.notice(attempt < Self.attempts ? "LLM answer unusable; asking again" : "LLM answer unusable twice; the call fails",
                          ["run": runID, "node": node, "provider": call.provider, "error": String(describing: failure)])
        }
        throw failure
    }

    /// Providers for `node`, its preferred one first.
    func order(for node: String) -> [any LLMProvider] {
        let bare = node.hasPrefix("agent_") ? String(node.dropFirst(6)) : node
        guard let preferred = settings.preferred[node] ?? settings.preferred[bare] else { return settings.providers }
        return settings.providers.filter { $0.name == preferred } + settings.providers.filter { $0.name != preferred }
    }

    /// Sends one call through the first provider that admits it and records what it cost.
    private func pay<T>(runID: String, node: String, key: String, request: LLMRequest,
                        decode: (JSONValue) throws -> T) async throws -> LLMCall {
        var skip: LLMError?
        var failure: LLMError?
        for provider in order(for: node) {
            if stop.isRaised { try await StopRequest.holdUntilCancelled() }
            let price = settings.prices.price(provider.name, model: provider.model, local: provider.isLocal)
            let estimate = price.cost(Self.estimatedUsage(request))
            do {
                try await admit(runID: runID, api: provider.name.rawValue, estimate: estimate)
            } catch let error as LLMError {
                if case .budgetExhausted = error {
                    logger.warning("LLM budget reached: the call is not sent and the agent is skipped",
                                   ["run": runID, "node": node, "provider": provider.name.rawValue, "reason": String(describing: error)])
                } else {
                    logger.info("LLM call not admitted for this provider", ["run": runID, "node": node, "provider": provider.name.rawValue,
                                                                            "reason": String(describing: error)])
                }
                skip = skip ?? error
                continue
            }
            let answer: LLMAnswer
            do {
                answer = try await slots.withSlot { try await provider.complete(request) }
            } catch let error as LLMError {
                release(runID: runID, estimate: estimate)
                logger.warning("LLM provider failed; trying the next one", ["run": runID, "node": node,
                                                                            "provider": provider.name.rawValue, "error": String(describing: error)])
                failure = error
                continue
            } catch {
                release(runID: runID, estimate: estimate)
                throw error
            }
            let (outcome, response) = Self.classify(answer, schema: request.schema, decode: decode)
            let call = LLMCall(runID: runID, callKey: key, node: node, provider: provider.name.rawValue, model: provider.model,
                               outcome: outcome, tokensIn: answer.usage.inputTokens, tokensOut: answer.usage.outputTokens,
                               costUSD: price.cost(answer.usage), response: response)
            return try await pool.write { database in
                defer { self.release(runID: runID, estimate: estimate) }
                return try database.llmCalls.record(call)
            }
        }
        throw failure ?? skip ?? LLMError.noProvider
    }

    /// Checks both budgets against what the ledger holds plus the calls in flight, counts the call
    /// against the provider's quota and reserves its estimated cost — all in one write, so
    /// concurrent calls cannot together pass a budget.
    private func admit(runID: String, api: String, estimate: Double) async throws {
        let perAnalysis = settings.maxCostPerAnalysis, perDay = settings.maxCostPerDay
        let limit = settings.dailyQuotas[api] ?? Int.max
        try await pool.write { database in
            let (runReserved, allReserved) = self.inFlight.withLock { ($0[runID] ?? 0, $0.values.reduce(0, +)) }
            let runSpent = try database.llmCalls.spend(runID: runID).costUSD
            if runSpent + runReserved + estimate > perAnalysis {
                throw LLMError.budgetExhausted("per-analysis LLM budget of $\(Format.decimal(perAnalysis, 2)) reached ($\(Format.decimal(runSpent, 4)) spent, next call about $\(Format.decimal(estimate, 4)))")
            }
            if let perDay {
                let daySpent = try database.llmCalls.spend(day: Timestamp.day(database.clock.now())).costUSD
                if daySpent + allReserved + estimate > perDay {
                    throw LLMError.budgetExhausted("daily LLM budget of $\(Format.decimal(perDay, 2)) reached ($\(Format.decimal(daySpent, 4)) spent today, next call about $\(Format.decimal(estimate, 4)))")
                }
            }
            guard try database.apiUsage.consume(api: api, limit: limit) != nil else { throw LLMError.quotaExhausted(api: api, limit: limit) }
            self.inFlight.withLock { $0[runID, default: 0] += estimate }
        }
    }

    private func release(runID: String, estimate: Double) {
        inFlight.withLock { state in
            let left = (state[runID] ?? 0) - estimate
            state[runID] = left > 1e-12 ? left : nil
        }
    }

    /// A pessimistic usage for budgeting: one token per three bytes of prompt and schema, and the
    /// whole output allowance.
    static func estimatedUsage(_ request: LLMRequest) -> LLMUsage {
        let bytes = request.system.utf8.count + request.prompt.utf8.count + request.schema.jsonSchema(strict: true).serialized().count
        return LLMUsage(inputTokens: Int64(bytes / 3 + 16), outputTokens: Int64(request.maxOutputTokens))
    }

    /// The outcome of an answer and the text the ledger keeps (the JSON for `ok`, the reason otherwise).
    static func classify<T>(_ answer: LLMAnswer, schema: OutputSchema, decode: (JSONValue) throws -> T) -> (LLMCallOutcome, String) {
        switch answer.ending {
        case .refused(let reason): return (.refused, reason)
        case .truncated where answer.text.trimmed().isEmpty:
            // Billed, yet nothing written: a reasoning model spent the whole allowance thinking.
            return (.malformed, "empty answer at the token limit (the output allowance went to reasoning; \(answer.usage.outputTokens) output tokens billed)")
        case .truncated: return (.malformed, "answer cut off at the token limit: " + answer.text.prefix(200))
        case .unreadable(let detail): return (.malformed, detail)
        case .complete: break
        }
        guard let value = try? JSONValue.parse(Array(answer.text.utf8), maximumDepth: 32) else {
            return (.malformed, "answer is not valid JSON: " + answer.text.prefix(200))
        }
        let problems = schema.problems(value)
        if !problems.isEmpty { return (.malformed, "answer does not match the schema: " + problems.prefix(5).joined(separator: "; ")) }
        do {
            _ = try decode(value)
        } catch {
            return (.malformed, "answer rejected: \(error)")
        }
        return (.ok, String(decoding: value.serialized(), as: UTF8.self))
    }
}

/// An answer that fits the schema but not the facts (e.g. a direction that contradicts the
/// probability); treated as malformed.
public struct LLMValidationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
