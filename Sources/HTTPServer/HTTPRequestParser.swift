import Support
/// Limits the parser enforces before reading further.
public struct HTTPLimits: Sendable {
    /// Request line plus headers, in bytes (431 above).
    public var maxHeaderBytes = 16 * 1024
    /// Body, in bytes (413 above).
    public var maxBodyBytes = 1024 * 1024
    /// Most header lines.
    public var maxHeaderCount = 100

    public init() {}
}

/// The parsed request line and headers.
struct RequestHead: Sendable {
    var method: HTTPMethod
    var target: String
    var minorVersion: Int
    var headers: [(name: String, value: String)]
    var contentLength: Int
    var keepAlive: Bool
    var expectsContinue: Bool
}

/// An incremental HTTP/1.x request-head parser: feed it the bytes received so far.
enum HTTPRequestParser {
    enum Outcome {
        /// More bytes are needed.
        case incomplete
        /// A complete head of `length` bytes (including the blank line).
        case head(RequestHead, length: Int)
        /// The request must be refused.
        case refuse(RefusalReason)
    }

    static let knownMethods: Set<String> = ["PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"]

    /// Parses a head at the start of `bytes`. Leading empty lines are skipped (RFC 9112 §2.2).
    static func parse(_ bytes: ArraySlice<UInt8>, limits: HTTPLimits) -> Outcome {
        var start = bytes.startIndex
        while start + 1 < bytes.endIndex, bytes[start] == 13, bytes[start + 1] == 10 { start += 2 }
        guard let end = headEnd(bytes, from: start) else {
            return bytes.endIndex - start > limits.maxHeaderBytes ? .refuse(.headerTooLarge) : .incomplete
        }
        guard end - start <= limits.maxHeaderBytes else { return .refuse(.headerTooLarge) }
        let lines = split(bytes[start..<(end - 4)])
        guard let requestLine = lines.first else { return .refuse(.malformedRequest) }

        let parts = requestLine.split(separator: 32, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return .refuse(.malformedRequest) }
        let methodToken = String(decoding: parts[0], as: UTF8.self)
        guard !methodToken.isEmpty, parts[0].allSatisfy(isTokenByte) else { return .refuse(.malformedRequest) }
        let versionText = String(decoding: parts[2], as: UTF8.self)
        let minorVersion: Int
        switch versionText {
        case "HTTP/1.1": minorVersion = 1
        case "HTTP/1.0": minorVersion = 0
        default:
            return versionText.hasPrefix("HTTP/") && versionText.count == 8 ? .refuse(.unsupportedVersion) : .refuse(.malformedRequest)
        }
        guard let method = HTTPMethod(rawValue: methodToken) else {
            return knownMethods.contains(methodToken) ? .refuse(.methodNotAllowed) : .refuse(.methodNotImplemented)
        }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else { return .refuse(.malformedRequest) }
        // origin-form (`/path?query`), or absolute-form (`http://host/path`), which a server MUST
        // accept (RFC 9112 §3.2.2); its authority then stands in for Host.
        var target = String(decoding: parts[1], as: UTF8.self)
        var targetAuthority: String?
        if parts[1].first != 47 {
            guard let (authority, path) = absoluteForm(target) else { return .refuse(.malformedRequest) }
            targetAuthority = authority
            target = path
        }

        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard headers.count < limits.maxHeaderCount else { return .refuse(.headerTooLarge) }
            guard let first = line.first, first != 32, first != 9 else { return .refuse(.malformedRequest) } // obs-fold
            guard let colon = line.firstIndex(of: 58), colon > line.startIndex else { return .refuse(.malformedRequest) }
            let name = line[line.startIndex..<colon]
            guard name.allSatisfy(isTokenByte) else { return .refuse(.malformedRequest) }
            var value = line[(colon + 1)...]
            while let f = value.first, f == 32 || f == 9 { value = value.dropFirst() }
            while let l = value.last, l == 32 || l == 9 { value = value.dropLast() }
            guard value.allSatisfy({ $0 == 9 || ($0 >= 32 && $0 != 127) }) else { return .refuse(.malformedRequest) }
            headers.append((String(decoding: name, as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self)))
        }

        // Host (RFC 9112 §3.2): an HTTP/1.1 request MUST have one; more than one, or an invalid
        // value, is a 400 in any version.
        let hosts = headers.filter { $0.name == "host" }
        if hosts.count > 1 { return .refuse(.invalidHost) }
        if let host = hosts.first?.value, !isValidHost(host) { return .refuse(.invalidHost) }
        if let targetAuthority {
            headers.removeAll { $0.name == "host" }
            headers.append(("host", targetAuthority))
        } else if minorVersion == 1 && hosts.isEmpty {
            return .refuse(.missingHost)
        }
        if headers.contains(where: { $0.name == "transfer-encoding" }) { return .refuse(.unsupportedTransferEncoding) }
        var contentLength = 0
        let lengths = headers.filter { $0.name == "content-length" }.map(\.value)
        if let first = lengths.first {
            guard lengths.allSatisfy({ $0 == first }), first.count <= 18, !first.isEmpty,
                  first.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let value = Int(first) else {
                return .refuse(.invalidContentLength)
            }
            contentLength = value
        }
        guard contentLength <= limits.maxBodyBytes else { return .refuse(.bodyTooLarge) }

        let connection = headers.first { $0.name == "connection" }?.value.lowercased() ?? ""
        let keepAlive = minorVersion == 1 ? !connection.contains("close") : connection.contains("keep-alive")
        let expectsContinue = headers.first { $0.name == "expect" }?.value.lowercased() == "100-continue"
        return .head(RequestHead(method: method, target: target, minorVersion: minorVersion, headers: headers,
                                 contentLength: contentLength, keepAlive: keepAlive, expectsContinue: expectsContinue),
                     length: end - bytes.startIndex)
    }

    /// `http://authority/path?query` (scheme case-insensitive) → the authority and the origin-form
    /// target (`/` when the path is empty); nil when the target is not in absolute-form.
    static func absoluteForm(_ target: String) -> (authority: String, path: String)? {
        let lower = target.lowercased()
        guard let scheme = ["http://", "https://"].first(where: { lower.hasPrefix($0) }) else { return nil }
        let rest = target.dropFirst(scheme.count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard !authority.isEmpty, !authority.contains("@"), isValidHost(String(authority)) else { return nil }
        let path = rest.dropFirst(authority.count)
        return (String(authority), path.isEmpty ? "/" : path.hasPrefix("?") ? "/" + path : String(path))
    }

    /// A Host value: empty (allowed by RFC 9112 §3.2 when the target has no authority), a
    /// registered name or IPv4 address, or a bracketed IPv6 literal, with an optional numeric port.
    static func isValidHost(_ value: String) -> Bool {
        var host = Substring(value)
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return false }
            let literal = host[host.index(after: host.startIndex)..<close]
            guard !literal.isEmpty, literal.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return false }
            host = host[host.index(after: close)...]
            if host.isEmpty { return true }
            guard host.hasPrefix(":") else { return false }
            return host.dropFirst().allSatisfy(\.isNumber) && host.count <= 6
        }
        if let colon = host.lastIndex(of: ":") {
            let port = host[host.index(after: colon)...]
            guard port.count <= 5, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return false }
            host = host[..<colon]
        }
        // reg-name: unreserved, sub-delims and percent-encoding (RFC 3986 §3.2.2).
        return host.utf8.allSatisfy { regNameBytes.contains($0) }
    }

    /// Index just past the first CRLFCRLF at or after `start`.
    private static func headEnd(_ bytes: ArraySlice<UInt8>, from start: Int) -> Int? {
        var index = start
        while index + 3 < bytes.endIndex {
            if bytes[index + 3] != 10 { index += bytes[index + 3] == 13 ? 1 : 4; continue }
            if bytes[index] == 13, bytes[index + 1] == 10, bytes[index + 2] == 13 { return index + 4 }
            index += 1
        }
        return nil
    }

    /// Lines separated by CRLF. A bare LF inside the head is malformed and surfaces as a line
    /// containing byte 10, which fails token/value validation.
    private static func split(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var lines: [ArraySlice<UInt8>] = []
        var lineStart = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == 13, index + 1 < bytes.endIndex, bytes[index + 1] == 10 {
                lines.append(bytes[lineStart..<index])
                index += 2
                lineStart = index
            } else {
                index += 1
            }
        }
        lines.append(bytes[lineStart..<bytes.endIndex])
        return lines
    }

    static let regNameBytes = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%!$&'()*+,;=".utf8))

    /// RFC 9110 token characters.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 48...57, 65...90, 97...122: return true
        case 33, 35, 36, 37, 38, 39, 42, 43, 45, 46, 94, 95, 96, 124, 126: return true
        default: return false
        }
    }

    /// Splits a target into its path and percent-decoded query parameters.
    static func splitTarget(_ target: String) -> (path: String, query: [String: String]) {
        guard let mark = target.firstIndex(of: "?") else { return (target, [:]) }
        var query: [String: String] = [:]
        for pair in target[target.index(after: mark)...].split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = percentDecode(String(parts[0]))
            let value = parts.count > 1 ? percentDecode(String(parts[1])) : ""
            if let name, let value { query[name] = value }
        }
        return (String(target[..<mark]), query)
    }

    /// Decodes `%XX` escapes, and `+` as a space when `plusIsSpace` (query strings, form
    /// encoding; in a path a `+` is itself); nil for invalid escapes or invalid UTF-8.
    static func percentDecode(_ text: String, plusIsSpace: Bool = true) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == 37 {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else { return nil }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte == 43 && plusIsSpace ? 32 : byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 48...57: return byte - 48
        case 65...70: return byte - 55
        case 97...102: return byte - 87
        default: return nil
        }
    }
}

extension HTTPRequest {
    /// The fields of a form-encoded text (`a=1&b=two+words`): `%XX` and `+` decoded; a field
    /// that does not decode is left out; the last of a repeated name wins.
    public static func decodeForm(_ text: String) -> [String: String] {
        HTTPRequestParser.splitTarget("?" + text).query
    }
}
