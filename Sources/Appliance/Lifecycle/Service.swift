import Support

/// A long-running part of the appliance.
///
/// - `start` returns once the part is serving (or throws: the process does not start).
/// - `run` lasts as long as the part works. It returns or throws on its own only when the part
///   died; the group then stops the process with a non-zero exit so the supervisor restarts it.
///   After `stop`, or when its task is cancelled, it returns.
/// - `stop` returns once the part has finished, or has given up by `deadline` (monotonic ns).
protocol Service: Sendable {
    var name: String { get }
    func start() async throws
    func run() async throws
    func stop(deadline: UInt64) async
}

extension Service {
    /// For parts with nothing to do between start and stop: waits until cancelled.
    func run() async throws { try await sleepUntilCancelled() }
}

/// Suspends until the current task is cancelled.
func sleepUntilCancelled() async throws {
    while !Task.isCancelled { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
}

/// Runs `body` every `seconds` until the task is cancelled (then returns).
func repeatUntilCancelled(every seconds: Double, _ body: @Sendable () async -> Void) async {
    while !Task.isCancelled {
        do { try await Task.sleep(nanoseconds: UInt64(seconds * 1e9)) } catch { return }
        await body()
    }
}

/// How a group's run ended.
enum ServiceGroupOutcome: Equatable, Sendable {
    /// A stop signal arrived and every service was stopped in reverse order.
    case stopped(signal: Int32)
    /// A service's `run` ended on its own; the others were stopped. The process must exit non-zero.
    case serviceDied(name: String, reason: String)
}

/// Owns the services' lives: starts them in order (stopping those already started, in reverse,
/// if one fails to start), runs them all, waits for a stop signal or for one of them to die, and
/// then stops them in reverse order within the deadline.
struct ServiceGroup: Sendable {
    let services: [any Service]
    let logger: Logger

    /// Starts every service in order; on failure stops those started, in reverse, and rethrows.
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

    /// Runs the started services until `stopSignal` returns or a service's `run` ends, then stops
    /// every service in reverse order within `shutdownSeconds`.
    /// `willStop` is called with the outcome before the first service is stopped.
    func run(until stopSignal: @escaping @Sendable () async -> Int32, shutdownSeconds: Double,
             willStop: @Sendable (ServiceGroupOutcome) -> Void = { _ in }) async -> ServiceGroupOutcome {
        let (events, continuation) = AsyncStream.makeStream(of: ServiceGroupOutcome.self)
        var tasks = services.map { service in
            Task {
                do {
                    try await service.run()
                    continuation.yield(.serviceDied(name: service.name, reason: "it stopped without being asked to"))
                } catch {
                    continuation.yield(.serviceDied(name: service.name, reason: String(describing: error)))
                }
            }
        }
        tasks.append(Task { continuation.yield(.stopped(signal: await stopSignal())) })
        var outcome = ServiceGroupOutcome.stopped(signal: 0)
        for await event in events {
            outcome = event
            break
        }
        switch outcome {
        case .stopped(let signal):
            logger.info("stopping", ["signal": Int(signal), "deadlineSeconds": shutdownSeconds])
        case .serviceDied(let name, let reason):
            logger.critical("service stopped unexpectedly; stopping the process", ["service": name, "reason": reason])
        }
        willStop(outcome)
        await stop(within: shutdownSeconds)
        tasks.forEach { $0.cancel() }
        continuation.finish()
        return outcome
    }

    /// Stops every service in reverse order, sharing one deadline.
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
