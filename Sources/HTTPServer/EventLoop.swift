import CLinux
import Glibc
import Support
import Synchronization

/// One epoll loop on its own thread. It owns its connections; other threads talk to it only
/// through its mailbox and wake pipe.
final class EventLoop: @unchecked Sendable {
    struct Delivery {
        let connection: UInt64
        let response: HTTPResponse
        let keepAlive: Bool
        let includeBody: Bool
        let route: String
        let method: HTTPMethod
    }

    let index: Int
    let listener: Int32
    unowned let server: HTTPServer
    private let epoll: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let mailbox = Mutex<[Delivery]>([])
    let shutdownDeadline = Atomic<UInt64>(0)
    private let injectedFailure = Mutex<String?>(nil)
    var connections: [UInt64: Connection] = [:]
    var nextID: UInt64 = 16
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private var listening = true
    var acceptPausedUntil: UInt64 = 0
    private var lastSweep: UInt64 = 0

    /// Connections are edge-triggered for reads; EPOLLOUT is added only while a write is pending.
    static let readEvents = EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue
    private static let listenerToken: UInt64 = 1
    private static let wakeToken: UInt64 = 2

    init(index: Int, listener: Int32, server: HTTPServer) throws {
        self.index = index
        self.listener = listener
        self.server = server
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        var ends: [Int32] = [0, 0]
        guard epoll >= 0, tradewizard_pipe2(&ends, Int32(O_NONBLOCK | O_CLOEXEC)) == 0 else {
            throw HTTPServerError("cannot create event loop: \(String(cString: strerror(errno)))")
        }
        wakeRead = ends[0]
        wakeWrite = ends[1]
        register(wakeRead, token: Self.wakeToken, events: EPOLLIN.rawValue)
        register(listener, token: Self.listenerToken, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
    }

    deinit {
        close(epoll)
        close(wakeRead)
        close(wakeWrite)
    }

    // MARK: - Called from other threads

    /// Hands a task's response back to the loop.
    func deliver(_ delivery: Delivery) {
        mailbox.withLock { $0.append(delivery) }
        wake()
    }

    /// Makes the loop stop at its next turn as if it had failed (fault injection for the tests of
    /// what the process does when a loop dies).
    func injectFailure(_ reason: String) {
        injectedFailure.withLock { $0 = reason }
        wake()
    }

    func beginShutdown(hardDeadline: UInt64) {
        shutdownDeadline.store(hardDeadline, ordering: .sequentiallyConsistent)
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: - The loop

    /// Why a loop stopped.
    enum Exit: Sendable, Equatable {
        /// Shutdown was requested and the connections are done (or the deadline passed).
        case shutdown
        /// The loop could not go on (epoll failed); the server is no longer serving on this thread.
        case failed(String)
    }

    /// Serves until shutdown completes or the loop fails; returns why it stopped.
    func run() -> Exit {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var exit = Exit.shutdown
        while true {
            let count = epoll_wait(epoll, &events, Int32(events.count), 100)
            if count < 0 && errno != EINTR {
                exit = .failed("epoll_wait failed: \(String(cString: strerror(errno)))")
                break
            }
            if let reason = injectedFailure.withLock({ $0 }) {
                exit = .failed(reason)
                break
            }
            for event in events.prefix(max(0, Int(count))) {
                let token = withUnsafePointer(to: event) { tradewizard_epoll_token($0) }
                switch token {
                case Self.listenerToken: acceptConnections()
                case Self.wakeToken: drainWakePipe()
                default:
                    guard let connection = connections[token] else { continue }
                    if event.events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                        connection.readPending = true
                    }
                    drive(connection)
                }
            }
            let now = MonotonicInstant.now().nanoseconds
            if now &- lastSweep > 100_000_000 {
                lastSweep = now
                sweep(now: now)
            }
            let deadline = shutdownDeadline.load(ordering: .sequentiallyConsistent)
            if deadline != 0 {
                if listening { stopListening() }
                closeIdleConnections()
                if connections.isEmpty || now >= deadline { break }
            }
        }
        for connection in Array(connections.values) { closeConnection(connection) }
        return exit
    }

    func register(_ descriptor: Int32, token: UInt64, events: UInt32) {
        var event = epoll_event()
        event.events = events
        tradewizard_epoll_set_token(&event, token)
        epoll_ctl(epoll, EPOLL_CTL_ADD, descriptor, &event)
    }

    func stopListening() {
        epoll_ctl(epoll, EPOLL_CTL_DEL, listener, nil)
        listening = false
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
        let deliveries = mailbox.withLock { deliveries in
            defer { deliveries.removeAll(keepingCapacity: true) }
            return deliveries
        }
        for delivery in deliveries {
            guard let connection = connections[delivery.connection] else { continue }
            complete(connection, delivery.response, keepAlive: delivery.keepAlive, includeBody: delivery.includeBody,
                     route: delivery.route, method: delivery.method)
            drive(connection)
        }
    }

    // MARK: - Per-connection state machine

    /// Advances a connection as far as it can go without blocking.
    func drive(_ connection: Connection) {
        let limits = server.configuration.limits
        let bufferLimit = limits.maxHeaderBytes + limits.maxBodyBytes + 65_536
        while true {
            switch connection.phase {
            case .awaiting:
                return
            case .writing:
                guard flush(connection) else { return }
                if connection.closeAfterWrite || (shutdownDeadline.load(ordering: .relaxed) != 0 && connection.bufferedInput.isEmpty) {
                    closeConnection(connection)
                    return
                }
                connection.phase = .idle
                connection.deadline = MonotonicInstant.now().nanoseconds + nanoseconds(server.configuration.idleTimeout)
            case .lingering:
                if connection.output.count > connection.outputStart {
                    guard flush(connection) else { return }
                    shutdown(connection.descriptor, Int32(SHUT_WR))
                }
                if connection.readPending {
                    if !connection.readAvailable(scratch: &scratch, limit: 1) { closeConnection(connection); return }
                    connection.consumeInput(connection.bufferedInput.count)
                    if connection.readPending { continue }
                }
                if connection.peerClosed { closeConnection(connection) }
                return
            case .idle, .head, .body:
                if connection.readPending {
                    if !connection.readAvailable(scratch: &scratch, limit: bufferLimit) { closeConnection(connection); return }
                }
                if !advanceRequest(connection) {
                    if connection.peerClosed, case .awaiting = connection.phase {} else if connection.peerClosed {
                        closeConnection(connection)
                    }
                    return
                }
            }
        }
    }

    /// Parses from the buffered input. Returns true when the phase changed and `drive` should loop.
    private func advanceRequest(_ connection: Connection) -> Bool {
        let now = MonotonicInstant.now().nanoseconds
        switch connection.phase {
        case .idle, .head:
            guard !connection.bufferedInput.isEmpty else { return false }
            if case .idle = connection.phase {
                connection.phase = .head
                connection.deadline = now + nanoseconds(server.configuration.headerTimeout)
            }
            switch HTTPRequestParser.parse(connection.bufferedInput, limits: server.configuration.limits) {
            case .incomplete:
                return false
            case .refuse(let reason):
                refuse(connection, reason)
                return true
            case .head(let head, let length):
                connection.consumeInput(length)
                // What can be judged before the body is read is judged now: route, method, preflight, memory.
                if head.contentLength > connection.bufferedInput.count, let (reason, response) = refusalBeforeBody(connection, head) {
                    refuse(connection, reason, response: response)
                    return true
                }
                connection.phase = .body(head)
                connection.deadline = now + nanoseconds(server.configuration.bodyTimeout)
                if head.expectsContinue && head.contentLength > connection.bufferedInput.count {
                    connection.output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
                    _ = connection.flush()
                }
                return true
            }
        case .body(let head):
            guard connection.bufferedInput.count >= head.contentLength else { return false }
            let body = Array(connection.bufferedInput.prefix(head.contentLength))
            connection.consumeInput(head.contentLength)
            releaseBody(connection)
            dispatch(connection, head, body: body)
            return true
        default:
            return false
        }
    }

    /// Answers a refusal (`response`, or the reason's own when HTTP has an answer) and closes
    /// the connection after a lingering drain.
    func refuse(_ connection: Connection, _ reason: RefusalReason, response override: HTTPResponse? = nil) {
        server.observer.refused(reason)
        server.logger.info("request refused", ["reason": reason.rawValue, "remote": connection.remoteAddress])
        guard let response = override ?? reason.response else {
            closeConnection(connection)
            return
        }
        connection.queue(response, keepAlive: false, includeBody: true)
        connection.consumeInput(connection.bufferedInput.count)
        connection.phase = .lingering
        connection.readPending = true
        connection.deadline = MonotonicInstant.now().nanoseconds + 2_000_000_000
    }

    /// Writes pending output; when the socket is full, waits for EPOLLOUT (and stops waiting
    /// once everything is written).
    private func flush(_ connection: Connection) -> Bool {
        if connection.flush() {
            if connection.watchingWrites {
                modify(connection, events: Self.readEvents)
                connection.watchingWrites = false
            }
            return true
        }
        if !connection.watchingWrites {
            modify(connection, events: Self.readEvents | EPOLLOUT.rawValue)
            connection.watchingWrites = true
        }
        return false
    }

    private func modify(_ connection: Connection, events: UInt32) {
        var event = epoll_event()
        event.events = events
        tradewizard_epoll_set_token(&event, connection.id)
        epoll_ctl(epoll, EPOLL_CTL_MOD, connection.descriptor, &event)
    }

    private func sweep(now: UInt64) {
        if !listening && shutdownDeadline.load(ordering: .relaxed) == 0 && now >= acceptPausedUntil {
            register(listener, token: Self.listenerToken, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
            listening = true
        }
        for connection in Array(connections.values) where now >= connection.deadline {
            switch connection.phase {
            case .idle:
                server.observer.refused(.idleTimeout)
                closeConnection(connection)
            case .head: refuse(connection, .headerTimeout); drive(connection)
            case .body: refuse(connection, .bodyTimeout); drive(connection)
            case .writing: server.observer.refused(.writeTimeout); closeConnection(connection)
            case .lingering: closeConnection(connection)
            case .awaiting: break
            }
        }
    }

    /// At shutdown: closes connections with no request in progress (idle, or lingering after a refusal).
    private func closeIdleConnections() {
        for connection in Array(connections.values) {
            switch connection.phase {
            case .idle where connection.bufferedInput.isEmpty: closeConnection(connection)
            case .lingering where connection.output.count == connection.outputStart: closeConnection(connection)
            default: break
            }
        }
    }

    func closeConnection(_ connection: Connection) {
        guard connections.removeValue(forKey: connection.id) != nil else { return }
        releaseBody(connection)
        server.releasePeer(connection.remoteAddress)
        epoll_ctl(epoll, EPOLL_CTL_DEL, connection.descriptor, nil)
        close(connection.descriptor)
        let open = server.openConnections.subtract(1, ordering: .relaxed).newValue
        server.observer.connectionsChanged(open: open)
    }

    func nanoseconds(_ seconds: Double) -> UInt64 { UInt64(max(0, seconds) * 1e9) }
}

