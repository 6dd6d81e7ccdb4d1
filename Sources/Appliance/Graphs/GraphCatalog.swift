import Pipeline
import Storage
import Synchronization

/// The graphs this binary can run, by the name recorded with each run, so `serve` at start-up and
/// `tradewizard checkpoints resume` continue a thread with the graph that started it.
enum GraphCatalog {
    /// The no-op analysis-shaped graph the pipeline benchmark runs.
    static let benchmarkGraphName = "analysis-shape"

    static func graph(named name: String) -> Graph? {
        switch name {
        case benchmarkGraphName:
            try? AnalysisShapedGraph.make(name: benchmarkGraphName) { AnalysisShapedGraph.noOpBody(node: $0) }
        default:
            nil
        }
    }
}

/// Resumes the runs a crash interrupted: every run still marked running when the process starts
/// (the data directory lock guarantees no other process is running it).
final class InterruptedRunResumer: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Starts one background resume per interrupted run whose graph is known; returns how many.
    @discardableResult
    func resumeAll(database: AppDatabase, logger: Logger) async throws -> Int {
        let runs = try await database.pool.read { try $0.checkpoints.runs(status: .running, limit: 10_000) }
        var started = 0
        for run in runs {
            guard let graph = GraphCatalog.graph(named: run.graph) else {
                logger.warning("cannot resume run: this binary has no such graph", ["thread": run.threadID, "graph": run.graph])
                continue
            }
            started += 1
            let task = Task {
                do {
                    let outcome = try await graph.resume(thread: run.threadID, checkpointer: GraphCheckpointer(pool: database.pool))
                    logger.info("resumed interrupted run", ["thread": run.threadID, "graph": run.graph,
                                                            "nodes": outcome.executedNodes.joined(separator: ",")])
                } catch {
                    logger.error("resuming a run failed", ["thread": run.threadID, "graph": run.graph, "error": String(describing: error)])
                }
            }
            tasks.withLock { $0.append(task) }
        }
        return started
    }

    /// Waits for the resumes still running, cancelling them after `seconds`.
    func stop(within seconds: Double) async {
        let running = tasks.withLock { tasks in defer { tasks.removeAll() }; return tasks }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { for task in running { await task.value } }
            group.addTask { try? await Task.sleep(nanoseconds: UInt64(max(0, seconds) * 1e9)) }
            await group.next()
            running.forEach { $0.cancel() }
            group.cancelAll()
        }
    }
}
