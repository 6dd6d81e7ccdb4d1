import FoundationEssentials
import Storage
import Support

/// OpenAI chat completions with a strict JSON-schema response format; also any OpenAI-compatible
/// server (Ollama, vLLM, LM Studio, OpenRouter) through `baseURL`, with or without a key.
public struct OpenAIProvider: LLMProvider {
    public static let defaultBaseURL = "https://api.openai.com/v1"
    public let name = LLMProviderName.openai
    public let model: String
    public let baseURL: String
    let key: String?
    let exchange: LLMExchange

    public init(network: NetworkClient, key: String?, model: String, baseURL: String = OpenAIProvider.defaultBaseURL) {
        self.model = model
        self.key = key
        self.baseURL = baseURL.withoutTrailingSlash
        exchange = LLMExchange(network: network, provider: .openai, secret: key)
    }

    /// A server on this machine or a private network (free unless priced). A paid
    /// OpenAI-compatible service elsewhere (OpenRouter, …) is not local: it is priced like any
    /// remote model, and configuration refuses it without a price.
    public var isLocal: Bool { LocalHost.isLocal(url: baseURL) }
    /// OpenAI's own API (it takes `max_completion_tokens`; compatible servers know `max_tokens`).
    var isOfficial: Bool { baseURL.hasPrefix(Self.defaultBaseURL) }

    public func complete(_ request: LLMRequest) async throws -> LLMAnswer {
        var body: [String: JSONValue] = [
            "model": .string(model),
            "messages": [.object(["role": "system", "content": .string(request.system)]),
                         .object(["role": "user", "content": .string(request.prompt)])],
            "response_format": .object(["type": "json_schema",
                                        "json_schema": .object(["name": .string(request.schemaName), "strict": true,
                                                                "schema": request.schema.jsonSchema(strict: true)])]),
        ]
        // OpenAI's current models take `max_completion_tokens`; compatible servers know `max_tokens`.
        body[isOfficial ? "max_completion_tokens" : "max_tokens"] = .number(Double(request.maxOutputTokens))
        var headers: [String: String] = [:]
        if let key { headers["Authorization"] = "Bearer " + key }
        let (envelope, raw) = try await exchange.post(baseURL + "/chat/completions", headers: headers, body: .object(body), timeout: request.timeout)
        guard let envelope else { return unreadable(raw) }
        let usage = LLMUsage(inputTokens: LLMExchange.int(envelope["usage"]?["prompt_tokens"]),
                             outputTokens: LLMExchange.int(envelope["usage"]?["completion_tokens"]))
        guard let choice = envelope["choices"]?.arrayValue?.first, let message = choice["message"] else {
            return answer("", usage, .unreadable("response has no choices"))
        }
        if let refusal = message["refusal"]?.stringValue, !refusal.isEmpty { return answer("", usage, .refused(refusal)) }
        let content = message["content"]?.stringValue ?? ""
        switch choice["finish_reason"]?.stringValue {
        case "length": return answer(content, usage, .truncated)
        case "content_filter": return answer(content, usage, .refused("content filter"))
        default: return answer(content, usage, .complete)
        }
    }
}
