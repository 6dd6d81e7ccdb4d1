import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// What the intake accepts, digit for digit, and what it refuses: the hardening found by mutating
/// signed webhook bodies (exact ids, overflowing numbers, lenient coercion, secrets in refused bodies).
final class SignalStrictnessTests: XCTestCase {
    var test: TestDatabase!
    var clock: ManualWallClock!
    var now: Int { Int(SignalIntakeTests.mondayMorning.timeIntervalSince1970) }

    override func setUp() async throws {
        clock = ManualWallClock(SignalIntakeTests.mondayMorning)
        test = try await TestDatabase(clock: clock)
    }

    override func tearDown() async throws { test.remove() }

    func intake() -> SignalIntake {
        SignalIntake(pool: test.database.pool, settings: SignalIntakeSettings(hmacSecret: SignalIntakeTests.secret, token: SignalIntakeTests.token,
                                                                             rules: SignalRules(cooldownSeconds: 0)), clock: clock)
    }

    /// Sends `text` signed with HMAC, as a bot would.
    func send(_ text: String) async -> TestAnswer {
        let payload = Array(text.utf8)
        let signature = "sha256=" + HMACSHA256.authenticationCode(key: Array(SignalIntakeTests.secret.utf8), message: payload).hexString
        return await intake().submit(TestRequest(body: payload, signature: signature, pathToken: nil, remoteAddress: "127.0.0.1"))
    }

    func signalCount() async throws -> Int {
        try await test.database.pool.read { try $0.scalar("SELECT count(*) FROM signals", as: Int.self) ?? -1 }
    }

    func testIntegerIdsBeyondTwoToTheFiftyThreeStayDistinctAndAreStoredDigitForDigit() async throws {
        let first = await send(#"{"id":1234567890123456789,"symbol":"SPY","direction":"call","timestamp":\#(now),"metadata":{"order":9007199254740993}}"#)
        let second = await send(#"{"id":1234567890123456788,"symbol":"QQQ","direction":"call","timestamp":\#(now)}"#)
        XCTAssertEqual(first.body.status, "ACCEPTED", first.body.message)
        XCTAssertEqual(second.body.status, "ACCEPTED", "a different id is a different signal, not a duplicate: \(second.body.message)")
        let rows = try await test.database.pool.read { try $0.query("SELECT idempotency_key, raw_body, metadata FROM signals ORDER BY id") }
        XCTAssertEqual(try rows.map { try $0.get("idempotency_key", as: String.self) }, ["1234567890123456789", "1234567890123456788"])
        XCTAssertTrue(try rows[0].get("raw_body", as: String.self).contains("9007199254740993"), "integer fields keep their digits")
        XCTAssertTrue(try rows[0].get("metadata", as: String.self).contains("9007199254740993"))
    }

    func testOverflowingNumbersAreRefusedWithTheFieldsCodeAndStoreNoSignal() async throws {
        let cases: [(String, String)] = [
            (#"{"symbol":1e400,"direction":"call","timestamp":\#(now)}"#, "invalid_symbol"),
            (#"{"symbol":"SPY","direction":"call","timestamp":\#(now),"price":1e400}"#, "invalid_price"),
            (#"{"symbol":"SPY","direction":"call","timestamp":\#(now),"price":-1e400}"#, "invalid_price"),
            (#"{"symbol":"SPY","direction":"call","timestamp":\#(now),"id":1e400}"#, "invalid_id"),
            (#"{"symbol":"SPY","direction":"call","timestamp":1e400}"#, "invalid_timestamp"),
            (#"{"symbol":"SPY","direction":"call","timestamp":\#(now),"metadata":{"confidence":1e400}}"#, "invalid_confidence"),
            (#"{"symbol":"SPY","direction":"call","timestamp":\#(now),"score":-1e400}"#, "invalid_score"),
        ]
        for (text, code) in cases {
            let answer = await send(text)
            XCTAssertEqual(answer.httpStatus, 422, text)
            XCTAssertEqual(answer.body.error, code, text)
        }
        let count = try await signalCount()
        XCTAssertEqual(count, 0, "no ticker NULL, no position")
    }

    func testOnlyDecimalNumbersAndVenueSymbolsAreAccepted() async throws {
        for price in ["0x10", "inf", "nan", "Infinity", "1_000", "1,5", "", "+", "1e", "0x1p4", " 5 5"] {
            let answer = await send(#"{"symbol":"SPY","direction":"call","timestamp":\#(now),"price":"\#(price)"}"#)
            XCTAssertEqual(answer.body.error, "invalid_price", "price \(price)")
        }
        for timestamp in ["0x6553F100", "inf"] {
            let answer = await send(#"{"symbol":"SPY","direction":"call","timestamp":"\#(timestamp)"}"#)
            XCTAssertEqual(answer.body.error, "invalid_timestamp", "timestamp \(timestamp)")
        }
        for symbol in ["straße", "ﬁg", "ıbm", "S P Y", "€UR", "SPY\\u0000", String(repeating: "A", count: 33), "A$B"] {
            let answer = await send(#"{"symbol":"\#(symbol)","direction":"call","timestamp":\#(now)}"#)
            XCTAssertEqual(answer.body.error, "invalid_symbol", "symbol \(symbol)")
        }
        let refusedCount = try await signalCount()
        XCTAssertEqual(refusedCount, 0)
        for (index, symbol) in ["BRK.B", "btc-usd", "NYSE:IBM", "EUR/USD", "ES1!", "SPX_W", String(repeating: "A", count: 32)].enumerated() {
            let answer = await send(#"{"symbol":"\#(symbol)","direction":"call","timestamp":\#(now),"price":"12.5e0","id":"s\#(index)"}"#)
            XCTAssertEqual(answer.body.status, "ACCEPTED", "symbol \(symbol): \(answer.body.message)")
        }
        let symbols = try await test.database.pool.read { try $0.query("SELECT symbol FROM signals ORDER BY id").map { try $0.get("symbol", as: String.self) } }
        XCTAssertEqual(symbols[1], "BTC-USD", "ASCII symbols are upper-cased")
    }

    func testNoRefusedOrAcceptedBodyPutsASecretInTheDatabase() async throws {
        let secret = "body-secret-that-must-not-be-stored"
        let bodies = [
            #"{"secret":"\#(secret)","symbol":"SPY","direction":"call","timestamp":"#,         // truncated JSON
            #"{"Secret" : "\#(secret)", "symbol":"SPY","direction":"UP","timestamp":\#(now)}"#, // readable, refused
            "SECRET=\(secret) symbol=SPY direction=call timestamp=junk",                         // key=value, refused
            "secret: \(secret)\nnot a pair",                                                      // neither form
            #"{"SeCrEt":"\#(secret)","symbol":"IWM","direction":"call","timestamp":\#(now)}"#, // accepted
            #"[{"secret":"\#(secret)"}, "#,                                                       // malformed array
            "\(SignalIntakeTests.token) is the path token pasted into the body {",               // a credential, malformed
        ]
        for text in bodies { _ = await send(text) }
        let stored = try await test.database.pool.read { database in
            try database.query("SELECT payload AS text FROM processing_errors UNION ALL SELECT raw_body FROM signals UNION ALL SELECT metadata FROM signals")
                .map { try $0.get("text", as: String.self) }
        }
        XCTAssertEqual(stored.count, bodies.count + 1, "six refusals kept, one signal stored (body and metadata)")
        for text in stored {
            XCTAssertFalse(text.contains(secret), text)
            XCTAssertFalse(text.contains(SignalIntakeTests.token), text)
        }
        XCTAssertTrue(stored.contains { $0.contains("[redacted]") }, "a refused body shows where its secret was")
    }
}
