import Storage
import Support

/// A compiled, runnable graph. Immutable and shareable; runs are started with `invoke` and
/// continued with `resume` (see `Graph+Execution.swift`).
///
/// Edges are channels, as in LangGraph: an edge into node `n` writes `branch:to:n`, and `n` runs in
/// the next superstep because that channel's version moved past the version `n` last saw. A fan-in
/// is a barrier channel `join:a+b:n` holding the predecessors that finished; `n` runs when all
/// have, and consumes (resets) the barrier. So which nodes run next is a function of the
/// checkpoint alone, which is what makes resume exact.
public final class Graph: Sendable {
    /// The name recorded with each run.
    public let name: String
    public let options: GraphOptions
    let nodes: [String: StateGraph.NodeDefinition]
    /// Every channel's reducer, including the trigger and barrier channels.
    let reducers: [String: Reducer]
    /// Node → the channels whose new versions trigger it.
    let triggers: [String: [String]]
    /// Node → (barrier channel, predecessors) for fan-in nodes.
    let barriers: [String: (channel: String, predecessors: [String])]
    let edges: [String: [String]]
    let conditionalEdges: [String: StateGraph.ConditionalEdge]

    init(definition: StateGraph, options: GraphOptions) {
        name = definition.name
        self.options = options
        nodes = definition.nodes
        conditionalEdges = definition.conditionalEdges
        var reducers = definition.channels
        var triggers: [String: [String]] = [:]
        var barriers: [String: (channel: String, predecessors: [String])] = [:]
        var edges = definition.edges
        for node in definition.nodes.keys {
            reducers[GraphChannels.trigger(node)] = .lastValue
            triggers[node] = [GraphChannels.trigger(node)]
        }
        for (node, predecessors) in definition.joins {
            let channel = GraphChannels.join(predecessors, node)
            reducers[channel] = .barrier
            triggers[node, default: []].append(channel)
            barriers[node] = (channel, predecessors)
            for predecessor in predecessors where !(edges[predecessor] ?? []).contains(node) {
                edges[predecessor, default: []].append(node)
            }
        }
        self.reducers = reducers
        self.triggers = triggers
        self.barriers = barriers
        self.edges = edges.mapValues { Array(Set($0)).sorted() }
    }

    /// The node names, sorted.
    public var nodeNames: [String] { nodes.keys.sorted() }

    /// Nodes triggered by the given channel versions, sorted by name.
    func triggeredNodes(values: [String: JSONValue], versions: [String: Int], seen: [String: [String: Int]]) -> [String] {
        nodes.keys.filter { node in
            (triggers[node] ?? []).contains { channel in
                guard (versions[channel] ?? 0) > (seen[node]?[channel] ?? 0) else { return false }
                guard let barrier = barriers[node], barrier.channel == channel else { return true }
                let arrived = Set((values[channel]?.arrayValue ?? []).compactMap(\.stringValue))
                return arrived.isSuperset(of: barrier.predecessors)
            }
        }.sorted()
    }

    /// The trigger writes that follow `node` (or `StateGraph.start`) given the state after its update.
    /// Throws when a conditional edge names a node that does not exist.
    func routingWrites(from node: String, state: GraphState, includeConditional: Bool = true) throws -> [(String, JSONValue)] {
        var targets = edges[node] ?? []
        if includeConditional, let conditional = conditionalEdges[node] {
            for target in conditional.router(state) where target != StateGraph.end {
                guard nodes[target] != nil else {
                    throw GraphError.invalidUpdate("the conditional edge from \(node) chose unknown node \(target)")
                }
                targets.append(target)
            }
        }
        var writes: [(String, JSONValue)] = []
        for target in Set(targets).sorted() where target != StateGraph.end {
            if let barrier = barriers[target], barrier.predecessors.contains(node) {
                writes.append((barrier.channel, .string(node)))
            } else {
                writes.append((GraphChannels.trigger(target), .null))
            }
        }
        return writes
    }

    /// The graph as a Mermaid flowchart (solid: edges and joins; dotted: conditional edges).
    public var mermaid: String {
        var lines = ["graph TD;", "    \(StateGraph.start)([\(StateGraph.start)]):::first"]
        for node in nodeNames { lines.append("    \(node)(\(node))") }
        lines.append("    \(StateGraph.end)([\(StateGraph.end)]):::last")
        var arrows: [String] = []
        for (from, targets) in edges {
            for target in targets { arrows.append("    \(from) --> \(target);") }
        }
        for (from, edge) in conditionalEdges {
            for target in Set(edge.targets) { arrows.append("    \(from) -.-> \(target);") }
        }
        let exits = Set(edges.keys).union(conditionalEdges.keys)
        for node in nodeNames where !exits.contains(node) { arrows.append("    \(node) --> \(StateGraph.end);") }
        lines.append(contentsOf: arrows.sorted())
        lines.append("    classDef first fill-opacity:0")
        lines.append("    classDef last fill:#bfb6fc")
        return lines.joined(separator: "\n")
    }
}

