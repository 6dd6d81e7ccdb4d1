import FoundationEssentials
import Storage
import Support

/// The SMTP envelope of a mail sent through the network client.
public struct MailEnvelope: Sendable, Equatable {
    public var from: String
    public var recipients: [String]
    public init(from: String, recipients: [String]) {
        self.from = from
        self.recipients = recipients
    }
}

/// An outgoing HTTP request for the network client.
public struct NetworkRequest: Sendable {
    public var method: String
    public var url: String
    /// Header name → value (`User-Agent` is always set by the client).
    public var headers: [String: String]
    public var body: [UInt8]?
    /// Seconds the whole exchange may take; nil uses the client's default.
    public var timeout: Double?
    /// The token bucket this request draws from (e.g. `gamma:/events`) and its limit.
    public var rateLimit: (key: String, limit: RateLimit)?
    /// For an `smtp://`/`smtps://` URL: the envelope; `body` is then the whole RFC 5322 message.
    public var mail: MailEnvelope?

    public init(method: String = "GET", url: String, headers: [String: String] = [:], body: [UInt8]? = nil,
                timeout: Double? = nil, rateLimit: (key: String, limit: RateLimit)? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
        self.rateLimit = rateLimit
    }

    /// `scheme://host[:port]` of the URL: the circuit breaker's key.
    public var origin: String {
        let characters = Array(url)
        var index = 0
        while index + 2 < characters.count, !(characters[index] == ":" && characters[index + 1] == "/" && characters[index + 2] == "/") {
            index += 1
        }
        index = index + 2 < characters.count ? index + 3 : 0
        while index < characters.count, !"/?#".contains(characters[index]) { index += 1 }
        return String(characters[..<index])
    }
}

/// A received HTTP response.
public struct NetworkResponse: Sendable {
    public var status: Int
    /// Header names lower-cased; the last value of a repeated header wins.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The delay a `Retry-After` header asks for, in seconds (delta-seconds or an HTTP date).
    public func retryAfter(now: Date) -> Double? {
        guard let value = headers["retry-after"]?.trimmed(), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return seconds }
        return HTTPDate.parse(value).map { max(0, $0.timeIntervalSince(now)) }
    }

    /// The body as text (invalid UTF-8 repaired), for error messages.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// What the network client reports when a call did not produce a usable response.
public enum NetworkError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The host could not be reached at all (DNS, connect refused, no route): the caller may fall
    /// back to offline data.
    case unreachable(origin: String, detail: String)
    /// The exchange took longer than its timeout.
    case timedOut(url: String)
    /// Another transport failure (TLS, reset, malformed response).
    case transport(url: String, detail: String)
    /// The server answered with a status the caller does not accept (after retries for 429/5xx).
    case status(Int, url: String, body: String)
    /// The circuit for this origin is open after repeated failures; no request was sent.
    case circuitOpen(origin: String, retryInSeconds: Double)
    /// The response body exceeded the client's limit.
    case responseTooLarge(url: String, limit: Int)

    public var description: String {
        switch self {
        case .unreachable(let origin, let detail): "cannot reach \(origin): \(detail)"
        case .timedOut(let url): "request to \(Self.redacted(url)) timed out"
        case .transport(let url, let detail): "request to \(Self.redacted(url)) failed: \(detail)"
        case .status(let status, let url, let body): "HTTP \(status) from \(Self.redacted(url)): \(body.prefix(200))"
        case .circuitOpen(let origin, let wait): "circuit open for \(origin); retry in \(Int(wait.rounded(.up))) s"
        case .responseTooLarge(let url, let limit): "response from \(Self.redacted(url)) exceeded \(limit) bytes"
        }
    }

    /// True when another attempt may succeed (timeouts, transport failures, 429 and 5xx).
    public var isTransient: Bool {
        switch self {
        case .unreachable, .timedOut, .transport: true
        case .status(let status, _, _): status == 429 || status >= 500
        case .circuitOpen, .responseTooLarge: false
        }
    }

    /// The URL without its query string (queries may carry keys).
    static func redacted(_ url: String) -> String {
        String(url.split(separator: "?", maxSplits: 1).first ?? Substring(url))
    }
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the form `Retry-After` dates take.
enum HTTPDate {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    static func parse(_ text: String) -> Date? {
        let parts = text.split(separator: " ")
        guard parts.count == 6, parts[5] == "GMT", let day = Int(parts[1]),
              let month = months.firstIndex(of: String(parts[2])), let year = Int(parts[3]) else { return nil }
        let clock = parts[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        let days = Timestamp.daysSinceEpoch(year: year, month: month + 1, day: day)
        return Date(timeIntervalSince1970: Double(days * 86_400 + clock[0] * 3_600 + clock[1] * 60 + clock[2]))
    }
}
