import FoundationEssentials
import Support

/// One row of `checkpoints` in LangGraph's layout. `checkpoint` and `metadata` are JSON bytes;
/// the `type` column is always `json`, which LangGraph's serializer reads natively.
public struct CheckpointRow: Sendable, Equatable {
    public var threadID: String
    public var namespace: String
    public var checkpointID: String
    public var parentID: String?
    public var checkpoint: [UInt8]
    public var metadata: [UInt8]

    public init(threadID: String, namespace: String = "", checkpointID: String, parentID: String?,
                checkpoint: [UInt8], metadata: [UInt8]) {
        self.threadID = threadID
        self.namespace = namespace
        self.checkpointID = checkpointID
        self.parentID = parentID
        self.checkpoint = checkpoint
        self.metadata = metadata
    }

    init(row: Row) throws {
        threadID = try row.get("thread_id")
        namespace = try row.get("checkpoint_ns")
        checkpointID = try row.get("checkpoint_id")
        parentID = try row.get("parent_checkpoint_id")
        checkpoint = Array(try row.get("checkpoint", as: Data.self))
        metadata = Array(try row.get("metadata", as: Data.self))
    }
}

/// One row of `writes`: a value a task wrote to a channel, pending until the next checkpoint.
/// Negative `index` marks LangGraph's special writes (-1 error, -2 scheduled, -3 interrupt, -4 resume).
public struct PendingWriteRow: Sendable, Equatable {
    public var threadID: String
    public var namespace: String
    public var checkpointID: String
    public var taskID: String
    public var taskPath: String
    public var index: Int
    public var channel: String
    public var value: [UInt8]

    public init(threadID: String, namespace: String = "", checkpointID: String, taskID: String, taskPath: String,
                index: Int, channel: String, value: [UInt8]) {
        self.threadID = threadID
        self.namespace = namespace
        self.checkpointID = checkpointID
        self.taskID = taskID
        self.taskPath = taskPath
        self.index = index
        self.channel = channel
        self.value = value
    }

    init(row: Row) throws {
        threadID = try row.get("thread_id")
        namespace = try row.get("checkpoint_ns")
        checkpointID = try row.get("checkpoint_id")
        taskID = try row.get("task_id")
        taskPath = try row.get("task_path")
        index = try row.get("idx")
        channel = try row.get("channel")
        value = Array(try row.get("value", as: Data.self))
    }
}

/// How a graph run stands.
public enum GraphRunStatus: String, Codable, Sendable, CaseIterable {
    /// Running now, or interrupted when no process is running it (found at start-up).
    case running
    case done, failed
}

/// One graph run (`graph_runs`): a LangGraph thread and which graph it runs.
public struct GraphRun: Codable, Sendable, Equatable {
    public var threadID: String
    public var graph: String
    public var status: GraphRunStatus
    public var startedAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?
    /// Supersteps committed so far.
    public var steps: Int
    public var error: String?

    init(row: Row) throws {
        threadID = try row.get("thread_id")
        graph = try row.get("graph")
        status = try row.enumValue("status")
        startedAt = try row.get("started_at")
        updatedAt = try row.get("updated_at")
        finishedAt = try row.get("finished_at")
        steps = try row.get("steps")
        error = try row.get("error")
    }
}
