import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import Synchronization
import TestSupport
import XCTest

/// Analyses with a model configured (a loopback fake of OpenAI's wire format): the LLM agents join
/// the fan-out, the run reports its true cost, budgets and quotas stop spending mid-run, failures
/// fall back to the offline path, and news is fetched once, cached and counted.
final class LLMAnalysisTests: XCTestCase {
    static let now = MarketAnalysisTests.now
    static let llmNodes: Set<String> = Set(LLMAgents.all.map(\.name) + ["theses", "cross_examination", "explanation"])

    func fixtures() throws -> FixtureMarketSource { try FixtureMarketSource(directory: repositoryRoot + "/data/fixtures") }

    func snapshot(_ source: FixtureMarketSource, _ text: String) throws -> MarketSnapshot {
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains(text) })
        return MarketSnapshot(market: market, event: source.events.first { $0.id == market.eventID })
    }

    func analyzer(_ test: TestDatabase, clock: any WallClock, fake: FakeLLM, model: String = "gpt-4o-mini", news: (any NewsFeed)? = nil,
                  _ configure: (inout LLMSettings) -> Void = { _ in }) throws -> MarketAnalyzer {
        let network = NetworkClient(settings: NetworkSettings(timeout: 5, threads: 8, retry: HTTPRetryPolicy(maxAttempts: 2, initialBackoff: 0)),
                                    sleep: { _ in }, unitRandom: { 0 })
        var settings = LLMSettings(providers: [OpenAIProvider(network: network, key: "sk-test-key", model: model, baseURL: fake.baseURL)],
                                   prices: .withOverrides([.openai: [(model, PriceTable.defaults.price(.openai, model: model, local: false))]]),
                                   maxConcurrentCalls: 8)
        configure(&settings)
        let gateway = LLMGateway(settings: settings, pool: test.database.pool, clock: clock)
        let source = try fixtures()
        return try MarketAnalyzer(pool: test.database.pool, clock: clock, source: { source }, llm: LLMAnalysis(gateway: gateway, news: news))
    }

    func run(_ test: TestDatabase, _ runID: String) async throws -> AnalysisRun {
        try await test.database.pool.read { try XCTUnwrap(try $0.analysisHistory.find(runID: runID)) }
    }

    func testWithAProviderTheLLMAgentsJoinTheFanOutAndTheRunReportsItsTrueCost() async throws {
        let fake = try FakeLLM(.openai) { _ in .answer(nil, inputTokens: 1_000, outputTokens: 200) }
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let report = try await analyzer(test, clock: clock, fake: fake).analyze(try snapshot(try fixtures(), "recession in 2027"), type: .manual)

        XCTAssertEqual(report.status, .success, report.errorMessage ?? "")
        XCTAssertEqual(report.signals.count, 14, "7 offline + 7 LLM agents")
        XCTAssertEqual(Set(fake.calls.map(\.schemaName)), Self.llmNodes)
        XCTAssertEqual(fake.billed.count, 10)
        XCTAssertEqual(report.recommendation?.explanation, "sample", "the explanation is the model's")
        let catalyst = try XCTUnwrap(report.signals.first { $0.agentName == "catalyst" })
        XCTAssertEqual(catalyst.agentType, "event")
        XCTAssertEqual(catalyst.metadata["source"], "llm")
        XCTAssertNotNil(catalyst.metadata["daysToNextCatalyst"])
        XCTAssertTrue(fake.calls.first { $0.schemaName == "catalyst" }?.prompt.contains("US recession in 2027?") == true)

        let run = try await run(test, report.runID)
        XCTAssertEqual(run.tokensIn, 10_000)
        XCTAssertEqual(run.tokensOut, 2_000)
        XCTAssertEqual(run.costUSD, (10_000 * 0.15 + 2_000 * 0.60) / 1_000_000, accuracy: 1e-12)
        XCTAssertNil(run.detail["llm"], "nothing skipped, nothing fell back")
    }

    func testRiskPerspectivesAreAskedForWhenEnabledAndStoredWithTheRun() async throws {
        let fake = try FakeLLM(.openai) { call in
            call.schemaName == "risk_perspectives"
                ? .answer(["aggressive": ["view": "Size up: the edge is fresh", "sizeMultiplier": .number(1.5)],
                           "conservative": ["view": "Half size until the data print", "sizeMultiplier": .number(0.5)],
                           "neutral": ["view": "Plan size", "sizeMultiplier": .number(1)]])
                : .answer(nil)
        }
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let analyzer = try analyzer(test, clock: clock, fake: fake) { $0.riskPerspectives = true }
        let report = try await analyzer.analyze(try snapshot(try fixtures(), "recession in 2027"), type: .manual)
        XCTAssertEqual(fake.calls.filter { $0.schemaName == "risk_perspectives" }.count, 1)
        let perspectives = try await run(test, report.runID).detail["riskPerspectives"]
        XCTAssertEqual(perspectives?["conservative"]?["sizeMultiplier"], .number(0.5))
        XCTAssertEqual(perspectives?["aggressive"]?["view"], "Size up: the edge is fresh")
    }

    func testAnAgentWhoseAnswersFailTwiceIsAnAgentErrorAndTheRunStillCompletes() async throws {
        let fake = try FakeLLM(.openai) { call in call.schemaName == "catalyst" ? .content("{\"fairProbability\": 0.7") : .answer(nil) }
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let report = try await analyzer(test, clock: clock, fake: fake).analyze(try snapshot(try fixtures(), "recession in 2027"), type: .manual)
        XCTAssertEqual(report.status, .partial)
        XCTAssertTrue(report.errorMessage?.contains("agent_catalyst") == true, report.errorMessage ?? "")
        XCTAssertEqual(report.signals.count, 13)
        XCTAssertNotNil(report.recommendation)
        XCTAssertEqual(fake.calls.filter { $0.schemaName == "catalyst" }.count, 2, "validated and asked again once")
    }

    func testEachWriterFallsBackToItsTemplateWhenTheModelFails() async throws {
        let fake = try FakeLLM(.openai) { call in
            switch call.schemaName {
            case "theses": .refusal
            case "cross_examination": .answer(["bull": ["evidence": .number(3)], "bear": [:]])
            case "explanation": .status(503)
            default: .answer(nil)
            }
        }
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let report = try await analyzer(test, clock: clock, fake: fake).analyze(try snapshot(try fixtures(), "recession in 2027"), type: .manual)
        XCTAssertEqual(report.status, .success)
        XCTAssertTrue(report.recommendation?.explanation?.hasPrefix("Consensus puts YES at") == true, "the template explanation")
        let fallbacks = try await run(test, report.runID).detail["llm"]?["fallbacks"]?.objectValue ?? [:]
        XCTAssertEqual(Set(fallbacks.keys), ["theses", "cross_examination", "explanation"])
        XCTAssertTrue(fallbacks["theses"]?.stringValue?.contains("refused") == true)
        XCTAssertTrue(fallbacks["cross_examination"]?.stringValue?.contains("malformed") == true)
        XCTAssertTrue(fallbacks["explanation"]?.stringValue?.contains("unavailable after retries") == true)
    }

    func testThePerAnalysisBudgetStopsSpendingMidRunAndTheRunCompletesWithTheOfflineAgents() async throws {
        // gpt-4o: $2.50/M in, $10/M out. Each answer bills 1,000 in + 500 out = $0.0075; the
        // pessimistic estimate of a call is about $0.009, so a $0.02 budget admits two calls.
        let fake = try FakeLLM(.openai) { _ in .answer(nil, inputTokens: 1_000, outputTokens: 500) }
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let analyzer = try analyzer(test, clock: clock, fake: fake, model: "gpt-4o") { $0.maxCostPerAnalysis = 0.02 }
        let report = try await analyzer.analyze(try snapshot(try fixtures(), "recession in 2027"), type: .manual)

        XCTAssertEqual(report.status, .success, "skipping for budget is not a failure")
        XCTAssertNotNil(report.recommendation)
        XCTAssertEqual(fake.billed.count, 2)
        let run = try await run(test, report.runID)
        XCTAssertEqual(run.costUSD, 0.015, accuracy: 1e-9)
        XCTAssertLessThanOrEqual(run.costUSD, 0.02)
        XCTAssertTrue(run.detail["budgetExhausted"]?.stringValue?.contains("per-analysis LLM budget of $0.02 reached") == true,
                      "\(run.detail)")
        let skipped = run.detail["llm"]?["skipped"]?.objectValue ?? [:]
        XCTAssertEqual(skipped.count, 5, "the other five agents are skipped: \(skipped.keys.sorted())")
        XCTAssertEqual(report.signals.count, 9)
        XCTAssertEqual(run.detail["llm"]?["fallbacks"]?.objectValue?.keys.sorted(), ["cross_examination", "explanation", "theses"])
    }

    func testTheDailyBudgetHoldsAcrossRunsAndResetsAtUTCMidnight() async throws {
        let fake = try FakeLLM(.openai) { _ in .answer(nil, inputTokens: 1_000, outputTokens: 500) }
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let analyzer = try analyzer(test, clock: clock, fake: fake, model: "gpt-4o") { $0.maxCostPerDay = 0.02 }
        let source = try fixtures()
        _ = try await analyzer.analyze(try snapshot(source, "recession in 2027"), type: .manual)
        XCTAssertEqual(fake.billed.count, 2)
        let second = try await analyzer.analyze(try snapshot(source, "ceasefire"), type: .manual)
        XCTAssertEqual(fake.billed.count, 2, "today's budget is spent")
        let secondRun = try await run(test, second.runID)
        XCTAssertTrue(secondRun.detail["budgetExhausted"]?.stringValue?.contains("daily LLM budget") == true)

        clock.set(Timestamp.parse("2026-11-22T00:00:01Z")!)
        let third = try await analyzer.analyze(try snapshot(source, "ceasefire"), type: .manual)
        XCTAssertEqual(fake.billed.count, 4, "a new UTC day, a new budget")
        let thirdRun = try await run(test, third.runID)
        XCTAssertEqual(thirdRun.costUSD, 0.015, accuracy: 1e-9)
    }

    func testTheDailyQuotaRefusesCallsPastItsLimitAndIsPersistedPerUTCDay() async throws {
        let fake = try FakeLLM(.openai)
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let analyzer = try analyzer(test, clock: clock, fake: fake) { $0.dailyQuotas = ["openai": 4] }
        let report = try await analyzer.analyze(try snapshot(try fixtures(), "recession in 2027"), type: .manual)
        XCTAssertEqual(fake.calls.count, 4)
        XCTAssertEqual(report.status, .success)
        let run = try await run(test, report.runID)
        XCTAssertTrue(run.detail["llm"]?["skipped"]?.objectValue?.values.contains { $0.stringValue?.contains("daily quota of openai (4 calls)") == true } == true)
        XCTAssertNil(run.detail["budgetExhausted"])
        let used = try await test.database.pool.read { try $0.apiUsage.today() }
        XCTAssertEqual(used, ["openai": 4])

        clock.set(Timestamp.parse("2026-11-22T00:00:00Z")!)
        let usedTomorrow = try await test.database.pool.read { try $0.apiUsage.today() }
        XCTAssertEqual(usedTomorrow, [:], "counters are per UTC day")
        _ = try await analyzer.analyze(try snapshot(try fixtures(), "ceasefire"), type: .manual)
        XCTAssertEqual(fake.calls.count, 8)
    }

    func testNewsAgentsGetHeadlinesFetchedOnceCachedAndCountedAgainstTheQuota() async throws {
        let newsServer = try LoopbackHTTPServer { _ in .json("""
            {"status":"success","totalResults":2,"results":[
              {"article_id":"a1","title":"Fed signals pause as jobs data cools","link":"https://example.test/a1","source_id":"wire","source_name":"Wire","pubDate":"2026-11-20 14:03:00"},
              {"article_id":"a2","title":"","source_id":"blank","pubDate":"2026-11-20 10:00:00"}],"nextPage":null}
            """) }
        let fake = try FakeLLM(.openai)
        defer { fake.stop(); newsServer.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let network = NetworkClient(settings: NetworkSettings(threads: 1))
        let news = NewsDataFeed(network: network, key: "nd-test-key", pool: test.database.pool, dailyQuota: 5, baseURL: newsServer.baseURL)
        let analyzer = try analyzer(test, clock: clock, fake: fake, news: news)
        let snapshot = try snapshot(try fixtures(), "recession in 2027")
        _ = try await analyzer.analyze(snapshot, type: .manual)
        clock.advance(by: 600)
        _ = try await analyzer.analyze(snapshot, type: .manual)

        XCTAssertEqual(newsServer.requests.count, 1, "the second analysis reads the cache")
        let query = try XCTUnwrap(newsServer.requests.first?.query)
        XCTAssertEqual(query["apikey"], "nd-test-key")
        XCTAssertEqual(query["language"], "en")
        XCTAssertTrue(query["q"]?.contains("recession") == true, query["q"] ?? "")
        let newsUsed = try await test.database.pool.read { try $0.apiUsage.today()["newsdata"] }
        XCTAssertEqual(newsUsed, 1)
        let breaking = try XCTUnwrap(fake.calls.first { $0.schemaName == "breaking_news" })
        XCTAssertTrue(breaking.prompt.contains("Fed signals pause as jobs data cools (Wire, 2026-11-20 14:03:00)"), breaking.prompt)
        let history = try XCTUnwrap(fake.calls.first { $0.schemaName == "historical_pattern" })
        XCTAssertFalse(history.prompt.contains("Fed signals pause"), "only news agents read the news")
    }

    func testWithoutAProviderNothingChangesFromTheOfflineAnalysis() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        let gateway = LLMGateway(settings: LLMSettings(providers: []), pool: test.database.pool, clock: clock)
        let analyzer = try MarketAnalyzer(pool: test.database.pool, clock: clock, source: { source }, llm: LLMAnalysis(gateway: gateway))
        XCTAssertNil(analyzer.llm)
        let report = try await analyzer.analyze(try snapshot(source, "recession in 2027"), type: .manual)
        XCTAssertEqual(report.signals.count, 7)
        let offlineRun = try await run(test, report.runID)
        XCTAssertEqual(offlineRun.costUSD, 0)
    }
}
