import Glibc
import Storage

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
    /// Edge-triggered: data may be waiting in the socket that was not read yet.
    var readPending = true
    var peerClosed = false
    /// When the current request's head was complete (for latency).
    var requestStarted: UInt64 = 0

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
        var head = "HTTP/1.1 \(response.status) \(HTTPStatusText.phrase(response.status))\r\n"
        for header in response.headers { head += "\(header.name): \(header.value)\r\n" }
        head += "Content-Length: \(response.body.count)\r\n"
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        output.append(contentsOf: head.utf8)
        if includeBody { output.append(contentsOf: response.body) }
    }
}
