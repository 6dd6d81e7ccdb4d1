import FoundationEssentials
import Glibc
@testable import HTTPServer
import Support
import TestSupport
import XCTest

final class HTTPServerTests: XCTestCase {
    func testKeepAliveServesManyRequestsOnOneConnection() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        for _ in 0..<5 {
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = client.readResponse()
            XCTAssertEqual(response?.status, 200)
            XCTAssertEqual(response?.text, "hello")
            XCTAssertEqual(response?.headers["connection"], "keep-alive")
        }
        await server.stop()
    }

    func testPipelinedRequestsAreAnsweredInOrder() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /items/1 HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nabcdGET /items/3 HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.text, "item 1")
        XCTAssertEqual(client.readResponse()?.text, "abcd")
        XCTAssertEqual(client.readResponse()?.text, "item 3")
        await server.stop()
    }

    func testABodySentInPiecesIsReassembled() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-")
        client.send("Length: 6\r\n\r\nab")
        client.send("cdef")
        XCTAssertEqual(client.readResponse()?.text, "abcdef")
        await server.stop()
    }

    func testMalformedRequestGets400AndCloseWithoutDisturbingOtherConnections() async throws {
        let server = try TestServer()
        let healthy = try RawClient(port: server.port)
        healthy.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(healthy.readResponse()?.status, 200)

        let bad = try RawClient(port: server.port)
        bad.send("GARBAGE\r\n\r\n")
        let response = bad.readResponse()
        XCTAssertEqual(response?.status, 400)
        XCTAssertEqual(response?.headers["connection"], "close")
        XCTAssertTrue(response?.text.contains("malformed_request") ?? false)
        XCTAssertTrue(bad.isClosedByServer())

        healthy.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(healthy.readResponse()?.status, 200)
        XCTAssertEqual(server.metrics.refusalCounts()["malformed_request"], 1)
        await server.stop()
    }

    func testOversizedHeadersGet431AndOversizedBodiesGet413BeforeTheBodyIsRead() async throws {
        let server = try TestServer { $0.limits.maxBodyBytes = 1000 }
        let headers = try RawClient(port: server.port)
        headers.send("GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: " + String(repeating: "b", count: 20_000) + "\r\n\r\n")
        XCTAssertEqual(headers.readResponse()?.status, 431)

        let body = try RawClient(port: server.port)
        body.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n")
        XCTAssertEqual(body.readResponse()?.status, 413)
        XCTAssertTrue(body.isClosedByServer())
        XCTAssertEqual(server.metrics.refusalCounts()["header_too_large"], 1)
        XCTAssertEqual(server.metrics.refusalCounts()["body_too_large"], 1)
        await server.stop()
    }

    func testSlowHeadersGet408AndIdleConnectionsAreClosed() async throws {
        let server = try TestServer {
            $0.headerTimeout = 0.3
            $0.idleTimeout = 0.3
        }
        let slow = try RawClient(port: server.port)
        slow.send("GET /hello HTTP/1.1\r\nHo")
        XCTAssertEqual(slow.readResponse()?.status, 408)

        let idle = try RawClient(port: server.port)
        XCTAssertTrue(idle.isClosedByServer())
        XCTAssertEqual(server.metrics.refusalCounts()["header_timeout"], 1)
        XCTAssertGreaterThanOrEqual(server.metrics.refusalCounts()["idle_timeout"] ?? 0, 1)
        await server.stop()
    }

    func testUnknownPathsAre404AndWrongMethodsOnKnownPaths405() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /nope HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.status, 404)
        client.send("POST /hello HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n")
        let response = client.readResponse()
        XCTAssertEqual(response?.status, 405)
        XCTAssertEqual(response?.headers["allow"], "GET, HEAD")
        await server.stop()
    }

    func testHeadGetsTheHeadersWithoutTheBody() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        // The HEAD answer declares 5 bytes but carries none, so the next bytes are the GET answer.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received, as: UTF8.self).hasSuffix("hello") {
            let count = recv(client.descriptor, &buffer, buffer.count, 0)
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        let text = String(decoding: received, as: UTF8.self)
        XCTAssertEqual(text.components(separatedBy: "HTTP/1.1 200 OK").count - 1, 2)
        XCTAssertEqual(text.components(separatedBy: "hello").count - 1, 1)
        await server.stop()
    }

    func testInternalErrorsAreNeverEchoedToClients() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /fail HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = client.readResponse()
        XCTAssertEqual(response?.status, 500)
        XCTAssertFalse(response?.text.contains("secret internal detail") ?? true)
        XCTAssertTrue(server.logs.lines.contains { $0.contains("secret internal detail") })
        await server.stop()
    }

    func testConnectionsBeyondTheCapAreRefusedWith503() async throws {
        let server = try TestServer { $0.maxConnections = 2 }
        let first = try RawClient(port: server.port)
        let second = try RawClient(port: server.port)
        first.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        second.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(first.readResponse()?.status, 200)
        XCTAssertEqual(second.readResponse()?.status, 200)
        let third = try RawClient(port: server.port)
        XCTAssertEqual(third.readResponse()?.status, 503)
        XCTAssertEqual(server.metrics.refusalCounts()["connection_limit"], 1)
        await server.stop()
    }

    func testShutdownFinishesAnInFlightRequestThenCloses() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        try await Task.sleep(nanoseconds: 50_000_000)
        async let stopped: Void = server.stop(deadline: 5)
        let response = client.readResponse()
        XCTAssertEqual(response?.text, "slow done")
        XCTAssertEqual(response?.headers["connection"], "close")
        await stopped
        XCTAssertThrowsError(try RawClient(port: server.port), "the listener must be closed")
    }

    func testExpectContinueGetsAnInterimResponse() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = recv(client.descriptor, &buffer, buffer.count, 0)
        XCTAssertEqual(String(decoding: buffer[0..<max(0, count)], as: UTF8.self), "HTTP/1.1 100 Continue\r\n\r\n")
        client.send("ok")
        XCTAssertEqual(client.readResponse()?.text, "ok")
        await server.stop()
    }

    func testRandomBytesNeverCrashTheServer() async throws {
        let server = try TestServer()
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let client = try RawClient(port: server.port, timeout: 1)
            client.send((0..<Int.random(in: 1...3000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) } + Array("\r\n\r\n".utf8))
            _ = client.readResponse()
        }
        let client = try RawClient(port: server.port)
        client.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.status, 200)
        await server.stop()
    }

    func testAPlusInAPathParameterStaysAPlusAndPercentEscapesAreDecoded() async throws {
        let server = try TestServer()
        let client = try RawClient(port: server.port)
        client.send("GET /items/tok+en%2Fx HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(client.readResponse()?.text, "item tok+en/x", "only %XX is decoded in a path; + means space only in a query")
        await server.stop()
    }

    func testMiddlewareRunsInOrderAndMayRefuseBeforeTheHandler() async throws {
        struct Tag: HTTPMiddleware {
            let name: String
            func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
                if request.header("x-refuse") == name { throw HTTPError(403, code: "refused_by_\(name)", message: "no") }
                var request = request
                request.authentication = (request.authentication ?? "") + name
                var response = try await next.respond(to: request)
                response.headers.append(("x-seen-by", name))
                return response
            }
        }
        let routes = [Route(.get, "/who", .immediate { .text($0.authentication ?? "none") })].behind([Tag(name: "a"), Tag(name: "b")])
        let server = try TestServer(routes: routes)
        let client = try RawClient(port: server.port)
        client.send("GET /who HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(response.text, "ab", "a sees the request first and passes it to b")
        client.send("GET /who HTTP/1.1\r\nHost: t\r\nx-refuse: b\r\n\r\n")
        let refused = try XCTUnwrap(client.readResponse())
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(try JSONValue.parse(refused.body)["error"]?["code"]?.stringValue, "refused_by_b")
        await server.stop()
    }
}
