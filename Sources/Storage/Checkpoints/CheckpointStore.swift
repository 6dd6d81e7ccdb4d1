import FoundationEssentials
import Support

/// Checkpoints, pending writes and graph runs. Obtain one from `database.checkpoints`.
///
/// Reads follow LangGraph's `SqliteSaver`: newest first by `checkpoint_id` (ids are time-ordered),
/// `before` is a strict `checkpoint_id <` bound, and a metadata filter compares
/// `json_extract(metadata, '$.key')` for equality with each value.
public struct CheckpointStore {
    let database: Database
    let now: Date

    static let checkpointColumns = "thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, checkpoint, metadata"
    static let writeColumns = "thread_id, checkpoint_ns, checkpoint_id, task_id, task_path, idx, channel, value"
    static let runColumns = "thread_id, graph, status, started_at, updated_at, finished_at, steps, error"

    // MARK: Runs

    /// Registers a new run; a thread that already has a run is refused (threads are never reused).
    public func startRun(thread: String, graph: String) throws {
        guard try database.scalar("SELECT 1 FROM graph_runs WHERE thread_id = ?", [thread], as: Int.self) == nil,
              try database.scalar("SELECT 1 FROM checkpoints WHERE thread_id = ? LIMIT 1", [thread], as: Int.self) == nil
        else { throw StorageError(.invalidInput, "thread \(thread) already exists; a new run needs a new thread") }
        try database.execute("INSERT INTO graph_runs (thread_id, graph, status, started_at, updated_at) VALUES (?, ?, 'running', ?, ?)",
                             [thread, graph, now, now])
    }

    /// Marks a run running again (resume) — allowed from `running` (interrupted) or `failed`.
    public func reopenRun(thread: String) throws {
        try database.execute("""
            UPDATE graph_runs SET status = 'running', finished_at = NULL, error = NULL, updated_at = ?
            WHERE thread_id = ? AND status IN ('running', 'failed')
            """, [now, thread])
        guard database.changes == 1 else {
            throw StorageError(.invalidInput, "thread \(thread) has no run that can be resumed")
        }
    }

    /// Records how a run ended.
    public func finishRun(thread: String, status: GraphRunStatus, error: String?) throws {
        precondition(status != .running, "a finished run cannot be running")
        try database.execute("UPDATE graph_runs SET status = ?, error = ?, finished_at = ?, updated_at = ? WHERE thread_id = ?",
                             [status.rawValue, error, now, now, thread])
    }

    /// One run.
    public func run(thread: String) throws -> GraphRun? {
        try database.queryOne("SELECT \(Self.runColumns) FROM graph_runs WHERE thread_id = ?", [thread]).map(GraphRun.init(row:))
    }

    /// Runs newest first, optionally only those with `status`.
    public func runs(status: GraphRunStatus? = nil, limit: Int = 50) throws -> [GraphRun] {
        try database.query("""
            SELECT \(Self.runColumns) FROM graph_runs WHERE ?1 IS NULL OR status = ?1
            ORDER BY started_at DESC, thread_id DESC LIMIT ?2
            """, [status?.rawValue, limit]).map(GraphRun.init(row:))
    }

    // MARK: Checkpoints and writes

    /// Stores a checkpoint (replacing one with the same id) and counts the run's step.
    public func put(_ checkpoint: CheckpointRow) throws {
        try database.execute("""
            INSERT OR REPLACE INTO checkpoints (\(Self.checkpointColumns), type) VALUES (?, ?, ?, ?, ?, ?, 'json')
            """, [checkpoint.threadID, checkpoint.namespace, checkpoint.checkpointID, checkpoint.parentID,
                  Data(checkpoint.checkpoint), Data(checkpoint.metadata)])
        try database.execute("UPDATE graph_runs SET steps = steps + 1, updated_at = ? WHERE thread_id = ?", [now, checkpoint.threadID])
    }

    /// Stores a task's writes. As in LangGraph, regular writes already present are kept (putting
    /// the same task's writes again changes nothing) and special writes (negative index) replace.
    public func putWrites(_ writes: [PendingWriteRow]) throws {
        for write in writes {
            let verb = write.index < 0 ? "INSERT OR REPLACE" : "INSERT OR IGNORE"
            try database.execute("\(verb) INTO writes (\(Self.writeColumns), type) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'json')",
                                 [write.threadID, write.namespace, write.checkpointID, write.taskID, write.taskPath,
                                  write.index, write.channel, Data(write.value)])
        }
    }

    /// The latest checkpoint of a thread.
    public func latest(thread: String, namespace: String = "") throws -> CheckpointRow? {
        try database.queryOne("""
            SELECT \(Self.checkpointColumns) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ?
            ORDER BY checkpoint_id DESC LIMIT 1
            """, [thread, namespace]).map(CheckpointRow.init(row:))
    }

    /// One checkpoint by id.
    public func checkpoint(thread: String, id: String, namespace: String = "") throws -> CheckpointRow? {
        try database.queryOne("""
            SELECT \(Self.checkpointColumns) FROM checkpoints WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
            """, [thread, namespace, id]).map(CheckpointRow.init(row:))
    }

    /// Checkpoints newest first: of one thread (or all), whose metadata has each `filter` key equal
    /// to its value, with ids strictly below `before`, at most `limit`.
    public func list(thread: String? = nil, filter: [String: JSONValue] = [:], before: String? = nil,
                     limit: Int? = nil) throws -> [CheckpointRow] {
        var predicates: [String] = []
        var arguments: StatementArguments = []
        if let thread { predicates.append("thread_id = ?"); arguments.append(thread) }
        for (key, value) in filter.sorted(by: { $0.key < $1.key }) {
            guard key.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }), key.allSatisfy(\.isASCII) else {
                throw StorageError(.invalidInput, "invalid metadata filter key \(key)")
            }
            switch value {
            case .null: predicates.append("json_extract(CAST(metadata AS TEXT), '$.\(key)') IS NULL")
            case .bool(let flag): predicates.append("json_extract(CAST(metadata AS TEXT), '$.\(key)') = ?"); arguments.append(flag ? 1 : 0)
            case .number(let number): predicates.append("json_extract(CAST(metadata AS TEXT), '$.\(key)') = ?"); arguments.append(number)
            case .numberLiteral:
                // SQLite reads such a number as the nearest REAL too.
                predicates.append("json_extract(CAST(metadata AS TEXT), '$.\(key)') = ?"); arguments.append(value.numberValue ?? 0)
            case .string(let text): predicates.append("json_extract(CAST(metadata AS TEXT), '$.\(key)') = ?"); arguments.append(text)
            case .array, .object:
                predicates.append("json_extract(CAST(metadata AS TEXT), '$.\(key)') = ?")
                arguments.append(String(decoding: value.serialized(), as: UTF8.self))
            }
        }
        if let before { predicates.append("checkpoint_id < ?"); arguments.append(before) }
        var sql = "SELECT \(Self.checkpointColumns) FROM checkpoints"
        if !predicates.isEmpty { sql += " WHERE " + predicates.joined(separator: " AND ") }
        sql += " ORDER BY checkpoint_id DESC"
        if let limit { sql += " LIMIT ?"; arguments.append(limit) }
        return try database.query(sql, arguments).map(CheckpointRow.init(row:))
    }

    /// The pending writes saved under a checkpoint, ordered by task then index.
    public func writes(thread: String, checkpointID: String, namespace: String = "") throws -> [PendingWriteRow] {
        try database.query("""
            SELECT \(Self.writeColumns) FROM writes WHERE thread_id = ? AND checkpoint_ns = ? AND checkpoint_id = ?
            ORDER BY task_id, idx
            """, [thread, namespace, checkpointID]).map(PendingWriteRow.init(row:))
    }

    // MARK: Retention

    /// Deletes a thread: its run, checkpoints and writes. Returns the checkpoints deleted.
    @discardableResult
    public func deleteThread(_ thread: String) throws -> Int {
        try database.execute("DELETE FROM writes WHERE thread_id = ?", [thread])
        try database.execute("DELETE FROM checkpoints WHERE thread_id = ?", [thread])
        let deleted = database.changes
        try database.execute("DELETE FROM graph_runs WHERE thread_id = ?", [thread])
        return deleted
    }

    /// For runs that finished before `cutoff`, keeps only the final checkpoint (and no pending
    /// writes). Running runs are never touched. Returns the checkpoints deleted.
    @discardableResult
    public func pruneFinished(before cutoff: Date) throws -> Int {
        let finished = "SELECT thread_id FROM graph_runs WHERE status != 'running' AND finished_at < ?"
        try database.execute("""
            DELETE FROM checkpoints WHERE thread_id IN (\(finished))
              AND checkpoint_id < (SELECT max(c.checkpoint_id) FROM checkpoints c
                                   WHERE c.thread_id = checkpoints.thread_id AND c.checkpoint_ns = checkpoints.checkpoint_ns)
            """, [cutoff])
        let deleted = database.changes
        try database.execute("DELETE FROM writes WHERE thread_id IN (\(finished))", [cutoff])
        return deleted
    }
}

extension Database {
    /// Graph checkpoints, pending writes and runs.
    public var checkpoints: CheckpointStore { CheckpointStore(database: self, now: clock.now()) }
}
