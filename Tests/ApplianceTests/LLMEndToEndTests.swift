import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import Synchronization
import TestSupport
import XCTest

/// LLM analysis through the real binary against a loopback fake of an OpenAI-compatible server:
/// a run killed mid-analysis resumes without paying again for answers it recorded, and `serve`
/// reports quota, cost and a budget stop in `/health` and `/metrics`.
final class LLMEndToEndTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { _ = try? FileManager.default.removeItem(atPath: directory) }


    func environment(_ fake: FakeLLM, _ extra: [String: String] = [:]) -> [String: String] {
        ["TRADEWIZARD_OFFLINE": "1", "TRADEWIZARD_FIXTURES_DIR": root + "/data/fixtures", "OPENAI_BASE_URL": fake.baseURL]
            .merging(extra) { _, new in new }
    }

    func start(_ arguments: [String], _ environment: [String: String]) throws -> Subprocess {
        try Subprocess(arguments: [binary] + arguments + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                       environment: environment, mergeErrors: true)
    }

    func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = MonotonicInstant.now().nanoseconds + UInt64(seconds * 1e9)
        while MonotonicInstant.now().nanoseconds < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    func testAKilledAnalysisResumesWithoutPayingAgainForTheAnswersItRecorded() async throws {
        let crashed = Mutex(false)
        let fake = try FakeLLM(.openai) { call in
            call.schemaName == "explanation" && !crashed.withLock({ $0 }) ? .slow(60) : .answer(nil, inputTokens: 1_000, outputTokens: 200)
        }
        defer { fake.stop() }
        let market = try XCTUnwrap(try FixtureMarketSource(directory: root + "/data/fixtures").allMarkets.first { $0.question.contains("recession in 2027") })

        let child = try start(["analyze", market.conditionID], environment(fake))
        XCTAssertTrue(waitUntil(seconds: 60) { fake.calls.contains { $0.schemaName == "explanation" } }, "never reached the explanation")
        child.signal(SIGKILL)
        _ = child.wait()
        crashed.withLock { $0 = true }

        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        let (thread, paidBefore) = try await database.pool.read { database -> (String, Int) in
            let runs: [String] = try database.query("SELECT DISTINCT run_id FROM llm_calls").map { try $0.get("run_id") }
            return (runs.first ?? "", try database.llmCalls.forRun(runs.first ?? "").count)
        }
        database.close()
        XCTAssertEqual(paidBefore, 9, "seven agents, theses and cross-examination were answered and recorded before the kill")

        let resume = try start(["checkpoints", "resume", thread], environment(fake))
        let output = resume.readAll()
        XCTAssertEqual(resume.wait(), 0, output)

        var asked: [String: Int] = [:]
        for call in fake.calls { asked[call.schemaName, default: 0] += 1 }
        for agent in LLMAgents.all.map(\.name) + ["theses", "cross_examination"] {
            XCTAssertEqual(asked[agent], 1, "\(agent) was answered before the crash and is not asked again")
        }
        XCTAssertEqual(asked["explanation"], 2, "only the call in flight at the kill is asked again")

        let reopened = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { reopened.close() }
        let (ledger, run) = try await reopened.pool.read { (try $0.llmCalls.forRun(thread), try $0.analysisHistory.find(runID: thread)) }
        XCTAssertEqual(ledger.count, 10)
        XCTAssertEqual(Set(ledger.map(\.callKey)).count, 10)
        let history = try XCTUnwrap(run)
        XCTAssertEqual(history.status, .success, history.errorMessage ?? "")
        XCTAssertEqual(history.costUSD, 10 * (1_000 * 0.15 + 200 * 0.60) / 1_000_000, accuracy: 1e-12, "gpt-4o-mini prices, each answer paid once")
        XCTAssertEqual(history.tokensIn, 10_000)
    }

    func testServeShowsQuotaAndCostAndReportsDegradedWhenABudgetStopsSpending() async throws {
        let fake = try FakeLLM(.openai) { _ in .answer(nil, inputTokens: 1_000, outputTokens: 200) }
        defer { fake.stop() }
        let server = try start(["serve", "--port", "0"], environment(fake, ["COST_MAX_PER_DAY_USD": "0.002", "OPENAI_DAILY_QUOTA": "500",
                                                                            "MAX_MARKETS_PER_CYCLE": "2"]))
        var port: Int?
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("\"msg\":\"tradewizard ready\""),
               let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }) { port = Int(field.filter(\.isNumber)) }
            if line.contains("analysis cycle finished") { break }
        }
        XCTAssertTrue(log.contains { $0.contains("LLM analysis on") && $0.contains("openai:gpt-4o-mini") }, log.joined(separator: "\n"))
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: try XCTUnwrap(port, log.joined(separator: "\n")))
        var health = JSONValue.null
        for _ in 0..<100 {
            health = try JSONValue.parse(try await client.send(method: "GET", path: "/health").body)
            if health["status"] == "degraded", (health["quota"]?["openai"]?["used"]?.numberValue ?? 0) > 0 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertEqual(health["status"], "degraded", "\(health)")
        XCTAssertEqual(health["quota"]?["openai"]?["limit"], .number(500))
        let used = try XCTUnwrap(health["quota"]?["openai"]?["used"]?.numberValue)
        XCTAssertEqual(Int(used), fake.calls.count)
        XCTAssertTrue(health["reasons"]?.arrayValue?.contains { $0.stringValue?.hasPrefix("llm:") == true } == true, "\(health)")
        XCTAssertLessThanOrEqual(health["components"]?["llm"]?["spendTodayUsd"]?.numberValue ?? 1, 0.002)

        let metrics = try await client.send(method: "GET", path: "/metrics").text
        XCTAssertTrue(metrics.contains("tradewizard_llm_cost_dollars_total{agent="), metrics)
        XCTAssertTrue(metrics.contains("tradewizard_llm_tokens_total{agent="), metrics)
        XCTAssertTrue(metrics.contains("tradewizard_api_quota_used{api=\"openai\"} \(Int(used))"), metrics)
        server.signal(SIGTERM)
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)
    }

    func testAServeKilledMidCycleResumesItsRunsAndTheRestartAnalysesNoMarketTwice() async throws {
        let crashed = Mutex(false)
        // Explanations hang until the kill, then take 1.5 s: the restart's cycle chooses its markets
        // while the resumed runs are still unfinished.
        let fake = try FakeLLM(.openai) { call in
            call.schemaName == "explanation" ? .slow(crashed.withLock({ $0 }) ? 1.5 : 60) : .answer(nil, inputTokens: 1_000, outputTokens: 200)
        }
        defer { fake.stop() }
        let settings = environment(fake, ["MAX_MARKETS_PER_CYCLE": "2"])
        let first = try start(["serve", "--port", "0"], settings)
        XCTAssertTrue(waitUntil(seconds: 60) { fake.calls.filter { $0.schemaName == "explanation" }.count == 2 },
                      "both analyses of the cycle reached their explanation")
        first.signal(SIGKILL)
        _ = first.wait()
        crashed.withLock { $0 = true }
        let callsBeforeRestart = fake.calls.count

        let second = try start(["serve", "--port", "0"], settings)
        var log: [String] = []
        while let line = second.readLine() {
            log.append(line)
            if line.contains("analysis cycle finished") || line.contains("\"job\":\"analysis-cycle\"") && line.contains("job finished") { break }
        }
        XCTAssertTrue(waitUntil(seconds: 30) {
            var readOnly = DatabaseConfiguration()
            readOnly.readOnly = true
            let reader = try? Database(path: directory + "/data/tradewizard.db", configuration: readOnly)
            return (try? reader?.scalar("SELECT count(*) FROM graph_runs WHERE status = 'running'", as: Int.self)) == 0
        }, "the interrupted runs were resumed to the end")
        second.signal(SIGTERM)
        _ = second.readAll()
        XCTAssertEqual(second.wait(), 0)

        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let (perMarket, perCall) = try await database.pool.read { database -> ([String: Int], [String: Int]) in
            var perMarket: [String: Int] = [:]
            for row in try database.query("SELECT m.condition_id AS id, count(*) AS runs FROM analysis_history h JOIN markets m ON m.id = h.market_id GROUP BY m.condition_id") {
                perMarket[try row.get("id")] = try row.get("runs")
            }
            var perCall: [String: Int] = [:]
            for row in try database.query("SELECT run_id || '/' || call_key AS key, count(*) AS paid FROM llm_calls GROUP BY run_id, call_key") {
                perCall[try row.get("key")] = try row.get("paid")
            }
            return (perMarket, perCall)
        }
        XCTAssertFalse(perMarket.isEmpty)
        XCTAssertEqual(perMarket.filter { $0.value > 1 }, [:], "no market was analysed twice (the resumed ones were not picked again)")
        XCTAssertEqual(perCall.filter { $0.value > 1 }, [:], "every recorded answer was paid once")
        let askedAfter = fake.calls[callsBeforeRestart...].filter { $0.schemaName != "explanation" }.count
        let newMarkets = perMarket.count - 2
        XCTAssertEqual(askedAfter, newMarkets * 9, "after the restart only the two explanations in flight and the new markets' calls were asked")
    }

    func testSIGTERMDuringSlowModelCallsStartsNothingNewAndExitsWithinTheDeadlinePlusOneSecond() async throws {
        let fake = try FakeLLM(.openai) { _ in .slow(3) }
        defer { fake.stop() }
        let server = try start(["serve", "--port", "0"], environment(fake, ["MAX_MARKETS_PER_CYCLE": "6", "TRADEWIZARD_SHUTDOWN_SECONDS": "2"]))
        XCTAssertTrue(waitUntil(seconds: 30) { fake.calls.count >= 4 }, "model calls of several markets are in flight")
        let stopped = MonotonicInstant.now()
        server.signal(SIGTERM)
        let callsAtStop = fake.calls.count
        let log = server.readAll()
        let status = server.wait()
        let seconds = stopped.secondsElapsed()
        XCTAssertEqual(status, 0, log)
        XCTAssertLessThan(seconds, 3.0, "a 2 s deadline: exit within deadline + 1 s")
        usleep(200_000)
        XCTAssertEqual(fake.calls.count, callsAtStop, "no model call started after SIGTERM")
        XCTAssertFalse(log.split(separator: "\n").drop { !$0.contains("\"msg\":\"stopping\"") }.contains { $0.contains("analysis finished") && $0.contains("\"status\":\"partial\"") },
                       "a cancelled analysis is not recorded as partial")

        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let (running, failed) = try await database.pool.read { database in
            (try database.scalar("SELECT count(*) FROM graph_runs WHERE status = 'running'", as: Int.self) ?? 0,
             try database.scalar("SELECT count(*) FROM analysis_history WHERE status IN ('failed', 'partial')", as: Int.self) ?? 0)
        }
        XCTAssertGreaterThan(running, 0, "the cancelled analyses stay resumable from their checkpoints")
        XCTAssertEqual(failed, 0, "and none was recorded as failed or partial")
    }
}

