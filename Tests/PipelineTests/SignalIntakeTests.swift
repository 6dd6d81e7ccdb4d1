import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Authentication, de-duplication, validation and storage of webhook signals, on a real database.
final class SignalIntakeTests: XCTestCase {
    static let secret = "whsec-test-0123456789"
    static let token = "tv-token-0123456789abcdef"
    /// Monday 2026-11-16 15:00 UTC = 10:00 in New York (EST): inside the session.
    static let mondayMorning = Date(timeIntervalSince1970: 1_794_841_200)

    var test: TestDatabase!
    var clock: ManualWallClock!

    override func setUp() async throws {
        clock = ManualWallClock(Self.mondayMorning)
        test = try await TestDatabase(clock: clock)
    }

    override func tearDown() async throws { test.remove() }

    func intake(_ rules: SignalRules = SignalRules(cooldownSeconds: 0)) -> SignalIntake {
        SignalIntake(pool: test.database.pool, settings: SignalIntakeSettings(hmacSecret: Self.secret, token: Self.token, rules: rules),
                     clock: clock)
    }

    func body(_ fields: [String: JSONValue] = [:]) -> [UInt8] {
        var object: [String: JSONValue] = ["source": .string("bot"), "symbol": .string("SPY"), "direction": .string("call"),
                                           "timeframe": .string("5m"), "timestamp": .number(clock.now().timeIntervalSince1970),
                                           "price": .number(500)]
        for (key, value) in fields { object[key] = value }
        return JSONValue.object(object).serialized()
    }

    func signature(_ body: [UInt8]) -> String {
        "sha256=" + HMACSHA256.authenticationCode(key: Array(Self.secret.utf8), message: body).hexString
    }

    func rowCounts() async throws -> [String: Int] {
        try await test.database.pool.read { database in
            var counts: [String: Int] = [:]
            for table in ["signals", "signal_dedup", "decisions", "positions", "position_events", "processing_errors"] {
                counts[table] = try database.scalar("SELECT count(*) FROM \(table)", as: Int.self)
            }
            return counts
        }
    }

    func testSignalAlertsAreWrittenWithTheSignalOnlyWhenRoutedAndPositionAlertsAlways() async throws {
        func alerts() async throws -> [String] {
            try await test.database.pool.read { try $0.query("SELECT event FROM alerts ORDER BY id").map { try $0.get("event", as: String.self) } }
        }
        let quiet = intake()
        let first = body(["id": .string("a1")])
        _ = await quiet.submit(TestRequest(body: first, signature: signature(first), pathToken: nil, remoteAddress: nil))
        let firstAlerts = try await alerts()
        XCTAssertEqual(firstAlerts, ["position.opened"], "a position change always has its alert; the signal's own is off by default")

        var settings = SignalIntakeSettings(hmacSecret: Self.secret, token: Self.token, rules: SignalRules(cooldownSeconds: 0))
        settings.alertAccepted = true
        settings.alertRejected = true
        let routed = SignalIntake(pool: test.database.pool, settings: settings, clock: clock)
        let second = body(["id": .string("a2"), "direction": .string("put")])
        _ = await routed.submit(TestRequest(body: second, signature: signature(second), pathToken: nil, remoteAddress: nil))
        let bad = body(["id": .string("a3"), "price": .number(-1)])
        let refused = await routed.submit(TestRequest(body: bad, signature: signature(bad), pathToken: nil, remoteAddress: nil))
        XCTAssertEqual(refused.httpStatus, 422)
        let events = try await alerts()
        XCTAssertTrue(events.contains("signal.accepted") && events.contains("signal.rejected"), "\(events)")
    }

    func testAValidSignatureIsAcceptedAndAFlippedByteIsRefusedWithNothingStored() async throws {
        let payload = body()
        let accepted = await intake().submit(TestRequest(body: payload, signature: signature(payload), pathToken: nil, remoteAddress: nil))
        XCTAssertEqual(accepted.httpStatus, 200)
        XCTAssertEqual(accepted.body.status, "ACCEPTED")
        XCTAssertNotNil(accepted.body.correlation_id)

        var flippedBody = body(["id": .string("other")])
        let goodSignature = signature(flippedBody)
        flippedBody[flippedBody.count / 2] ^= 0x01
        var flippedSignature = Array(signature(payload).utf8)
        flippedSignature[flippedSignature.count - 1] = flippedSignature.last == UInt8(ascii: "0") ? UInt8(ascii: "1") : UInt8(ascii: "0")
        let before = try await rowCounts()
        for request in [TestRequest(body: flippedBody, signature: goodSignature, pathToken: nil, remoteAddress: nil),
                        TestRequest(body: payload, signature: String(decoding: flippedSignature, as: UTF8.self), pathToken: nil, remoteAddress: nil),
                        TestRequest(body: body(["id": .string("x")]), signature: nil, pathToken: nil, remoteAddress: nil),
                        TestRequest(body: body(["secret": .string("wrong-token-0123456789")]), signature: nil, pathToken: nil, remoteAddress: nil),
                        TestRequest(body: body(), signature: nil, pathToken: "wrong", remoteAddress: nil)] {
            let refused = await intake().submit(request)
            XCTAssertEqual(refused.httpStatus, 401)
            XCTAssertEqual(refused.body.message, "unauthorized", "no detail")
        }
        let after = try await rowCounts()
        XCTAssertEqual(before, after, "unauthenticated requests store nothing, not even an error row")
    }

    func testThePathTokenAndBodySecretFormsAuthenticateAndTheSecretIsNeverStored() async throws {
        let viaPath = await intake().submit(TestRequest(body: body(["id": .string("a")]), signature: nil, pathToken: Self.token, remoteAddress: nil))
        XCTAssertEqual(viaPath.body.status, "ACCEPTED")
        let viaBody = await intake().submit(TestRequest(body: body(["id": .string("b"), "secret": .string(Self.token), "symbol": .string("QQQ")]),
                                                           signature: nil, pathToken: nil, remoteAddress: nil))
        XCTAssertEqual(viaBody.body.status, "ACCEPTED", viaBody.body.message)
        let rejected = await intake().submit(TestRequest(body: body(["secret": .string(Self.token), "direction": .string("sideways")]),
                                                            signature: nil, pathToken: nil, remoteAddress: nil))
        XCTAssertEqual(rejected.httpStatus, 422)
        XCTAssertEqual(rejected.body.error, "unknown_direction")
        let stored = try await test.database.pool.read { database in
            try database.query("SELECT raw_body AS text FROM signals UNION ALL SELECT payload FROM processing_errors").map { try $0.get("text", as: String.self) }
        }
        XCTAssertEqual(stored.count, 3)
        XCTAssertFalse(stored.contains { $0.contains(Self.token) }, "the token must never be stored")
        let methods = try await test.database.pool.read { try $0.query("SELECT auth_method FROM signals ORDER BY id").map { try $0.get("auth_method", as: String.self) } }
        XCTAssertEqual(methods, ["path_token", "body_secret"])
    }

    func testFiftyConcurrentReplaysCreateOneSignalOneDecisionAndFortyNineDuplicates() async throws {
        let payload = body(["id": .string("alert-42")])
        let request = TestRequest(body: payload, signature: signature(payload), pathToken: nil, remoteAddress: nil)
        let intake = intake()
        let statuses = await withTaskGroup(of: String.self) { group in
            for _ in 0..<50 { group.addTask { await intake.submit(request).body.status ?? "" } }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        XCTAssertEqual(statuses.filter { $0 == "ACCEPTED" }.count, 1)
        XCTAssertEqual(statuses.filter { $0 == "DUPLICATE" }.count, 49)
        let counts = try await rowCounts()
        XCTAssertEqual(counts["signals"], 1)
        XCTAssertEqual(counts["decisions"], 1)
        XCTAssertEqual(counts["positions"], 1)
        let reported = try await test.database.pool.read { try $0.signals.counts() }
        XCTAssertEqual(reported, SignalCounts(accepted: 1, rejected: 0, duplicates: 49))

        // Without an id, the canonical body is the key: key order and whitespace do not matter.
        let spaced = Array(#"{ "timestamp": \#(Int(clock.now().timeIntervalSince1970)), "symbol":"IWM", "direction":"put", "price": 200 }"#.utf8)
        let reordered = Array(#"{"direction":"put","price":200,"symbol":"IWM","timestamp":\#(Int(clock.now().timeIntervalSince1970))}"#.utf8)
        let first = await intake.submit(TestRequest(body: spaced, signature: signature(spaced), pathToken: nil, remoteAddress: nil))
        let second = await intake.submit(TestRequest(body: reordered, signature: signature(reordered), pathToken: nil, remoteAddress: nil))
        XCTAssertEqual([first.body.status, second.body.status], ["ACCEPTED", "DUPLICATE"])
        XCTAssertEqual(first.body.correlation_id, second.body.correlation_id, "a duplicate answers with the original's correlation id")
    }

    func testARepeatAfterTheDedupWindowIsANewSignal() async throws {
        let payload = body(["id": .string("again")])
        let request = TestRequest(body: payload, signature: signature(payload), pathToken: nil, remoteAddress: nil)
        let settings = SignalIntakeSettings(hmacSecret: Self.secret, token: nil, maxLagSeconds: 100_000, dedupWindowSeconds: 60,
                                            rules: SignalRules(session: nil))
        let intake = SignalIntake(pool: test.database.pool, settings: settings, clock: clock)
        let first = await intake.submit(request).body.status
        clock.advance(by: 61)
        let second = await intake.submit(request).body.status
        XCTAssertEqual(first, "ACCEPTED")
        XCTAssertEqual(second, "ACCEPTED")
    }

    func testBadFieldsAnswerStableCodesAndKeepTheTruncatedPayload() async throws {
        let now = clock.now().timeIntervalSince1970
        let cases: [([UInt8], Int, String)] = [
            (Array("{not json".utf8), 400, "malformed_body"),
            (Array("[1,2]".utf8), 400, "malformed_body"),
            (body(["symbol": .null, "ticker": .null]), 422, "missing_field"),
            (body(["direction": .string("UP")]), 422, "unknown_direction"),
            (body(["timestamp": .number(now - 301)]), 422, "stale_signal"),
            (body(["timestamp": .number(now + 60)]), 422, "future_signal"),
            (body(["timestamp": .string("yesterday")]), 422, "invalid_timestamp"),
            (body(["price": .number(-1)]), 422, "invalid_price"),
            (body(["metadata": .string("x")]), 422, "invalid_field"),
            (body(["symbol": .string(String(repeating: "A", count: 5_000))]), 422, "invalid_symbol"),
        ]
        for (payload, status, code) in cases {
            let result = await intake().submit(TestRequest(body: payload, signature: signature(payload), pathToken: nil, remoteAddress: "127.0.0.1"))
            XCTAssertEqual(result.httpStatus, status, code)
            XCTAssertEqual(result.body.error, code)
            XCTAssertEqual(result.body.status, "REJECTED")
        }
        let errors = try await test.database.pool.read { try $0.query("SELECT code, payload FROM processing_errors ORDER BY id") }
        XCTAssertEqual(try errors.map { try $0.get("code", as: String.self) }, cases.map(\.2))
        XCTAssertTrue(try errors.allSatisfy { try $0.get("payload", as: String.self).utf8.count <= 2_048 }, "payloads are truncated")
        let counts = try await rowCounts()
        XCTAssertEqual(counts["signals"], 0)

        // Epoch milliseconds and ISO-8601 are both timestamps; text/plain key=value bodies work.
        let millis = body(["timestamp": .number(now * 1000), "id": .string("ms")])
        let iso = body(["timestamp": .string(Timestamp.format(clock.now())), "id": .string("iso"), "symbol": .string("DIA")])
        let plain = Array("symbol=TLT direction=SELL price=90 timestamp=\(Int(now))".utf8)
        for payload in [millis, iso, plain] {
            let result = await intake().submit(TestRequest(body: payload, signature: signature(payload), pathToken: nil, remoteAddress: nil))
            XCTAssertEqual(result.body.status, "ACCEPTED", String(decoding: payload, as: UTF8.self) + ": " + result.body.message)
        }
    }

    func testFuzzedBodiesNeverCrashAndNeverCreateSignals() async throws {
        var generator = ReducerTests.SeededGenerator(state: 2026)
        var bodies: [[UInt8]] = [
            Array(String(repeating: "[", count: 100_000).utf8),
            Array(String(repeating: "{\"a\":", count: 50_000).utf8),
            Array("{\"symbol\":\"SPY\",\"direction\":\"CALL\",\"timestamp\":1e999,\"price\":1e999}".utf8),
            Array("{\"price\": 123456789012345678901234567890}".utf8),
            [0xFF, 0xFE, 0x7B, 0x7D], [0xC3, 0x28], [], Array("\u{0}".utf8),
        ]
        for _ in 0..<300 {
            bodies.append((0..<Int.random(in: 0...300, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) })
        }
        let intake = intake()
        for payload in bodies {
            let unsigned = await intake.submit(TestRequest(body: payload, signature: nil, pathToken: nil, remoteAddress: nil))
            XCTAssertEqual(unsigned.httpStatus, 401)
            let signed = await intake.submit(TestRequest(body: payload, signature: signature(payload), pathToken: nil, remoteAddress: nil))
            XCTAssertTrue([400, 422].contains(signed.httpStatus), "\(signed.httpStatus) \(signed.body.message)")
        }
        let counts = try await rowCounts()
        XCTAssertEqual(counts["signals"], 0)
        XCTAssertEqual(counts["decisions"], 0)
        XCTAssertEqual(counts["processing_errors"], bodies.count, "only the signed (authenticated) rejections are kept")
    }
}

/// A webhook request before authentication, as the tests send it.
struct TestRequest: Sendable {
    var body: [UInt8]
    var signature: String?
    var pathToken: String?
    var remoteAddress: String?
}

/// What the sender would read: the status the webhook route answers and the fields of its body.
struct TestAnswer: Sendable {
    struct Body: Sendable {
        var status: String?
        var message: String
        var correlation_id: String?
        var error: String?
    }
    var httpStatus: Int
    var body: Body
}

extension SignalIntake {
    /// The webhook path without HTTP: the credentials check the route's middleware makes, then the
    /// intake, with the outcome read the way the route answers it (400 malformed, 422 invalid).
    func submit(_ request: TestRequest) async -> TestAnswer {
        guard let method = settings.credentials.authenticate(body: request.body, signature: request.signature, pathToken: request.pathToken) else {
            return TestAnswer(httpStatus: 401, body: .init(status: nil, message: "unauthorized", error: "unauthorized"))
        }
        let result = await handle(WebhookRequest(body: request.body, authentication: method, remoteAddress: request.remoteAddress))
        switch result.outcome {
        case .accepted(let correlation, let decision, _):
            return TestAnswer(httpStatus: 200, body: .init(status: "ACCEPTED", message: "\(decision.action) (\(decision.rule))", correlation_id: correlation))
        case .duplicate(let correlation):
            return TestAnswer(httpStatus: 200, body: .init(status: "DUPLICATE", message: "duplicate", correlation_id: correlation))
        case .rejected(let rejection):
            return TestAnswer(httpStatus: rejection.kind == .malformed ? 400 : 422,
                              body: .init(status: "REJECTED", message: rejection.message, error: rejection.code))
        case .storageUnavailable:
            return TestAnswer(httpStatus: 503, body: .init(status: nil, message: "storage unavailable", error: "storage_unavailable"))
        }
    }
}
