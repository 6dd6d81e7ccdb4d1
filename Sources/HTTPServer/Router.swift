import Support
/// How a route produces its response.
public enum RouteHandler: Sendable {
    /// Runs on the event-loop thread; must be fast and never block (cached state only).
    case immediate(@Sendable (HTTPRequest) -> HTTPResponse)
    /// Runs as a Swift task; may await the database. A thrown `HTTPError` renders itself; any
    /// other error becomes a 500 whose details go only to the log.
    case task(@Sendable (HTTPRequest) async throws -> HTTPResponse)
}

/// One route: a method and a path pattern whose `{name}` segments capture path parameters.
public struct Route: Sendable {
    public let method: HTTPMethod
    /// The pattern, also the route's label in metrics (bounded cardinality).
    public let pattern: String
    public let handler: RouteHandler
    /// Checks made on the request line and headers alone (the body is empty), before the body is
    /// read: a thrown `HTTPError` is the answer and the body is never received (a wrong path
    /// token, a sender outside an allowlist).
    public let preflight: (@Sendable (HTTPRequest) throws -> Void)?
    let segments: [Substring]

    public init(_ method: HTTPMethod, _ pattern: String, _ handler: RouteHandler,
                preflight: (@Sendable (HTTPRequest) throws -> Void)? = nil) {
        self.method = method
        self.pattern = pattern
        self.handler = handler
        self.preflight = preflight
        self.segments = pattern.split(separator: "/")
    }
}

/// Matches requests to routes. HEAD is served by the GET route of the same path, without a body.
public struct Router: Sendable {
    public enum Match {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [HTTPMethod])
        case notFound
    }

    let routes: [Route]

    public init(_ routes: [Route]) {
        self.routes = routes
    }

    public func match(_ method: HTTPMethod, path: String) -> Match {
        let parts = path.split(separator: "/")
        var allowed: [HTTPMethod] = []
        for route in routes {
            guard let parameters = Self.capture(route.segments, parts) else { continue }
            if route.method == method || (method == .head && route.method == .get) {
                return .found(route, parameters: parameters)
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func capture(_ pattern: [Substring], _ parts: [Substring]) -> [String: String]? {
        guard pattern.count == parts.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(pattern, parts) {
            if segment.first == "{" && segment.last == "}" {
                guard let decoded = HTTPRequestParser.percentDecode(String(part), plusIsSpace: false), !decoded.isEmpty else { return nil }
                parameters[String(segment.dropFirst().dropLast())] = decoded
            } else if segment != part {
                return nil
            }
        }
        return parameters
    }
}

/// What the server reports as it works (metrics implement it).
public protocol HTTPServerObserver: Sendable {
    func requestCompleted(route: String, method: HTTPMethod, status: Int, seconds: Double)
    func refused(_ reason: RefusalReason)
    func connectionsChanged(open: Int)
}
