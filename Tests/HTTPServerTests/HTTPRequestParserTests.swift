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

/// The request-parsing MUSTs of RFC 9112 (and the choices it leaves to servers), one row each,
/// with the section that requires the answer.
final class HTTPConformanceTests: XCTestCase {
    enum Expected: Equatable { case accepted(path: String, host: String?), refused(RefusalReason) }

    static let rows: [(section: String, request: String, expected: Expected)] = [
        ("§3 request-line: origin-form", "GET /livez HTTP/1.1\r\nHost: a\r\n\r\n", .accepted(path: "/livez", host: "a")),
        ("§3.2.2 absolute-form MUST be accepted", "GET http://example.com:3000/livez HTTP/1.1\r\nHost: example.com:3000\r\n\r\n",
         .accepted(path: "/livez", host: "example.com:3000")),
        ("§3.2.2 absolute-form: the target's authority replaces Host", "GET http://b.example/x?y=1 HTTP/1.1\r\nHost: a.example\r\n\r\n",
         .accepted(path: "/x?y=1", host: "b.example")),
        ("§3.2.2 absolute-form with an empty path is /", "GET HTTP://b.example HTTP/1.1\r\nHost: b.example\r\n\r\n", .accepted(path: "/", host: "b.example")),
        ("§3.2.2 absolute-form without an authority", "GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n", .refused(.malformedRequest)),
        ("§3.2.4 asterisk-form is only for OPTIONS (not served)", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", .refused(.methodNotAllowed)),
        ("§3 a target that is no form at all", "GET livez HTTP/1.1\r\nHost: a\r\n\r\n", .refused(.malformedRequest)),
        ("§3 one space between the three parts", "GET  /livez HTTP/1.1\r\nHost: a\r\n\r\n", .refused(.malformedRequest)),
        ("§2.2 leading empty lines are ignored", "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", .accepted(path: "/", host: "a")),
        ("§2.2 a bare LF in the head", "GET / HTTP/1.1\nHost: a\r\n\r\n", .refused(.malformedRequest)),
        ("§2.6 an unknown major version", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", .refused(.unsupportedVersion)),
        ("§3.2 HTTP/1.1 without Host MUST be 400", "GET / HTTP/1.1\r\n\r\n", .refused(.missingHost)),
        ("§3.2 two Host lines MUST be 400", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .refused(.invalidHost)),
        ("§3.2 two identical Host lines MUST be 400", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", .refused(.invalidHost)),
        ("§3.2 an invalid Host value MUST be 400", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .refused(.invalidHost)),
        ("§3.2 an invalid Host port", "GET / HTTP/1.1\r\nHost: a:80x\r\n\r\n", .refused(.invalidHost)),
        ("§3.2 a Host with userinfo", "GET / HTTP/1.1\r\nHost: user@a\r\n\r\n", .refused(.invalidHost)),
        ("§3.2 an IPv6 literal Host", "GET / HTTP/1.1\r\nHost: [::1]:3000\r\n\r\n", .accepted(path: "/", host: "[::1]:3000")),
        ("§3.2 HTTP/1.0 may omit Host", "GET / HTTP/1.0\r\n\r\n", .accepted(path: "/", host: nil)),
        ("§3.2 HTTP/1.0 with two Host lines", "GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n", .refused(.invalidHost)),
        ("§5.1 whitespace between name and colon MUST be 400", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", .refused(.malformedRequest)),
        ("§5.1 optional whitespace around the value is trimmed", "GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n", .accepted(path: "/", host: "a")),
        ("§5.2 obs-fold: the server rejects it (400)", "GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n", .refused(.malformedRequest)),
        ("§5 a field without a colon", "GET / HTTP/1.1\r\nHost: a\r\nX-A\r\n\r\n", .refused(.malformedRequest)),
        ("§6.3 identical Content-Length lines are one length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n",
         .accepted(path: "/", host: "a")),
        ("§6.3 differing Content-Length lines are unrecoverable (400)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
         .refused(.invalidContentLength)),
        ("§6.3 a Content-Length list is refused (RFC 9110 §8.6 permits rejecting it)", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\n",
         .refused(.invalidContentLength)),
        ("§6.3 a negative Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .refused(.invalidContentLength)),
        ("§6.1 Transfer-Encoding with Content-Length: the server may reject it; it does (501, no smuggling)",
         "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n", .refused(.unsupportedTransferEncoding)),
        ("§6.1 an unsupported transfer coding SHOULD be 501", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
         .refused(.unsupportedTransferEncoding)),
    ]

    func testEveryRowOfTheRFC9112TableGetsItsAnswer() {
        for row in Self.rows {
            let outcome = HTTPRequestParser.parse(Array(row.request.utf8)[...], limits: HTTPLimits())
            switch (outcome, row.expected) {
            case (.head(let head, _), .accepted(let path, let host)):
                XCTAssertEqual(head.target, path, row.section)
                XCTAssertEqual(head.headers.first { $0.name == "host" }?.value, host, row.section)
                XCTAssertEqual(head.headers.filter { $0.name == "host" }.count, host == nil ? 0 : 1, row.section)
            case (.refuse(let reason), .refused(let expected)):
                XCTAssertEqual(reason, expected, row.section)
                XCTAssertEqual(reason.status.map { $0 / 100 }, expected == .methodNotAllowed ? 4 : reason.status.map { $0 / 100 }, row.section)
            default:
                XCTFail("\(row.section): got \(outcome), expected \(row.expected)")
            }
        }
    }
}
