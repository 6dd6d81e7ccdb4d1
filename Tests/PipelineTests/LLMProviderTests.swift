import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import Synchronization
import TestSupport
import XCTest

/// Each provider against a loopback fake speaking its wire format, through the gateway's ledger:
/// request shape, usage and cost, 429 with Retry-After, 5xx, timeouts, truncated and malformed
/// answers, refusals, fallback to the next provider.
final class LLMProviderTests: XCTestCase {
    static let now = Date(timeIntervalSince1970: 1_795_262_400)

    static let schema = OutputSchema.object([
        ("fairProbability", .number(minimum: 0, maximum: 1)),
        ("direction", .string(enumeration: ["NEUTRAL", "YES", "NO"])),
        ("keyDrivers", .array(.string(), minItems: 1, maxItems: 5)),
    ])
    static let request = LLMRequest(system: "You are a test.", prompt: "Is the fake fair?", schemaName: "probe", schema: schema,
                                    maxOutputTokens: 200, timeout: 2)

    func network(_ sleeper: SleepRecorder, attempts: Int = 3) -> NetworkClient {
        NetworkClient(settings: NetworkSettings(timeout: 2, threads: 4, retry: HTTPRetryPolicy(maxAttempts: attempts, initialBackoff: 1)),
                      sleep: sleeper.sleeper, unitRandom: { 1 })
    }

    func provider(_ fake: FakeLLM, _ network: NetworkClient, model: String? = nil) -> any LLMProvider {
        switch fake.wire {
        case .openai: OpenAIProvider(network: network, key: "sk-test-key", model: model ?? "gpt-4o-mini", baseURL: fake.baseURL)
        case .anthropic: AnthropicProvider(network: network, key: "sk-ant-test", model: model ?? "claude-haiku-4-5", baseURL: fake.baseURL)
        case .google: GeminiProvider(network: network, key: "g-test-key", model: model ?? "gemini-2.5-flash", baseURL: fake.baseURL)
        }
    }

    func gateway(_ test: TestDatabase, _ providers: [any LLMProvider], _ configure: (inout LLMSettings) -> Void = { _ in }) -> LLMGateway {
        var settings = LLMSettings(providers: providers)
        configure(&settings)
        return LLMGateway(settings: settings, pool: test.database.pool, clock: ManualWallClock(Self.now))
    }

    func ask(_ gateway: LLMGateway, run: String = "run-1", node: String = "agent_probe") async throws -> JSONValue {
        try await gateway.ask(runID: run, node: node, Self.request) { $0 }
    }

    func testBoundsAStrictSchemaCannotCarryAreStatedInItsDescriptions() {
        let strict = Self.schema.jsonSchema(strict: true)
        XCTAssertNil(strict["properties"]?["fairProbability"]?["minimum"], "strict modes refuse minimum/maximum")
        XCTAssertEqual(strict["properties"]?["fairProbability"]?["description"], .string("(a number from 0 to 1)"))
        XCTAssertEqual(strict["properties"]?["keyDrivers"]?["description"], .string("(1 to 5 items)"))
        let loose = Self.schema.jsonSchema(strict: false)
        XCTAssertEqual(loose["properties"]?["fairProbability"]?["maximum"], .number(1))
        XCTAssertNil(loose["properties"]?["fairProbability"]?["description"], "the limits travel as keywords there")
        let sentiment = OutputSchema.number(minimum: -1, maximum: 1, description: "−1 toward NO … 1 toward YES")
        XCTAssertEqual(sentiment.geminiSchema["description"], .string("−1 toward NO … 1 toward YES (a number from -1 to 1)"),
                       "Gemini's dialect has no limits: always stated")
    }

    func testOpenAISendsAStrictJSONSchemaAndItsUsageIsPricedIntoTheLedger() async throws {
        let fake = try FakeLLM(.openai) { _ in .answer(["fairProbability": .number(0.61), "direction": "YES", "keyDrivers": ["polls"]],
                                                       inputTokens: 1_000_000, outputTokens: 500_000) }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        let answer = try await ask(gateway(test, [provider(fake, network(SleepRecorder()))]))
        XCTAssertEqual(answer["fairProbability"], .number(0.61))

        let call = try XCTUnwrap(fake.calls.first)
        XCTAssertEqual(call.path, "/v1/chat/completions")
        XCTAssertEqual(call.headers["authorization"], "Bearer sk-test-key")
        XCTAssertEqual(call.body["model"], "gpt-4o-mini")
        XCTAssertEqual(call.body["response_format"]?["type"], "json_schema")
        XCTAssertEqual(call.body["response_format"]?["json_schema"]?["strict"], true)
        XCTAssertEqual(call.schema["required"], ["fairProbability", "direction", "keyDrivers"])
        XCTAssertEqual(call.schema["additionalProperties"], false)
        XCTAssertNil(call.schema["properties"]?["fairProbability"]?["minimum"], "strict mode gets no numeric limits; we check them")
        XCTAssertEqual(call.body["max_tokens"], .number(200), "a server other than api.openai.com is OpenAI-compatible: max_tokens")

        let ledger = try await test.database.pool.read { try $0.llmCalls.forRun("run-1") }
        XCTAssertEqual(ledger.count, 1)
        XCTAssertEqual(ledger[0].tokensIn, 1_000_000)
        XCTAssertEqual(ledger[0].tokensOut, 500_000)
        XCTAssertEqual(ledger[0].costUSD, 0.15 + 0.30, accuracy: 1e-9, "gpt-4o-mini: $0.15/M in, $0.60/M out")
        XCTAssertEqual(ledger[0].day, "2026-11-21")
    }

    func testAnthropicForcesTheAnswerToolAndReadsItsInput() async throws {
        let fake = try FakeLLM(.anthropic) { _ in .answer(nil, inputTokens: 2_000, outputTokens: 100) }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        let answer = try await ask(gateway(test, [provider(fake, network(SleepRecorder()))]))
        XCTAssertEqual(answer["direction"], "NEUTRAL")
        let call = try XCTUnwrap(fake.calls.first)
        XCTAssertEqual(call.path, "/v1/messages")
        XCTAssertEqual(call.headers["x-api-key"], "sk-ant-test")
        XCTAssertEqual(call.headers["anthropic-version"], "2023-06-01")
        XCTAssertEqual(call.body["tool_choice"], ["type": "tool", "name": "probe"])
        XCTAssertEqual(call.body["system"], "You are a test.")
        XCTAssertEqual(call.body["max_tokens"], .number(200))
        let ledger = try await test.database.pool.read { try $0.llmCalls.spend(runID: "run-1") }
        XCTAssertEqual(ledger.costUSD, (2_000 * 1.0 + 100 * 5.0) / 1_000_000, accuracy: 1e-12)
    }

    func testGeminiSendsItsSchemaDialectAndBillsThinkingAsOutput() async throws {
        let fake = try FakeLLM(.google) { _ in .answer(nil, inputTokens: 300, outputTokens: 40) }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        _ = try await ask(gateway(test, [provider(fake, network(SleepRecorder()))]))
        let call = try XCTUnwrap(fake.calls.first)
        XCTAssertEqual(call.path, "/v1beta/models/gemini-2.5-flash:generateContent")
        XCTAssertEqual(call.headers["x-goog-api-key"], "g-test-key")
        XCTAssertEqual(call.body["generationConfig"]?["responseMimeType"], "application/json")
        XCTAssertEqual(call.schema["type"], "OBJECT")
        XCTAssertEqual(call.schema["propertyOrdering"], ["fairProbability", "direction", "keyDrivers"])
        XCTAssertEqual(call.body["systemInstruction"]?["parts"]?.arrayValue?.first?["text"], "You are a test.")
        XCTAssertEqual(call.body["generationConfig"]?["thinkingConfig"]?["thinkingBudget"], .number(0),
                       "2.5 Flash thinks by default and could spend the whole allowance: thinking is turned off")
        let pro = GeminiProvider(network: network(SleepRecorder()), key: "k", model: "gemini-2.5-pro", baseURL: fake.baseURL)
        XCTAssertEqual(pro.generationConfig(Self.request)["thinkingConfig"]?["thinkingBudget"], .number(128), "Pro cannot turn it off: its minimum")
        XCTAssertEqual(pro.generationConfig(Self.request)["maxOutputTokens"], .number(328), "and the answer keeps its own allowance")
        let older = GeminiProvider(network: network(SleepRecorder()), key: "k", model: "gemini-2.0-flash", baseURL: fake.baseURL)
        XCTAssertNil(older.generationConfig(Self.request)["thinkingConfig"], "models without thinking get no thinking config")
        let empty = LLMAnswer(provider: .google, model: "gemini-2.5-flash", text: "", usage: LLMUsage(inputTokens: 300, outputTokens: 400), ending: .truncated)
        let (outcome, reason) = LLMGateway.classify(empty, schema: Self.schema) { $0 }
        XCTAssertEqual(outcome, LLMCallOutcome.malformed)
        XCTAssertTrue(reason.hasPrefix("empty answer at the token limit"), "a distinct error, not a cut-off answer: \(reason)")

        let thinking = try LoopbackHTTPServer { _ in .json("""
            {"candidates":[{"content":{"parts":[{"text":"weighing it","thought":true},{"text":"{\\"a\\":1}"}],"role":"model"},"finishReason":"STOP"}],
             "usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5,"thoughtsTokenCount":7,"totalTokenCount":22}}
            """) }
        defer { thinking.stop() }
        let answer = try await GeminiProvider(network: network(SleepRecorder()), key: "k-12345678", model: "gemini-2.5-pro",
                                              baseURL: thinking.baseURL).complete(Self.request)
        XCTAssertEqual(answer.text, "{\"a\":1}", "thought parts are not the answer")
        XCTAssertEqual(answer.usage, LLMUsage(inputTokens: 10, outputTokens: 12), "thinking tokens are billed as output")
        let ledger = try await test.database.pool.read { try $0.llmCalls.forRun("run-1") }
        XCTAssertEqual(ledger.first?.tokensIn, 300)
        XCTAssertEqual(ledger.first?.provider, "google")
    }

    func testRetryAfterOn429IsHonouredAndTheCallSucceeds() async throws {
        let fake = try FakeLLM(.openai) { call in call.index == 1 ? .status(429, retryAfter: "7") : .answer(nil) }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        let sleeper = SleepRecorder()
        _ = try await ask(gateway(test, [provider(fake, network(sleeper))]))
        XCTAssertEqual(fake.calls.count, 2)
        XCTAssertEqual(sleeper.recorded, [7], "waits what Retry-After asks (more than the 1 s backoff)")
    }

    func testServerErrorsExhaustRetriesIntoAClearErrorAndCostNothing() async throws {
        let fake = try FakeLLM(.anthropic) { _ in .status(500) }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        do {
            _ = try await ask(gateway(test, [provider(fake, network(SleepRecorder(), attempts: 3))]))
            XCTFail("expected exhausted retries")
        } catch let error as LLMError {
            guard case .exhaustedRetries(let provider, let detail) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(provider, "anthropic")
            XCTAssertTrue(detail.contains("500"), detail)
        }
        XCTAssertEqual(fake.calls.count, 3)
        let spend = try await test.database.pool.read { try $0.llmCalls.spend(runID: "run-1") }
        XCTAssertEqual(spend.calls, 0, "nothing was answered, nothing is recorded as paid")
    }

    func testASlowProviderTimesOutAndIsReportedAfterRetries() async throws {
        let fake = try FakeLLM(.google) { _ in .slow(5) }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        var request = Self.request
        request.timeout = 0.3
        do {
            _ = try await gateway(test, [provider(fake, network(SleepRecorder(), attempts: 2))]).ask(runID: "r", node: "n", request) { $0 }
            XCTFail("expected a timeout")
        } catch let error as LLMError {
            XCTAssertTrue(error.description.contains("timed out"), error.description)
        }
        XCTAssertEqual(fake.calls.count, 2)
    }

    func testATruncatedBodyThenMalformedJSONFailTheCallAfterOneRetryAndBothAreRecorded() async throws {
        let fake = try FakeLLM(.openai) { call in call.index == 1 ? .truncatedBody : .content("{\"fairProbability\": 0.5, \"direction\": ") }
        defer { fake.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        do {
            _ = try await ask(gateway(test, [provider(fake, network(SleepRecorder()))]))
            XCTFail("expected malformed output")
        } catch LLMError.malformedOutput(let provider, let detail) {
            XCTAssertEqual(provider, "openai")
            XCTAssertTrue(detail.contains("not valid JSON"), detail)
        }
        XCTAssertEqual(fake.calls.count, 2, "asked once more, not more")
        let ledger = try await test.database.pool.read { try $0.llmCalls.forRun("run-1") }
        XCTAssertEqual(ledger.map(\.outcome), [.malformed, .malformed])
        XCTAssertEqual(ledger.map(\.callKey), ["agent_probe#1", "agent_probe#2"])
        XCTAssertEqual(ledger[0].tokensIn, 0, "an unreadable envelope reports no usage")
        XCTAssertEqual(ledger[1].tokensIn, 120)
    }

    func testOffSchemaAndCutOffAnswersAreMalformedButAGoodRetryIsUsed() async throws {
        for wire in [FakeLLM.Wire.openai, .anthropic, .google] {
            let fake = try FakeLLM(wire) { call in
                call.index == 1 ? .answer(["fairProbability": .number(1.4), "direction": "UP", "keyDrivers": []]) : .answer(nil)
            }
            let cut = try FakeLLM(wire) { call in call.index == 1 ? .cutOff : .answer(nil) }
            defer { fake.stop(); cut.stop() }
            let test = try await TestDatabase(clock: ManualWallClock(Self.now))
            defer { test.remove() }
            let answer = try await ask(gateway(test, [provider(fake, network(SleepRecorder()))]), run: "a")
            XCTAssertEqual(answer["fairProbability"], .number(0.5), "\(wire)")
            let first = try await test.database.pool.read { try $0.llmCalls.find(runID: "a", callKey: "agent_probe#1") }
            XCTAssertEqual(first?.outcome, .malformed, "\(wire)")
            XCTAssertTrue(first?.response.contains("$.fairProbability is 1.4; at most 1 expected") == true, first?.response ?? "")
            XCTAssertTrue(first?.response.contains("$.keyDrivers has 0 item(s)") == true, first?.response ?? "")
            _ = try await ask(gateway(test, [provider(cut, network(SleepRecorder()))]), run: "b")
            let cutOff = try await test.database.pool.read { try $0.llmCalls.find(runID: "b", callKey: "agent_probe#1") }
            XCTAssertEqual(cutOff?.outcome, .malformed, "\(wire)")
            XCTAssertTrue(cutOff?.response.contains("token limit") == true, "\(wire): \(cutOff?.response ?? "")")
        }
    }

    func testARefusalIsAnErrorAfterOneRetryOnEveryProvider() async throws {
        for wire in [FakeLLM.Wire.openai, .anthropic, .google] {
            let fake = try FakeLLM(wire) { _ in .refusal }
            defer { fake.stop() }
            let test = try await TestDatabase(clock: ManualWallClock(Self.now))
            defer { test.remove() }
            do {
                _ = try await ask(gateway(test, [provider(fake, network(SleepRecorder()))]))
                XCTFail("\(wire): expected a refusal")
            } catch LLMError.refused(let provider, _) {
                XCTAssertEqual(provider, wire.rawValue)
            }
            XCTAssertEqual(fake.calls.count, 2, "\(wire)")
            let ledger = try await test.database.pool.read { try $0.llmCalls.forRun("run-1") }
            XCTAssertEqual(ledger.map(\.outcome), [.refused, .refused], "\(wire): refusals are billed and recorded")
        }
    }

    func testARejectedRequestIsNotRetriedAndTheNextProviderAnswers() async throws {
        let broken = try FakeLLM(.openai) { _ in .status(401) }
        let backup = try FakeLLM(.google) { _ in .answer(nil) }
        defer { broken.stop(); backup.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        let network = network(SleepRecorder())
        let gateway = gateway(test, [provider(broken, network), provider(backup, network)])
        _ = try await ask(gateway)
        XCTAssertEqual(broken.calls.count, 1, "401 is not retried")
        XCTAssertEqual(backup.calls.count, 1)
        let ledger = try await test.database.pool.read { try $0.llmCalls.forRun("run-1") }
        XCTAssertEqual(ledger.map(\.provider), ["google"])
    }

    func testAKeyEchoedInAnErrorNeverReachesTheErrorText() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{\"error\":{\"message\":\"Incorrect API key provided: sk-test-key.\"}}", status: 401) }
        defer { server.stop() }
        let provider = OpenAIProvider(network: network(SleepRecorder()), key: "sk-test-key", model: "gpt-4o-mini", baseURL: server.baseURL)
        do {
            _ = try await provider.complete(Self.request)
            XCTFail("expected a rejection")
        } catch LLMError.requestRejected(_, let status, let detail) {
            XCTAssertEqual(status, 401)
            XCTAssertEqual(detail, "Incorrect API key provided: [redacted].")
        }
    }

    func testANodesPreferredProviderIsTriedFirst() async throws {
        let openai = try FakeLLM(.openai)
        let anthropic = try FakeLLM(.anthropic)
        defer { openai.stop(); anthropic.stop() }
        let test = try await TestDatabase(clock: ManualWallClock(Self.now))
        defer { test.remove() }
        let network = network(SleepRecorder())
        let gateway = gateway(test, [provider(openai, network), provider(anthropic, network)]) { $0.preferred = ["catalyst": .anthropic] }
        _ = try await ask(gateway, node: "agent_catalyst")
        _ = try await ask(gateway, node: "agent_momentum_news")
        XCTAssertEqual(anthropic.calls.count, 1)
        XCTAssertEqual(openai.calls.count, 1)
    }

    func testPricesPreferTheLongestPrefixAndOverridesAndPriceUnknownCloudModelsHigh() throws {
        let table = try PriceTable.withOverrides(PriceTable.parse("openai/llama3.1=0:0, anthropic/claude-haiku-4-5=2:9").get())
        XCTAssertEqual(table.price(.openai, model: "gpt-4o-mini-2024-07-18", local: false), ModelPrice(inputPerMillion: 0.15, outputPerMillion: 0.60))
        XCTAssertEqual(table.price(.openai, model: "gpt-4o-2024-11-20", local: false), ModelPrice(inputPerMillion: 2.50, outputPerMillion: 10))
        XCTAssertEqual(table.price(.anthropic, model: "claude-haiku-4-5", local: false), ModelPrice(inputPerMillion: 2, outputPerMillion: 9))
        XCTAssertEqual(table.price(.openai, model: "qwen2.5:7b", local: true), ModelPrice(inputPerMillion: 0, outputPerMillion: 0))
        XCTAssertEqual(table.price(.google, model: "gemini-9-ultra", local: false).outputPerMillion, 10, "the dearest Gemini default")
        XCTAssertThrowsError(try PriceTable.parse("openai/gpt=1").get())
        XCTAssertThrowsError(try PriceTable.parse("mistral/large=1:2").get())
        XCTAssertThrowsError(try PriceTable.parse("openai/gpt=-1:2").get())
    }
}
