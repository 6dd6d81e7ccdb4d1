import Storage
import Support

/// A long-running part of the appliance. `start` returns once the part is serving; `stop`
/// returns once it has finished or given up by `deadline` (monotonic nanoseconds).
protocol Service: Sendable {
    var name: String { get }
    func start() async throws
    func stop(deadline: UInt64) async
}

/// Starts services in order and stops them in reverse. If one fails to start, those already
/// started are stopped (in reverse) and the error is rethrown.
struct ServiceGroup: Sendable {
    let services: [any Service]
    let logger: Logger

    func start() async throws {
        var started: [any Service] = []
        for service in services {
            do {
                try await service.start()
                started.append(service)
                logger.debug("service started", ["service": service.name])
            } catch {
                logger.error("service failed to start", ["service": service.name, "error": "\(error)"])
                let deadline = MonotonicInstant.now().nanoseconds + 5_000_000_000
                for service in started.reversed() { await service.stop(deadline: deadline) }
                throw error
            }
        }
    }

    func stop(within seconds: Double) async {
        let deadline = MonotonicInstant.now().nanoseconds + UInt64(max(0, seconds) * 1e9)
        for service in services.reversed() {
            await service.stop(deadline: deadline)
            logger.debug("service stopped", ["service": service.name])
        }
    }
}

/// Seconds from now until `deadline` (never negative).
func secondsUntil(_ deadline: UInt64) -> Double {
    let now = MonotonicInstant.now().nanoseconds
    return deadline > now ? Double(deadline - now) / 1e9 : 0
}
