import HTTPServer
import Support

/// Admin routes need `Authorization: Bearer $TRADEWIZARD_ADMIN_TOKEN` (compared in constant time).
/// With no token configured they answer only requests from loopback. A refusal is a 401 with no
/// detail and `WWW-Authenticate: Bearer`; an accepted request is marked `authentication = "admin"`.
struct AdminAuthentication: HTTPMiddleware {
    let token: String?

    func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try check(request)
        var request = request
        request.authentication = "admin"
        return try await next.respond(to: request)
    }

    /// Throws the 401 `HTTPError` when the request may not use admin routes.
    func check(_ request: HTTPRequest) throws {
        guard let token else {
            guard request.isLoopback else { throw Self.refusal }
            return
        }
        guard let header = request.header("authorization"), header.hasPrefix("Bearer ") else { throw Self.refusal }
        let presented = Array(header.dropFirst(7).utf8)
        guard constantTimeEquals(presented, Array(token.utf8)) else { throw Self.refusal }
    }

    static let refusal = HTTPError(401, code: RefusalReason.unauthorized.rawValue, message: RefusalReason.unauthorized.message,
                                   headers: [("WWW-Authenticate", "Bearer")])
}
