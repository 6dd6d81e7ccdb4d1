import Storage
import Support

/// What a node knows about the call it is in.
public struct NodeContext: Sendable {
    public let thread: String
    public let node: String
    /// The superstep (0 is the first after the input).
    public let step: Int
    /// 1 for the first attempt.
    public let attempt: Int
}

/// A node: reads the state, returns a partial update.
public typealias NodeBody = @Sendable (GraphState, NodeContext) async throws -> StateUpdate
/// A conditional edge: from the state (with the node's own update applied) to the next node names,
/// or `[StateGraph.end]` / `[]` to end this branch.
public typealias EdgeRouter = @Sendable (GraphState) -> [String]

/// Builds a graph: channels with reducers, nodes, edges, conditional edges, fan-out and fan-in.
/// `compile()` checks the definition and returns the runnable `Graph`.
public struct StateGraph {
    /// The virtual entry node: edges from `start` choose the first superstep's nodes.
    public static let start = "__start__"
    /// The virtual exit: routing here ends the branch.
    public static let end = "__end__"

    struct NodeDefinition: Sendable {
        var body: NodeBody
        var policy: NodePolicy
    }
    struct ConditionalEdge: Sendable {
        var router: EdgeRouter
        var targets: [String]
    }

    let name: String
    var channels: [String: Reducer] = [GraphChannels.errors: .append]
    var nodes: [String: NodeDefinition] = [:]
    var edges: [String: [String]] = [:]
    var joins: [String: [String]] = [:]
    var conditionalEdges: [String: ConditionalEdge] = [:]
    var problems: [String] = []

    /// A graph named `name` (recorded with each run, so a resume uses the same graph).
    public init(name: String) { self.name = name }

    /// Declares a channel. The `errors` channel (append) exists in every graph.
    public mutating func channel(_ name: String, _ reducer: Reducer = .lastValue) {
        if reducer == .barrier || name.hasPrefix("__") || name.hasPrefix("branch:") || name.hasPrefix("join:") {
            problems.append("channel name \(name) or its reducer is reserved")
        }
        channels[name] = reducer
    }

    /// Adds a node.
    public mutating func node(_ name: String, policy: NodePolicy = NodePolicy(), _ body: @escaping NodeBody) {
        if nodes[name] != nil { problems.append("node \(name) is defined twice") }
        if name.isEmpty || name.hasPrefix("__") || name.contains(":") || name.contains("+") || name.contains(",") {
            problems.append("node name \(name) is reserved or contains : + ,")
        }
        nodes[name] = NodeDefinition(body: body, policy: policy)
    }

    /// After `from` finishes, `to` runs in the next superstep. Several edges from one node fan out.
    public mutating func edge(_ from: String, _ to: String) {
        edges[from, default: []].append(to)
    }

    /// Fan-in: `to` runs once, in the superstep after the last of `predecessors` finished.
    public mutating func edge(from predecessors: [String], to: String) {
        guard !predecessors.isEmpty else { problems.append("a join into \(to) needs predecessors"); return }
        if joins[to] != nil { problems.append("node \(to) has two joins") }
        joins[to] = Array(Set(predecessors)).sorted()
    }

    /// After `from` finishes, `router` picks the next node(s) among `targets` (or `end`).
    public mutating func conditionalEdge(_ from: String, targets: [String], _ router: @escaping EdgeRouter) {
        if conditionalEdges[from] != nil { problems.append("node \(from) has two conditional edges") }
        conditionalEdges[from] = ConditionalEdge(router: router, targets: targets)
    }

    /// Checks the definition and returns the runnable graph.
    public func compile(_ options: GraphOptions = GraphOptions()) throws -> Graph {
        var problems = self.problems
        let known = Set(nodes.keys)
        func check(_ name: String, allowStart: Bool = false, allowEnd: Bool = false) {
            if known.contains(name) || (allowStart && name == Self.start) || (allowEnd && name == Self.end) { return }
            problems.append("unknown node \(name)")
        }
        for (from, targets) in edges {
            check(from, allowStart: true)
            targets.forEach { check($0, allowEnd: true) }
        }
        for (to, predecessors) in joins {
            check(to)
            predecessors.forEach { check($0) }
        }
        for (from, edge) in conditionalEdges {
            check(from, allowStart: true)
            edge.targets.forEach { check($0, allowEnd: true) }
        }
        if (edges[Self.start] ?? []).isEmpty && conditionalEdges[Self.start] == nil {
            problems.append("no edge from \(Self.start)")
        }
        guard problems.isEmpty else { throw GraphError.invalidGraph(problems.sorted().joined(separator: "; ")) }
        return Graph(definition: self, options: options)
    }
}
