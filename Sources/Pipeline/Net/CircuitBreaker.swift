import Support
import Synchronization

/// A circuit breaker per origin: after `failureThreshold` consecutive failures the circuit opens
/// and calls fail fast; after `openSeconds` one trial call is let through (half-open); its success
/// closes the circuit, its failure opens it again.
public final class CircuitBreaker: Sendable {
    /// Consecutive failures that open a circuit.
    public let failureThreshold: Int
    /// Seconds an open circuit waits before a trial call.
    public let openSeconds: Double

    enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(since: Double)
        case halfOpen
    }

    private let states = Mutex<[String: State]>([:])

    public init(failureThreshold: Int = 5, openSeconds: Double = 60) {
        self.failureThreshold = max(1, failureThreshold)
        self.openSeconds = openSeconds
    }

    /// Nil when a call to `origin` may go ahead; otherwise the seconds until the next trial.
    public func admit(_ origin: String, now: Double) -> Double? {
        states.withLock { states in
            switch states[origin] ?? .closed(failures: 0) {
            case .closed:
                return nil
            case .halfOpen:
                // One trial is already in flight.
                return openSeconds
            case .open(let since):
                let remaining = since + openSeconds - now
                guard remaining <= 0 else { return remaining }
                states[origin] = .halfOpen
                return nil
            }
        }
    }

    /// Records a successful exchange: the circuit closes.
    public func recordSuccess(_ origin: String) {
        states.withLock { $0[origin] = .closed(failures: 0) }
    }

    /// Records a failed exchange (timeout, transport error, 5xx).
    /// Returns true when this failure opened the circuit (it was closed or half-open).
    @discardableResult
    public func recordFailure(_ origin: String, now: Double) -> Bool {
        states.withLock { states in
            switch states[origin] ?? .closed(failures: 0) {
            case .closed(let failures):
                let opens = failures + 1 >= failureThreshold
                states[origin] = opens ? .open(since: now) : .closed(failures: failures + 1)
                return opens
            case .halfOpen:
                states[origin] = .open(since: now)
                return true
            case .open:
                states[origin] = .open(since: now)
                return false
            }
        }
    }

    /// True while the circuit of `origin` is open or half-open.
    public func isOpen(_ origin: String) -> Bool {
        states.withLock { states in
            if case .closed = states[origin] ?? .closed(failures: 0) { return false }
            return true
        }
    }
}
