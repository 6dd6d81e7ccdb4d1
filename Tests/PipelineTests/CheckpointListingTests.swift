import Benchmarks
import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import Synchronization
import XCTest

/// Listing, `before`, `limit` and metadata filters behave as LangGraph's SqliteSaver documents, and
/// LangGraph's own SqliteSaver reads our rows (when it can be installed).
final class CheckpointListingTests: XCTestCase {
    /// A finished run on `done`, and a run on `failed` stopped by agent_tail_risk with five agents' writes pending.
    func makeRuns(_ test: TestDatabase) async throws {
        let graph = try AnalysisShapedGraph.make { node in
            let body = AnalysisShapedGraph.noOpBody(node: node)
            return { state, context in
                if context.thread == "failed" && node == "agent_tail_risk" { throw GraphError.invalidUpdate("provider down") }
                return try await body(state, context)
            }
        }
        _ = try await graph.invoke(thread: "done", input: [:], checkpointer: test.checkpointer)
        _ = try? await graph.invoke(thread: "failed", input: [:], checkpointer: test.checkpointer)
    }

    func testListingIsNewestFirstWithStrictBeforeLimitAndMetadataFilters() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        try await makeRuns(test)
        try await test.database.pool.read { database in
            let store = database.checkpoints
            let all = try store.list(thread: "done")
            XCTAssertEqual(all.count, 5)
            XCTAssertEqual(all.map(\.checkpointID), all.map(\.checkpointID).sorted(by: >), "newest first")
            XCTAssertEqual(all.dropLast().map(\.parentID), all.dropFirst().map(\.checkpointID), "each checkpoint's parent is the one before")
            XCTAssertEqual(try store.latest(thread: "done")?.checkpointID, all.first?.checkpointID)
            XCTAssertEqual(try store.list(thread: "done", limit: 2).map(\.checkpointID), all.prefix(2).map(\.checkpointID))
            XCTAssertEqual(try store.list(thread: "done", before: all[2].checkpointID).map(\.checkpointID),
                           all.dropFirst(3).map(\.checkpointID), "before is strict")
            let inputs = try store.list(filter: ["source": .string("input")])
            XCTAssertEqual(Set(inputs.map(\.threadID)), ["done", "failed"], "a filter without a thread spans threads")
            let stepTwo = try store.list(thread: "done", filter: ["source": .string("loop"), "step": .number(2)])
            XCTAssertEqual(stepTwo.count, 1)
            XCTAssertEqual(try JSONValue.parse(stepTwo[0].metadata)["run_id"], .string("done"))
            XCTAssertThrowsError(try store.list(filter: ["bad key'": .null]), "filter keys are validated")
        }
    }

    func testPruningKeepsTheFinalCheckpointOfFinishedRunsAndDeleteRemovesAThread() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        try await makeRuns(test)
        let graph = try AnalysisShapedGraph.make { AnalysisShapedGraph.noOpBody(node: $0) }
        _ = try await test.database.pool.write { try $0.checkpoints.startRun(thread: "running", graph: graph.name) }
        try await test.database.pool.write { database in
            let final = try database.checkpoints.latest(thread: "done")
            XCTAssertEqual(try database.checkpoints.pruneFinished(before: Date().addingTimeInterval(60)), 4 + 1)
            XCTAssertEqual(try database.checkpoints.list(thread: "done").map(\.checkpointID), [final?.checkpointID])
            XCTAssertEqual(try database.checkpoints.list(thread: "failed").count, 1)
            XCTAssertEqual(try database.checkpoints.deleteThread("done"), 1)
            XCTAssertNil(try database.checkpoints.run(thread: "done"))
            XCTAssertEqual(try database.checkpoints.run(thread: "running")?.status, .running, "running runs are never pruned")
        }
    }

    func testLangGraphsSqliteSaverReadsOurRows() async throws {
        let python = try TestLocations.langGraphPython()
        let test = try await TestDatabase()
        defer { test.remove() }
        try await makeRuns(test)
        let (done, failedWrites) = try await test.database.pool.read { database in
            (try database.checkpoints.list(thread: "done"),
             try database.checkpoints.writes(thread: "failed", checkpointID: try database.checkpoints.latest(thread: "failed")!.checkpointID))
        }
        test.close()
        let child = try Subprocess(arguments: [python, TestLocations.repositoryRoot + "/Tests/interop/langgraph_read.py",
                                               test.directory + "/data/tradewizard.db", "done", "failed"], mergeErrors: true)
        let output = child.readAll()
        XCTAssertEqual(child.wait(), 0, output)
        let seen = try JSONValue.parse(Array(output.utf8))
        let ids = done.map { JSONValue.string($0.checkpointID) }
        XCTAssertEqual(seen["latest_id"], ids[0])
        XCTAssertEqual(seen["latest_parent"], ids[1])
        XCTAssertEqual(seen["latest_metadata"]?["source"], .string("loop"))
        XCTAssertEqual(seen["latest_metadata"]?["step"], .number(3))
        XCTAssertEqual(seen["latest_signals"], .number(6))
        XCTAssertEqual(seen["latest_version"], .number(4))
        XCTAssertEqual(seen["middle_id"], ids[2])
        XCTAssertEqual(seen["list"], .array(ids))
        XCTAssertEqual(seen["list_limit_2"], .array(Array(ids.prefix(2))))
        XCTAssertEqual(seen["list_before_third"], .array(Array(ids.dropFirst(3))))
        XCTAssertEqual(seen["list_filter_input"]?.arrayValue?.count, 2)
        XCTAssertEqual(seen["list_filter_loop_step_2"]?.arrayValue?.count, 1)
        XCTAssertEqual(seen["pending_writes"]?.arrayValue?.count, failedWrites.count)
        XCTAssertEqual(seen["pending_writes"]?.arrayValue?.filter { $0 == .string("signals") }.count, 5)
        XCTAssertEqual(seen["pending_error"]?.arrayValue?.first?["node"], .string("agent_tail_risk"))
    }
}
