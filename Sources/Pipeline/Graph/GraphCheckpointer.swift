import Storage
import Support

/// Durable storage for graph runs: each call commits before it returns (through the pool's group
/// commit, so concurrent runs share fsyncs).
public struct GraphCheckpointer: Sendable {
    public let pool: DatabasePool

    public init(pool: DatabasePool) { self.pool = pool }

    /// Registers a new run and its input checkpoint in one transaction.
    func begin(thread: String, graph: String, input: CheckpointRow, finished: Bool) async throws {
        try await pool.write { database in
            try database.checkpoints.startRun(thread: thread, graph: graph)
            try database.checkpoints.put(input)
            if finished { try database.checkpoints.finishRun(thread: thread, status: .done, error: nil) }
        }
    }

    /// Commits one task's writes.
    func save(writes: [PendingWriteRow]) async throws {
        try await pool.write { try $0.checkpoints.putWrites(writes) }
    }

    /// Commits a superstep's checkpoint; when `finished`, the run is marked done in the same transaction.
    func save(checkpoint: CheckpointRow, finished: Bool) async throws {
        try await pool.write { database in
            try database.checkpoints.put(checkpoint)
            if finished { try database.checkpoints.finishRun(thread: checkpoint.threadID, status: .done, error: nil) }
        }
    }

    /// Marks a run failed.
    func fail(thread: String, message: String) async throws {
        try await pool.write { try $0.checkpoints.finishRun(thread: thread, status: .failed, error: message) }
    }

    /// Marks a run done (a resumed run whose latest checkpoint has nothing left to run).
    func finish(thread: String) async throws {
        try await pool.write { try $0.checkpoints.finishRun(thread: thread, status: .done, error: nil) }
    }

    /// Marks an interrupted or failed run running again.
    func reopen(thread: String) async throws {
        try await pool.write { try $0.checkpoints.reopenRun(thread: thread) }
    }

    /// A run with its latest checkpoint and that checkpoint's pending writes.
    func load(thread: String) async throws -> (run: GraphRun, checkpoint: CheckpointRow, writes: [PendingWriteRow])? {
        try await pool.read { database in
            guard let run = try database.checkpoints.run(thread: thread),
                  let latest = try database.checkpoints.latest(thread: thread) else { return nil }
            return (run, latest, try database.checkpoints.writes(thread: thread, checkpointID: latest.checkpointID))
        }
    }
}
