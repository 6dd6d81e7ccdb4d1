import Pipeline
import Storage
import Support
import Synchronization

/// A graph a run can be continued with: its recorded name, how to resume a thread of it (the
/// names of what ran) and its Mermaid text when it has one to show.
struct ResumableGraph: Sendable {
    let name: String
    let resume: @Sendable (_ thread: String, _ pool: DatabasePool) async throws -> [String]
    let mermaid: String?
}

/// The graphs a part of this binary can resume, by the name recorded with each run. `serve` knows
/// only the market analysis; the `checkpoints` verbs also know the benchmark graph, so a run the
/// pipeline benchmark left behind can be inspected and finished by hand.
struct GraphCatalog: Sendable {
    let graphs: [ResumableGraph]

    /// The market analysis (resumed through the analyzer, so a failure is recorded in its history).
    static func analysis(_ services: AnalysisServices) -> ResumableGraph {
        ResumableGraph(name: AnalysisGraph.name, resume: { thread, _ in
            let report = try await services.analyzer.resume(thread: thread)
            return ["analysis (\(report.status.rawValue))"]
        }, mermaid: nil)
    }

    /// What `serve` resumes at start-up.
    static func serve(analysis: AnalysisServices) -> GraphCatalog {
        GraphCatalog(graphs: [Self.analysis(analysis)])
    }

    /// Resumes `thread` with the graph named `name`; nil when this catalog has no such graph.
    func resume(thread: String, graph name: String, pool: DatabasePool) async throws -> [String]? {
        guard let graph = graphs.first(where: { $0.name == name }) else { return nil }
        return try await graph.resume(thread, pool)
    }

    /// The Mermaid text of graph `name`, when the catalog has it and it has one.
    func mermaid(named name: String) -> String? {
        graphs.first { $0.name == name }?.mermaid
    }

    /// True when this catalog can resume runs of graph `name`.
    func knows(_ name: String) -> Bool {
        graphs.contains { $0.name == name }
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
        let all: @Sendable () async -> Void = { for task in running { await task.value } }
        if await finishes(within: seconds, all) { return }
        running.forEach { $0.cancel() }
        _ = await finishes(within: cancellationGraceSeconds, all)
    }
}
