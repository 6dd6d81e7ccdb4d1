import Pipeline
import Storage
import Support

/// The analysis pipeline's shape without its logic: ingest → six agents in parallel → consensus
/// → recommendation. The benchmark and the crash tests run it with bodies of their own.
public enum AnalysisShapedGraph {
    /// The six agents of the fan-out.
    public static let agents = ["agent_catalyst", "agent_microstructure", "agent_momentum",
                                "agent_probability", "agent_reversion", "agent_tail_risk"]
    /// All nine nodes in execution order.
    public static let nodes = ["ingest"] + agents + ["consensus", "recommendation"]

    /// Builds the graph; `body(node)` gives each node's body and `policy(node)` its policy.
    /// Channels: `market` (last value), `signals` (append), `consensus`, `recommendation`.
    public static func make(name: String = "analysis-shape", options: GraphOptions = GraphOptions(),
                            policy: (String) -> NodePolicy = { _ in NodePolicy() },
                            body: (String) -> NodeBody) throws -> Graph {
        var graph = StateGraph(name: name)
        graph.channel("market")
        graph.channel("signals", .append)
        graph.channel("consensus")
        graph.channel("recommendation")
        for node in nodes { graph.node(node, policy: policy(node), body(node)) }
        graph.edge(StateGraph.start, "ingest")
        for agent in agents { graph.edge("ingest", agent) }
        graph.edge(from: agents, to: "consensus")
        graph.edge("consensus", "recommendation")
        return try graph.compile(options)
    }

    /// A body that writes about `bytes` bytes of text to the node's channel (no-op work).
    public static func noOpBody(node: String, bytes: Int = 400) -> NodeBody {
        let payload = JSONValue.string(String(repeating: "x", count: max(0, bytes - 40)))
        let channel = node == "ingest" ? "market" : node.hasPrefix("agent_") ? "signals" : node
        return { _, _ in
            let value: JSONValue = .object(["node": .string(node), "payload": payload])
            return StateUpdate([channel: channel == "signals" ? .array([value]) : value])
        }
    }
}
