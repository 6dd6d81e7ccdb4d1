@testable import Pipeline
import Benchmarks
import Storage
import Support
import TestSupport
import Synchronization
import XCTest
import FoundationEssentials
import Glibc

final class GraphExecutionTests: XCTestCase {
    func testSixParallelNodesThenAJoinRunExactlyOnceEach() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        let counter = InvocationCounter()
        let graph = try AnalysisShapedGraph.make { node in
            let body = AnalysisShapedGraph.noOpBody(node: node)
            return { state, context in counter.record(node); return try await body(state, context) }
        }
        let outcome = try await graph.invoke(thread: "run-1", input: [:], checkpointer: test.checkpointer)
        XCTAssertEqual(counter.snapshot, Dictionary(uniqueKeysWithValues: AnalysisShapedGraph.nodes.map { ($0, 1) }))
        XCTAssertEqual(outcome.steps, 4, "ingest, agents, consensus, recommendation")
        XCTAssertEqual(outcome.state["signals"]?.arrayValue?.count, 6)
        XCTAssertNotNil(outcome.state["recommendation"])
        let run = try await test.database.pool.read { try $0.checkpoints.run(thread: "run-1") }
        XCTAssertEqual(run?.status, .done)
        XCTAssertEqual(run?.steps, 5, "the input checkpoint and one per superstep")
    }

    func testAConditionalEdgeToEndStopsTheRun() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        let counter = InvocationCounter()
        var graph = StateGraph(name: "gate")
        graph.channel("valid")
        graph.node("check") { state, _ in counter.record("check"); return ["valid": state["valid"] ?? .bool(false)] }
        graph.node("analyse") { _, _ in counter.record("analyse"); return [:] }
        graph.edge(StateGraph.start, "check")
        graph.conditionalEdge("check", targets: ["analyse", StateGraph.end]) { state in
            state["valid"] == .bool(true) ? ["analyse"] : [StateGraph.end]
        }
        let compiled = try graph.compile()
        let stopped = try await compiled.invoke(thread: "invalid", input: ["valid": .bool(false)], checkpointer: test.checkpointer)
        XCTAssertEqual(stopped.executedNodes, ["check"])
        _ = try await compiled.invoke(thread: "valid", input: ["valid": .bool(true)], checkpointer: test.checkpointer)
        XCTAssertEqual(counter.snapshot, ["check": 2, "analyse": 1])
    }

    func testAFailingNodeIsRetriedThenRecordedAndTheRunContinues() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        let counter = InvocationCounter()
        let graph = try AnalysisShapedGraph.make(policy: { node in
            node == "agent_momentum" ? NodePolicy(retry: RetryPolicy(maxAttempts: 3, initialBackoff: 0.001), onFailure: .continue) : NodePolicy()
        }, body: { node in
            let body = AnalysisShapedGraph.noOpBody(node: node)
            return { state, context in
                counter.record(node)
                if node == "agent_momentum" { throw GraphError.invalidUpdate("no price history (attempt \(context.attempt))") }
                return try await body(state, context)
            }
        })
        let outcome = try await graph.invoke(thread: "t", input: [:], checkpointer: test.checkpointer)
        XCTAssertEqual(counter.snapshot["agent_momentum"], 3)
        XCTAssertEqual(counter.snapshot["recommendation"], 1, "the join still completes")
        XCTAssertEqual(outcome.state["signals"]?.arrayValue?.count, 5)
        XCTAssertEqual(outcome.state.errors.map(\.node), ["agent_momentum"])
        XCTAssertEqual(outcome.state.errors.first?.attempts, 3)
        XCTAssertTrue(outcome.state.errors.first?.message.contains("attempt 3") ?? false)
        let errorWrites = try await test.database.pool.read { try $0.query("SELECT idx FROM writes WHERE channel = '__error__'") }
        XCTAssertEqual(try errorWrites.map { try $0.get("idx", as: Int.self) }, [-1], "LangGraph's special error write")
    }

    func testAStopPolicyFailureFailsTheRunAndResumeRunsOnlyTheFailedNode() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        let counter = InvocationCounter()
        let broken = Mutex(true)
        let graph = try AnalysisShapedGraph.make { node in
            let body = AnalysisShapedGraph.noOpBody(node: node)
            return { state, context in
                counter.record(node)
                if node == "agent_tail_risk", broken.withLock({ $0 }) { throw GraphError.invalidUpdate("provider down") }
                return try await body(state, context)
            }
        }
        do {
            _ = try await graph.invoke(thread: "t", input: [:], checkpointer: test.checkpointer)
            XCTFail("the run should fail")
        } catch let error as GraphError {
            guard case .nodeFailed(let node, _) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(node, "agent_tail_risk")
        }
        let failed = try await test.database.pool.read { try $0.checkpoints.run(thread: "t") }
        XCTAssertEqual(failed?.status, .failed)
        XCTAssertTrue(failed?.error?.contains("provider down") ?? false)

        broken.withLock { $0 = false }
        let outcome = try await graph.resume(thread: "t", checkpointer: test.checkpointer)
        XCTAssertEqual(outcome.executedNodes, ["agent_tail_risk", "consensus", "recommendation"])
        XCTAssertEqual(counter.snapshot["agent_momentum"], 1, "finished agents are not run again")
        XCTAssertEqual(outcome.state["signals"]?.arrayValue?.count, 6)
        let again = try await graph.resume(thread: "t", checkpointer: test.checkpointer)
        XCTAssertEqual(again.executedNodes, [], "resuming a finished run does nothing")
    }

    func testAHungNodeTimesOutEvenIfItIgnoresCancellation() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        // The node blocks its thread and ignores cancellation until the test releases it at the end.
        let released = Mutex(false)
        defer { released.withLock { $0 = true } }
        var graph = StateGraph(name: "timeout")
        graph.node("hang", policy: NodePolicy(timeout: 0.05, onFailure: .continue)) { _, _ in
            while !released.withLock({ $0 }) { usleep(1000) }
            return [:]
        }
        graph.edge(StateGraph.start, "hang")
        let started = Date()
        let outcome = try await graph.compile().invoke(thread: "t", input: [:], checkpointer: test.checkpointer)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertTrue(outcome.state.errors.first?.message.contains("timed out") ?? false, "\(outcome.state.errors)")
    }

    func testAThreadIsNeverReusedForANewRun() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        let graph = try AnalysisShapedGraph.make { AnalysisShapedGraph.noOpBody(node: $0) }
        _ = try await graph.invoke(thread: "once", input: [:], checkpointer: test.checkpointer)
        do {
            _ = try await graph.invoke(thread: "once", input: [:], checkpointer: test.checkpointer)
            XCTFail("a second run on the same thread must be refused")
        } catch let error as StorageError {
            XCTAssertEqual(error.code, .invalidInput)
        }
    }

    func testTheStepLimitStopsALoopingGraph() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        var graph = StateGraph(name: "loop")
        graph.channel("n")
        graph.node("again") { state, _ in ["n": .number((state["n"]?.numberValue ?? 0) + 1)] }
        graph.edge(StateGraph.start, "again")
        graph.edge("again", "again")
        do {
            _ = try await graph.compile(GraphOptions(stepLimit: 5)).invoke(thread: "t", input: [:], checkpointer: test.checkpointer)
            XCTFail("expected the step limit")
        } catch let error as GraphError {
            XCTAssertEqual(error, .stepLimitReached(5))
        }
    }

    func testInvalidDefinitionsAndUpdatesAreRefusedWithClearErrors() async throws {
        var graph = StateGraph(name: "bad")
        graph.node("a") { _, _ in [:] }
        graph.edge("a", "missing")
        XCTAssertThrowsError(try graph.compile()) { error in
            XCTAssertTrue("\(error)".contains("unknown node missing"), "\(error)")
            XCTAssertTrue("\(error)".contains("no edge from __start__"), "\(error)")
        }
        let test = try await TestDatabase()
        defer { test.remove() }
        var writer = StateGraph(name: "undeclared")
        writer.node("a", policy: NodePolicy(onFailure: .continue)) { _, _ in ["nope": .null] }
        writer.edge(StateGraph.start, "a")
        let outcome = try await writer.compile().invoke(thread: "t", input: [:], checkpointer: test.checkpointer)
        XCTAssertTrue(outcome.state.errors.first?.message.contains("undeclared channel nope") ?? false)
    }

    func testTheGraphDescribesItselfAsMermaid() throws {
        let graph = try AnalysisShapedGraph.make { AnalysisShapedGraph.noOpBody(node: $0) }
        let text = graph.mermaid
        XCTAssertTrue(text.hasPrefix("graph TD;"))
        for line in ["__start__ --> ingest;", "ingest --> agent_momentum;", "agent_momentum --> consensus;",
                     "consensus --> recommendation;", "recommendation --> __end__;"] {
            XCTAssertTrue(text.contains(line), "missing \(line) in\n\(text)")
        }
    }
}
