import FoundationEssentials
import Storage
import Support

/// Intake settings: credentials (checked by the webhook route), time bounds, de-duplication
/// window and rules.
public struct SignalIntakeSettings: Sendable {
    public var credentials: WebhookCredentials
    public var maxLagSeconds: Double
    public var dedupWindowSeconds: Double
    public var rules: SignalRules
    /// Write `signal.accepted` / `signal.rejected` alerts (off unless `ALERT_ROUTES` routes them:
    /// with them off the intake writes nothing more than it always did).
    public var alertAccepted = false
    public var alertRejected = false

    public init(hmacSecret: String?, token: String?, maxLagSeconds: Double = 300, dedupWindowSeconds: Double = 3_600,
                rules: SignalRules = SignalRules()) {
        self.credentials = WebhookCredentials(hmacSecret: hmacSecret, token: token)
        self.maxLagSeconds = maxLagSeconds
        self.dedupWindowSeconds = dedupWindowSeconds
        self.rules = rules
    }
}

/// One authenticated webhook request as the intake sees it.
public struct WebhookRequest: Sendable {
    public var body: [UInt8]
    /// How the sender authenticated (`hmac`, `path_token`, `body_secret`), stored with the signal.
    public var authentication: WebhookAuthentication
    public var remoteAddress: String?

    public init(body: [UInt8], authentication: WebhookAuthentication, remoteAddress: String?) {
        self.body = body
        self.authentication = authentication
        self.remoteAddress = remoteAddress
    }
}

/// What became of a webhook signal: a domain outcome, no HTTP (the webhook route maps it).
public enum IntakeOutcome: Sendable, Equatable {
    /// Stored and decided; `correlationID` names it in every later answer and row.
    case accepted(correlationID: String, decision: Decision, decisionSeconds: Double)
    /// The same signal was received within the de-duplication window; nothing new was created.
    case duplicate(correlationID: String)
    /// Refused; the rejection is kept in `processing_errors` (the body without its secret).
    case rejected(SignalRejection)
    /// The database could not take the signal (or the record of its rejection); the sender should retry.
    case storageUnavailable
}

/// The outcome and the time the intake spent on it.
public struct IntakeResult: Sendable {
    public var outcome: IntakeOutcome
    /// Milliseconds from the start of `handle` to its answer (two decimals).
    public var processingMilliseconds: Double
}

/// Webhook intake: decode, validate, de-duplicate, store, decide, update positions, for a request
/// the webhook route has already authenticated (`WebhookCredentials`). The signal, its decision
/// and the position change commit in one transaction before the answer, so an acknowledged signal
/// is never lost and a duplicate can never create a second one. Rejected ones are kept in
/// `processing_errors`.
public struct SignalIntake: Sendable {
    public let pool: DatabasePool
    public let settings: SignalIntakeSettings
    public let clock: any WallClock
    let logger: Logger

    public init(pool: DatabasePool, settings: SignalIntakeSettings, clock: any WallClock = SystemWallClock(), logger: Logger = .disabled) {
        self.logger = logger
        self.pool = pool
        self.settings = settings
        self.clock = clock
    }

    public func handle(_ request: WebhookRequest) async -> IntakeResult {
        let started = MonotonicInstant.now()
        func result(_ outcome: IntakeOutcome) -> IntakeResult {
            IntakeResult(outcome: outcome, processingMilliseconds: (started.secondsElapsed() * 1e5).rounded() / 100)
        }
        let decoded: Result<SignalBody, SignalRejection> = Result { () throws(SignalRejection) in try SignalBody.decode(request.body) }
        let method = request.authentication.rawValue
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
            let (rules, window, alertAccepted) = (settings.rules, settings.dedupWindowSeconds, settings.alertAccepted)
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
                    let pnl = try store.close(position, price: price, signalID: id)
                    positionID = position.id
                    try database.alerts.enqueue(AlertEvents.closed(symbol: position.symbol, price: price, pnl: pnl))
                case .open(let side, let quantity, let price, let closing):
                    if let closing {
                        let pnl = try store.close(closing, price: price, signalID: id)
                        try database.alerts.enqueue(AlertEvents.closed(symbol: closing.symbol, price: price, pnl: pnl))
                    }
                    positionID = try store.open(symbol: signal.symbol, side: side, quantity: quantity, price: price, signalID: id)
                    try database.alerts.enqueue(AlertEvents.opened(symbol: signal.symbol, side: side.rawValue, quantity: quantity, price: price))
                }
                let seconds = deciding.secondsElapsed()
                try store.recordDecision(signalID: id, action: decision.action, rule: decision.rule, reasons: decision.reasons,
                                         positionID: positionID, milliseconds: seconds * 1000)
                if alertAccepted {
                    try database.alerts.enqueue(AlertEvents.accepted(symbol: signal.symbol, direction: signal.direction.rawValue,
                                                                     action: decision.action, rule: decision.rule, reasons: decision.reasons))
                }
                return (correlation, decision, seconds)
            }
            guard let decision = stored.1 else { return result(.duplicate(correlationID: stored.0)) }
            log(decision, signal: signal, correlation: stored.0)
            return result(.accepted(correlationID: stored.0, decision: decision, decisionSeconds: stored.2))
        } catch let rejection as SignalRejection {
            let credentials = [settings.credentials.token, settings.credentials.hmacSecret].compactMap { $0 }
            let payload = (try? decoded.get()).map { String(decoding: $0.canonical, as: UTF8.self) }
                ?? SignalBody.redactedExcerpt(request.body, credentials: credentials)
            do {
                let alertRejected = settings.alertRejected
                try await pool.write { database in
                    try database.signals.recordError(code: rejection.code, message: rejection.message, payload: payload,
                                                     remoteAddress: request.remoteAddress)
                    if alertRejected { try database.alerts.enqueue(AlertEvents.rejected(code: rejection.code, message: rejection.message)) }
                }
            } catch {
                return result(.storageUnavailable)
            }
            return result(.rejected(rejection))
        } catch {
            return result(.storageUnavailable)
        }
    }

    /// What an operator needs to follow the book: each paper trade opened or closed, with the
    /// signal's symbol and decision (notice), and every decision at debug (after the commit; one
    /// info line per signal would flood the log at webhook rates).
    private func log(_ decision: Decision, signal: ValidatedSignal, correlation: String) {
        logger.debug("signal decided", ["symbol": signal.symbol, "direction": signal.direction.rawValue, "decision": decision.action,
                                        "rule": decision.rule, "correlationId": correlation, "source": signal.source])
        switch decision.effect {
        case .none: break
        case .close(let position, let price):
            logger.notice("position closed", ["symbol": position.symbol, "side": position.side.rawValue, "quantity": position.quantity,
                                              "entryPrice": position.entryPrice, "exitPrice": price, "decision": decision.action, "correlationId": correlation])
        case .open(let side, let quantity, let price, let closing):
            if let closing {
                logger.notice("position closed", ["symbol": closing.symbol, "side": closing.side.rawValue, "quantity": closing.quantity,
                                                  "entryPrice": closing.entryPrice, "exitPrice": price, "decision": decision.action, "correlationId": correlation])
            }
            logger.notice("position opened", ["symbol": signal.symbol, "side": side.rawValue, "quantity": quantity, "price": price,
                                              "decision": decision.action, "correlationId": correlation])
        }
    }
}
