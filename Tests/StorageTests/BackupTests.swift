import FoundationEssentials
import Glibc
@testable import Storage
import Support
import TestSupport
import XCTest

final class BackupTests: XCTestCase {
    var directory = ""
    var dataDirectory: DataDirectory { DataDirectory(path: directory + "/data") }
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func seededDatabase(markets: Int = 3) async throws -> AppDatabase {
        let database = try await AppDatabase.open(dataDirectory)
        for index in 0..<markets {
            try await database.pool.write { try $0.markets.upsert(Market(conditionID: "0x\(index)", question: "Q\(index)?")) }
        }
        return database
    }

    func testBackupIsSelfContainedPrivateAndVerifies() async throws {
        let database = try await seededDatabase()
        defer { database.close() }
        let entry = try await database.backup()
        XCTAssertTrue(entry.file.hasPrefix("tradewizard-") && entry.file.hasSuffix("Z.db"), entry.file)
        XCTAssertEqual(entry.manifest?.rowCounts["markets"], 3)
        XCTAssertEqual(entry.manifest?.schemaVersion, Schema.latestVersion)
        XCTAssertEqual(entry.manifest?.byteSize, try FileSystem.size(entry.path))
        XCTAssertFalse(FileSystem.exists(entry.path + "-wal"))
        var info = stat()
        stat(entry.path, &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        stat(dataDirectory.path, &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o700)
        stat(dataDirectory.databasePath, &info)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        let verification = Backup.verify(entry.path, supportedVersion: Schema.latestVersion, clock: SystemWallClock())
        XCTAssertEqual(verification.problems, [])
        XCTAssertEqual(Backup.list(in: dataDirectory.backupsPath).first?.lastVerification?.isValid, true)
    }

    func testPartialCopiesAKilledBackupLeftAreRemovedAtStartAndBeforeEachBackupAndNeverListed() async throws {
        let backups = dataDirectory.backupsPath
        func leavePartial(_ name: String) throws {
            try FileSystem.makePrivateDirectory(backups)
            try FileSystem.writeAtomically(Data(repeating: 0x55, count: 1 << 20), to: backups + "/" + name)
        }
        try await seededDatabase().close()
        try leavePartial(".partial-tradewizard-20261201T020000Z.db")
        try leavePartial(".partial-tradewizard-20261201T020000Z.db-journal")
        XCTAssertEqual(Backup.list(in: backups).count, 0, "a partial is never a backup")

        let database = try await AppDatabase.open(dataDirectory)
        defer { database.close() }
        XCTAssertEqual(FileSystem.contents(of: backups).filter { $0.hasPrefix(".partial-") }, [], "opening the data directory removes them")

        try leavePartial(".partial-tradewizard-20261202T020000Z.db")
        let entry = try await database.backup()
        XCTAssertEqual(FileSystem.contents(of: backups).filter { $0.hasPrefix(".partial-") }, [], "a backup removes stale ones first")
        XCTAssertEqual(Backup.list(in: backups).map(\.file), [entry.file])
    }

    func testBackupWhileEightWritersWriteRestoresToAConsistentSnapshot() async throws {
        let database = try await seededDatabase(markets: 0)
        try await database.pool.writeWithoutTransaction { try $0.executeScript("CREATE TABLE sequence (writer INTEGER, n INTEGER, PRIMARY KEY (writer, n))") }
        let acknowledgedBeforeBackup = WriterProgress()
        let stop = WriterProgress()
        let writers = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var n = 0
                        while await stop.count(for: 0) == 0 {
                            let value = n
                            try await database.pool.write { try $0.execute("INSERT INTO sequence VALUES (?, ?)", [writer, value]) }
                            await acknowledgedBeforeBackup.set(writer, n + 1)
                            n += 1
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        while await acknowledgedBeforeBackup.total() < 400 { await Task.yield() }
        let floor = await acknowledgedBeforeBackup.snapshot()
        let entry = try await database.backup()
        await stop.set(0, 1)
        try await writers.value
        XCTAssertTrue(Backup.verify(entry.path, supportedVersion: Schema.latestVersion, clock: SystemWallClock()).isValid)
        database.close()

        _ = try Backup.restore(entry.path, into: dataDirectory, supportedVersion: Schema.latestVersion, clock: SystemWallClock())
        let restored = try Database(path: dataDirectory.databasePath)
        for writer in 0..<8 {
            let numbers = try restored.query("SELECT n FROM sequence WHERE writer = ? ORDER BY n", [writer]).map { try $0.get("n", as: Int.self) }
            XCTAssertEqual(numbers, Array(0..<numbers.count), "writer \(writer): the snapshot has a gap (torn state)")
            XCTAssertGreaterThanOrEqual(numbers.count, floor[writer] ?? 0, "writer \(writer): rows committed before the backup are missing")
        }
    }

    func testRestoreRefusesACorruptedBackupAndLeavesTheLiveDatabaseUntouched() async throws {
        let database = try await seededDatabase()
        let entry = try await database.backup()
        try await database.pool.write { try $0.markets.upsert(Market(conditionID: "0xlater", question: "Later?")) }
        database.close()
        // Flip bytes in the middle of the file.
        let descriptor = open(entry.path, O_RDWR)
        var junk: [UInt8] = [0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13, 0x37]
        pwrite(descriptor, &junk, junk.count, 4096 + 100)
        close(descriptor)

        let verification = Backup.verify(entry.path, supportedVersion: Schema.latestVersion, clock: SystemWallClock())
        XCTAssertFalse(verification.isValid)
        XCTAssertTrue(verification.problems.contains { $0.contains("SHA-256") })
        XCTAssertThrowsError(try Backup.restore(entry.path, into: dataDirectory, supportedVersion: Schema.latestVersion, clock: SystemWallClock())) { error in
            XCTAssertEqual((error as? StorageError)?.code, .backupInvalid)
        }
        let live = try Database(path: dataDirectory.databasePath)
        XCTAssertEqual(try live.scalar("SELECT count(*) FROM markets", as: Int.self), 4)
        XCTAssertFalse(Backup.list(in: dataDirectory.backupsPath).contains { $0.manifest?.kind == .preRestore })
    }

    func testRestoreRefusesWhileTheDataDirectoryIsLocked() async throws {
        let database = try await seededDatabase()
        defer { database.close() }
        let entry = try await database.backup()
        XCTAssertThrowsError(try Backup.restore(entry.path, into: dataDirectory, supportedVersion: Schema.latestVersion, clock: SystemWallClock())) { error in
            XCTAssertEqual((error as? StorageError)?.code, .dataDirectoryLocked)
        }
    }

    func testRestoreKeepsThePreviousDatabaseAsAPreRestoreBackup() async throws {
        let database = try await seededDatabase(markets: 2)
        let entry = try await database.backup()
        try await database.pool.write { try $0.markets.upsert(Market(conditionID: "0xnew", question: "New?")) }
        database.close()
        let result = try Backup.restore(entry.path, into: dataDirectory, supportedVersion: Schema.latestVersion, clock: SystemWallClock())
        XCTAssertEqual(result.previous?.manifest?.kind, .preRestore)
        XCTAssertEqual(result.previous?.manifest?.rowCounts["markets"], 3)
        let reopened = try await AppDatabase.open(dataDirectory)
        defer { reopened.close() }
        let count = try await reopened.pool.read { try $0.markets.count() }
        XCTAssertEqual(count, 2)
    }

    func testSecondWriterProcessIsRefusedWithAClearError() async throws {
        let database = try await seededDatabase()
        defer { database.close() }
        do {
            _ = try await AppDatabase.open(dataDirectory)
            XCTFail("a second writer must be refused")
        } catch let error as StorageError {
            XCTAssertEqual(error.code, .dataDirectoryLocked)
            XCTAssertTrue(error.message.contains("pid \(getpid())"), error.message)
        }
    }

    func testRetentionKeepsSevenDailyAndFourWeeklyBackups() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_767_225_600)) // 2026-01-01, a Thursday
        let database = try await AppDatabase.open(dataDirectory, clock: clock)
        defer { database.close() }
        for _ in 0..<40 {               // one backup a day for 40 days: 2026-01-01 … 2026-02-09 (a Monday)
            _ = try await database.backup()
            clock.advance(by: 86_400)
        }
        clock.advance(by: -86_400 + 3600)  // two more on the last day: only its newest is kept
        _ = try await database.backup()
        clock.advance(by: 3600)
        _ = try await database.backup()
        let removed = try Backup.applyRetention(in: dataDirectory.backupsPath, keepDaily: 7, keepWeekly: 4)
        let kept = Backup.list(in: dataDirectory.backupsPath)
        XCTAssertEqual(removed.count + kept.count, 42)
        // Daily: 02-03 … 02-09. Weekly (newest of each of 4 weeks): 02-09, 02-08, 02-01, 01-25.
        XCTAssertEqual(kept.compactMap { $0.manifest.map { String($0.createdAt.prefix(10)) } },
                       ["2026-02-09", "2026-02-08", "2026-02-07", "2026-02-06", "2026-02-05", "2026-02-04", "2026-02-03",
                        "2026-02-01", "2026-01-25"])
        XCTAssertEqual(kept.first?.manifest?.createdAt, "2026-02-09T02:00:00.000Z")
        for entry in kept { XCTAssertTrue(FileSystem.exists(Backup.manifestPath(for: entry.path))) }
    }

    func testSQLiteCommandLineToolReadsEveryTable() async throws {
        guard FileSystem.exists("/usr/bin/sqlite3") else { throw XCTSkip("sqlite3 CLI not installed (apt-get install sqlite3)") }
        let database = try await seededDatabase()
        let tables = try await database.pool.read { database in
            try database.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'").map { try $0.get("name", as: String.self) }
        }
        database.close()
        XCTAssertTrue(tables.contains("markets") && tables.contains("writes") && tables.contains("langgraph_checkpoints"))
        for table in tables {
            let child = try Subprocess(arguments: ["/usr/bin/sqlite3", "-readonly", dataDirectory.databasePath,
                                                     "SELECT count(*) FROM \(Database.quote(identifier: table));"], environment: [:])
            let output = child.readLine()
            let status = child.wait()
            XCTAssertEqual(status, 0, table)
            XCTAssertNotNil(output.flatMap { Int($0) }, "sqlite3 could not count \(table)")
        }
    }
}

/// Per-writer counters shared between test tasks.
actor WriterProgress {
    private var counts: [Int: Int] = [:]
    func set(_ writer: Int, _ value: Int) { counts[writer] = value }
    func count(for writer: Int) -> Int { counts[writer] ?? 0 }
    func total() -> Int { counts.values.reduce(0, +) }
    func snapshot() -> [Int: Int] { counts }
}
