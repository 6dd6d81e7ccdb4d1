import FoundationEssentials
import Glibc
@testable import HTTPServer
import Support
import Synchronization
import TestSupport
import XCTest

/// Counts what the server reports, in place of the appliance's metrics.
final class CountingObserver: HTTPServerObserver {
    private let counts = Mutex<[String: Int]>([:])
    func requestCompleted(route: String, method: HTTPMethod, status: Int, seconds: Double) {}
    func refused(_ reason: RefusalReason) { counts.withLock { $0[reason.rawValue, default: 0] += 1 } }
    func connectionsChanged(open: Int) {}
    func refusalCounts() -> [String: Int] { counts.withLock { $0 } }
}

/// An in-process server on 127.0.0.1 port 0 with test routes.
final class TestServer {
    let server: HTTPServer
    let port: Int
    let metrics = CountingObserver()
    let logs = LogSink.memory()

    init(configure: (inout HTTPServerConfiguration) -> Void = { _ in }, routes: [Route] = TestServer.defaultRoutes) throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configure(&configuration)
        server = HTTPServer(configuration: configuration, router: Router(routes), observer: metrics,
                            logger: Logger(level: .info, format: .json, sink: logs))
        port = try server.start()
    }

    func stop(deadline: Double = 2) async { await server.shutdown(deadline: deadline) }

    static let defaultRoutes: [Route] = [
        Route(.get, "/hello", .immediate { _ in .text("hello") }),
        Route(.post, "/echo", .task { request in HTTPResponse(status: 200, body: request.body) }),
        Route(.get, "/items/{id}", .immediate { request in .text("item \(request.pathParameters["id"] ?? "")") }),
        Route(.get, "/slow", .task { _ in
            try await Task.sleep(nanoseconds: 300_000_000)
            return .text("slow done")
        }),
        Route(.get, "/fail", .task { _ in throw SystemError(.io, "secret internal detail") }),
    ]
}

/// A raw TCP client for driving the server byte by byte.
final class RawClient {
    let descriptor: Int32

    init(port: Int, timeout: Double = 3) throws {
        descriptor = try LoopbackHTTPClient.connectTo(host: "127.0.0.1", port: port, timeout: timeout)
    }

    deinit { close(descriptor) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Reads one response (head + Content-Length body); nil when the connection closed first.
    /// Bytes already received past the previous response (a pipelined answer) are used before the
    /// socket is read again.
    func readResponse() -> LoopbackHTTPClient.Response? {
        var received = pending
        pending = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            if let response = try? LoopbackHTTPClient.parse(received),
               let length = response.headers["content-length"].flatMap(Int.init), response.body.count >= length {
                pending = Array(response.body[length...])
                return LoopbackHTTPClient.Response(status: response.status, headers: response.headers, body: Array(response.body.prefix(length)))
            }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count <= 0 { return nil }
            received += buffer[0..<count]
        }
    }
    private var pending: [UInt8] = []

    /// True when the server closed the connection (reads EOF within the timeout).
    func isClosedByServer() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }
}
