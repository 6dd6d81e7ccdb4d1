import Benchmarks
import Pipeline
import Storage

extension GraphCatalog {
    /// The no-op analysis-shaped graph the pipeline benchmark runs.
    static let benchmark: ResumableGraph = {
        let name = "analysis-shape"
        let make: @Sendable () throws -> Graph = { try AnalysisShapedGraph.make(name: name) { AnalysisShapedGraph.noOpBody(node: $0) } }
        return ResumableGraph(name: name, resume: { thread, pool in
            try await make().resume(thread: thread, checkpointer: GraphCheckpointer(pool: pool)).executedNodes
        }, mermaid: (try? make())?.mermaid)
    }()

    /// What the `checkpoints` verbs can resume: the analysis and the benchmark graph.
    static func commandLine(analysis: AnalysisServices) -> GraphCatalog {
        GraphCatalog(graphs: [Self.analysis(analysis), benchmark])
    }
}
