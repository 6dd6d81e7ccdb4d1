import Foundation
import Glibc
import Support
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for tests: one thread per connection, keep-alive, and a
/// handler that sees each request and chooses the answer (status, headers, body, delay). It
/// counts connections, so tests can prove the client reuses them.
public final class LoopbackHTTPServer: Sendable {
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [String: String]
        public var headers: [String: String]
        public var body: [UInt8]
        /// The query string as sent.
        public var rawQuery: String
        public var target: String { path + (query.isEmpty ? "" : "?" + query.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")) }
    }
    public struct Reply: Sendable {
        public var status: Int = 200
        public var headers: [String: String] = ["Content-Type": "application/json"]
        public var body: [UInt8] = []
        /// Seconds to wait before answering.
        public var delay: Double = 0
        /// Close the connection without answering.
        public var hangUp = false

        public init(status: Int = 200, headers: [String: String] = ["Content-Type": "application/json"], body: [UInt8] = [], delay: Double = 0, hangUp: Bool = false) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
            self.hangUp = hangUp
        }

        public static func json(_ text: String, status: Int = 200) -> Reply { Reply(status: status, body: Array(text.utf8)) }
    }

    public let port: Int
    private let listener: Int32
    private let handler: @Sendable (Request) -> Reply
    private let log = Mutex<(requests: [Request], connections: Int)>(([], 0))

    public init(handler: @escaping @Sendable (Request) -> Reply) throws {
        self.handler = handler
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw SystemError(.io, "cannot listen on loopback") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        pthread_detach(startThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                guard client >= 0 else { return }
                log.withLock { $0.connections += 1 }
                pthread_detach(startThread { [self] in serve(client) })
            }
        })
    }

    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var requests: [Request] { log.withLock { $0.requests } }
    public var connections: Int { log.withLock { $0.connections } }

    public func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }

    private func serve(_ client: Int32) {
        defer { close(client) }
        var buffer: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            // Read a head.
            var headEnd: Int?
            while headEnd == nil {
                if let index = Self.find([13, 10, 13, 10], in: buffer) { headEnd = index; break }
                let count = read(client, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
            buffer.removeFirst(headEnd! + 4)
            let parts = head[0].split(separator: " ")
            guard parts.count >= 2 else { return }
            var headers: [String: String] = [:]
            for line in head.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed()
            }
            let length = Int(headers["content-length"] ?? "0") ?? 0
            while buffer.count < length {
                let count = read(client, &chunk, chunk.count)
                guard count > 0 else { return }
                buffer += chunk[0..<count]
            }
            let body = Array(buffer[0..<length])
            buffer.removeFirst(length)
            let target = String(parts[1])
            let pieces = target.split(separator: "?", maxSplits: 1)
            var query: [String: String] = [:]
            if pieces.count == 2 {
                for pair in pieces[1].split(separator: "&") {
                    let kv = pair.split(separator: "=", maxSplits: 1)
                    query[String(kv[0])] = kv.count == 2 ? String(kv[1]).removingPercentEncoding ?? String(kv[1]) : ""
                }
            }
            let request = Request(method: String(parts[0]), path: String(pieces[0]), query: query, headers: headers, body: body,
                                  rawQuery: pieces.count == 2 ? String(pieces[1]) : "")
            log.withLock { $0.requests.append(request) }
            let reply = handler(request)
            if reply.delay > 0 { usleep(UInt32(reply.delay * 1_000_000)) }
            if reply.hangUp { return }
            var text = "HTTP/1.1 \(reply.status) X\r\nContent-Length: \(reply.body.count)\r\n"
            for (name, value) in reply.headers { text += "\(name): \(value)\r\n" }
            let bytes = Array((text + "\r\n").utf8) + reply.body
            var sent = 0
            while sent < bytes.count {
                let count = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
                guard count > 0 else { return }
                sent += count
            }
        }
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where haystack[index] == needle[0] {
            if Array(haystack[index..<index + needle.count]) == needle { return index }
        }
        return nil
    }
}
