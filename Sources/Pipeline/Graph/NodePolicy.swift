import Support
/// How often a failing node is tried again and how long it waits in between.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in total (1 = no retry).
    public var maxAttempts: Int
    /// Wait before the second attempt, in seconds; multiplied by `multiplier` each time, capped at `maxBackoff`.
    public var initialBackoff: Double
    public var multiplier: Double
    public var maxBackoff: Double

    public init(maxAttempts: Int = 1, initialBackoff: Double = 0.5, multiplier: Double = 2, maxBackoff: Double = 30) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = max(0, initialBackoff)
        self.multiplier = max(1, multiplier)
        self.maxBackoff = max(0, maxBackoff)
    }

    /// The wait before attempt `attempt` (2, 3, ...), in seconds.
    public func backoff(beforeAttempt attempt: Int) -> Double {
        guard attempt > 1 else { return 0 }
        var wait = initialBackoff
        for _ in 2..<attempt { wait *= multiplier }
        return min(wait, maxBackoff)
    }
}

/// What the run does when a node has failed all its attempts.
public enum FailurePolicy: String, Sendable, Equatable {
    /// The run stops as failed; resuming it tries the node again.
    case stop
    /// The failure is recorded in the `errors` channel and the run goes on along the node's edges.
    case `continue`
}

/// Per-node execution rules.
public struct NodePolicy: Sendable, Equatable {
    /// Seconds one attempt may take (nil: no limit).
    public var timeout: Double?
    public var retry: RetryPolicy
    public var onFailure: FailurePolicy

    public init(timeout: Double? = nil, retry: RetryPolicy = RetryPolicy(), onFailure: FailurePolicy = .stop) {
        self.timeout = timeout
        self.retry = retry
        self.onFailure = onFailure
    }
}

/// Run-wide limits.
public struct GraphOptions: Sendable, Equatable {
    /// Supersteps one invocation may take before it fails (LangGraph's recursion limit).
    public var stepLimit: Int
    /// Nodes of one superstep running at the same time.
    public var maxConcurrency: Int

    public init(stepLimit: Int = 25, maxConcurrency: Int = 16) {
        self.stepLimit = max(1, stepLimit)
        self.maxConcurrency = max(1, maxConcurrency)
    }
}
