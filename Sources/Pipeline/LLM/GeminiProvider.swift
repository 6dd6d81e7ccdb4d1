import FoundationEssentials
import Storage
import Support

/// Google Gemini `generateContent` with a JSON response MIME type and `responseSchema`.
public struct GeminiProvider: LLMProvider {
    public static let defaultBaseURL = "https://generativelanguage.googleapis.com"
    public let name = LLMProviderName.google
    public let model: String
    public let baseURL: String
    let key: String
    let exchange: LLMExchange

    public init(network: NetworkClient, key: String, model: String, baseURL: String = GeminiProvider.defaultBaseURL) {
        self.model = model
        self.key = key
        self.baseURL = baseURL.withoutTrailingSlash
        exchange = LLMExchange(network: network, provider: .google, secret: key)
    }

    public var isLocal: Bool { false }

    /// Finish reasons that mean the answer was blocked rather than written.
    static let blockedReasons: Set<String> = ["SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "LANGUAGE", "OTHER"]

    /// JSON output, the schema, the output allowance, and for Gemini 2.5 an explicit thinking
    /// budget: left unset, 2.5 models think by default and can spend a small allowance on
    /// reasoning and return nothing (`MAX_TOKENS`, billed). Flash models take 0 (off); Pro models
    /// cannot turn thinking off, so they get their minimum, 128, on top of the answer's allowance.
    func generationConfig(_ request: LLMRequest) -> [String: JSONValue] {
        var config: [String: JSONValue] = ["responseMimeType": "application/json", "responseSchema": request.schema.geminiSchema,
                                           "maxOutputTokens": .number(Double(request.maxOutputTokens))]
        if model.contains("2.5") {
            let pro = model.contains("pro")
            config["thinkingConfig"] = .object(["thinkingBudget": .number(pro ? 128 : 0)])
            if pro { config["maxOutputTokens"] = .number(Double(request.maxOutputTokens + 128)) }
        }
        return config
    }

    public func complete(_ request: LLMRequest) async throws -> LLMAnswer {
        let body: JSONValue = .object([
            "systemInstruction": .object(["parts": [.object(["text": .string(request.system)])]]),
            "contents": [.object(["role": "user", "parts": [.object(["text": .string(request.prompt)])]])],
            "generationConfig": .object(generationConfig(request)),
        ])
        let url = baseURL + "/v1beta/models/" + model + ":generateContent"
        let (envelope, raw) = try await exchange.post(url, headers: ["x-goog-api-key": key], body: body, timeout: request.timeout)
        guard let envelope else { return unreadable(raw) }
        let metadata = envelope["usageMetadata"]
        // Thinking tokens are billed as output.
        let usage = LLMUsage(inputTokens: LLMExchange.int(metadata?["promptTokenCount"]),
                             outputTokens: LLMExchange.int(metadata?["candidatesTokenCount"]) + LLMExchange.int(metadata?["thoughtsTokenCount"]))
        if let blocked = envelope["promptFeedback"]?["blockReason"]?.stringValue { return answer("", usage, .refused("prompt blocked: " + blocked)) }
        guard let candidate = envelope["candidates"]?.arrayValue?.first else { return answer("", usage, .unreadable("response has no candidates")) }
        let text = (candidate["content"]?["parts"]?.arrayValue ?? [])
            .filter { $0["thought"] != .bool(true) }.compactMap { $0["text"]?.stringValue }.joined()
        let reason = candidate["finishReason"]?.stringValue ?? "STOP"
        if reason == "MAX_TOKENS" { return answer(text, usage, .truncated) }
        if Self.blockedReasons.contains(reason) { return answer(text, usage, .refused("finishReason " + reason)) }
        return answer(text, usage, .complete)
    }
}
