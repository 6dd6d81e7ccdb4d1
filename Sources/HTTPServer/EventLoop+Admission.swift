import CLinux
import Glibc
import Support
import Synchronization

/// Admission: accepting connections (the global and per-peer caps, eviction when full) and
/// deciding, from the request line and headers alone, whether a body is worth reading.
extension EventLoop {
    func acceptConnections() {
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let descriptor = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    tradewizard_accept4(listener, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if descriptor < 0 {
                switch errno {
                case EINTR, ECONNABORTED: continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    server.observer.refused(.descriptorsExhausted)
                    server.logger.warning("accept paused: out of file descriptors", ["reason": RefusalReason.descriptorsExhausted.rawValue])
                    stopListening()
                    acceptPausedUntil = MonotonicInstant.now().nanoseconds + 100_000_000
                    return
                default:
                    return // EAGAIN: another loop took it, or nothing left
                }
            }
            let (address, loopback) = Self.describe(storage)
            guard server.admitPeer(address) else {
                refuseAtAccept(descriptor, address: address, loopback: loopback, .peerConnectionLimit)
                continue
            }
            var open = server.openConnections.add(1, ordering: .relaxed).newValue
            if open > server.configuration.maxConnections {
                // Full: make room by closing this loop's most stale idle or slow connection, if any.
                if let victim = evictionCandidate() {
                    server.observer.refused(.evicted)
                    closeConnection(victim)
                    open = server.openConnections.load(ordering: .relaxed)
                } else {
                    server.openConnections.subtract(1, ordering: .relaxed)
                    server.releasePeer(address)
                    refuseAtAccept(descriptor, address: address, loopback: loopback, .connectionLimit)
                    continue
                }
            }
            server.observer.connectionsChanged(open: open)
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            nextID += 1
            let connection = Connection(id: nextID, descriptor: descriptor, remoteAddress: address, isLoopback: loopback)
            connection.deadline = MonotonicInstant.now().nanoseconds + nanoseconds(server.configuration.idleTimeout)
            connections[connection.id] = connection
            register(descriptor, token: connection.id, events: Self.readEvents)
            drive(connection)
        }
    }

    /// Answers a refusal on a connection that was never admitted, and closes it.
    func refuseAtAccept(_ descriptor: Int32, address: String, loopback: Bool, _ reason: RefusalReason) {
        server.observer.refused(reason)
        let connection = Connection(id: 0, descriptor: descriptor, remoteAddress: address, isLoopback: loopback)
        connection.queue(reason.response!, keepAlive: false, includeBody: true)
        _ = connection.flush()
        close(descriptor)
    }

    /// The connection that waits the longest with nothing to show: idle keep-alive, or still
    /// sending its headers or body, whichever is nearest its timeout. Busy ones are never chosen.
    func evictionCandidate() -> Connection? {
        var best: Connection?
        for connection in connections.values {
            switch connection.phase {
            case .idle, .head, .body:
                if best == nil || connection.deadline < best!.deadline { best = connection }
            default: continue
            }
        }
        return best
    }

    static func describe(_ storage: sockaddr_storage) -> (String, Bool) {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if Int32(storage.ss_family) == AF_INET {
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
                    var raw = address.pointee.sin_addr
                    inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
                    let firstOctet = UInt32(bigEndian: raw.s_addr) >> 24
                    return (cText(text), firstOctet == 127)
                }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                var raw = address.pointee.sin6_addr
                inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
                let value = cText(text)
                return (value, value == "::1" || value.hasPrefix("::ffff:127."))
            }
        }
    }

    /// Why a request whose body has not arrived is answered without reading it, or nil to read it
    /// (reserving its size in the server's body budget).
    func refusalBeforeBody(_ connection: Connection, _ head: RequestHead) -> (RefusalReason, HTTPResponse?)? {
        let (path, query) = HTTPRequestParser.splitTarget(head.target)
        switch server.router.match(head.method, path: path) {
        case .notFound:
            return (.notFound, HTTPError.notFound().response)
        case .methodNotAllowed(let allowed):
            let allow = Set(allowed.map(\.rawValue)).sorted().joined(separator: ", ")
            return (.methodNotAllowed, HTTPError(405, code: RefusalReason.methodNotAllowed.rawValue, message: "this path accepts \(allow)",
                                                 headers: [("Allow", allow)]).response)
        case .found(let route, let parameters):
            if let preflight = route.preflight {
                var request = HTTPRequest(method: head.method, path: path, query: query, headers: head.headers, body: [],
                                          remoteAddress: connection.remoteAddress, isLoopback: connection.isLoopback)
                request.pathParameters = parameters
                request.route = route.pattern
                do { try preflight(request) } catch let error as HTTPError {
                    return (error.status == 401 ? .unauthorized : .refusedBeforeBody, error.response)
                } catch {
                    return (.malformedRequest, HTTPError.internalError.response)
                }
            }
        }
        guard server.reserveBody(head.contentLength) else { return (.bodyBudget, nil) }
        connection.reservedBodyBytes = head.contentLength
        return nil
    }

    /// Gives back the connection's share of the body budget.
    func releaseBody(_ connection: Connection) {
        guard connection.reservedBodyBytes > 0 else { return }
        server.bufferedBodyBytes.subtract(connection.reservedBodyBytes, ordering: .relaxed)
        connection.reservedBodyBytes = 0
    }

}
