import CLinux
import FoundationEssentials
import Glibc
import Support
import Synchronization

/// Settings of the HTTP server.
public struct HTTPServerConfiguration: Sendable {
    public var bindAddress = "127.0.0.1"
    /// 0 picks a free port; `HTTPServer.start()` returns the one bound.
    public var port = 0
    public var limits = HTTPLimits()
    public var maxConnections = 512
    /// Open connections one peer address may hold (the rest of its connections are refused with
    /// 503 `peer_connection_limit`), so one client cannot take every slot. Behind a reverse proxy
    /// on the same host every client is one peer: raise it there.
    public var maxConnectionsPerPeer = 32
    /// Bytes of request bodies all connections together may be receiving; a request whose body
    /// would pass it is refused with 503 `body_budget` before its body is read.
    public var maxBufferedBodyBytes = 64 * 1024 * 1024
    /// Event-loop threads (at least 1).
    public var threads = 1
    /// Seconds from a request's first byte to the end of its headers (408 after).
    public var headerTimeout = 10.0
    /// Seconds for the body to arrive after the headers (408 after).
    public var bodyTimeout = 30.0
    /// Seconds a keep-alive connection may stay idle before it is closed.
    public var idleTimeout = 60.0
    /// Seconds to write a response before the connection is dropped.
    public var writeTimeout = 30.0

    public init() {}
}

/// HTTP/1.1 over POSIX sockets: keep-alive, edge-triggered epoll loops on dedicated threads,
/// hard limits enforced before reading further, and graceful shutdown.
///
/// Contract: every refusal is answered with its status and stable reason code (or a silent close
/// where HTTP has no answer), counted through the observer, and affects only its own connection.
/// `shutdown` stops accepting at once, lets requests in flight finish until the deadline, then
/// closes everything.
public final class HTTPServer: Sendable {
    let configuration: HTTPServerConfiguration
    let router: Router
    let observer: any HTTPServerObserver
    let logger: Logger
    private let loops: Mutex<[EventLoop]> = Mutex([])
    private let threads: Mutex<[pthread_t]> = Mutex([])
    let openConnections = Atomic<Int>(0)
    /// Open connections by peer address.
    let peers = Mutex<[String: Int]>([:])
    /// Bytes reserved by bodies being received.
    let bufferedBodyBytes = Atomic<Int>(0)

    /// Counts a new connection from `address`; false (nothing counted) when the peer is at its cap.
    func admitPeer(_ address: String) -> Bool {
        peers.withLock { peers in
            let count = peers[address, default: 0]
            guard count < configuration.maxConnectionsPerPeer else { return false }
            peers[address] = count + 1
            return true
        }
    }

    func releasePeer(_ address: String) {
        peers.withLock { peers in
            let count = peers[address, default: 1] - 1
            peers[address] = count > 0 ? count : nil
        }
    }

    /// Reserves `bytes` of the body budget; false (nothing reserved) when it would pass it.
    func reserveBody(_ bytes: Int) -> Bool {
        let total = bufferedBodyBytes.add(bytes, ordering: .relaxed).newValue
        guard total <= configuration.maxBufferedBodyBytes else {
            bufferedBodyBytes.subtract(bytes, ordering: .relaxed)
            return false
        }
        return true
    }
    private let lifecycle = Mutex(Lifecycle())
    private let bound = Mutex<Int?>(nil)

    /// The port bound by `start` (nil before).
    public var boundPort: Int? { bound.withLock { $0 } }

    /// Which loops have stopped, and who waits for them.
    private struct Lifecycle {
        var running = 0
        var failure: String?
        var waiter: CheckedContinuation<Void, any Error>?
    }

    public init(configuration: HTTPServerConfiguration, router: Router, observer: any HTTPServerObserver, logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.observer = observer
        self.logger = logger
    }

    /// Binds, listens and starts the event loops; returns the bound port.
    /// Throws `HTTPServerError` when the address is invalid or the port is taken.
    public func start() throws -> Int {
        let (listener, port) = try Self.listen(address: configuration.bindAddress, port: configuration.port)
        bound.withLock { $0 = port }
        var started: [EventLoop] = []
        for index in 0..<max(1, configuration.threads) {
            started.append(try EventLoop(index: index, listener: listener, server: self))
        }
        loops.withLock { $0 = started }
        lifecycle.withLock { $0.running = started.count }
        threads.withLock { threads in
            for loop in started {
                threads.append(startThread { [self] in loopStopped(loop.index, loop.run()) })
            }
        }
        return port
    }

    /// Returns when every loop has stopped after `shutdown`; throws `HTTPServerError` as soon as
    /// one loop stops for any other reason (the server is then no longer fully serving, and the
    /// process should end so its supervisor restarts it).
    public func run() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let resume: Result<Void, any Error>? = lifecycle.withLock { state in
                if let failure = state.failure { return .failure(HTTPServerError(failure)) }
                if state.running == 0 { return .success(()) }
                state.waiter = continuation
                return nil
            }
            if let resume { continuation.resume(with: resume) }
        }
    }

    /// Makes event loop `index` stop as if it had failed; for tests of the process's reaction.
    func injectLoopFailure(index: Int = 0, reason: String) {
        loops.withLock { $0 }.first { $0.index == index }?.injectFailure(reason)
    }

    private func loopStopped(_ index: Int, _ exit: EventLoop.Exit) {
        let (waiter, result): (CheckedContinuation<Void, any Error>?, Result<Void, any Error>) = lifecycle.withLock { state in
            state.running -= 1
            if case .failed(let reason) = exit, state.failure == nil {
                state.failure = "event loop \(index) stopped unexpectedly: \(reason)"
                logger.critical("HTTP event loop stopped unexpectedly", ["loop": index, "reason": reason])
            }
            if let failure = state.failure { defer { state.waiter = nil }; return (state.waiter, .failure(HTTPServerError(failure))) }
            if state.running == 0 { defer { state.waiter = nil }; return (state.waiter, .success(())) }
            return (nil, .success(()))
        }
        waiter?.resume(with: result)
    }

    /// Stops accepting, waits for in-flight requests up to `deadline` seconds, then closes all
    /// connections and joins the loop threads.
    public func shutdown(deadline: Double) async {
        let current = loops.withLock { $0 }
        let hardDeadline = MonotonicInstant.now().nanoseconds + UInt64(max(0, deadline) * 1e9)
        for loop in current { loop.beginShutdown(hardDeadline: hardDeadline) }
        let running = threads.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        _ = try? await runBlocking {
            for thread in running { pthread_join(thread, nil) }
        }
        if let listener = current.first?.listener { close(listener) }
    }

    /// The address to bind for `text`: an IPv4 or IPv6 literal as given, `localhost` as
    /// `127.0.0.1`; nil for anything else (host names are not resolved: a server binds addresses).
    public static func bindAddress(for text: String) -> String? {
        if text.lowercased() == "localhost" { return "127.0.0.1" }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1 { return text }
        return nil
    }

    static func listen(address: String, port: Int) throws -> (Int32, Int) {
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if address.contains(":") {
            family = AF_INET6
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET6, address, &socketAddress.sin6_addr) == 1 else { throw HTTPServerError("invalid bind address \(address)") }
            withUnsafeBytes(of: socketAddress) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            family = AF_INET
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, address, &socketAddress.sin_addr) == 1 else { throw HTTPServerError("invalid bind address \(address)") }
            withUnsafeBytes(of: socketAddress) { bytes in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let descriptor = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw HTTPServerError("socket() failed: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw HTTPServerError("cannot listen on \(address):\(port): \(reason)")
        }
        guard Glibc.listen(descriptor, 1024) == 0 else {
            close(descriptor)
            throw HTTPServerError("listen() failed: \(String(cString: strerror(errno)))")
        }
        var boundStorage = sockaddr_storage()
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &boundStorage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &boundLength) }
        }
        let boundPort = withUnsafeBytes(of: boundStorage) { bytes -> Int in
            // sin_port and sin6_port sit at the same offset (2) in both layouts.
            Int(UInt16(bigEndian: bytes.load(fromByteOffset: 2, as: UInt16.self)))
        }
        return (descriptor, boundPort)
    }
}

/// A server start-up failure with a message for the operator.
public struct HTTPServerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

