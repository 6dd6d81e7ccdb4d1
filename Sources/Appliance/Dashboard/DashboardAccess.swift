import FoundationEssentials
import HTTPServer
import Support
import Synchronization

/// Dashboard sessions, kept in this process's memory (server-side: logging out or restarting the
/// appliance revokes them; a stolen cookie is worth nothing after either). A session id and its
/// CSRF token are 256 random bits each from the system's CSPRNG.
final class DashboardSessions: Sendable {
    struct Session: Sendable {
        var id: String
        var csrf: String
        var expires: Date
    }

    /// How long a login lasts.
    static let lifetime: TimeInterval = 12 * 3_600
    /// Sessions kept at most (the oldest goes first).
    static let capacity = 1_000
    /// Failed logins per peer within a minute before 429.
    static let failuresAllowed = 5

    private struct State {
        var sessions: [String: Session] = [:]
        var failures: [String: [Date]] = [:]
    }
    private let state = Mutex(State())
    /// The CSRF token of forms served without an admin token (loopback only): one per process.
    let localCSRF = DashboardSessions.randomToken()

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    func create(now: Date) -> Session {
        let session = Session(id: Self.randomToken(), csrf: Self.randomToken(), expires: now.addingTimeInterval(Self.lifetime))
        state.withLock { state in
            state.sessions = state.sessions.filter { $0.value.expires > now }
            if state.sessions.count >= Self.capacity, let oldest = state.sessions.values.min(by: { $0.expires < $1.expires }) {
                state.sessions[oldest.id] = nil
            }
            state.sessions[session.id] = session
        }
        return session
    }

    func find(_ id: String, now: Date) -> Session? {
        state.withLock { state in
            guard let session = state.sessions[id] else { return nil }
            guard session.expires > now else { state.sessions[id] = nil; return nil }
            return session
        }
    }

    func revoke(_ id: String) { state.withLock { _ = $0.sessions.removeValue(forKey: id) } }

    /// Counts a failed login of `peer` (see `throttled`).
    func failed(peer: String, now: Date) {
        state.withLock { state in
            var recent = (state.failures[peer] ?? []).filter { now.timeIntervalSince($0) < 60 }
            recent.append(now)
            state.failures[peer] = recent
            if state.failures.count > 10_000 { state.failures = state.failures.filter { $0.value.contains { now.timeIntervalSince($0) < 60 } } }
        }
    }

    func throttled(peer: String, now: Date) -> Bool {
        state.withLock { ($0.failures[peer] ?? []).filter { now.timeIntervalSince($0) < 60 }.count >= Self.failuresAllowed }
    }
}

/// Who may see the dashboard: with `TRADEWIZARD_ADMIN_TOKEN` set, a browser holding a session
/// cookie from `/login`; without one, only a plainly local request (the admin routes' rule).
/// Every POST carries the CSRF token of its session (or of the process, locally) and a
/// same-origin `Origin`/`Referer` when it has one.
struct DashboardAccess: Sendable {
    static let cookie = "tw_session"
    let token: String?
    let sessions: DashboardSessions
    let trustedProxies: AddressSet

    enum Caller {
        case local(csrf: String)
        case session(DashboardSessions.Session)
        var csrf: String {
            switch self {
            case .local(let csrf): return csrf
            case .session(let session): return session.csrf
            }
        }
    }

    /// The caller, or nil when the request may not see the dashboard.
    func caller(_ request: HTTPRequest, now: Date) -> Caller? {
        guard token != nil else {
            guard request.isLoopback, !request.isForwarded, AdminAuthentication.isSameOrigin(request) else { return nil }
            return .local(csrf: sessions.localCSRF)
        }
        guard let id = Self.cookieValue(request), let session = sessions.find(id, now: now) else { return nil }
        return .session(session)
    }

    /// Refuses a POST whose CSRF token is not the caller's or whose origin is another site.
    func checkForm(_ request: HTTPRequest, caller: Caller) throws -> [String: String] {
        let fields = request.formFields
        guard AdminAuthentication.isSameOrigin(request),
              let presented = fields["csrf"], constantTimeEquals(Array(presented.utf8), Array(caller.csrf.utf8)) else {
            throw HTTPError(403, code: "csrf_failed", message: "the form's CSRF token is missing or wrong, or it came from another site; reload the page")
        }
        return fields
    }

    /// Whether the request reached us over TLS through a trusted proxy (the cookie is then `Secure`).
    func overTLS(_ request: HTTPRequest) -> Bool {
        guard request.isForwarded, trustedProxies.contains(request.remoteAddress) else { return false }
        return request.header("x-forwarded-proto")?.lowercased() == "https"
    }

    static func cookieValue(_ request: HTTPRequest) -> String? {
        for header in request.headers where header.name.lowercased() == "cookie" {
            for pair in header.value.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, String(parts[0]).trimmed() == cookie { return String(parts[1]).trimmed() }
            }
        }
        return nil
    }
}

extension HTTPRequest {
    /// The fields of an `application/x-www-form-urlencoded` body (empty for any other type).
    var formFields: [String: String] {
        guard let type = header("content-type")?.lowercased(), type.hasPrefix("application/x-www-form-urlencoded") else { return [:] }
        return HTTPRequest.decodeForm(String(decoding: body, as: UTF8.self))
    }
}
