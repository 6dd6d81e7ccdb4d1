import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support
import Synchronization

/// `tradewizard bench cycle`: one analysis cycle over `markets` cloned fixture markets with the
/// LLM agents on, against a loopback fake of an OpenAI-compatible server that answers after a
/// fixed latency. The model time is the floor: the ideal cycle is markets × LLM calls per market
/// × latency / concurrency (every call slot always busy). What the cycle takes beyond that is the
/// engine's own cost: discovery, the graph, checkpoints, the ledger, quotas and persistence.
public enum CycleBenchmark {
    public struct Report: Encodable {
        public var markets: Int
        public var analysed: Int
        public var llmCalls: Int
        public var callsPerMarket: Double
        public var latencyMilliseconds: Double
        public var concurrency: Int
        public var seconds: Double
        public var idealSeconds: Double
        /// seconds / idealSeconds.
        public var ratioToIdeal: Double
        public var overheadMillisecondsPerMarket: Double
        public var costUSD: Double
    }

    public static func run(directory: String, fixtures: String?, markets: Int, latencyMilliseconds: Double, concurrency: Int,
                    progress: (String) -> Void) async throws -> Report {
        let calls = Atomic<Int>(0)
        let latency = UInt64(latencyMilliseconds * 1_000_000)
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.maxConnections = 4 * concurrency + 16
        let server = HTTPServer(configuration: serverConfiguration, router: Router([
            Route(.post, "/v1/chat/completions", .task { request in
                calls.add(1, ordering: .relaxed)
                let body = try JSONValue.parse(request.body)
                let name = body["response_format"]?["json_schema"]?["name"]?.stringValue ?? ""
                let answer = LLMAnalysisSchemas.named(name)?.sample ?? [:]
                try await Task.sleep(nanoseconds: latency)
                let envelope: JSONValue = [
                    "id": "chatcmpl-bench", "object": "chat.completion", "model": "gpt-4o-mini",
                    "choices": [["index": .number(0), "finish_reason": "stop",
                                 "message": ["role": "assistant", "content": .string(String(decoding: answer.serialized(), as: UTF8.self))]]],
                    "usage": ["prompt_tokens": .number(900), "completion_tokens": .number(150), "total_tokens": .number(1_050)],
                ]
                return HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: envelope.serialized())
            }),
        ]), observer: DiscardingObserver(), logger: Logger(level: .error, format: .text, sink: .standardError))
        let port = try server.start()
        defer { Task { await server.shutdown(deadline: 1) } }

        let bundled = try fixtures.map { try FixtureMarketSource(directory: $0) } ?? FixtureMarketSource.builtIn()
        guard let template = MarketDiscovery.candidates(events: try await bundled.trendingEvents(EventQuery(limit: 100)),
                                                        settings: DiscoverySettings(tagID: nil), now: SystemWallClock().now()).first,
              let source = bundled.cloned(template.snapshot.conditionID, count: markets) else {
            throw BenchmarkError("no analysable sample market to clone")
        }
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let network = NetworkClient(settings: NetworkSettings(timeout: 60, threads: concurrency), clock: database.clock)
        let provider = OpenAIProvider(network: network, key: nil, model: "gpt-4o-mini", baseURL: "http://127.0.0.1:\(port)/v1")
        let gateway = LLMGateway(settings: LLMSettings(providers: [provider], maxCostPerAnalysis: 1_000, maxConcurrentCalls: concurrency),
                                 pool: database.pool, clock: database.clock)
        let analyzer = try MarketAnalyzer(pool: database.pool, clock: database.clock, source: { source }, llm: LLMAnalysis(gateway: gateway))
        // Twice as many markets in flight as call slots, so a slot never waits for a market.
        let cycle = AnalysisCycle(analyzer: analyzer, settings: DiscoverySettings(maxMarketsPerCycle: markets, tagID: nil),
                                  concurrency: 2 * concurrency)
        progress("cycle over \(markets) markets, \(Int(latencyMilliseconds)) ms per LLM call, \(concurrency) calls in flight")
        let start = MonotonicInstant.now()
        let summary = try await cycle.run()
        let seconds = start.secondsElapsed()
        let made = calls.load(ordering: .relaxed)
        let analysed = max(1, summary.analysed)
        let perMarket = Double(made) / Double(analysed)
        let ideal = Double(analysed) * perMarket * latencyMilliseconds / 1000 / Double(concurrency)
        let cost = try await database.pool.read { database -> Double in
            try database.scalar("SELECT total(cost_usd) FROM llm_calls", as: Double.self) ?? 0
        }
        return Report(markets: markets, analysed: summary.analysed, llmCalls: made, callsPerMarket: perMarket,
                      latencyMilliseconds: latencyMilliseconds, concurrency: concurrency, seconds: seconds, idealSeconds: ideal,
                      ratioToIdeal: seconds / ideal, overheadMillisecondsPerMarket: (seconds - ideal) * 1000 / Double(analysed), costUSD: cost)
    }
}
