import Pipeline
import FoundationEssentials
import Storage
import Support
import Synchronization

/// `tradewizard bench pipeline`: the nine-node analysis-shaped graph with no-op nodes (about 400
/// bytes each), durable checkpoints (`synchronous=FULL`), `threads` distinct runs with
/// `concurrency` of them in flight at once.
public enum PipelineBenchmark {
    public struct Report: Codable, Sendable {
        public var threads: Int
        public var concurrency: Int
        public var seconds: Double
        public var runsPerSecond: Double
        public var checkpointsPerSecond: Double
        public var writesPerSecond: Double
        public var bytesPerRun: Double
        public var transactions: Int
        public var writesPerTransaction: Double
    }

    public static func run(directory: String, threads: Int, concurrency: Int, progress: (String) -> Void = { _ in }) async throws -> Report {
        var configuration = DatabaseConfiguration()
        configuration.synchronous = .full
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"), configuration: configuration)
        defer { database.close() }
        let checkpointer = GraphCheckpointer(pool: database.pool)
        let graph = try AnalysisShapedGraph.make(name: "analysis-shape") { AnalysisShapedGraph.noOpBody(node: $0) }
        progress("running \(threads) runs of the nine-node graph, \(concurrency) at a time")
        let next = TicketCounter()
        let before = database.pool.statistics
        let started = MonotonicInstant.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, concurrency) {
                group.addTask {
                    while true {
                        let index = next.take()
                        guard index < threads else { return }
                        _ = try await graph.invoke(thread: "bench-\(index)", input: ["market": .string("market-\(index)")],
                                                   checkpointer: checkpointer)
                    }
                }
            }
            try await group.waitForAll()
        }
        let seconds = started.secondsElapsed()
        let after = database.pool.statistics
        let (checkpoints, writes, bytes) = try await database.pool.read { database in
            (try database.scalar("SELECT count(*) FROM checkpoints", as: Int.self) ?? 0,
             try database.scalar("SELECT count(*) FROM writes", as: Int.self) ?? 0,
             (try database.scalar("SELECT sum(length(checkpoint) + length(metadata)) FROM checkpoints", as: Int.self) ?? 0)
                + (try database.scalar("SELECT sum(length(value)) FROM writes", as: Int.self) ?? 0))
        }
        let transactions = after.transactions - before.transactions
        return Report(threads: threads, concurrency: concurrency, seconds: seconds,
                      runsPerSecond: Double(threads) / seconds, checkpointsPerSecond: Double(checkpoints) / seconds,
                      writesPerSecond: Double(writes) / seconds, bytesPerRun: Double(bytes) / Double(max(1, threads)),
                      transactions: transactions,
                      writesPerTransaction: Double(after.writes - before.writes) / Double(max(1, transactions)))
    }
}

/// Hands out 0, 1, 2, ... to concurrent workers.
final class TicketCounter: Sendable {
    private let value = Atomic<Int>(0)
    public func take() -> Int { value.add(1, ordering: .relaxed).oldValue }
}
