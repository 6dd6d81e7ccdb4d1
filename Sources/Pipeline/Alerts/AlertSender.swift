import FoundationEssentials
import Storage
import Support
import Synchronization

/// Which channels each event goes to: `routes` names them per event (`ALERT_ROUTES`, `*` for the
/// rest); an event without a route goes to every channel when it is on by default, to none otherwise. A channel
/// takes only alerts at or above its minimum severity.
public struct AlertRouting: Sendable, Equatable {
    public var channels: [AlertChannel]
    public var routes: [String: [String]]

    public init(channels: [AlertChannel], routes: [String: [String]] = [:]) {
        self.channels = channels
        self.routes = routes
    }

    /// Whether alerts of `event` go anywhere (an off-by-default event's fact then writes none).
    public func routes(_ event: String) -> Bool { !channels(for: event, severity: .critical).isEmpty }

    public func channels(for event: String, severity: AlertSeverity) -> [String] {
        // An event that is off by default goes only where a route names it explicitly.
        let onByDefault = AlertEvents.all.first { $0.name == event }?.onByDefault ?? true
        let named = routes[event] ?? (onByDefault ? routes["*"] ?? channels.map(\.name) : [])
        return channels.filter { named.contains($0.name) && severity >= $0.minimumSeverity }.map(\.name)
    }
}

/// Delivers the outbox: fans each new alert out to its channels, then sends what is due per
/// channel — at most `ratePerMinute` messages a minute each, pending alerts with one coalescing
/// key folded into one message with a count, the overflow of a burst folded into one summary —
/// with exponential backoff after failures, the provider's wait after a 429, and a give-up age.
/// At least once: a crash after a send and before it is recorded sends it again with the same
/// idempotency key.
public final class AlertSender: Sendable {
    public struct Settings: Sendable {
        public var ratePerMinute = 20
        /// Seconds after which an undelivered alert is given up (logged, counted as failed).
        public var giveUpAfter: Double = 86_400
        /// First retry after this many seconds, doubling each time, at most `maxBackoff`.
        public var backoff: Double = 5
        public var maxBackoff: Double = 3_600
        public init() {}
    }

    public struct Pass: Sendable, Equatable {
        public var sent = 0
        public var coalesced = 0
        public var failed = 0
        public var waiting = 0
    }

    let pool: DatabasePool
    let client: NetworkClient
    let routing: AlertRouting
    let clock: any WallClock
    let logger: Logger
    let settings: Settings
    /// Per channel, when its recent messages went out (the rate window).
    private let sentTimes = Mutex<[String: [Date]]>([:])

    public init(pool: DatabasePool, client: NetworkClient, routing: AlertRouting, clock: any WallClock, logger: Logger, settings: Settings = Settings()) {
        self.pool = pool
        self.client = client
        self.routing = routing
        self.clock = clock
        self.logger = logger
        self.settings = settings
    }

    /// One pass: fan out, then deliver what is due on every channel.
    @discardableResult
    public func runOnce() async throws -> Pass {
        let routing = routing
        // A thousand alerts a transaction, until none is left unrouted.
        while try await pool.write({ database -> Bool in
            let batch = try database.alerts.unrouted(limit: 1_000)
            for alert in batch {
                try database.alerts.route(alert.id, to: routing.channels(for: alert.event, severity: alert.severity))
            }
            return batch.count == 1_000
        }) {}
        var pass = Pass()
        for channel in routing.channels { try await deliver(channel, into: &pass) }
        return pass
    }

    /// A message to send: the delivery it is sent as, its text, and the deliveries folded into it.
    struct Message {
        var primary: AlertDelivery
        var text: String
        var folded: [Int64]
    }

    func budget(_ channel: String, now: Date) -> Int {
        sentTimes.withLock { times in
            let recent = (times[channel] ?? []).filter { now.timeIntervalSince($0) < 60 }
            times[channel] = recent
            return settings.ratePerMinute - recent.count
        }
    }

    /// The messages of `due` (oldest first): coalescing keys folded to their newest, then anything
    /// past `budget` folded into one summary.
    static func messages(_ due: [AlertDelivery], budget: Int) -> [Message] {
        var messages: [Message] = []
        var byKey: [String: Int] = [:]
        for delivery in due {
            if let key = delivery.coalesceKey, let index = byKey[key] {
                // The newest state wins; the older ones ride along as a count.
                let older = messages[index]
                messages[index] = Message(primary: delivery, text: delivery.text, folded: older.folded + [older.primary.id])
            } else {
                if let key = delivery.coalesceKey { byKey[key] = messages.count }
                messages.append(Message(primary: delivery, text: delivery.text, folded: []))
            }
        }
        for index in messages.indices where !messages[index].folded.isEmpty {
            messages[index].text += " (\(messages[index].folded.count) earlier change(s) since the last message)"
        }
        guard budget > 0 else { return [] }
        guard messages.count > budget else { return messages }
        let kept = Array(messages.prefix(budget - 1))
        let rest = messages.dropFirst(budget - 1)
        var counts: [String: Int] = [:]
        for message in rest { counts[message.primary.event, default: 0] += 1 + message.folded.count }
        let total = counts.values.reduce(0, +)
        let summary = "\(total) more alert(s) in a burst, summarised: " + counts.sorted { $0.key < $1.key }.map { "\($0.value) × \($0.key)" }.joined(separator: ", ")
            + ". Latest: " + (rest.last?.primary.text ?? "")
        let first = rest.first!.primary
        let folded = rest.flatMap { [$0.primary.id] + $0.folded }.filter { $0 != first.id }
        return kept + [Message(primary: first, text: summary, folded: folded)]
    }

    func deliver(_ channel: AlertChannel, into pass: inout Pass) async throws {
        let now = clock.now()
        let budget = budget(channel.name, now: now)
        guard budget > 0 else { return }
        let due = try await pool.read { try $0.alerts.due(channel: channel.name, limit: 100_000) }
        guard !due.isEmpty else { return }
        for message in Self.messages(due, budget: budget) {
            let sentAt = clock.now()
            let outcome: AlertChannel.Outcome
            do {
                let response = try await client.sendOnce(channel.request(message.primary, text: message.text, now: sentAt))
                outcome = channel.outcome(response, now: sentAt)
            } catch let error as NetworkError {
                outcome = .failed(error: channel.redact(error.description), permanent: false)
            }
            sentTimes.withLock { $0[channel.name, default: []].append(sentAt) }
            let delivery = message.primary
            switch outcome {
            case .sent(let response):
                try await pool.write { database in
                    try database.alerts.markSent(delivery.id, response: response)
                    try database.alerts.markCoalesced(message.folded, into: delivery.id)
                }
                pass.sent += 1
                pass.coalesced += message.folded.count
            case .wait(let seconds, let response):
                try await pool.write { try $0.alerts.markFailed(delivery.id, error: "asked to wait \(Int(seconds)) s: \(response)",
                                                                retryAt: sentAt.addingTimeInterval(seconds), countAttempt: false) }
                logger.notice("alert channel asked us to wait", ["channel": channel.name, "seconds": seconds])
                pass.waiting += 1
                return
            case .failed(let error, let permanent):
                let age = sentAt.timeIntervalSince(delivery.createdAt)
                let giveUp = permanent || age >= settings.giveUpAfter
                let retryAt = giveUp ? nil : sentAt.addingTimeInterval(min(settings.maxBackoff, settings.backoff * Double(1 << min(delivery.attempts, 20))))
                try await pool.write { try $0.alerts.markFailed(delivery.id, error: error, retryAt: retryAt) }
                if giveUp {
                    logger.warning("alert given up", ["channel": channel.name, "event": delivery.event, "delivery": delivery.id, "error": error])
                    pass.failed += 1
                } else {
                    logger.notice("alert delivery failed; will retry", ["channel": channel.name, "delivery": delivery.id, "error": error])
                    pass.waiting += 1
                }
            }
        }
    }
}
