import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// The log lines an operator follows the appliance by: which market an analysis was about and
/// what it decided, which signal was decided how, and each paper trade opened or closed.
final class OperatorLogTests: XCTestCase {
    func lines(_ sink: LogSink, _ message: String) throws -> [JSONValue] {
        try sink.lines.filter { $0.contains("\"msg\":\"\(message)\"") }.map { try JSONValue.parse(Array($0.utf8)) }
    }

    func testAnAnalysisLogsItsMarketsQuestionIdAndAction() async throws {
        let clock = ManualWallClock(MarketAnalysisTests.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try FixtureMarketSource(directory: repositoryRoot + "/data/fixtures")
        let sink = LogSink.memory()
        let analyzer = try MarketAnalyzer(pool: test.database.pool, clock: clock, source: { source }, logger: Logger(sink: sink))
        let events = try await source.trendingEvents(EventQuery(limit: 100))
        let candidate = try XCTUnwrap(MarketDiscovery.candidates(events: events, settings: DiscoverySettings(), now: MarketAnalysisTests.now).first)
        let report = try await analyzer.analyze(candidate.snapshot, type: .manual)
        let line = try XCTUnwrap(try lines(sink, "analysis finished").first, "\(sink.lines)")
        XCTAssertEqual(line["conditionId"], .string(candidate.snapshot.conditionID))
        XCTAssertEqual(line["question"], .string(candidate.snapshot.question))
        XCTAssertEqual(line["run"], .string(report.runID))
        XCTAssertEqual(line["action"], report.recommendation.map { .string($0.direction.rawValue) })
    }

    func testAcceptedSignalsLogTheirDecisionAndEachTradeOpenedOrClosed() async throws {
        let clock = ManualWallClock(SignalIntakeTests.mondayMorning)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let sink = LogSink.memory()
        let intake = SignalIntake(pool: test.database.pool, settings: SignalIntakeSettings(hmacSecret: nil, token: SignalIntakeTests.token,
                                                                                          rules: SignalRules(cooldownSeconds: 0)),
                                  clock: clock, logger: Logger(level: .debug, sink: sink))
        let now = Int(SignalIntakeTests.mondayMorning.timeIntervalSince1970)
        for (index, direction) in ["call", "exit"].enumerated() {
            let body = Array(#"{"id":"t\#(index)","symbol":"SPY","direction":"\#(direction)","price":500,"timestamp":\#(now)}"#.utf8)
            let result = await intake.submit(TestRequest(body: body, signature: nil, pathToken: SignalIntakeTests.token, remoteAddress: nil))
            XCTAssertEqual(result.body.status, "ACCEPTED", result.body.message)
        }
        XCTAssertEqual(try lines(sink, "signal decided").map { $0["symbol"] }, [.string("SPY"), .string("SPY")])
        let opened = try XCTUnwrap(try lines(sink, "position opened").first)
        XCTAssertEqual(opened["symbol"], .string("SPY"))
        XCTAssertEqual(opened["price"], .number(500))
        XCTAssertNotNil(opened["decision"]?.stringValue)
        let closed = try XCTUnwrap(try lines(sink, "position closed").first, "\(sink.lines)")
        XCTAssertEqual(closed["exitPrice"], .number(500))
    }
}
