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
