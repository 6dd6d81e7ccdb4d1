import FoundationEssentials
@testable import Appliance
import Storage
import Support
import TestSupport
import XCTest

/// `/health` sees what users see: the write probe is a real committed write, failures of real
/// writes between probes count, each outage is logged once, and recovery is seen at the next probe.
final class HealthProbeTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func open(busyTimeoutMilliseconds: Int32 = 200) async throws -> AppDatabase {
        var configuration = DatabaseConfiguration()
        configuration.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        return try await AppDatabase.open(DataDirectory(path: directory + "/data"), configuration: configuration)
    }

    func testALockHeldByAnotherProcessMakesHealthUnhealthyUntilItIsReleased() async throws {
        let database = try await open()
        defer { database.close() }
        let sink = LogSink.memory()
        let health = HealthMonitor(database: database, clock: SystemWallClock(), startedAt: Date(), logger: Logger(sink: sink))
        let before = await health.refresh()
        XCTAssertTrue(before.databaseWritable, before.reasons.joined())

        // Another connection (a sqlite3 shell, another program) holds the write lock.
        let foreign = try Database(path: database.directory.databasePath)
        try foreign.execute("BEGIN IMMEDIATE")
        let locked = await health.refresh()
        XCTAssertEqual(locked.status, .unhealthy, "an empty transaction would have said healthy here")
        XCTAssertFalse(locked.databaseWritable)
        XCTAssertTrue(locked.reasons.contains { $0.hasPrefix("database does not accept writes") }, "\(locked.reasons)")
        _ = await health.refresh()
        XCTAssertEqual(sink.lines.filter { $0.contains("stopped accepting writes") }.count, 1, "the outage is logged once, not per probe")

        try foreign.execute("ROLLBACK")
        let recovered = await health.refresh()
        XCTAssertEqual(recovered.status == .unhealthy, false, "\(recovered.reasons)")
        XCTAssertTrue(recovered.databaseWritable)
        XCTAssertEqual(sink.lines.filter { $0.contains("accepts writes again") }.count, 1)
    }

    func testRealWritesThatFailBetweenProbesMakeHealthUnhealthyEvenWhenTheTinyProbeSucceeds() async throws {
        let database = try await open()
        defer { database.close() }
        let health = HealthMonitor(database: database, clock: SystemWallClock(), startedAt: Date())
        try await database.pool.writeWithoutTransaction { try $0.execute("CREATE TABLE scratch (payload TEXT)") }
        _ = await health.refresh()
        // The file may not grow any more: a full disk, for every write that needs a new page.
        try await database.pool.writeWithoutTransaction { database in
            let pages: Int = try database.scalar("PRAGMA page_count") ?? 0
            try database.execute("PRAGMA max_page_count = \(pages)")
        }
        let big = String(repeating: "x", count: 200_000)
        do {
            try await database.pool.write { try $0.execute("INSERT INTO scratch (payload) VALUES (?)", [big]) }
            XCTFail("the write should not fit")
        } catch {
            XCTAssertTrue(ResultCode.full ~= error, "\(error)")
        }
        let full = await health.refresh()
        XCTAssertEqual(full.status, .unhealthy, "\(full.reasons)")
        XCTAssertTrue(full.reasons.contains { $0.contains("failed since the last check") }, "\(full.reasons)")
        let next = await health.refresh()
        XCTAssertTrue(next.databaseWritable, "with no new failure the next probe sees recovery: \(next.reasons)")
    }
}
