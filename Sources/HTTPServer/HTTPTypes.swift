import FoundationEssentials
import Support

/// The methods the server serves. Anything else is refused before routing.
public enum HTTPMethod: String, Sendable {
    case get = "GET", head = "HEAD", post = "POST"
}

/// A complete, validated request.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The path without the query, percent-encoded as received.
    public var path: String
    /// Query parameters, percent-decoded; the last of repeated names wins.
    public var query: [String: String]
    /// Header names lowercased, in order received.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// Peer address (IPv4/IPv6 text).
    public var remoteAddress: String
    /// True when the peer is on the loopback interface.
    public var isLoopback: Bool
    /// Values captured by `{name}` segments of the matched route (`%XX` decoded; `+` stays `+`).
    public var pathParameters: [String: String] = [:]
    /// The matched route's pattern (bounded: it is a metrics and log label).
    public var route: String = "unmatched"
    /// How the caller proved who it is, set by an authentication middleware (`admin`, `hmac`, …);
    /// nil before authentication or on routes without it.
    public var authentication: String?

    public init(method: HTTPMethod, path: String, query: [String: String] = [:], headers: [(name: String, value: String)] = [],
                body: [UInt8] = [], remoteAddress: String = "127.0.0.1", isLoopback: Bool = true) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.remoteAddress = remoteAddress
        self.isLoopback = isLoopback
    }

    /// The first header with this name (case-insensitive).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name == lower }?.value
    }
}

/// A response. `Content-Length` and `Connection` are added by the server.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from an `Encodable` value (sorted keys, ISO dates).
    public static func json(_ value: some Encodable, status: Int = 200) -> HTTPResponse {
        do {
            return HTTPResponse(status: status, headers: [("Content-Type", "application/json")], body: try JSONCoding.encode(value))
        } catch {
            return HTTPError.internalError.response
        }
    }

    /// A plain-text response.
    public static func text(_ text: String, status: Int = 200, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", contentType)], body: Array(text.utf8))
    }
}

/// An error that renders itself as a response: `{"error":{"code":…,"message":…}}`, the one error
/// body shape of every route. `code` is stable (clients and metrics key on it); `message` is for
/// people and never holds internals. A route may add top-level members beside `error` (`details`,
/// for example the webhook's `status` and `processing_time_ms`), never change its shape.
public struct HTTPError: Error, Sendable {
    public var status: Int
    public var code: String
    public var message: String
    public var extraHeaders: [(name: String, value: String)] = []
    /// Members beside `error` in the body; a key named `error` is ignored.
    public var details: [String: JSONValue] = [:]

    public init(_ status: Int, code: String, message: String, headers: [(name: String, value: String)] = [],
                details: [String: JSONValue] = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.extraHeaders = headers
        self.details = details
    }

    public var response: HTTPResponse {
        var members = details
        members["error"] = ["code": .string(code), "message": .string(message)]
        return HTTPResponse(status: status, headers: [("Content-Type", "application/json")] + extraHeaders,
                            body: JSONValue.object(members).serialized())
    }

    public static let internalError = HTTPError(500, code: "internal_error", message: "internal error; see the server log")
    public static func notFound(_ what: String = "no such resource") -> HTTPError { HTTPError(404, code: "not_found", message: what) }
    public static func badRequest(_ code: String, _ message: String) -> HTTPError { HTTPError(400, code: code, message: message) }
}

/// Standard reason phrases.
enum HTTPStatusText {
    static func phrase(_ status: Int) -> String {
        switch status {
        case 100: return "Continue"
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 411: return "Length Required"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 431: return "Request Header Fields Too Large"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 503: return "Service Unavailable"
        case 505: return "HTTP Version Not Supported"
        default: return "Status \(status)"
        }
    }
}
