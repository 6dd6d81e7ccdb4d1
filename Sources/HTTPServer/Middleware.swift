import Support

/// Something that answers a request: a route's handler, or a middleware chain ending in one.
/// A thrown `HTTPError` renders itself; any other error becomes a 500 whose detail goes only to
/// the log.
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest) async throws -> HTTPResponse
}

/// A cross-cutting step around a responder (authentication, logging, later sessions and CSRF).
/// It may answer by itself (a refusal), change the request it passes on (for example record how
/// the caller authenticated), or look at the response on its way back.
public protocol HTTPMiddleware: Sendable {
    func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse
}

/// A closure as a responder.
public struct ClosureResponder: HTTPResponder {
    let body: @Sendable (HTTPRequest) async throws -> HTTPResponse
    public init(_ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) { self.body = body }
    public func respond(to request: HTTPRequest) async throws -> HTTPResponse { try await body(request) }
}

/// A middleware in front of a responder.
struct ChainedResponder: HTTPResponder {
    let middleware: any HTTPMiddleware
    let next: any HTTPResponder
    func respond(to request: HTTPRequest) async throws -> HTTPResponse {
        try await middleware.respond(to: request, next: next)
    }
}

extension Route {
    /// This route behind `middleware` (the first element sees the request first). A route with
    /// middleware always runs as a task: middleware may await.
    public func behind(_ middleware: [any HTTPMiddleware]) -> Route {
        guard !middleware.isEmpty else { return self }
        let inner: any HTTPResponder
        switch handler {
        case .immediate(let body): inner = ClosureResponder { body($0) }
        case .task(let body): inner = ClosureResponder(body)
        }
        let chain = middleware.reversed().reduce(inner) { next, step in ChainedResponder(middleware: step, next: next) }
        return Route(method, pattern, .task { try await chain.respond(to: $0) }, preflight: preflight)
    }
}

extension Array where Element == Route {
    /// Every route behind `middleware`.
    public func behind(_ middleware: [any HTTPMiddleware]) -> [Route] { map { $0.behind(middleware) } }
}

/// Logs each request that reaches it: `debug` for answered ones, `warning` for 5xx answers, with
/// the route pattern (bounded), method, status and milliseconds as typed fields.
public struct RequestLogging: HTTPMiddleware {
    let logger: Logger

    public init(logger: Logger) {
        self.logger = logger
    }

    public func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        let started = MonotonicInstant.now()
        do {
            let response = try await next.respond(to: request)
            log(request, response.status, started)
            return response
        } catch let error as HTTPError {
            log(request, error.status, started)
            throw error
        }
    }

    private func log(_ request: HTTPRequest, _ status: Int, _ started: MonotonicInstant) {
        let fields: LogFields = ["route": request.route, "method": request.method.rawValue, "status": status, "ms": (started.secondsElapsed() * 1e5).rounded() / 100]
        if status >= 500 { logger.warning("request answered with a server error", fields) } else { logger.debug("request", fields) }
    }
}
