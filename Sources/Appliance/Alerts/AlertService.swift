import FoundationEssentials
import Pipeline
import Storage
import Support

/// Delivers the alert outbox while `serve` runs: a pass every second with channels configured
/// (every 30 s without, only marking new alerts routed nowhere). A failing pass is logged and
/// retried at the next; no send starts after a stop request.
struct AlertService: Service {
    let name = "alerts"
    let sender: AlertSender
    let enabled: Bool
    let logger: Logger
    let stop: StopRequest

    func start() async throws {}

    func run() async throws {
        await repeatUntilCancelled(every: enabled ? 1 : 30) {
            guard !stop.isRaised else { return }
            do {
                try await sender.runOnce()
            } catch {
                logger.warning("alert delivery pass failed; retried in a moment", ["error": "\(error)"])
            }
        }
    }

    func stop(deadline: UInt64) async {}
}

extension AlertSender {
    /// The sender of `configuration` over its own small HTTP client (one transfer thread, no
    /// retries of its own: the outbox keeps the retry schedule).
    static func make(configuration: Configuration, pool: DatabasePool, clock: any WallClock, logger: Logger) -> AlertSender {
        let client = NetworkClient(settings: NetworkSettings(timeout: 15, maxResponseBytes: 1 << 20, threads: 1,
                                                             retry: HTTPRetryPolicy(maxAttempts: 1)),
                                   clock: clock, logger: logger)
        return AlertSender(pool: pool, client: client, routing: configuration.alerts.routing, clock: clock,
                           logger: logger, settings: configuration.alerts.sender)
    }
}
