import HTTPServer
import Support

/// Admin routes (`/trigger`, `/admin/*`: everything that changes state) need
/// `Authorization: Bearer $TRADEWIZARD_ADMIN_TOKEN` (compared in constant time). With no token
/// configured they answer only a request that is plainly local: a loopback peer, no forwarding
/// header (a proxy on this host would make every client local), and no `Origin`/`Referer` of
/// another origin (a page in a browser on this machine posting cross-site). Whatever the token,
/// a body of a type a plain HTML form can send (`application/x-www-form-urlencoded`,
/// `multipart/form-data`, `text/plain`) is refused with 415, so no cross-site form reaches them.
/// A refusal of the caller is a 401 with no detail and `WWW-Authenticate: Bearer`; an accepted
/// request is marked `authentication = "admin"`.
struct AdminAuthentication: HTTPMiddleware {
    let token: String?

    func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try check(request)
        var request = request
        request.authentication = "admin"
        return try await next.respond(to: request)
    }

    /// Throws the refusal (`HTTPError`) when the request may not use admin routes.
    func check(_ request: HTTPRequest) throws {
        if let type = request.header("content-type"), Self.formSendable(type) {
            throw HTTPError(415, code: "unsupported_media_type",
                            message: "admin routes take application/json (or no body); form content types are refused")
        }
        guard let token else {
            guard request.isLoopback, !request.isForwarded, Self.isSameOrigin(request) else { throw Self.refusal }
            return
        }
        guard let header = request.header("authorization"), header.hasPrefix("Bearer ") else { throw Self.refusal }
        let presented = Array(header.dropFirst(7).utf8)
        guard constantTimeEquals(presented, Array(token.utf8)) else { throw Self.refusal }
    }

    static let refusal = HTTPError(401, code: RefusalReason.unauthorized.rawValue, message: RefusalReason.unauthorized.message,
                                   headers: [("WWW-Authenticate", "Bearer")])

    /// The three content types a cross-site HTML form (or a "simple" cross-site fetch) may send.
    static func formSendable(_ contentType: String) -> Bool {
        let media = contentType.split(separator: ";").first.map { $0.trimmed().lowercased() } ?? ""
        return ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"].contains(media)
    }

    /// True when neither `Origin` nor (in its absence) `Referer` names an origin other than the
    /// request's own `Host`; a request with neither (curl, the CLI) is same-origin.
    static func isSameOrigin(_ request: HTTPRequest) -> Bool {
        let host = request.header("host")?.lowercased()
        func authority(_ url: String) -> String? {
            let lower = url.lowercased()
            guard let scheme = ["http://", "https://"].first(where: { lower.hasPrefix($0) }) else { return nil }
            return String(lower.dropFirst(scheme.count).prefix { $0 != "/" && $0 != "?" && $0 != "#" })
        }
        if let origin = request.header("origin") { return host != nil && authority(origin) == host }
        if let referer = request.header("referer") { return host != nil && authority(referer) == host }
        return true
    }
}
