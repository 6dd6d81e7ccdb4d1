@testable import Support
import XCTest

/// The strict JSON parser against RFC 8259's grammar.
final class JSONParserTests: XCTestCase {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    func testValidTextsParse() throws {
        XCTAssertEqual(try parse(#" {"a": [1, -2.5e3, 0.25, true, false, null], "b": {"c": "d"}} "#),
                       .object(["a": .array([.number(1), .number(-2500), .number(0.25), .bool(true), .bool(false), .null]),
                                "b": .object(["c": .string("d")])]))
        XCTAssertEqual(try parse(#""\u00e9\ud83d\ude00\n\"\\\/""#), .string("é😀\n\"\\/"))
        XCTAssertEqual(try parse("1E+2"), .number(100))
        XCTAssertEqual(try parse("1e999"), .number(.infinity), "beyond Double's range")
        XCTAssertEqual(try parse("[]"), .array([]))
    }

    func testInvalidTextsAreRefused() {
        for text in ["", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "+1", "1e", "tru", "nul", "'a'", "\"a", "\"\u{1}\"",
                     #""\x""#, #""\ud800""#, #""\udc00""#, "[1] 2", "{a:1}", "NaN", "Infinity"] {
            XCTAssertThrowsError(try parse(text), "accepted \(text)")
        }
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xC3, 0x28, 0x22]), "invalid UTF-8 inside a string")
    }

    func testNestingBeyondTheLimitIsRefusedWithoutExhaustingTheStack() {
        XCTAssertThrowsError(try parse(String(repeating: "[", count: 1_000_000)))
        XCTAssertNoThrow(try JSONValue.parse(Array((String(repeating: "[", count: 32) + String(repeating: "]", count: 32)).utf8), maximumDepth: 32))
        XCTAssertThrowsError(try JSONValue.parse(Array((String(repeating: "[", count: 33) + String(repeating: "]", count: 33)).utf8), maximumDepth: 32))
    }
}
