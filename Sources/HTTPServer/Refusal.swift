import Support
/// Why the server refused a request or connection before any route saw it. Each reason has a
/// stable code (logged, and counted in `/metrics` as `tradewizard_http_refusals_total{reason}`).
public enum RefusalReason: String, Sendable, CaseIterable {
    /// Request line and headers exceed the limit (431).
    case headerTooLarge = "header_too_large"
    /// Declared body exceeds the limit (413), refused before reading it.
    case bodyTooLarge = "body_too_large"
    /// Headers did not arrive in time (408).
    case headerTimeout = "header_timeout"
    /// The body did not arrive in time (408).
    case bodyTimeout = "body_timeout"
    /// A keep-alive connection stayed idle too long (closed silently).
    case idleTimeout = "idle_timeout"
    /// A method HTTP knows but this server does not serve (405).
    case methodNotAllowed = "method_not_allowed"
    /// A method token the server does not know (501).
    case methodNotImplemented = "method_not_implemented"
    /// Unparseable request line or headers (400).
    case malformedRequest = "malformed_request"
    /// HTTP/1.1 request without a Host header (400).
    case missingHost = "missing_host"
    /// More than one Host header, or an invalid Host value (400, RFC 9112 §3.2).
    case invalidHost = "invalid_host"
    /// Conflicting or invalid Content-Length (400).
    case invalidContentLength = "invalid_content_length"
    /// Transfer-Encoding (chunked bodies) is not supported (501).
    case unsupportedTransferEncoding = "unsupported_transfer_encoding"
    /// A protocol version other than HTTP/1.0 and 1.1 (505).
    case unsupportedVersion = "unsupported_version"
    /// The connection cap was reached (503, then close).
    case connectionLimit = "connection_limit"
    /// This peer holds its share of connections already (503, then close).
    case peerConnectionLimit = "peer_connection_limit"
    /// An idle or slow connection was closed to make room for a new one when the server was full.
    case evicted = "evicted"
    /// No route has this path; answered before any body is read (404).
    case notFound = "not_found"
    /// A route's preflight refused the request from its headers (its own status, e.g. 403).
    case refusedBeforeBody = "refused_before_body"
    /// Bodies being received already fill the memory budget (503 before the body is read).
    case bodyBudget = "body_budget"
    /// accept() failed for lack of descriptors; accepting paused briefly.
    case descriptorsExhausted = "descriptors_exhausted"
    /// An admin route without valid credentials (401).
    case unauthorized = "unauthorized"
    /// Writing the response took too long (connection closed).
    case writeTimeout = "write_timeout"

    /// The status sent with the refusal (nil: close without a response).
    var status: Int? {
        switch self {
        case .headerTooLarge: return 431
        case .bodyTooLarge: return 413
        case .headerTimeout, .bodyTimeout: return 408
        case .idleTimeout, .descriptorsExhausted, .writeTimeout, .evicted: return nil
        case .methodNotAllowed: return 405
        case .methodNotImplemented, .unsupportedTransferEncoding: return 501
        case .malformedRequest, .missingHost, .invalidHost, .invalidContentLength: return 400
        case .unsupportedVersion: return 505
        case .connectionLimit, .peerConnectionLimit, .bodyBudget: return 503
        case .unauthorized: return 401
        case .notFound: return 404
        case .refusedBeforeBody: return 403
        }
    }

    public var message: String {
        switch self {
        case .headerTooLarge: return "request line and headers are too large"
        case .bodyTooLarge: return "request body is too large"
        case .headerTimeout: return "request headers did not arrive in time"
        case .bodyTimeout: return "request body did not arrive in time"
        case .idleTimeout: return "connection idle"
        case .methodNotAllowed: return "method not allowed; this server accepts GET, HEAD and POST"
        case .methodNotImplemented: return "method not implemented"
        case .malformedRequest: return "malformed request"
        case .missingHost: return "HTTP/1.1 requests need a Host header"
        case .invalidHost: return "exactly one valid Host header is required"
        case .invalidContentLength: return "invalid Content-Length"
        case .unsupportedTransferEncoding: return "Transfer-Encoding is not supported; send a Content-Length"
        case .unsupportedVersion: return "only HTTP/1.0 and HTTP/1.1 are supported"
        case .connectionLimit: return "too many connections; retry later"
        case .peerConnectionLimit: return "too many connections from this address; retry later"
        case .evicted: return "idle or slow connection closed to make room"
        case .bodyBudget: return "the server is receiving too many request bodies; retry later"
        case .descriptorsExhausted: return "out of file descriptors"
        case .unauthorized: return "missing or invalid credentials"
        case .notFound: return "no route for this path"
        case .refusedBeforeBody: return "refused"
        case .writeTimeout: return "response could not be written in time"
        }
    }

    /// The refusal as a response (always with `Connection: close`).
    var response: HTTPResponse? {
        guard let status else { return nil }
        var headers: [(name: String, value: String)] = []
        if self == .methodNotAllowed { headers.append(("Allow", "GET, HEAD, POST")) }
        if [.connectionLimit, .peerConnectionLimit, .bodyBudget].contains(self) { headers.append(("Retry-After", "1")) }
        return HTTPError(status, code: rawValue, message: message, headers: headers).response
    }
}
