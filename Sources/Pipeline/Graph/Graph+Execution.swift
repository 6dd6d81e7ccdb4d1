import FoundationEssentials
import Storage
import Support

/// How an invocation ended.
public struct GraphOutcome: Sendable {
    public let thread: String
    /// The final state.
    public let state: GraphState
    /// The latest checkpoint's id.
    public let checkpointID: String
    /// Nodes this invocation ran (not those whose saved writes it reused), in start order per step.
    public let executedNodes: [String]
    /// Supersteps this invocation committed.
    public let steps: Int
}

extension Graph {
    /// Starts a run on a new `thread` with `input` written to the channels. Each superstep's
    /// checkpoint and each node's writes are committed as they happen. Throws `GraphError` when
    /// a node with the `stop` policy fails or the step limit is reached (the run is then recorded
    /// as failed and can be resumed), and `StorageError` when the thread was already used.
    public func invoke(thread: String, input: StateUpdate, checkpointer: GraphCheckpointer) async throws -> GraphOutcome {
        var values: [String: JSONValue] = [:]
        var updated: [String] = []
        for (channel, value) in input.values.sorted(by: { $0.key < $1.key }) {
            guard let reducer = reducers[channel], !channel.hasPrefix("branch:"), !channel.hasPrefix("join:") else {
                throw GraphError.invalidUpdate("the input writes undeclared channel \(channel)")
            }
            values[channel] = try reducer.apply(values[channel], value)
            updated.append(channel)
        }
        for (channel, value) in try routingWrites(from: StateGraph.start, state: GraphState(values)) {
            values[channel] = try reducers[channel]!.apply(values[channel], value)
            updated.append(channel)
        }
        let versions = Dictionary(updated.map { ($0, 1) }, uniquingKeysWith: max)
        let input = Checkpoint(id: CheckpointID.next(), parentID: nil, timestamp: Date(), step: -1, values: values,
                               versions: versions, seen: [:], updatedChannels: Array(Set(updated)).sorted())
        try await checkpointer.begin(thread: thread, graph: name, input: input.row(thread: thread, graph: name, source: "input"),
                                     finished: nextTasks(input).isEmpty)
        return try await loop(thread: thread, from: input, saved: [], checkpointer: checkpointer)
    }

    /// Continues a run from its latest checkpoint: nodes whose writes for that step were already
    /// committed are not run again; only the missing ones run. A finished run is returned as is.
    public func resume(thread: String, checkpointer: GraphCheckpointer) async throws -> GraphOutcome {
        guard let (run, row, saved) = try await checkpointer.load(thread: thread) else { throw GraphError.threadNotFound(thread) }
        guard run.graph == name else { throw GraphError.graphMismatch(thread: thread, expected: name, found: run.graph) }
        let checkpoint = try Checkpoint(row: row)
        if run.status == .done {
            return GraphOutcome(thread: thread, state: GraphState(checkpoint.values), checkpointID: checkpoint.id, executedNodes: [], steps: 0)
        }
        try await checkpointer.reopen(thread: thread)
        return try await loop(thread: thread, from: checkpoint, saved: saved, checkpointer: checkpointer)
    }

    private func loop(thread: String, from start: Checkpoint, saved: [PendingWriteRow],
                      checkpointer: GraphCheckpointer) async throws -> GraphOutcome {
        var checkpoint = start
        var saved = saved
        var executed: [String] = []
        var steps = 0
        var tasks = nextTasks(checkpoint)
        while true {
            if tasks.isEmpty {
                if steps == 0 { try await checkpointer.finish(thread: thread) }
                return GraphOutcome(thread: thread, state: GraphState(checkpoint.values), checkpointID: checkpoint.id,
                                    executedNodes: executed, steps: steps)
            }
            if steps >= options.stepLimit {
                let error = GraphError.stepLimitReached(options.stepLimit)
                try await checkpointer.fail(thread: thread, message: error.description)
                throw error
            }
            let writes = try await runSuperstep(tasks: tasks, checkpoint: checkpoint, saved: saved, thread: thread,
                                                checkpointer: checkpointer, executed: &executed)
            checkpoint = try nextCheckpoint(after: checkpoint, tasks: tasks, writes: writes)
            tasks = nextTasks(checkpoint)
            try await checkpointer.save(checkpoint: checkpoint.row(thread: thread, graph: name, source: "loop"), finished: tasks.isEmpty)
            saved = []
            steps += 1
        }
    }

    /// The nodes a checkpoint triggers: the next superstep's tasks (none when the run is finished).
    private func nextTasks(_ checkpoint: Checkpoint) -> [String] {
        triggeredNodes(values: checkpoint.values, versions: checkpoint.versions, seen: checkpoint.seen)
    }

    /// Runs the tasks that have no saved writes, concurrently up to the limit, committing each
    /// one's writes as it finishes. Returns every task's regular writes, by node.
    private func runSuperstep(tasks: [String], checkpoint: Checkpoint, saved: [PendingWriteRow], thread: String,
                              checkpointer: GraphCheckpointer, executed: inout [String]) async throws -> [String: [(String, JSONValue)]] {
        let savedByTask = Dictionary(grouping: saved.filter { $0.index >= 0 }, by: \.taskID)
        var writes: [String: [(String, JSONValue)]] = [:]
        var pending: [String] = []
        for node in tasks {
            if !savedByTask.isEmpty, let rows = savedByTask[TaskID.make(thread: thread, checkpointID: checkpoint.id, node: node)] {
                writes[node] = try rows.sorted { $0.index < $1.index }.map { ($0.channel, try JSONValue.parse($0.value)) }
            } else {
                pending.append(node)
            }
        }
        executed.append(contentsOf: pending)
        let state = GraphState(checkpoint.values)
        let step = checkpoint.step + 1
        var failures: [String: any Error] = [:]
        try await withThrowingTaskGroup(of: (String, [(String, JSONValue)]?, (any Error)?).self) { group in
            var queue = pending[...]
            func startNext() {
                guard let node = queue.popFirst() else { return }
                group.addTask {
                    let rows = try await self.taskWrites(node: node, state: state, checkpoint: checkpoint, thread: thread, step: step)
                    try await checkpointer.save(writes: rows.stored)
                    return (node, rows.regular, rows.stopFailure)
                }
            }
            for _ in 0..<min(options.maxConcurrency, pending.count) { startNext() }
            while let (node, regular, stopFailure) = try await group.next() {
                if let stopFailure { failures[node] = stopFailure } else { writes[node] = regular }
                startNext()
            }
        }
        if let (node, cause) = failures.min(by: { $0.key < $1.key }) {
            let error = GraphError.nodeFailed(node: node, cause: NodeFailureCause(cause))
            try await checkpointer.fail(thread: thread, message: error.description)
            throw error
        }
        return writes
    }

    /// Runs one node and turns its result into rows: the update, the routing triggers, a barrier
    /// reset for fan-in nodes, and on failure LangGraph's `__error__` write (index -1).
    private func taskWrites(node: String, state: GraphState, checkpoint: Checkpoint, thread: String, step: Int) async throws
        -> (stored: [PendingWriteRow], regular: [(String, JSONValue)], stopFailure: (any Error)?) {
        var regular: [(String, JSONValue)] = []
        var special: [(String, JSONValue)] = []
        var stopFailure: (any Error)?
        let result = await execute(node: node, state: state, thread: thread, step: step)
        // A cancelled run (shutdown) is interrupted, not failed: nothing is written for the node,
        // so a resume runs it again.
        if Task.isCancelled { throw CancellationError() }
        switch result {
        case .success(let update, _):
            regular = update.values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        case .failure(let error, let attempts):
            let message = String(describing: error)
            special = [(GraphChannels.errorWrite, .object(["node": .string(node), "message": .string(message),
                                                           "attempts": .number(Double(attempts))]))]
            if nodes[node]?.policy.onFailure == .continue {
                let entry = NodeErrorEntry(node: node, message: message, attempts: attempts, step: step)
                regular = [(GraphChannels.errors, try JSONValue.parse(try JSONCoding.encode([entry])))]
            } else {
                stopFailure = error
            }
        }
        if stopFailure == nil {
            // The router sees the state with this node's own update applied.
            var local = state.values
            do {
                for (channel, value) in regular { local[channel] = try reducers[channel]!.apply(local[channel], value) }
                regular += try routingWrites(from: node, state: GraphState(local))
            } catch {
                stopFailure = error
                special = [(GraphChannels.errorWrite, .object(["node": .string(node), "message": .string(String(describing: error))]))]
                regular = []
            }
        }
        if stopFailure == nil, let barrier = barriers[node],
           Set((checkpoint.values[barrier.channel]?.arrayValue ?? []).compactMap(\.stringValue)).isSuperset(of: barrier.predecessors) {
            regular.append((barrier.channel, .null))
        }
        if stopFailure == nil && regular.isEmpty { regular = [(GraphChannels.noWrites, .null)] }
        let taskID = TaskID.make(thread: thread, checkpointID: checkpoint.id, node: node)
        let path = TaskID.path(node: node)
        var rows = (stopFailure == nil ? regular : []).enumerated().map { index, write in
            PendingWriteRow(threadID: thread, checkpointID: checkpoint.id, taskID: taskID, taskPath: path,
                            index: index, channel: write.0, value: write.1.serialized())
        }
        rows += special.enumerated().map { offset, write in
            PendingWriteRow(threadID: thread, checkpointID: checkpoint.id, taskID: taskID, taskPath: path,
                            index: -1 - offset, channel: write.0, value: write.1.serialized())
        }
        return (rows, stopFailure == nil ? regular : [], stopFailure)
    }

    /// Applies the step's writes in node-name order through the reducers; every channel updated
    /// in the step gets the same new version (one past the highest so far).
    private func nextCheckpoint(after checkpoint: Checkpoint, tasks: [String], writes: [String: [(String, JSONValue)]]) throws -> Checkpoint {
        var next = checkpoint
        next.id = CheckpointID.next(after: checkpoint.id)
        next.parentID = checkpoint.id
        next.timestamp = Date()
        next.step = checkpoint.step + 1
        var updated = Set<String>()
        for node in tasks {
            for (channel, value) in writes[node] ?? [] where channel != GraphChannels.noWrites {
                guard let reducer = reducers[channel] else {
                    throw GraphError.corruptCheckpoint("a saved write names channel \(channel), which this graph does not have")
                }
                next.values[channel] = try reducer.apply(next.values[channel], value)
                updated.insert(channel)
            }
            for channel in triggers[node] ?? [] { next.seen[node, default: [:]][channel] = checkpoint.versions[channel] ?? 0 }
        }
        let version = (checkpoint.versions.values.max() ?? 0) + 1
        for channel in updated { next.versions[channel] = version }
        next.updatedChannels = updated.sorted()
        return next
    }
}
