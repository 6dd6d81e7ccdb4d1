import Support
/// Why a graph could not be built or a run could not go on.
public enum GraphError: Error, Equatable, CustomStringConvertible {
    /// The definition is inconsistent (unknown node, no entry, duplicate names...).
    case invalidGraph(String)
    /// A node returned an update the channels cannot take.
    case invalidUpdate(String)
    /// A node failed after its retries and its policy is `stop`; `cause` holds the node's own
    /// error, typed, so callers can tell a network failure from a bug.
    case nodeFailed(node: String, cause: NodeFailureCause)
    /// A single attempt of a node ran past its timeout.
    case timedOut(node: String, seconds: Double)
    /// The run took more supersteps than the limit allows.
    case stepLimitReached(Int)
    /// The thread has no run, or its run belongs to another graph.
    case threadNotFound(String)
    case graphMismatch(thread: String, expected: String, found: String)
    /// A stored checkpoint could not be read.
    case corruptCheckpoint(String)

    public var description: String {
        switch self {
        case .invalidGraph(let message): "invalid graph: \(message)"
        case .invalidUpdate(let message): "invalid update: \(message)"
        case .nodeFailed(let node, let cause): "node \(node) failed: \(cause)"
        case .timedOut(let node, let seconds): "node \(node) timed out after \(seconds) s"
        case .stepLimitReached(let limit): "the run reached its limit of \(limit) supersteps"
        case .threadNotFound(let thread): "no run for thread \(thread)"
        case .graphMismatch(let thread, let expected, let found): "thread \(thread) runs graph \(found), not \(expected)"
        case .corruptCheckpoint(let message): "unreadable checkpoint: \(message)"
        }
    }
}

/// The error a failed node threw. Two causes are equal when they read the same (errors are not
/// `Equatable` in general); the error itself is kept for callers to inspect.
public struct NodeFailureCause: Equatable, Sendable, CustomStringConvertible {
    public let error: any Error

    public init(_ error: any Error) { self.error = error }

    public var description: String { String(describing: error) }

    public static func == (lhs: NodeFailureCause, rhs: NodeFailureCause) -> Bool { lhs.description == rhs.description }
}
