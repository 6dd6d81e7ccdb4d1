/// Raised once, when the process is asked to stop. Work that has not started yet (an analysis, a
/// model call, a job) checks it and does not start; work already running goes on until the
/// shutdown deadline cancels its task.
public final class StopRequest: Sendable {
    private let flag = AtomicFlag()

    public init() {}

    /// True once `raise` was called.
    public var isRaised: Bool { flag.isSet }

    /// Asks every holder to start nothing new.
    public func raise() { flag.set(true) }

    /// For work that may not start after a stop request: suspends until the task is cancelled
    /// (the shutdown deadline), then throws `CancellationError`, so the run it belongs to ends
    /// as interrupted (resumable from its checkpoint), not as failed.
    public static func holdUntilCancelled() async throws -> Never {
        while true { try await Task.sleep(nanoseconds: 3_600_000_000_000) }
    }
}

/// Waits for `operation` at most `seconds`; returns true when it finished in time. Unlike a task
/// group, it does not wait for an operation that ignores cancellation: the operation keeps
/// running unawaited after the time is up.
public func finishes(within seconds: Double, _ operation: @escaping @Sendable () async -> Void) async -> Bool {
    let (results, continuation) = AsyncStream.makeStream(of: Bool.self)
    Task { await operation(); continuation.yield(true) }
    let timer = Task {
        try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9))
        continuation.yield(false)
    }
    var finished = false
    for await result in results { finished = result; break }
    timer.cancel()
    continuation.finish()
    return finished
}
