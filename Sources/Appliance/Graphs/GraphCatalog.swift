import Pipeline
import Storage
import Support
import Synchronization

/// The graphs this binary can run, by the name recorded with each run, so `serve` at start-up and
/// `tradewizard checkpoints resume` continue a thread with the graph that started it.
struct GraphCatalog: Sendable {
    /// The no-op analysis-shaped graph the pipeline benchmark runs.
    static let benchmarkGraphName = "analysis-shape"
    /// The market analysis (resumed through the analyzer, so a failure is recorded in its history).
    let analysis: AnalysisServices?

    /// Resumes `thread` with the graph named `name`; nil when this binary has no such graph.
    func resume(thread: String, graph name: String, pool: DatabasePool) async throws -> [String]? {
        switch name {
        case Self.benchmarkGraphName:
            let graph = try AnalysisShapedGraph.make(name: Self.benchmarkGraphName) { AnalysisShapedGraph.noOpBody(node: $0) }
            return try await graph.resume(thread: thread, checkpointer: GraphCheckpointer(pool: pool)).executedNodes
        case AnalysisGraph.name:
            guard let analysis else { return nil }
            let report = try await analysis.analyzer.resume(thread: thread)
            return ["analysis (\(report.status.rawValue))"]
        default:
            return nil
        }
    }

    /// The Mermaid text of graph `name` (the benchmark graph; nil for others).
    static func mermaid(named name: String) -> String? {
        guard name == benchmarkGraphName else { return nil }
        return (try? AnalysisShapedGraph.make(name: benchmarkGraphName) { AnalysisShapedGraph.noOpBody(node: $0) })?.mermaid
    }

    /// True when this binary can resume runs of graph `name`.
    func knows(_ name: String) -> Bool {
        name == Self.benchmarkGraphName || (name == AnalysisGraph.name && analysis != nil)
    }
}

/// Resumes the runs a crash interrupted: every run still marked running when the process starts
/// (the data directory lock guarantees no other process is running it).
final class InterruptedRunResumer: Sendable {
    private let tasks = Mutex<[Task<Void, Never>]>([])

    /// Starts one background resume per interrupted run whose graph is known; returns how many.
    @discardableResult
    func resumeAll(database: AppDatabase, catalog: GraphCatalog, logger: Logger) async throws -> Int {
        let runs = try await database.pool.read { try $0.checkpoints.runs(status: .running, limit: 10_000) }
        var started = 0
        for run in runs {
            guard catalog.knows(run.graph) else {
                logger.warning("cannot resume run: this binary has no such graph", ["thread": run.threadID, "graph": run.graph])
                continue
            }
            started += 1
            let task = Task {
                do {
                    let nodes = try await catalog.resume(thread: run.threadID, graph: run.graph, pool: database.pool) ?? []
                    logger.info("resumed interrupted run", ["thread": run.threadID, "graph": run.graph, "nodes": nodes.joined(separator: ",")])
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
