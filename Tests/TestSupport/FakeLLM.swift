import FoundationEssentials
import Support
import Synchronization

/// A loopback stand-in for an LLM provider that speaks its real wire format: OpenAI chat
/// completions (`/v1/chat/completions`), Anthropic messages (`/v1/messages`) or Gemini
/// `generateContent`. A script chooses each answer; by default the answer is a sample built from
/// the schema in the request. It keeps a ledger of the calls it billed (answered with usage).
public final class FakeLLM: Sendable {
    public enum Wire: String, Sendable { case openai, anthropic, google }

    /// One request as the fake saw it.
    public struct Call: Sendable {
        /// Position among all requests (1-based).
        public var index: Int
        /// The schema's name (OpenAI, Anthropic); Gemini sends none, so it is "gemini".
        public var schemaName: String
        public var schema: JSONValue
        public var prompt: String
        public var headers: [String: String]
        public var path: String
        public var body: JSONValue
    }

    public enum Behaviour: Sendable {
        /// A complete answer: the object given, or a sample from the request's schema.
        case answer(JSONValue?, inputTokens: Int = 120, outputTokens: Int = 60)
        /// A complete answer whose content is this raw text (e.g. broken JSON).
        case content(String, inputTokens: Int = 120, outputTokens: Int = 60)
        /// The answer stopped at the token limit (`length`, `max_tokens`, `MAX_TOKENS`).
        case cutOff
        /// The model declines.
        case refusal
        /// An HTTP error status, optionally with `Retry-After`.
        case status(Int, retryAfter: String? = nil)
        /// A 200 whose body is cut off mid-JSON.
        case truncatedBody
        /// Answer with a sample after `seconds`.
        case slow(Double)

        /// True when the answer carries usage (a provider bills it): every complete envelope.
        var isBilled: Bool {
            switch self {
            case .status, .truncatedBody: false
            case .answer, .content, .cutOff, .refusal, .slow: true
            }
        }
    }

    public let server: LoopbackHTTPServer
    public let wire: Wire
    private final class Log: Sendable {
        let state = Mutex<(calls: [Call], billed: [Call])>(([], []))
    }
    private let log = Log()

    /// `latency` delays every answer; `script` picks the behaviour of each call.
    public init(_ wire: Wire, latency: Double = 0, script: @escaping @Sendable (Call) -> Behaviour = { _ in .answer(nil) }) throws {
        self.wire = wire
        let log = self.log
        server = try LoopbackHTTPServer { request in
            let body = (try? JSONValue.parse(request.body)) ?? .null
            let call = log.state.withLock { state -> Call in
                let call = FakeLLM.describe(wire, request: request, body: body, index: state.calls.count + 1)
                state.calls.append(call)
                return call
            }
            let behaviour = script(call)
            var reply = FakeLLM.reply(wire, behaviour, call: call)
            reply.delay = max(reply.delay, latency)
            if behaviour.isBilled { log.state.withLock { $0.billed.append(call) } }
            return reply
        }
    }

    /// The base URL a provider client should use (OpenAI's includes `/v1`).
    public var baseURL: String { wire == .openai ? server.baseURL + "/v1" : server.baseURL }
    /// Every request received.
    public var calls: [Call] { log.state.withLock { $0.calls } }
    /// Requests answered with usage (what a real provider would bill).
    public var billed: [Call] { log.state.withLock { $0.billed } }
    public func stop() { server.stop() }

    static func describe(_ wire: Wire, request: LoopbackHTTPServer.Request, body: JSONValue, index: Int) -> Call {
        switch wire {
        case .openai:
            let format = body["response_format"]?["json_schema"]
            let prompt = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            return Call(index: index, schemaName: format?["name"]?.stringValue ?? "", schema: format?["schema"] ?? .null, prompt: prompt,
                        headers: request.headers, path: request.path, body: body)
        case .anthropic:
            let tool = body["tools"]?.arrayValue?.first
            let prompt = body["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            return Call(index: index, schemaName: body["tool_choice"]?["name"]?.stringValue ?? "", schema: tool?["input_schema"] ?? .null,
                        prompt: prompt, headers: request.headers, path: request.path, body: body)
        case .google:
            let prompt = body["contents"]?.arrayValue?.last?["parts"]?.arrayValue?.first?["text"]?.stringValue ?? ""
            return Call(index: index, schemaName: "gemini", schema: body["generationConfig"]?["responseSchema"] ?? .null, prompt: prompt,
                        headers: request.headers, path: request.path, body: body)
        }
    }

    static func reply(_ wire: Wire, _ behaviour: Behaviour, call: Call) -> LoopbackHTTPServer.Reply {
        switch behaviour {
        case .answer(let value, let input, let output):
            return envelope(wire, content: value ?? sample(call.schema), ending: .done, input: input, output: output, name: call.schemaName)
        case .content(let text, let input, let output):
            return envelope(wire, rawContent: text, ending: .done, input: input, output: output, name: call.schemaName)
        case .cutOff:
            return envelope(wire, rawContent: "{\"fairProbability\": 0.4, \"confid", ending: .cutOff, input: 120, output: 800, name: call.schemaName)
        case .refusal:
            return envelope(wire, rawContent: "", ending: .refused, input: 120, output: 12, name: call.schemaName)
        case .status(let status, let retryAfter):
            var reply = LoopbackHTTPServer.Reply.json("{\"error\":{\"message\":\"fake status \(status)\",\"type\":\"fake\"}}", status: status)
            if let retryAfter { reply.headers["Retry-After"] = retryAfter }
            return reply
        case .truncatedBody:
            return .json("{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assis")
        case .slow(let seconds):
            var reply = envelope(wire, content: sample(call.schema), ending: .done, input: 120, output: 60, name: call.schemaName)
            reply.delay = seconds
            return reply
        }
    }

    enum Ending { case done, cutOff, refused }

    static func envelope(_ wire: Wire, content: JSONValue? = nil, rawContent: String? = nil, ending: Ending, input: Int, output: Int,
                         name: String) -> LoopbackHTTPServer.Reply {
        let text = rawContent ?? String(decoding: (content ?? .null).serialized(), as: UTF8.self)
        let json: JSONValue
        switch wire {
        case .openai:
            let finish: JSONValue = ending == .cutOff ? "length" : "stop"
            let message: JSONValue = ending == .refused
                ? ["role": "assistant", "content": .null, "refusal": "I can't help with that request."]
                : ["role": "assistant", "content": .string(text), "refusal": .null]
            json = ["id": "chatcmpl-fake", "object": "chat.completion", "created": .number(1_795_262_400), "model": "fake-model",
                    "choices": [["index": .number(0), "message": message, "logprobs": .null, "finish_reason": finish]],
                    "usage": ["prompt_tokens": .number(Double(input)), "completion_tokens": .number(Double(output)),
                              "total_tokens": .number(Double(input + output))]]
        case .anthropic:
            var blocks: [JSONValue] = []
            let stop: String
            switch ending {
            case .done:
                stop = "tool_use"
                if let content { blocks = [["type": "tool_use", "id": "toolu_fake", "name": .string(name), "input": content]] }
                else { blocks = [["type": "text", "text": .string(text)]] }
            case .cutOff:
                stop = "max_tokens"
                blocks = [["type": "text", "text": .string(text)]]
            case .refused:
                stop = "refusal"
            }
            json = ["id": "msg_fake", "type": "message", "role": "assistant", "model": "fake-model", "content": .array(blocks),
                    "stop_reason": .string(stop), "stop_sequence": .null,
                    "usage": ["input_tokens": .number(Double(input)), "output_tokens": .number(Double(output))]]
        case .google:
            let reason: JSONValue = ending == .cutOff ? "MAX_TOKENS" : ending == .refused ? "SAFETY" : "STOP"
            let parts: JSONValue = ending == .refused ? [] : [["text": .string(text)]]
            json = ["candidates": [["content": ["parts": parts, "role": "model"], "finishReason": reason, "index": .number(0)]],
                    "usageMetadata": ["promptTokenCount": .number(Double(input)), "candidatesTokenCount": .number(Double(output)),
                                      "totalTokenCount": .number(Double(input + output))],
                    "modelVersion": "fake-model"]
        }
        return LoopbackHTTPServer.Reply(body: json.serialized())
    }

    /// A valid instance of a wire schema (JSON Schema, or Gemini's upper-case dialect): numbers
    /// 0.5 (or the middle of their bounds), the first enumeration value, one array item.
    public static func sample(_ schema: JSONValue) -> JSONValue {
        switch schema["type"]?.stringValue?.lowercased() {
        case "object":
            var out: [String: JSONValue] = [:]
            for (name, member) in schema["properties"]?.objectValue ?? [:] { out[name] = sample(member) }
            return .object(out)
        case "array":
            return .array([sample(schema["items"] ?? .null)])
        case "number", "integer":
            return .number(((schema["minimum"]?.numberValue ?? 0) + (schema["maximum"]?.numberValue ?? 1)) / 2)
        case "boolean":
            return false
        case "string":
            return schema["enum"]?.arrayValue?.first ?? "sample"
        default:
            return .null
        }
    }
}
