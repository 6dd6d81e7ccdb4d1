import CLinux
import FoundationEssentials
import Glibc
import Support

/// A minimal blocking HTTP/1.1 client for talking to a running appliance (CLI verbs, tests).
/// One request per connection; `Content-Length` bodies only.
public struct LoopbackHTTPClient: Sendable {
    /// A received response: status, headers (names lowercased) and body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public let host: String
    public let port: Int
    public var timeoutSeconds = 5.0

    public init(host: String, port: Int, timeoutSeconds: Double = 5.0) {
        self.host = host
        self.port = port
        self.timeoutSeconds = timeoutSeconds
    }

    /// The host to connect to for a bind address (wildcards become loopback).
    public static func host(forBind address: String) -> String {
        switch address {
        case "0.0.0.0", "": return "127.0.0.1"
        case "::": return "::1"
        default: return address
        }
    }

    /// Sends one request on a new connection and reads the whole response; throws on connect,
    /// timeout or a malformed answer.
    public func send(method: String, path: String, headers: [String: String] = [:], body: [UInt8] = []) async throws -> Response {
        let host = host
        let port = port
        let timeout = timeoutSeconds
        return try await runBlocking {
            try Self.exchange(host: host, port: port, timeout: timeout, method: method, path: path, headers: headers, body: body)
        }
    }

    static func exchange(host: String, port: Int, timeout: Double, method: String, path: String,
                         headers: [String: String], body: [UInt8]) throws -> Response {
        let descriptor = try connectTo(host: host, port: port, timeout: timeout)
        defer { close(descriptor) }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body.count)\r\n\r\n"
        let bytes = Array(request.utf8) + body
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw ClientError("cannot send to \(host):\(port): \(String(cString: strerror(errno)))") }
            offset += sent
        }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count > 0 { received += buffer[0..<count]; continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw ClientError("no answer from \(host):\(port) within \(Int(timeout)) s") }
            break
        }
        return try parse(received)
    }

    public static func parse(_ bytes: [UInt8]) throws -> Response {
        guard let end = (0..<max(0, bytes.count - 3)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }) else {
            throw ClientError("incomplete HTTP response")
        }
        let head = String(decoding: bytes[0..<end], as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = head.first, statusLine.hasPrefix("HTTP/1."), let status = Int(statusLine.split(separator: " ")[1]) else {
            throw ClientError("malformed HTTP response")
        }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed()
        }
        return Response(status: status, headers: headers, body: Array(bytes[(end + 4)...]))
    }

    public static func connectTo(host: String, port: Int, timeout: Double) throws -> Int32 {
        let isV6 = host.contains(":")
        let descriptor = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError("socket() failed") }
        var time = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        let result: Int32
        if isV6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, host, &address.sin6_addr)
            result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
                close(descriptor)
                throw ClientError("invalid address \(host)")
            }
            result = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard result == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw ClientError("cannot connect to \(host):\(port) (\(reason)); is `tradewizard serve` running?")
        }
        return descriptor
    }

    public struct ClientError: Error, CustomStringConvertible {
        public let description: String
        init(_ description: String) { self.description = description }
    }
}
