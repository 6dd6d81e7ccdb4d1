import FoundationEssentials
import Storage
import Support

/// The LLM services the appliance speaks to. An OpenAI-compatible server (Ollama, vLLM, LM
/// Studio, OpenRouter) is `openai` with its own base URL.
public enum LLMProviderName: String, Sendable, Codable, CaseIterable {
    case openai, anthropic, google
}

/// One structured question to a model.
public struct LLMRequest: Sendable {
    public var system: String
    public var prompt: String
    /// Names the answer's schema on the wire (letters, digits, `_`, `-`).
    public var schemaName: String
    public var schema: OutputSchema
    public var maxOutputTokens: Int
    /// Seconds one exchange may take (retries each get this much).
    public var timeout: Double

    public init(system: String, prompt: String, schemaName: String, schema: OutputSchema, maxOutputTokens: Int = 800, timeout: Double = 60) {
        self.system = system
        self.prompt = prompt
        self.schemaName = schemaName
        self.schema = schema
        self.maxOutputTokens = maxOutputTokens
        self.timeout = timeout
    }
}

/// Tokens a response reports (what is billed).
public struct LLMUsage: Sendable, Equatable {
    public var inputTokens: Int64
    public var outputTokens: Int64
    public init(inputTokens: Int64, outputTokens: Int64) {
        self.inputTokens = max(0, inputTokens)
        self.outputTokens = max(0, outputTokens)
    }
}

/// A provider's answer as received, before validation.
public struct LLMAnswer: Sendable {
    public enum Ending: Sendable, Equatable {
        /// The model finished its answer.
        case complete
        /// The answer stopped at the token limit.
        case truncated
        /// The model (or the provider's filter) declined; the reason as given.
        case refused(String)
        /// The response envelope itself could not be read.
        case unreadable(String)
    }
    public var provider: LLMProviderName
    public var model: String
    /// The answer's JSON text.
    public var text: String
    public var usage: LLMUsage
    public var ending: Ending

    public init(provider: LLMProviderName, model: String, text: String, usage: LLMUsage, ending: Ending) {
        self.provider = provider
        self.model = model
        self.text = text
        self.usage = usage
        self.ending = ending
    }
}

/// A model service that answers structured questions. Implementations speak one wire format;
/// they throw `LLMError` only when no answer arrived (after the network client's retries).
public protocol LLMProvider: Sendable {
    var name: LLMProviderName { get }
    var model: String { get }
    /// True when calls cost nothing (a local server), so an unknown model is priced at zero.
    var isLocal: Bool { get }
    func complete(_ request: LLMRequest) async throws -> LLMAnswer
}

extension LLMProvider {
    /// An answer of this provider's model.
    func answer(_ text: String, _ usage: LLMUsage, _ ending: LLMAnswer.Ending) -> LLMAnswer {
        LLMAnswer(provider: name, model: model, text: text, usage: usage, ending: ending)
    }

    /// The answer for a 2xx body that is not JSON (a truncated or garbled envelope: no usage known).
    func unreadable(_ raw: String) -> LLMAnswer {
        answer("", LLMUsage(inputTokens: 0, outputTokens: 0), .unreadable("response is not JSON: " + raw.prefix(120)))
    }
}

extension String {
    /// A base URL without its trailing slash, so paths can be appended.
    var withoutTrailingSlash: String { hasSuffix("/") ? String(dropLast()) : self }
}

/// Why a structured call produced no usable answer.
public enum LLMError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The model declined to answer.
    case refused(provider: String, reason: String)
    /// The answer was not the JSON object asked for (truncated, invalid JSON, or off-schema).
    case malformedOutput(provider: String, detail: String)
    /// Retries ran out on 429, 5xx, timeouts or transport failures, or the circuit is open.
    case exhaustedRetries(provider: String, detail: String)
    /// The provider refused the request itself (bad key, unknown model, invalid request).
    case requestRejected(provider: String, status: Int, detail: String)
    /// The daily quota of an API is used up.
    case quotaExhausted(api: String, limit: Int)
    /// The next call would pass a cost budget.
    case budgetExhausted(String)
    /// No provider is configured.
    case noProvider

    public var description: String {
        switch self {
        case .refused(let provider, let reason): "\(provider) refused: \(reason.prefix(200))"
        case .malformedOutput(let provider, let detail): "\(provider) answered malformed output: \(detail.prefix(300))"
        case .exhaustedRetries(let provider, let detail): "\(provider) unavailable after retries: \(detail.prefix(300))"
        case .requestRejected(let provider, let status, let detail): "\(provider) rejected the request (HTTP \(status)): \(detail.prefix(300))"
        case .quotaExhausted(let api, let limit): "daily quota of \(api) (\(limit) calls) is used up"
        case .budgetExhausted(let reason): reason
        case .noProvider: "no LLM provider is configured"
        }
    }

    /// True when the call was not attempted for lack of money or quota: the agent is skipped,
    /// which is not an agent failure.
    public var isSkip: Bool {
        switch self {
        case .quotaExhausted, .budgetExhausted, .noProvider: true
        default: false
        }
    }
}

/// The JSON-over-HTTPS exchange every provider shares: POST, map network failures to `LLMError`,
/// parse the envelope.
struct LLMExchange {
    let network: NetworkClient
    let provider: LLMProviderName
    /// The key, removed from any error text a provider echoes back (errors reach the history).
    var secret: String?

    /// POSTs `body` and returns the parsed envelope of a 2xx answer, or nil with the raw text when
    /// the envelope is not JSON (a truncated or garbled body: the caller reports it unreadable).
    func post(_ url: String, headers: [String: String], body: JSONValue, timeout: Double) async throws -> (JSONValue?, String) {
        var allHeaders = headers
        allHeaders["Content-Type"] = "application/json"
        let response: NetworkResponse
        do {
            response = try await network.send(NetworkRequest(method: "POST", url: url, headers: allHeaders, body: body.serialized(), timeout: timeout))
        } catch let error as NetworkError {
            throw LLMError.exhaustedRetries(provider: provider.rawValue, detail: redacted(error.description))
        }
        let text = response.text
        switch response.status {
        case 200..<300:
            return ((try? JSONValue.parse(response.body)), text)
        case 429, 500...599:
            throw LLMError.exhaustedRetries(provider: provider.rawValue, detail: redacted("HTTP \(response.status): \(Self.message(text))"))
        default:
            throw LLMError.requestRejected(provider: provider.rawValue, status: response.status, detail: redacted(Self.message(text)))
        }
    }

    func redacted(_ text: String) -> String {
        guard let secret, !secret.isEmpty else { return text }
        return text.split(separator: secret, omittingEmptySubsequences: false).joined(separator: "[redacted]")
    }

    /// The `error.message` of an error body (all three providers use that shape), else the text.
    static func message(_ text: String) -> String {
        if let body = try? JSONValue.parse(Array(text.utf8)), let message = body["error"]?["message"]?.stringValue { return message }
        return String(text.prefix(300))
    }

    static func int(_ value: JSONValue?) -> Int64 { Int64(value?.numberValue ?? 0) }
}
