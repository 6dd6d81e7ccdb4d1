import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// `POST /webhook` and `POST /webhook/{token}` (signal intake), and the signal metrics:
/// `GET /metrics/signals`, `/metrics/positions`, `/metrics/latency`.
///
/// The HTTP contract of the intake lives here: authentication is middleware (`WebhookAuthenticator`),
/// the intake returns a domain outcome, and this maps it to a status and a body. Accepted and
/// duplicate signals answer `{"status","message","correlation_id","processing_time_ms","decision"}`
/// (what TradingView and bots read); every refusal answers the one error shape
/// `{"error":{"code","message"}}`, with `status` and `processing_time_ms` beside it for rejections.
enum WebhookRoutes {
    static func routes(intake: SignalIntake, senders: SenderAllowlist = SenderAllowlist(allowed: nil, trustedProxies: .empty),
                       database: AppDatabase, latency: LatencyRecorder, logger: Logger) -> [Route] {
        let receive: @Sendable (HTTPRequest) async throws -> HTTPResponse = { request in
            let started = MonotonicInstant.now()
            // The authenticator in front of this route recorded the method.
            guard let method = request.authentication.flatMap(WebhookAuthentication.init(rawValue:)) else { throw HTTPError.internalError }
            let client = request.clientAddress(trustedProxies: senders.trustedProxies)
            let result = await intake.handle(WebhookRequest(body: request.body, authentication: method, remoteAddress: client))
            return try answer(result, request: request, started: started, latency: latency, logger: logger)
        }
        let authenticator = WebhookAuthenticator(credentials: intake.settings.credentials, logger: logger)
        // Before the body is read: the sender allowlist, a disabled webhook, a wrong path token.
        let preflight: @Sendable (HTTPRequest) throws -> Void = { request in
            try senders.check(request)
            try authenticator.checkBeforeBody(request)
        }
        return [
            Route(.post, "/webhook", .task(receive), preflight: preflight),
            Route(.post, "/webhook/{token}", .task(receive), preflight: preflight),
        ].behind([senders, authenticator]) + [
            Route(.get, "/metrics/signals", .task { _ in
                .json(try await database.pool.read { try SignalReport.read($0) }.signals)
            }),
            Route(.get, "/metrics/positions", .task { _ in
                .json(try await database.pool.read { try SignalReport.read($0) }.positions)
            }),
            Route(.get, "/metrics/latency", .task { _ in
                let (intake, decision) = latency.percentiles()
                struct Body: Encodable { var intake: LatencyRecorder.Percentiles; var decision: LatencyRecorder.Percentiles; var window: String }
                return .json(Body(intake: intake, decision: decision, window: "newest 10000 accepted signals since the process started"))
            }),
        ]
    }

    /// The response for an intake outcome; refusals are thrown as `HTTPError`.
    static func answer(_ result: IntakeResult, request: HTTPRequest, started: MonotonicInstant, latency: LatencyRecorder,
                       logger: Logger) throws -> HTTPResponse {
        let timing: [String: JSONValue] = ["processing_time_ms": .number(result.processingMilliseconds)]
        switch result.outcome {
        case .accepted(let correlation, let decision, let decisionSeconds):
            latency.record(intakeSeconds: started.secondsElapsed(), decisionSeconds: decisionSeconds)
            return body(timing.merging(["status": "ACCEPTED", "correlation_id": .string(correlation), "decision": .string(decision.action),
                                        "message": .string("\(decision.action) (\(decision.rule)): \(decision.reasons.joined(separator: "; "))")]) { $1 })
        case .duplicate(let correlation):
            return body(timing.merging(["status": "DUPLICATE", "correlation_id": .string(correlation),
                                        "message": "already received; nothing new was created"]) { $1 })
        case .rejected(let rejection):
            logger.info("webhook signal rejected", ["code": rejection.code, "remote": request.remoteAddress])
            throw HTTPError(rejection.kind == .malformed ? 400 : 422, code: rejection.code, message: rejection.message,
                            details: timing.merging(["status": "REJECTED"]) { $1 })
        case .storageUnavailable:
            logger.error("webhook intake could not write to the database", ["remote": request.remoteAddress])
            throw HTTPError(503, code: "storage_unavailable", message: "the signal could not be stored; retry", details: timing)
        }
    }

    static func body(_ members: [String: JSONValue]) -> HTTPResponse {
        HTTPResponse(status: 200, headers: [("content-type", "application/json")], body: JSONValue.object(members).serialized())
    }
}

/// Refuses signals from senders outside `WEBHOOK_ALLOWED_IPS` with 403 `sender_not_allowed`,
/// before authentication. The sender is the socket peer, or the client a trusted proxy names.
struct SenderAllowlist: HTTPMiddleware {
    let allowed: AddressSet?
    let trustedProxies: AddressSet

    func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try check(request)
        return try await next.respond(to: request)
    }

    func check(_ request: HTTPRequest) throws {
        if let allowed, !allowed.contains(request.clientAddress(trustedProxies: trustedProxies)) {
            throw HTTPError(403, code: "sender_not_allowed", message: "this address may not send signals (WEBHOOK_ALLOWED_IPS)")
        }
    }
}

/// Authenticates webhook requests before the intake sees them: 503 `webhook_disabled` when no
/// credential is configured, 401 `unauthorized` (no detail) when none matches; otherwise the
/// method (`hmac`, `path_token`, `body_secret`) is recorded on the request.
struct WebhookAuthenticator: HTTPMiddleware {
    let credentials: WebhookCredentials
    let logger: Logger

    func respond(to request: HTTPRequest, next: any HTTPResponder) async throws -> HTTPResponse {
        try checkBeforeBody(request)
        guard let method = credentials.authenticate(body: request.body, signature: request.header("x-signature"),
                                                    pathToken: request.pathParameters["token"],
                                                    timestamped: request.header("x-tradewizard-signature"), now: Date()) else {
            logger.warning("webhook request without valid credentials", ["remote": request.remoteAddress])
            throw HTTPError(401, code: RefusalReason.unauthorized.rawValue, message: RefusalReason.unauthorized.message)
        }
        var request = request
        request.authentication = method.rawValue
        return try await next.respond(to: request)
    }

    /// What can be refused from the headers alone: a disabled webhook, and a path token that is
    /// wrong when no signature is sent (a signature, when present, decides alone).
    func checkBeforeBody(_ request: HTTPRequest) throws {
        guard credentials.isConfigured else {
            throw HTTPError(503, code: "webhook_disabled", message: "the webhook is disabled: set WEBHOOK_SECRET or WEBHOOK_TOKEN")
        }
        if request.header("x-signature") == nil, request.header("x-tradewizard-signature") == nil, let presented = request.pathParameters["token"],
           !(credentials.token.map { constantTimeEquals(Array(presented.utf8), Array($0.utf8)) } ?? false) {
            logger.warning("webhook request without valid credentials", ["remote": request.remoteAddress])
            throw HTTPError(401, code: RefusalReason.unauthorized.rawValue, message: RefusalReason.unauthorized.message)
        }
    }
}
