import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Every decision rule, in the documented order, with an injected clock.
final class DecisionRulesTests: XCTestCase {
    var test: TestDatabase!
    var clock: ManualWallClock!
    var sequence = 0

    override func setUp() async throws {
        clock = ManualWallClock(SignalIntakeTests.mondayMorning)
        test = try await TestDatabase(clock: clock)
    }

    override func tearDown() async throws { test.remove() }

    /// Sends one signal (path-token auth) and returns the decision's action and rule.
    func send(_ symbol: String, _ direction: String, price: Double? = 100, metadata: [String: JSONValue] = [:],
              rules: SignalRules) async throws -> (action: String, rule: String) {
        sequence += 1
        var fields: [String: JSONValue] = ["symbol": .string(symbol), "direction": .string(direction), "id": .string("s\(sequence)"),
                                           "timestamp": .number(clock.now().timeIntervalSince1970), "metadata": .object(metadata)]
        if let price { fields["price"] = .number(price) }
        let intake = SignalIntake(pool: test.database.pool, settings: SignalIntakeSettings(hmacSecret: nil, token: "t", rules: rules), clock: clock)
        let result = await intake.handle(WebhookRequest(body: JSONValue.object(fields).serialized(), authentication: .pathToken, remoteAddress: nil))
        guard case .accepted(let correlation, let decision, _) = result.outcome else {
            XCTFail("not accepted: \(result.outcome)")
            return ("", "")
        }
        let rule = try await test.database.pool.read { database in
            try database.scalar("SELECT d.rule FROM decisions d JOIN signals s ON s.id = d.signal_id WHERE s.correlation_id = ?", [correlation], as: String.self)
        }
        XCTAssertEqual(rule, decision.rule, "the stored rule is the one the intake answered with")
        return (decision.action, rule ?? "")
    }

    func testTheRulesDecideInTheDocumentedOrder() async throws {
        var rules = SignalRules(cooldownSeconds: 300, minimumScore: 0.7, minimumConfidence: 0.6, maximumOpenPositions: 2,
                                maximumExposure: 10_000, positionNotional: 1_000, opposite: .close)
        let good: [String: JSONValue] = ["score": .number(0.9), "confidence": .number(0.8)]
        XCTAssertEqual(SignalRules.order, ["market_hours", "exit", "min_score", "min_confidence", "opposite_direction",
                                           "already_open", "cooldown", "price", "max_open_positions", "max_exposure"])

        clock.set(Date(timeIntervalSince1970: 1_795_273_200)) // Saturday 10:00 New York
        var decision = try await send("SPY", "CALL", metadata: ["score": .number(0.1)], rules: rules)
        XCTAssertEqual(decision.rule, "market_hours", "market hours come before the score")
        clock.set(SignalIntakeTests.mondayMorning)

        decision = try await send("SPY", "EXIT", rules: rules)
        XCTAssertEqual(decision.action + "/" + decision.rule, "SKIP/exit", "EXIT with nothing open")
        decision = try await send("SPY", "CALL", metadata: ["score": .number(0.5), "confidence": .number(0.1)], rules: rules)
        XCTAssertEqual(decision.rule, "min_score", "score before confidence")
        decision = try await send("SPY", "CALL", metadata: ["score": .number(0.9)], rules: rules)
        XCTAssertEqual(decision.rule, "min_confidence", "a missing confidence fails the minimum")

        decision = try await send("SPY", "CALL", price: 500, metadata: good, rules: rules)
        XCTAssertEqual(decision.action + "/" + decision.rule, "ENTER/enter")
        decision = try await send("SPY", "BUY", metadata: good, rules: rules)
        XCTAssertEqual(decision.rule, "already_open")
        decision = try await send("SPY", "PUT", price: 510, metadata: good, rules: rules)
        XCTAssertEqual(decision.action + "/" + decision.rule, "EXIT/opposite_direction")
        let realized = try await test.database.pool.read { try $0.signals.realizedPnl() }
        XCTAssertEqual(realized, 20, accuracy: 1e-9, "2 shares long from 500 closed at 510")

        decision = try await send("SPY", "CALL", price: 505, metadata: good, rules: rules)
        XCTAssertEqual(decision.rule, "cooldown", "the last entry was moments ago")
        clock.advance(by: 301)
        decision = try await send("NEWCO", "CALL", price: nil, metadata: good, rules: rules)
        XCTAssertEqual(decision.rule, "price", "no price sent and none known")
        decision = try await send("SPY", "CALL", price: nil, metadata: good, rules: rules)
        XCTAssertEqual(decision.action + "/" + decision.rule, "ENTER/enter", "the last known price (510) is used")
        decision = try await send("QQQ", "SHORT", price: 400, metadata: good, rules: rules)
        XCTAssertEqual(decision.action, "ENTER")
        decision = try await send("IWM", "LONG", price: 200, metadata: good, rules: rules)
        XCTAssertEqual(decision.rule, "max_open_positions")

        rules.maximumOpenPositions = 10
        rules.maximumExposure = 2_500
        decision = try await send("IWM", "LONG", price: 200, metadata: good, rules: rules)
        XCTAssertEqual(decision.rule, "max_exposure")

        rules.opposite = .reverse
        clock.advance(by: 301)
        decision = try await send("QQQ", "CALL", price: 390, metadata: good, rules: rules)
        XCTAssertEqual(decision.action + "/" + decision.rule, "ENTER/enter", "reverse closes the short and opens a long")
        rules.opposite = .ignore
        decision = try await send("QQQ", "PUT", price: 395, metadata: good, rules: rules)
        XCTAssertEqual(decision.rule, "opposite_direction")
        decision = try await send("QQQ", "EXIT", price: 395, metadata: good, rules: rules)
        XCTAssertEqual(decision.action + "/" + decision.rule, "EXIT/exit")

        let (open, events) = try await test.database.pool.read { database in
            (try database.signals.openPositions(), try database.scalar("SELECT count(*) FROM position_events", as: Int.self))
        }
        XCTAssertEqual(open.map(\.symbol), ["SPY"])
        XCTAssertEqual(events, 7, "every open and close is an event: SPY open, close, open; QQQ open, close, open, close")
        let realizedTotal = try await test.database.pool.read { try $0.signals.realizedPnl() }
        // SPY +20; QQQ short 2.5 from 400 closed at 390: +25; QQQ long 1000/390 from 390 closed at 395: +12.82.
        XCTAssertEqual(realizedTotal, 20 + 25 + (1_000.0 / 390) * 5, accuracy: 1e-6)
    }

    func testMarketHoursFollowNewYorkDaylightSavingAcrossBothBoundaries() throws {
        let session = TradingSession.usEquities
        func at(_ epoch: Double) -> Date { Date(timeIntervalSince1970: epoch) }
        // 2026-03-08 07:00 UTC is 02:00 EST, when New York moves to EDT.
        XCTAssertEqual(session.timeZone.offsetMinutes(at: at(1_772_953_199)), -300)
        XCTAssertEqual(session.timeZone.offsetMinutes(at: at(1_772_953_200)), -240)
        // 2026-11-01 06:00 UTC is 02:00 EDT, when New York returns to EST.
        XCTAssertEqual(session.timeZone.offsetMinutes(at: at(1_793_512_799)), -240)
        XCTAssertEqual(session.timeZone.offsetMinutes(at: at(1_793_512_800)), -300)

        XCTAssertFalse(session.isOpen(at: at(1_772_809_200 - 2_700)), "Fri 2026-03-06 14:15 UTC = 09:15 EST: closed")
        XCTAssertTrue(session.isOpen(at: at(1_772_809_200 - 900)), "Fri 2026-03-06 14:45 UTC = 09:45 EST: open")
        XCTAssertTrue(session.isOpen(at: at(1_773_063_900)), "Mon 2026-03-09 13:45 UTC = 09:45 EDT: open (would be closed in EST)")
        XCTAssertFalse(session.isOpen(at: at(1_773_063_900 + 8 * 3_600)), "Mon 21:45 UTC = 17:45 EDT: closed")
        XCTAssertTrue(session.isOpen(at: at(1_793_371_500 - 1_800)), "Fri 2026-10-30 14:15 UTC = 10:15 EDT: open")
        XCTAssertFalse(session.isOpen(at: at(1_793_630_700 - 1_800)), "Mon 2026-11-02 14:15 UTC = 09:15 EST: closed (would be open in EDT)")
        XCTAssertTrue(session.isOpen(at: at(1_793_630_700)), "Mon 2026-11-02 14:45 UTC = 09:45 EST: open")
        XCTAssertFalse(session.isOpen(at: at(1_793_631_600 + 6 * 3_600)), "Mon 21:00 UTC = 16:00 EST: the close is exclusive")
        XCTAssertFalse(session.isOpen(at: at(1_795_273_200)), "Saturday")

        XCTAssertNil(SessionTimeZone("Mars/Olympus"))
        XCTAssertEqual(SessionTimeZone("+05:30")?.offsetMinutes(at: at(0)), 330)
        XCTAssertNil(TradingSession(window: "16:00-09:30", timeZone: session.timeZone), "the open must precede the close")
    }
}
