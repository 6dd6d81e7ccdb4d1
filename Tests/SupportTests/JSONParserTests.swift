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
        XCTAssertEqual(try parse("1e999"), .numberLiteral("1e999"), "beyond Double's range: kept as text")
        XCTAssertEqual(try parse("1e999").numberValue, .infinity)
        XCTAssertEqual(try parse("9007199254740991"), .number(9_007_199_254_740_991), "below 2^53 every integer is exact")
        XCTAssertEqual(try parse("-9007199254740993"), .numberLiteral("-9007199254740993"), "from 2^53 on a Double would round")
        XCTAssertEqual(try parse("1e300"), .number(1e300), "a large value with an exponent is not an integer literal")
        XCTAssertEqual(try parse(#"{"id":123456789012345678901234567890}"#).serialized(), Array(#"{"id":123456789012345678901234567890}"#.utf8),
                       "the digits survive a round trip")
        XCTAssertEqual(try parse("[]"), .array([]))
    }

    func testDecimalTextAcceptsOnlyDecimalNumbers() {
        for (text, value) in [("16", 16.0), ("-2.5", -2.5), ("+3", 3), (".5", 0.5), ("5.", 5), ("1e3", 1000), ("12.5E-1", 1.25)] {
            XCTAssertEqual(DecimalText.parse(text), value, text)
        }
        for text in ["0x10", "0x1p4", "inf", "-infinity", "nan", "1e400", "", "-", ".", "1e", "1_0", "1,5", " 1", "1 ", "١٢"] {
            XCTAssertNil(DecimalText.parse(text), text)
        }
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
