@testable import HTTPServer
import Support
import TestSupport
import XCTest

final class HTTPRequestParserTests: XCTestCase {
    let limits = HTTPLimits()

    func parse(_ text: String) -> HTTPRequestParser.Outcome {
        HTTPRequestParser.parse(Array(text.utf8)[...], limits: limits)
    }

    func refusal(_ text: String) -> RefusalReason? {
        if case .refuse(let reason) = parse(text) { return reason }
        return nil
    }

    func testACompleteRequestFedOneByteAtATimeParsesOnlyAtTheEnd() {
        let request = Array("POST /echo?x=1%202 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nX-Tab:\tv \r\n\r\nabc".utf8)
        let headLength = request.count - 3
        for end in 1..<headLength {
            guard case .incomplete = HTTPRequestParser.parse(request[0..<end], limits: limits) else {
                return XCTFail("parsed early at byte \(end)")
            }
        }
        guard case .head(let head, let length) = HTTPRequestParser.parse(request[0..<headLength], limits: limits) else {
            return XCTFail("did not parse the complete head")
        }
        XCTAssertEqual(length, headLength)
        XCTAssertEqual(head.method, .post)
        XCTAssertEqual(head.contentLength, 3)
        XCTAssertTrue(head.keepAlive)
        XCTAssertEqual(head.headers.first { $0.name == "x-tab" }?.value, "v")
        XCTAssertEqual(HTTPRequestParser.splitTarget(head.target).query["x"], "1 2")
    }

    func testMethodsOutsideTheAllowlistAreRefusedWithTheRightReason() {
        XCTAssertEqual(refusal("PUT / HTTP/1.1\r\nHost: a\r\n\r\n"), .methodNotAllowed)
        XCTAssertEqual(refusal("DELETE / HTTP/1.1\r\nHost: a\r\n\r\n"), .methodNotAllowed)
        XCTAssertEqual(refusal("BREW / HTTP/1.1\r\nHost: a\r\n\r\n"), .methodNotImplemented)
        XCTAssertEqual(refusal("get / HTTP/1.1\r\nHost: a\r\n\r\n"), .methodNotImplemented)
    }

    func testMalformedRequestsAreRefused() {
        for text in ["GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", "GET noslash HTTP/1.1\r\nHost: a\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
                     "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\nX: a\u{1}b\r\n\r\n",
                     "G(T / HTTP/1.1\r\nHost: a\r\n\r\n"] {
            XCTAssertEqual(refusal(text), .malformedRequest, text.debugDescription)
        }
        XCTAssertEqual(refusal("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), .unsupportedVersion)
        XCTAssertEqual(refusal("GET / HTTP/1.1\r\n\r\n"), .missingHost)
    }

    func testContentLengthMustBeOneValidNumberAndWithinTheLimit() {
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n"), .invalidContentLength)
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"), .invalidContentLength)
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n"), .invalidContentLength)
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n"), .bodyTooLarge)
        XCTAssertEqual(refusal("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"), .unsupportedTransferEncoding)
    }

    func testOversizedHeadsAreRefusedBeforeTheyEnd() {
        let big = "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "a", count: 17 * 1024)
        XCTAssertEqual(refusal(big), .headerTooLarge)
    }

    func testHTTP10ClosesUnlessAskedToKeepAlive() {
        guard case .head(let closing, _) = parse("GET / HTTP/1.0\r\n\r\n"),
              case .head(let keeping, _) = parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"),
              case .head(let explicitClose, _) = parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n") else {
            return XCTFail("valid requests refused")
        }
        XCTAssertFalse(closing.keepAlive)
        XCTAssertTrue(keeping.keepAlive)
        XCTAssertFalse(explicitClose.keepAlive)
    }

    func testPercentDecodingRejectsBrokenEscapes() {
        XCTAssertEqual(HTTPRequestParser.percentDecode("a%20b+c"), "a b c")
        XCTAssertNil(HTTPRequestParser.percentDecode("%zz"))
        XCTAssertNil(HTTPRequestParser.percentDecode("%ff"))
    }
}
