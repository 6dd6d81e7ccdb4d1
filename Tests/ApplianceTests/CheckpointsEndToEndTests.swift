import Benchmarks
import FoundationEssentials
import Glibc
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// The `checkpoints` verbs and the start-up resume, through the real binary.
final class CheckpointsEndToEndTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { _ = try? FileManager.default.removeItem(atPath: directory) }


    func run(_ arguments: [String]) -> (status: Int32, output: String) {
        guard let child = try? Subprocess(arguments: [binary] + arguments + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                          mergeErrors: true) else { return (-1, "could not start") }
        let output = child.readAll()
        return (child.wait(), output)
    }

    /// Leaves thread `thread` of the catalog's benchmark graph as a crash would: marked running,
    /// its agents' writes half saved (agent_tail_risk never finished).
    func makeInterruptedRun(thread: String) async throws {
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let graph = try AnalysisShapedGraph.make(name: "analysis-shape") { node in
            let body = AnalysisShapedGraph.noOpBody(node: node)
            return { state, context in
                if node == "agent_tail_risk" { throw GraphError.invalidUpdate("interrupted") }
                return try await body(state, context)
            }
        }
        _ = try? await graph.invoke(thread: thread, input: [:], checkpointer: GraphCheckpointer(pool: database.pool))
        try await database.pool.write { database in
            try database.execute("UPDATE graph_runs SET status = 'running', finished_at = NULL, error = NULL WHERE thread_id = ?", [thread])
            try database.execute("DELETE FROM writes WHERE channel = '__error__'")
        }
    }

    func testListShowResumeAndDeleteAThreadFromTheCommandLine() async throws {
        try await makeInterruptedRun(thread: "run-a")
        let listed = run(["checkpoints", "list"])
        XCTAssertEqual(listed.status, 0, listed.output)
        XCTAssertTrue(listed.output.contains("run-a") && listed.output.contains("running"), listed.output)
        let shown = run(["checkpoints", "show", "run-a"])
        XCTAssertEqual(shown.status, 0, shown.output)
        XCTAssertTrue(shown.output.contains("pending writes:") && shown.output.contains("agent_momentum"), shown.output)
        XCTAssertTrue(shown.output.contains("graph TD;"), "the graph is shown as Mermaid")

        let resumed = run(["checkpoints", "resume", "run-a"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.output.contains("ran agent_tail_risk, consensus, recommendation"), resumed.output)
        let checkpoints = run(["checkpoints", "list", "--thread", "run-a", "--json"])
        XCTAssertEqual(try JSONValue.parse(Array(checkpoints.output.utf8)).arrayValue?.count, 5, checkpoints.output)

        XCTAssertEqual(run(["checkpoints", "resume", "missing"]).status, 1)
        XCTAssertEqual(run(["checkpoints", "show", "missing"]).status, 1)
        XCTAssertEqual(run(["checkpoints", "frobnicate"]).status, 2)
        XCTAssertEqual(run(["checkpoints", "delete", "run-a"]).status, 0)
        XCTAssertEqual(run(["checkpoints", "delete", "run-a"]).status, 1, "deleting twice is an error")
    }

    func testServeLeavesABenchmarkRunAloneAndSaysSo() async throws {
        try await makeInterruptedRun(thread: "run-b")
        let server = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: ["TRADEWIZARD_OFFLINE": "1"], mergeErrors: true)
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("tradewizard ready") { break }
        }
        server.signal(SIGTERM)
        log.append(server.readAll())
        XCTAssertEqual(server.wait(), 0, log.joined(separator: "\n"))
        XCTAssertTrue(log.contains { $0.contains("cannot resume run") && $0.contains("run-b") && $0.contains("analysis-shape") },
                      "serve names the run it does not resume: " + log.joined(separator: "\n"))
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let run = try await database.pool.read { try $0.checkpoints.run(thread: "run-b") }
        XCTAssertEqual(run?.status, .running, "the benchmark graph is not part of serve; the run waits for `checkpoints resume`")
    }
}
