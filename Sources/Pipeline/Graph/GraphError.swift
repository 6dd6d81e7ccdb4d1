import Support
/// Why a graph could not be built or a run could not go on.
public enum GraphError: Error, Equatable, CustomStringConvertible {
    /// The definition is inconsistent (unknown node, no entry, duplicate names...).
    case invalidGraph(String)
    /// A node returned an update the channels cannot take.
    case invalidUpdate(String)
    /// A node failed after its retries and its policy is `stop`.
    case nodeFailed(node: String, message: String)
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
        case .nodeFailed(let node, let message): "node \(node) failed: \(message)"
        case .timedOut(let node, let seconds): "node \(node) timed out after \(seconds) s"
        case .stepLimitReached(let limit): "the run reached its limit of \(limit) supersteps"
        case .threadNotFound(let thread): "no run for thread \(thread)"
        case .graphMismatch(let thread, let expected, let found): "thread \(thread) runs graph \(found), not \(expected)"
        case .corruptCheckpoint(let message): "unreadable checkpoint: \(message)"
        }
    }
}
