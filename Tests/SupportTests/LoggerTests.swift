import FoundationEssentials
import Support
import TestSupport
import XCTest

final class LoggerTests: XCTestCase {
    private func object(_ line: String) throws -> [String: JSONValue] {
        guard case .object(let fields) = try JSONValue.parse(Array(line.utf8)) else { throw XCTSkip("not an object") }
        return fields
    }

    func testJSONLinesAreValidJSONAndSecretsAreRedacted() throws {
        let sink = LogSink.memory()
        let logger = Logger(level: .info, format: .json, secrets: ["super-secret-token-123"], sink: sink)
        logger.debug("not shown")
        logger.info("auth header was Bearer super-secret-token-123", ["quote": "a\"b\nc"])
        XCTAssertEqual(sink.lines.count, 1)
        let fields = try object(sink.lines[0])
        XCTAssertEqual(fields["level"], .string("info"))
        XCTAssertEqual(fields["msg"], .string("auth header was Bearer [REDACTED]"))
        XCTAssertEqual(fields["quote"], .string("a\"b\nc"))
    }

    func testNumbersAndBooleansStayTypedInJSONLines() throws {
        let sink = LogSink.memory()
        let logger = Logger(level: .info, format: .json, sink: sink)
        logger.info("cycle", ["markets": 12, "seconds": 0.25, "partial": false, "name": "x", "bad": Double.nan])
        let fields = try object(sink.lines[0])
        XCTAssertEqual(fields["markets"], .number(12))
        XCTAssertEqual(fields["seconds"], .number(0.25))
        XCTAssertEqual(fields["partial"], .bool(false))
        XCTAssertEqual(fields["name"], .string("x"))
        XCTAssertEqual(fields["bad"], .string("nan"), "NaN is not a JSON number, so it is written as text")
    }

    func testEveryLineCarriesTheSyslogPriorityOfItsLevel() throws {
        let sink = LogSink.memory()
        let logger = Logger(level: .trace, format: .json, sink: sink)
        for level in LogLevel.allCases { logger.log(level, "x") }
        let priorities = try sink.lines.map { line -> JSONValue? in try object(line)["priority"] }
        XCTAssertEqual(priorities, [7, 7, 6, 5, 4, 3, 2].map { JSONValue.number(Double($0)) })
    }

    func testFieldsAddedWithWithAppearOnEveryLineBeforeTheLineFields() {
        let sink = LogSink.memory()
        let logger = Logger(level: .info, format: .text, sink: sink).with(["component": "polymarket"])
        logger.warning("retrying", ["attempt": 2])
        XCTAssertTrue(sink.lines[0].hasSuffix("WARNING retrying component=polymarket attempt=2\n"), sink.lines[0])
    }
}

final class LogFloodTests: XCTestCase {
    func testARepeatedErrorIsWrittenOnceThenSummarisedWithItsCountAfterTheWindow() throws {
        let sink = LogSink.memory()
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_800_000_000))
        let logger = Logger(level: .info, format: .json, sink: sink, clock: clock, repeatWindowSeconds: 10)
        let child = logger.with(["component": "webhook"])
        for index in 0..<1_000 {
            (index.isMultiple(of: 2) ? logger : child).error("webhook intake could not write to the database", ["remote": "127.0.0.1"])
            logger.info("request", ["n": index])
        }
        let errors = sink.lines.filter { $0.contains("\"level\":\"error\"") }
        XCTAssertEqual(errors.count, 1, "1,000 failures within the window write one error line (copies share the limiter)")
        XCTAssertEqual(sink.lines.filter { $0.contains("\"msg\":\"request\"") }.count, 1_000, "info lines are never limited")
        logger.warning("another warning")
        XCTAssertEqual(sink.lines.filter { $0.contains("another warning") }.count, 1, "a different message has its own window")

        clock.advance(by: 11)
        logger.error("webhook intake could not write to the database", ["remote": "127.0.0.1"])
        let after = sink.lines.filter { $0.contains("\"level\":\"error\"") }
        XCTAssertEqual(after.count, 3, "after the window: a summary, then the line")
        let summary = try JSONValue.parse(Array(after[1].utf8))
        XCTAssertEqual(summary["repeated"], .number(999))
        XCTAssertEqual(summary["message"], .string("webhook intake could not write to the database"))
        XCTAssertTrue(after[2].contains("\"remote\":\"127.0.0.1\""))
    }
}
