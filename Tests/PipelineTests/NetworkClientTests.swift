import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import Synchronization
import XCTest

/// Records the waits the client asks for instead of sleeping.
final class SleepRecorder: Sendable {
    private let waits = Mutex<[Double]>([])
    var recorded: [Double] { waits.withLock { $0 } }
    var sleeper: @Sendable (Double) async throws -> Void { { [self] seconds in waits.withLock { $0.append(seconds) } } }
}

final class NetworkClientTests: XCTestCase {
    func client(_ sleeper: SleepRecorder, retry: HTTPRetryPolicy = HTTPRetryPolicy(maxAttempts: 4, initialBackoff: 1),
                timeout: Double = 5, monotonic: (@Sendable () -> Double)? = nil, logger: Logger = .disabled) -> NetworkClient {
        var settings = NetworkSettings(timeout: timeout, threads: 2, retry: retry)
        settings.userAgent = "tradewizard-test/1"
        if let monotonic {
            return NetworkClient(settings: settings, logger: logger, monotonic: monotonic, sleep: sleeper.sleeper, unitRandom: { 1 })
        }
        return NetworkClient(settings: settings, logger: logger, sleep: sleeper.sleeper, unitRandom: { 1 })
    }

    func testSendsUserAgentAndReusesTheConnection() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{\"ok\":true}") }
        defer { server.stop() }
        let client = client(SleepRecorder())
        for _ in 0..<5 { _ = try await client.get(server.baseURL + "/markets") }
        XCTAssertEqual(server.requests.count, 5)
        XCTAssertEqual(server.requests.first?.headers["user-agent"], "tradewizard-test/1")
        XCTAssertNotNil(server.requests.first?.headers["accept-encoding"], "gzip is offered")
        XCTAssertLessThanOrEqual(server.connections, 2, "each transport thread keeps its connection")
    }

    func testRetries429HonouringRetryAfterThenSucceeds() async throws {
        let calls = Mutex(0)
        let server = try LoopbackHTTPServer { _ in
            let n = calls.withLock { $0 += 1; return $0 }
            return n < 3 ? LoopbackHTTPServer.Reply(status: 429, headers: ["Retry-After": "7"]) : .json("[]")
        }
        defer { server.stop() }
        let sleeps = SleepRecorder()
        let body = try await client(sleeps).get(server.baseURL + "/events")
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "[]")
        XCTAssertEqual(sleeps.recorded, [7, 7], "Retry-After (7 s) is longer than the backoff (1 s, 2 s)")
    }

    func testRetryAfterBeyondThePolicyFailsAtOnce() async throws {
        let server = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Reply(status: 429, headers: ["Retry-After": "3600"]) }
        defer { server.stop() }
        do {
            _ = try await client(SleepRecorder()).get(server.baseURL + "/events")
            XCTFail("expected a 429 error")
        } catch NetworkError.status(let status, _, _) {
            XCTAssertEqual(status, 429)
        }
        XCTAssertEqual(server.requests.count, 1)
    }

    func testRetries5xxWithExponentialBackoffThenGivesUp() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{\"error\":\"boom\"}", status: 503) }
        defer { server.stop() }
        let sleeps = SleepRecorder()
        do {
            _ = try await client(sleeps).get(server.baseURL + "/book")
            XCTFail("expected a 503 error")
        } catch NetworkError.status(let status, _, _) {
            XCTAssertEqual(status, 503)
        }
        XCTAssertEqual(server.requests.count, 4)
        XCTAssertEqual(sleeps.recorded, [1, 2, 4], "doubling, with the jitter draw at its maximum")
    }

    func testRetriesAndACircuitTripAreLoggedWhereTheyHappen() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{}", status: 503) }
        defer { server.stop() }
        let logs = LogSink.memory()
        let client = client(SleepRecorder(), retry: HTTPRetryPolicy(maxAttempts: 6, initialBackoff: 1),
                            logger: Logger(level: .info, sink: logs).with(["component": "polymarket"]))
        _ = try? await client.get(server.baseURL + "/book")
        let retries = logs.lines.filter { $0.contains("retrying a request") }
        XCTAssertEqual(retries.count, 4, "five failures: four retries, then the fifth opens the circuit\n" + logs.lines.joined())
        XCTAssertTrue(retries.allSatisfy { $0.contains("\"level\":\"notice\"") && $0.contains("\"reason\":\"status 503\"") && $0.contains("\"component\":\"polymarket\"") })
        XCTAssertTrue(retries[0].contains("\"attempt\":2"), "the attempt is a number in the line: \(retries[0])")
        XCTAssertEqual(logs.lines.filter { $0.contains("circuit opened") && $0.contains("\"level\":\"warning\"") }.count, 1, logs.lines.joined())
    }

    func testDoesNotRetryOther4xx() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{\"error\":\"not found\"}", status: 404) }
        defer { server.stop() }
        let response = try await client(SleepRecorder()).send(NetworkRequest(url: server.baseURL + "/markets/1"))
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(server.requests.count, 1)
    }

    func testSlowServerTimesOutAndIsRetried() async throws {
        let calls = Mutex(0)
        let server = try LoopbackHTTPServer { _ in
            let n = calls.withLock { $0 += 1; return $0 }
            return n == 1 ? LoopbackHTTPServer.Reply(body: Array("[]".utf8), delay: 1.5) : .json("[1]")
        }
        defer { server.stop() }
        let body = try await client(SleepRecorder(), timeout: 0.3).get(server.baseURL + "/slow")
        XCTAssertEqual(String(decoding: body, as: UTF8.self), "[1]")
    }

    func testUnreachableHostIsReportedAsUnreachable() async throws {
        let server = try LoopbackHTTPServer { _ in .json("[]") }
        let url = server.baseURL + "/events"
        server.stop()
        do {
            _ = try await client(SleepRecorder(), retry: HTTPRetryPolicy(maxAttempts: 1)).get(url)
            XCTFail("expected unreachable")
        } catch NetworkError.unreachable {
        }
    }

    func testCircuitOpensAfterFiveFailuresAndHalfOpensAfterSixtySeconds() async throws {
        let healthy = Mutex(false)
        let server = try LoopbackHTTPServer { _ in healthy.withLock { $0 } ? .json("{}") : .json("{}", status: 500) }
        defer { server.stop() }
        let now = Mutex(1_000.0)
        let client = client(SleepRecorder(), retry: HTTPRetryPolicy(maxAttempts: 1), monotonic: { now.withLock { $0 } })
        for _ in 0..<5 { _ = try? await client.get(server.baseURL + "/x") }
        XCTAssertEqual(server.requests.count, 5)
        do {
            _ = try await client.get(server.baseURL + "/x")
            XCTFail("expected an open circuit")
        } catch NetworkError.circuitOpen(_, let wait) {
            XCTAssertEqual(wait, 60, accuracy: 0.001)
        }
        XCTAssertEqual(server.requests.count, 5, "an open circuit sends nothing")
        now.withLock { $0 += 60 }
        healthy.withLock { $0 = true }
        _ = try await client.get(server.baseURL + "/x")
        XCTAssertFalse(client.breaker.isOpen(server.baseURL), "the half-open trial succeeded and closed the circuit")
    }

    func testTokenBucketSpacesRequestsBeyondTheBurst() {
        var bucket = TokenBucket(limit: RateLimit(requests: 300, per: 10), now: 0)
        let waits = (0..<302).map { _ in bucket.reserve(now: 0) }
        XCTAssertEqual(waits[299], 0)
        XCTAssertEqual(waits[300], 10.0 / 300, accuracy: 1e-9)
        XCTAssertEqual(waits[301], 20.0 / 300, accuracy: 1e-9)
        XCTAssertEqual(bucket.reserve(now: 10), 0, "refilled after the window")
    }

    func testRateLimitedRequestsWaitForTheirToken() async throws {
        let server = try LoopbackHTTPServer { _ in .json("[]") }
        defer { server.stop() }
        let sleeps = SleepRecorder()
        let client = client(sleeps, monotonic: { 0 })
        let limit = (key: "gamma:/markets", limit: RateLimit(requests: 2, per: 10))
        for _ in 0..<3 { _ = try await client.get(server.baseURL + "/markets", rateLimit: limit) }
        XCTAssertEqual(sleeps.recorded, [5])
    }

    func testPostSendsTheBody() async throws {
        let server = try LoopbackHTTPServer { request in .json(String(decoding: request.body, as: UTF8.self)) }
        defer { server.stop() }
        let response = try await client(SleepRecorder()).send(NetworkRequest(method: "POST", url: server.baseURL + "/echo",
            headers: ["Content-Type": "application/json"], body: Array("{\"a\":1}".utf8)))
        XCTAssertEqual(response.text, "{\"a\":1}")
        XCTAssertEqual(server.requests.first?.method, "POST")
    }

    func testRetryAfterAcceptsAnHTTPDate() {
        let response = NetworkResponse(status: 429, headers: ["retry-after": "Sun, 06 Nov 1994 08:49:37 GMT"])
        let now = Date(timeIntervalSince1970: 784_111_767) // 08:49:27
        XCTAssertEqual(response.retryAfter(now: now), 10)
    }
}
