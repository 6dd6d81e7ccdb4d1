import HTTPServer
import Storage
import Support

/// Admin routes need `Authorization: Bearer $TRADEWIZARD_ADMIN_TOKEN` (compared in constant time).
/// With no token configured they answer only requests from loopback.
struct AdminAuthorization: Sendable {
    let token: String?

    /// Throws a 401 `HTTPError` (no detail) when the request may not use admin routes.
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
