import FoundationEssentials
import Support
import Synchronization

/// The result of running one node with its policy.
enum NodeResult: Sendable {
    case success(StateUpdate, attempts: Int)
    case failure(any Error, attempts: Int)
}

extension Graph {
    /// Runs `node` with its retry and timeout policy; never throws (failures are values).
    func execute(node: String, state: GraphState, thread: String, step: Int) async -> NodeResult {
        guard let definition = nodes[node] else { return .failure(GraphError.invalidGraph("unknown node \(node)"), attempts: 0) }
        let policy = definition.policy
        var lastError: any Error = CancellationError()
        for attempt in 1...policy.retry.maxAttempts {
            let wait = policy.retry.backoff(beforeAttempt: attempt)
            if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            if Task.isCancelled { return .failure(CancellationError(), attempts: attempt - 1) }
            let context = NodeContext(thread: thread, node: node, step: step, attempt: attempt)
            do {
                let update = try await withTimeout(policy.timeout, node: node) { try await definition.body(state, context) }
                for channel in update.values.keys where reducers[channel] == nil || channel.hasPrefix("branch:") || channel.hasPrefix("join:") {
                    throw GraphError.invalidUpdate("node \(node) wrote undeclared channel \(channel)")
                }
                return .success(update, attempts: attempt)
            } catch {
                lastError = error
            }
        }
        return .failure(lastError, attempts: policy.retry.maxAttempts)
    }
}

/// Runs `operation`, giving up with `GraphError.timedOut` after `seconds`. The operation is
/// cancelled on timeout; if it ignores cancellation it is abandoned, not awaited, so a hung node
/// cannot hang the run.
func withTimeout<T: Sendable>(_ seconds: Double?, node: String,
                              _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    guard let seconds else { return try await operation() }
    let race = TimeoutRace<T>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            race.start(continuation, operation: operation, timeout: seconds, node: node)
        }
    } onCancel: {
        race.cancel()
    }
}

/// The shared state of one timeout race: whichever of the work and the timer ends first resumes
/// the continuation; the other is cancelled.
private final class TimeoutRace<T: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, operation: @escaping @Sendable () async throws -> T,
               timeout: Double, node: String) {
        state.withLock { $0.continuation = continuation }
        let work = Task {
            do { self.finish(.success(try await operation())) } catch { self.finish(.failure(error)) }
        }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
            if !Task.isCancelled { self.finish(.failure(GraphError.timedOut(node: node, seconds: timeout))) }
        }
        let alreadyFinished = state.withLock { state -> Bool in
            state.work = work
            state.timer = timer
            return state.continuation == nil
        }
        if alreadyFinished { timer.cancel() }
    }

    func cancel() { finish(.failure(CancellationError())) }

    private func finish(_ result: Result<T, any Error>) {
        let (continuation, work, timer) = state.withLock { state in
            defer { state.continuation = nil }
            return (state.continuation, state.work, state.timer)
        }
        guard let continuation else { return }
        work?.cancel()
        timer?.cancel()
        continuation.resume(with: result)
    }
}
