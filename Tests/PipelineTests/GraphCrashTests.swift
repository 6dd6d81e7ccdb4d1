import Benchmarks
import FoundationEssentials
import Glibc
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Proves resume after SIGKILL in a real child process: the child is this test binary started again
/// with `TRADEWIZARD_GRAPH_CHILD` set, running `testChildRunsTheAnalysisShape`.
final class GraphCrashTests: XCTestCase {
    static let childVariable = "TRADEWIZARD_GRAPH_CHILD"
    static let thread = "crash-run"

    func testAKilledRunResumesRunningOnlyTheUnfinishedNodes() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        _ = try await TestDatabase(directory: directory).close()
        let ledger = directory + "/ledger.txt"

        // First process: agent_momentum hangs; the other five agents commit their writes.
        let first = try startChild(mode: "hang", directory: directory, ledger: ledger)
        let deadline = Date().addingTimeInterval(30)
        var committed = 0
        while committed < 5 && Date() < deadline {
            usleep(5_000)
            committed = try committedAgents(directory: directory).count
        }
        XCTAssertEqual(committed, 5, "five agents committed before the kill")
        first.signal(SIGKILL)
        first.wait()
        XCTAssertFalse(try committedAgents(directory: directory).contains("agent_momentum"))

        // Second process: resumes the thread; the agent no longer hangs.
        let second = try startChild(mode: "resume", directory: directory, ledger: ledger)
        let output = second.readAll()
        XCTAssertEqual(second.wait(), 0, output)

        let lines = readLines(ledger)
        let firstRun = lines.filter { $0.hasPrefix("hang ") }.map { String($0.dropFirst(5)) }
        let secondRun = lines.filter { $0.hasPrefix("resume ") }.map { String($0.dropFirst(7)) }
        XCTAssertEqual(Set(firstRun), Set(["ingest"] + AnalysisShapedGraph.agents), "the first process started ingest and all six agents")
        XCTAssertEqual(secondRun, ["agent_momentum", "consensus", "recommendation"])

        let test = try await TestDatabase(directory: directory)
        defer { test.close() }
        let (run, latest) = try await test.database.pool.read { database in
            (try database.checkpoints.run(thread: Self.thread), try database.checkpoints.latest(thread: Self.thread))
        }
        XCTAssertEqual(run?.status, .done)
        let state = try JSONValue.parse(XCTUnwrap(latest).checkpoint)["channel_values"]
        XCTAssertEqual(state?["signals"]?.arrayValue?.count, 6)
        XCTAssertNotNil(state?["recommendation"])
    }

    func startChild(mode: String, directory: String, ledger: String) throws -> Subprocess {
        try Subprocess(arguments: [Subprocess.currentExecutable, "PipelineTests.GraphCrashTests/testChildRunsTheAnalysisShape"],
                       environment: [Self.childVariable: "\(mode)|\(directory)|\(ledger)"], mergeErrors: true)
    }

    /// The agents whose writes are committed under the ingest step's checkpoint.
    func committedAgents(directory: String) throws -> Set<String> {
        var configuration = DatabaseConfiguration()
        configuration.readOnly = true
        let database = try Database(path: directory + "/data/tradewizard.db", configuration: configuration)
        let rows = try database.query("SELECT DISTINCT task_path FROM writes WHERE thread_id = ? AND channel = 'signals'", [Self.thread])
        return Set(try rows.map { try $0.get("task_path", as: String.self).replacingOccurrences(of: "~__pregel_pull, ", with: "") })
    }

    /// Child mode only (does nothing in a normal test run).
    func testChildRunsTheAnalysisShape() async throws {
        guard let setting = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let parts = setting.split(separator: "|").map(String.init)
        let (mode, directory, ledger) = (parts[0], parts[1], parts[2])
        let test = try await TestDatabase(directory: directory)
        let graph = try AnalysisShapedGraph.make { node in
            let body = AnalysisShapedGraph.noOpBody(node: node)
            return { state, context in
                appendLine("\(mode) \(node)", to: ledger)
                if mode == "hang" && node == "agent_momentum" {
                    while true { try await Task.sleep(for: .seconds(60)) }
                }
                return try await body(state, context)
            }
        }
        if mode == "hang" {
            _ = try await graph.invoke(thread: Self.thread, input: ["market": .string("m-1")], checkpointer: test.checkpointer)
        } else {
            _ = try await graph.resume(thread: Self.thread, checkpointer: test.checkpointer)
        }
        test.close()
    }
}
