import Glibc
import Support

/// One client connection, owned by one event loop thread.
final class Connection {
    enum Phase {
        /// Waiting for the next request (keep-alive).
        case idle
        /// Some bytes of a request head have arrived.
        case head
        /// The head is parsed; waiting for `head.contentLength` body bytes.
        case body(RequestHead)
        /// A task is computing the response.
        case awaiting
        /// Output is being written.
        case writing
        /// A refusal was sent; the write side is shut; unread input is drained until EOF or the deadline.
        case lingering
    }

    let id: UInt64
    let descriptor: Int32
    let remoteAddress: String
    let isLoopback: Bool
    var phase: Phase = .idle
    /// Monotonic nanoseconds after which the current phase has timed out.
    var deadline: UInt64 = 0
    var input: [UInt8] = []
    var inputStart = 0
    var output: [UInt8] = []
    var outputStart = 0
    var closeAfterWrite = false
    /// True while EPOLLOUT is in the connection's interest set.
    var watchingWrites = false
    /// Edge-triggered: data may be waiting in the socket that was not read yet.
    var readPending = true
    var peerClosed = false
    /// When the current request's head was complete (for latency).
    var requestStarted: UInt64 = 0
    /// Bytes of the server's body budget this connection holds for the body it is receiving.
    var reservedBodyBytes = 0

    init(id: UInt64, descriptor: Int32, remoteAddress: String, isLoopback: Bool) {
        self.id = id
        self.descriptor = descriptor
        self.remoteAddress = remoteAddress
        self.isLoopback = isLoopback
    }

    var bufferedInput: ArraySlice<UInt8> { input[inputStart...] }

    func consumeInput(_ count: Int) {
        inputStart += count
        if inputStart == input.count {
            input.removeAll(keepingCapacity: true)
            inputStart = 0
        } else if inputStart > 65_536 {
            input.removeFirst(inputStart)
            inputStart = 0
        }
    }

    /// Reads what the socket has (edge-triggered: until EAGAIN), up to `limit` buffered bytes.
    /// Returns false on a socket error.
    func readAvailable(scratch: inout [UInt8], limit: Int) -> Bool {
        while input.count - inputStart < limit {
            let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                input.append(contentsOf: scratch[0..<count])
                continue
            }
            if count == 0 {
                peerClosed = true
                readPending = false
                return true
            }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                readPending = false
                return true
            default:
                return false
            }
        }
        return true // stopped at the limit; more may be waiting
    }

    /// Writes queued output; true when all of it is written, false when the socket is full.
    /// Throws nothing: a write error marks the peer closed and drops the output.
    func flush() -> Bool {
        while outputStart < output.count {
            let count = output[outputStart...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count > 0 {
                outputStart += count
                continue
            }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return false }
            peerClosed = true
            closeAfterWrite = true
            break
        }
        output.removeAll(keepingCapacity: true)
        outputStart = 0
        return true
    }

    /// Appends a serialized response.
    func queue(_ response: HTTPResponse, keepAlive: Bool, includeBody: Bool) {
        output.reserveCapacity(output.count + 128 + response.body.count)
        output.append(contentsOf: Self.statusLine(response.status))
        for header in response.headers {
            output.append(contentsOf: header.name.utf8)
            output.append(contentsOf: Self.colonSpace)
            output.append(contentsOf: header.value.utf8)
            output.append(contentsOf: Self.lineEnd)
        }
        output.append(contentsOf: Self.contentLength)
        output.append(contentsOf: String(response.body.count).utf8)
        output.append(contentsOf: keepAlive ? Self.keepAliveEnd : Self.closeEnd)
        if includeBody { output.append(contentsOf: response.body) }
    }

    private static let colonSpace: [UInt8] = Array(": ".utf8)
    private static let lineEnd: [UInt8] = Array("\r\n".utf8)
    private static let contentLength: [UInt8] = Array("Content-Length: ".utf8)
    private static let keepAliveEnd: [UInt8] = Array("\r\nConnection: keep-alive\r\n\r\n".utf8)
    private static let closeEnd: [UInt8] = Array("\r\nConnection: close\r\n\r\n".utf8)
    private static let commonStatusLines: [Int: [UInt8]] = Dictionary(uniqueKeysWithValues: [200, 400, 401, 404, 405, 408, 413, 431, 500, 501, 503].map {
        ($0, Array("HTTP/1.1 \($0) \(HTTPStatusText.phrase($0))\r\n".utf8))
    })

    private static func statusLine(_ status: Int) -> [UInt8] {
        commonStatusLines[status] ?? Array("HTTP/1.1 \(status) \(HTTPStatusText.phrase(status))\r\n".utf8)
    }
}
