import FoundationEssentials
import Storage
import Support

/// Intake settings: credentials, time bounds, de-duplication window and rules.
public struct SignalIntakeSettings: Sendable {
    /// Key for `x-signature` HMAC-SHA256 of the raw body.
    public var hmacSecret: String?
    /// Token for `POST /webhook/<token>` or a `secret` body field.
    public var token: String?
    public var maxLagSeconds: Double
    public var dedupWindowSeconds: Double
    public var rules: SignalRules

    public init(hmacSecret: String?, token: String?, maxLagSeconds: Double = 300, dedupWindowSeconds: Double = 3_600,
                rules: SignalRules = SignalRules()) {
        self.hmacSecret = hmacSecret
        self.token = token
        self.maxLagSeconds = maxLagSeconds
        self.dedupWindowSeconds = dedupWindowSeconds
        self.rules = rules
    }
}

/// One webhook request as the intake sees it.
public struct WebhookRequest: Sendable {
    public var body: [UInt8]
    /// The `x-signature` header.
    public var signature: String?
    /// The token from `/webhook/<token>`.
    public var pathToken: String?
    public var remoteAddress: String?

    public init(body: [UInt8], signature: String?, pathToken: String?, remoteAddress: String?) {
        self.body = body
        self.signature = signature
        self.pathToken = pathToken
        self.remoteAddress = remoteAddress
    }
}

/// The answer: an HTTP status and the JSON body TradingView and bots read.
public struct IntakeResult: Sendable {
    public enum Outcome: String, Sendable { case accepted, duplicate, rejected, unauthorized, unavailable }
    public struct Body: Sendable {
        /// ACCEPTED, REJECTED or DUPLICATE (absent for 401/503).
        public var status: String?
        public var message: String
        public var correlation_id: String?
        public var processing_time_ms: Double
        public var decision: String?
        public var error: String?

        /// Compact JSON, keys sorted (present keys only).
        public var json: [UInt8] {
            var members: [String: JSONValue] = ["message": .string(message), "processing_time_ms": .number(processing_time_ms)]
            if let status { members["status"] = .string(status) }
            if let correlation_id { members["correlation_id"] = .string(correlation_id) }
            if let decision { members["decision"] = .string(decision) }
            if let error { members["error"] = .string(error) }
            return JSONValue.object(members).serialized()
        }
    }
    public var httpStatus: Int
    public var outcome: Outcome
    public var body: Body
    /// Seconds spent deciding (accepted signals only).
    public var decisionSeconds: Double?
}

/// Webhook intake: authenticate, decode, validate, de-duplicate, store, decide, update positions.
/// The signal, its decision and the position change commit in one transaction before the answer,
/// so an acknowledged signal is never lost and a duplicate can never create a second one.
/// Unauthenticated requests store nothing; rejected ones are kept in `processing_errors`.
public struct SignalIntake: Sendable {
    public let pool: DatabasePool
    public let settings: SignalIntakeSettings
    public let clock: any WallClock

    public init(pool: DatabasePool, settings: SignalIntakeSettings, clock: any WallClock = SystemWallClock()) {
        self.pool = pool
        self.settings = settings
        self.clock = clock
    }

    public func handle(_ request: WebhookRequest) async -> IntakeResult {
        let started = MonotonicInstant.now()
        func result(_ status: Int, _ outcome: IntakeResult.Outcome, _ label: String?, _ message: String, correlation: String? = nil,
                    decision: Decision? = nil, error: String? = nil, decisionSeconds: Double? = nil) -> IntakeResult {
            IntakeResult(httpStatus: status, outcome: outcome,
                         body: .init(status: label, message: message, correlation_id: correlation,
                                     processing_time_ms: (started.secondsElapsed() * 1e5).rounded() / 100,
                                     decision: decision?.action, error: error),
                         decisionSeconds: decisionSeconds)
        }
        guard settings.hmacSecret != nil || settings.token != nil else {
            return result(503, .unavailable, nil, "the webhook is disabled: set WEBHOOK_SECRET or WEBHOOK_TOKEN", error: "webhook_disabled")
        }
        let decoded: Result<SignalBody, SignalRejection> = Result { () throws(SignalRejection) in try SignalBody.decode(request.body) }
        guard let method = authenticate(request, body: try? decoded.get()) else {
            return result(401, .unauthorized, nil, "unauthorized", error: "unauthorized")
        }
        let now = clock.now()
        do {
            let body = try decoded.get()
            let signal = try ValidatedSignal.validate(body, now: now, maxLagSeconds: settings.maxLagSeconds)
            let correlation = UUID().uuidString.lowercased()
            let dedupKey = signal.id.map { "id:\(signal.source):\($0)" } ?? "body:" + SHA256.hash(body.canonical).hexString
            let record = NewSignal(correlationID: correlation, source: signal.source, symbol: signal.symbol,
                                   direction: signal.direction.rawValue, timeframe: signal.timeframe, signalTime: signal.time,
                                   receivedAt: now, price: signal.price, score: signal.score, confidence: signal.confidence,
                                   idempotencyKey: signal.id, dedupKey: dedupKey, authMethod: method,
                                   metadata: signal.metadata, rawBody: String(decoding: body.canonical, as: UTF8.self))
            let intakeMilliseconds = started.secondsElapsed() * 1000
            let (rules, window) = (settings.rules, settings.dedupWindowSeconds)
            let stored = try await pool.write { database -> (String, Decision?, Double) in
                let store = database.signals
                if let existing = try store.duplicate(of: dedupKey, notBefore: now.addingTimeInterval(-window)) {
                    return (existing, nil, 0)
                }
                let id = try store.insert(record, intakeMilliseconds: intakeMilliseconds)
                let deciding = MonotonicInstant.now()
                let open = try store.openPositions()
                let book = BookState(openPosition: open.first { $0.symbol == signal.symbol }, openPositions: open.count,
                                     exposure: open.reduce(0) { $0 + $1.exposure }, lastEntry: try store.lastEntry(symbol: signal.symbol),
                                     lastPrice: try store.lastPrice(symbol: signal.symbol))
                let decision = rules.decide(signal, book: book, now: now)
                var positionID: Int64?
                switch decision.effect {
                case .none: break
                case .close(let position, let price):
                    try store.close(position, price: price, signalID: id)
                    positionID = position.id
                case .open(let side, let quantity, let price, let closing):
                    if let closing { try store.close(closing, price: price, signalID: id) }
                    positionID = try store.open(symbol: signal.symbol, side: side, quantity: quantity, price: price, signalID: id)
                }
                let seconds = deciding.secondsElapsed()
                try store.recordDecision(signalID: id, action: decision.action, rule: decision.rule, reasons: decision.reasons,
                                         positionID: positionID, milliseconds: seconds * 1000)
                return (correlation, decision, seconds)
            }
            guard let decision = stored.1 else {
                return result(200, .duplicate, "DUPLICATE", "already received; nothing new was created", correlation: stored.0)
            }
            return result(200, .accepted, "ACCEPTED", "\(decision.action) (\(decision.rule)): \(decision.reasons.joined(separator: "; "))",
                          correlation: stored.0, decision: decision, decisionSeconds: stored.2)
        } catch let rejection as SignalRejection {
            let payload = (try? decoded.get()).map { String(decoding: $0.canonical, as: UTF8.self) }
                ?? String(decoding: request.body.prefix(4_096), as: UTF8.self)
            do {
                try await pool.write { try $0.signals.recordError(code: rejection.code, message: rejection.message, payload: payload,
                                                                   remoteAddress: request.remoteAddress) }
            } catch {
                return result(503, .unavailable, nil, "the rejection could not be recorded; retry", error: "storage_unavailable")
            }
            return result(rejection.status, .rejected, "REJECTED", rejection.message, error: rejection.code)
        } catch {
            return result(503, .unavailable, nil, "the signal could not be stored; retry", error: "storage_unavailable")
        }
    }

    /// The authentication method that succeeded, or nil. Every comparison is constant-time.
    func authenticate(_ request: WebhookRequest, body: SignalBody?) -> String? {
        if let signature = request.signature {
            guard let secret = settings.hmacSecret else { return nil }
            var hex = signature.trimmed().lowercased()
            if hex.hasPrefix("sha256=") { hex.removeFirst(7) }
            let expected = HMACSHA256.authenticationCode(key: Array(secret.utf8), message: request.body).hexString
            return constantTimeEquals(Array(hex.utf8), Array(expected.utf8)) ? "hmac" : nil
        }
        guard let token = settings.token else { return nil }
        if let pathToken = request.pathToken {
            return constantTimeEquals(Array(pathToken.utf8), Array(token.utf8)) ? "path_token" : nil
        }
        if let secret = body?.secret {
            return constantTimeEquals(Array(secret.utf8), Array(token.utf8)) ? "body_secret" : nil
        }
        return nil
    }
}
