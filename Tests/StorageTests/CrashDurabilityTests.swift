import FoundationEssentials
import Glibc
@testable import Storage
import Support
import TestSupport
import XCTest

/// Proves that a write whose `write` call returned survives SIGKILL of the process at any moment.
///
/// The child is this same test binary started again with `TRADEWIZARD_CRASH_CHILD_DB` set: it runs
/// `testChildWriterPrintsEachIdAfterItsCommit`, which writes rows from 8 concurrent writers as
/// fast as it can and prints each id only after its `write` returned.
final class CrashDurabilityTests: XCTestCase {
    static let childVariable = "TRADEWIZARD_CRASH_CHILD_DB"

    func testEveryAcknowledgedRowSurvivesSIGKILLTwentyTimes() throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let path = directory + "/crash.db"
        var generator = SystemRandomNumberGenerator()
        var acknowledged = Set<Int64>()
        for round in 0..<20 {
            let child = try Subprocess(
                arguments: [Subprocess.currentExecutable, "StorageTests.CrashDurabilityTests/testChildWriterPrintsEachIdAfterItsCommit"],
                environment: [Self.childVariable: path])
            // Kill after a random number of acknowledgements, while the child keeps writing.
            let killAfter = Int.random(in: 1...400, using: &generator)
            var seen = 0
            while let line = child.readLine() {
                if let id = Int64(line) {
                    acknowledged.insert(id)
                    seen += 1
                    if seen == killAfter { child.signal(SIGKILL) }
                }
            }
            child.wait()
            XCTAssertGreaterThan(seen, 0, "round \(round): the child acknowledged nothing")

            let database = try Database(path: path)
            XCTAssertEqual(try database.scalar("PRAGMA integrity_check", as: String.self), "ok", "round \(round)")
            let stored = Set(try database.query("SELECT id FROM items").map { try $0.get("id", as: Int64.self) })
            let missing = acknowledged.subtracting(stored)
            XCTAssertTrue(missing.isEmpty, "round \(round): \(missing.count) acknowledged rows lost")
        }
    }

    /// Child mode only (does nothing in a normal test run).
    func testChildWriterPrintsEachIdAfterItsCommit() async throws {
        guard let path = ProcessInfo.processInfo.environment[Self.childVariable] else { return }
        let pool = try DatabasePool(path: path)
        try await pool.writeWithoutTransaction { try $0.executeScript("CREATE TABLE IF NOT EXISTS items (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload TEXT NOT NULL);") }
        await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    while true {
                        let id = try await pool.write { database in
                            try database.execute("INSERT INTO items (writer, payload) VALUES (?, ?)", [writer, String(repeating: "x", count: 200)])
                            return database.lastInsertRowID
                        }
                        writeLineUnbuffered(String(id))
                    }
                }
            }
        }
    }
}
