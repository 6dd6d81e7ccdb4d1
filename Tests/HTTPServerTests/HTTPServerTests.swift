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
        // Both busy (a response in the making): neither may be evicted.
        first.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        second.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n")
        try await Task.sleep(nanoseconds: 50_000_000)
        let third = try RawClient(port: server.port)
        XCTAssertEqual(third.readResponse()?.status, 503)
        XCTAssertEqual(server.metrics.refusalCounts()["connection_limit"], 1)
        XCTAssertEqual(first.readResponse()?.status, 200)
        XCTAssertEqual(second.readResponse()?.status, 200)
        await server.stop()
    }

    func testAFullServerEvictsTheMostStaleIdleConnectionForANewOne() async throws {
        let server = try TestServer { $0.maxConnections = 2 }
        let idle = try RawClient(port: server.port)
        idle.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(idle.readResponse()?.status, 200)
        let slow = try RawClient(port: server.port)
        slow.send("GET /hel")  // headers trickling in
        try await Task.sleep(nanoseconds: 50_000_000)
        let newcomer = try RawClient(port: server.port)
        newcomer.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(newcomer.readResponse()?.status, 200, "room was made")
        XCTAssertEqual(server.metrics.refusalCounts()["evicted"], 1)
        await server.stop()
    }

    func testOnePeerCannotTakeMoreThanItsShareOfConnections() async throws {
        let server = try TestServer { $0.maxConnectionsPerPeer = 4 }
        let hog = try (0..<4).map { _ in try RawClient(port: server.port, from: "127.0.0.2") }
        let fifth = try RawClient(port: server.port, from: "127.0.0.2")
        let refused = fifth.readResponse()
        XCTAssertEqual(refused?.status, 503)
        XCTAssertEqual(refused.flatMap { try? JSONValue.parse($0.body) }?["error"]?["code"], .string("peer_connection_limit"))
        let other = try RawClient(port: server.port)
        other.send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertEqual(other.readResponse()?.status, 200, "another peer is served")
        withExtendedLifetime(hog) {}
        await server.stop()
    }

    func testANormalClientKeepsBeingServedWhileSixHundredSlowConnectionsReconnect() async throws {
        let server = try TestServer { $0.maxConnections = 512; $0.headerTimeout = 2; $0.threads = 2 }
        let stop = AtomicFlag()
        // 20 attacker addresses × 30 connections, each sending a header byte now and then and reconnecting when closed.
        let attackers = (0..<600).map { index in
            SlowAttacker(source: "127.0.0.\(2 + index % 20)", port: server.port, stop: stop)
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        var served = 0
        let attempts = 300
        for _ in 0..<attempts {
            guard let client = try? RawClient(port: server.port) else { continue }
            client.send("GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            if client.readResponse()?.status == 200 { served += 1 }
        }
        stop.set(true)
        for attacker in attackers { attacker.wait() }
        XCTAssertGreaterThan(Double(served) / Double(attempts), 0.99, "\(served) of \(attempts) served; refusals \(server.metrics.refusalCounts())")
        await server.stop()
    }

    func testAWrongPathTokenAndAnOverBudgetBodyAreAnsweredBeforeTheBodyIsRead() async throws {
        let routes = TestServer.defaultRoutes + [
            Route(.post, "/hook/{token}", .task { request in HTTPResponse(status: 200, body: request.body) }, preflight: { request in
                guard request.pathParameters["token"] == "right" else { throw HTTPError(401, code: "unauthorized", message: "no") }
            }),
        ]
        let server = try TestServer(configure: { $0.maxBufferedBodyBytes = 2 * 1024 * 1024; $0.limits.maxBodyBytes = 1024 * 1024 }, routes: routes)
        let wrong = try RawClient(port: server.port)
        wrong.send("POST /hook/wrong HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
        XCTAssertEqual(wrong.readResponse()?.status, 401, "answered with no body byte sent")
        let unknown = try RawClient(port: server.port)
        unknown.send("POST /nowhere HTTP/1.1\r\nHost: t\r\nContent-Length: 1000000\r\n\r\n")
        XCTAssertEqual(unknown.readResponse()?.status, 404)
        // Two 1 MB bodies in flight fill the 2 MB budget; a third is refused before it is read.
        let holders = try (0..<2).map { _ in try RawClient(port: server.port) }
        for holder in holders { holder.send("POST /hook/right HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\nab") }
        try await Task.sleep(nanoseconds: 100_000_000)
        let third = try RawClient(port: server.port)
        third.send("POST /hook/right HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n")
        let refused = third.readResponse()
        XCTAssertEqual(refused?.status, 503)
        XCTAssertEqual(refused.flatMap { try? JSONValue.parse($0.body) }?["error"]?["code"], .string("body_budget"))
        // When a holder goes away its share comes back.
        holders[0].send([UInt8](repeating: 0x61, count: 1048574))
        XCTAssertEqual(holders[0].readResponse()?.status, 200)
        let fourth = try RawClient(port: server.port)
        fourth.send("POST /hook/right HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nok")
        XCTAssertEqual(fourth.readResponse()?.status, 200)
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

/// A slow attacker connection on its own thread: connects from `source`, trickles header bytes,
/// reconnects whenever the server closes it, until `stop` is set.
final class SlowAttacker: @unchecked Sendable {
    private var thread: pthread_t?
    private let done = AtomicFlag()

    init(source: String, port: Int, stop: AtomicFlag) {
        thread = startThread { [done] in
            while !stop.isSet {
                guard let client = try? RawClient(port: port, from: source) else { usleep(20_000); continue }
                var alive = true
                while alive && !stop.isSet {
                    let sent = Glibc.send(client.descriptor, "X", 1, Int32(MSG_NOSIGNAL))
                    alive = sent == 1
                    usleep(200_000)
                    var probe: UInt8 = 0
                    if recv(client.descriptor, &probe, 1, Int32(MSG_DONTWAIT)) == 0 { alive = false }
                }
            }
            done.set(true)
        }
    }

    func wait() { if let thread { pthread_join(thread, nil) } }
}
