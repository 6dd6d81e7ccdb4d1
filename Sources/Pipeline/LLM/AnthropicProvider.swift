import FoundationEssentials
import Storage
import Support

/// Anthropic messages. The answer's schema is offered as the one tool the model must call, so
/// the tool call's input is the JSON object.
public struct AnthropicProvider: LLMProvider {
    public static let defaultBaseURL = "https://api.anthropic.com"
    /// The API version header the wire format below follows.
    static let apiVersion = "2023-06-01"
    public let name = LLMProviderName.anthropic
    public let model: String
    public let baseURL: String
    let key: String
    let exchange: LLMExchange

    public init(network: NetworkClient, key: String, model: String, baseURL: String = AnthropicProvider.defaultBaseURL) {
        self.model = model
        self.key = key
        self.baseURL = baseURL.withoutTrailingSlash
        exchange = LLMExchange(network: network, provider: .anthropic, secret: key)
    }

    public var isLocal: Bool { false }

    public func complete(_ request: LLMRequest) async throws -> LLMAnswer {
        let body: JSONValue = .object([
            "model": .string(model),
            "max_tokens": .number(Double(request.maxOutputTokens)),
            "system": .string(request.system),
            "messages": [.object(["role": "user", "content": .string(request.prompt)])],
            "tools": [.object(["name": .string(request.schemaName), "description": "Record the structured answer.",
                               "input_schema": request.schema.jsonSchema(strict: true)])],
            "tool_choice": .object(["type": "tool", "name": .string(request.schemaName)]),
        ])
        let headers = ["x-api-key": key, "anthropic-version": Self.apiVersion]
        let (envelope, raw) = try await exchange.post(baseURL + "/v1/messages", headers: headers, body: body, timeout: request.timeout)
        guard let envelope else { return unreadable(raw) }
        let usage = envelope["usage"]
        let tokens = LLMUsage(inputTokens: LLMExchange.int(usage?["input_tokens"]) + LLMExchange.int(usage?["cache_creation_input_tokens"])
                                  + LLMExchange.int(usage?["cache_read_input_tokens"]),
                              outputTokens: LLMExchange.int(usage?["output_tokens"]))
        let blocks = envelope["content"]?.arrayValue ?? []
        let texts = blocks.compactMap { $0["type"]?.stringValue == "text" ? $0["text"]?.stringValue : nil }.joined(separator: " ")
        switch envelope["stop_reason"]?.stringValue {
        case "refusal": return answer("", tokens, .refused(texts.isEmpty ? "stop_reason refusal" : texts))
        case "max_tokens": return answer(texts, tokens, .truncated)
        default: break
        }
        guard let input = blocks.first(where: { $0["type"]?.stringValue == "tool_use" })?["input"] else {
            return answer(texts, tokens, .unreadable("no tool_use block in the answer"))
        }
        return answer(String(decoding: input.serialized(), as: UTF8.self), tokens, .complete)
    }
}
