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

    /// A connection from another loopback address (`127.0.0.2`, …), as a different peer would make.
    init(port: Int, from source: String) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, source, &local.sin_addr)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr)
        var timeout = timeval(tv_sec: 3, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let bound = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        let connected = withUnsafePointer(to: &remote) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, connected == 0 else { close(descriptor); throw SystemError(.io, "cannot connect from \(source)") }
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
