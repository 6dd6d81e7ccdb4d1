import FoundationEssentials
@testable import Storage
import Support
import TestSupport
import XCTest

final class MigrationTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func testFreshDatabaseIsMigratedToTheLatestVersionAndRecordsEachMigration() async throws {
        let database = try await AppDatabase.open(DataDirectory(path: directory))
        defer { database.close() }
        let status = try await database.pool.read { try Migrator(migrations: Schema.migrations).status($0) }
        XCTAssertEqual(status.currentVersion, Schema.latestVersion)
        XCTAssertEqual(status.applied.map(\.version), Array(1...Schema.latestVersion))
        XCTAssertTrue(status.applied.allSatisfy(\.checksumMatches))
        XCTAssertTrue(status.pending.isEmpty)
        XCTAssertTrue(Backup.list(in: DataDirectory(path: directory).backupsPath).isEmpty, "an empty database needs no safety copy")
    }

    func testDatabaseFromANewerBinaryIsRefusedNamingBothVersions() async throws {
        let path = DataDirectory(path: directory).databasePath
        do {
            let raw = try Database(path: path)
            try raw.executeScript("PRAGMA user_version = 99")
        }
        do {
            _ = try await AppDatabase.open(DataDirectory(path: directory))
            XCTFail("a newer schema must be refused")
        } catch let error as StorageError {
            XCTAssertEqual(error.code, .schemaTooNew)
            XCTAssertTrue(error.message.contains("99"))
            XCTAssertTrue(error.message.contains("\(Schema.latestVersion)"))
        }
        XCTAssertEqual(try Database(path: path).scalar("PRAGMA user_version", as: Int.self), 99)
    }

    func testFailedMigrationLeavesTheDatabaseAtThePreviousVersion() async throws {
        let dataDirectory = DataDirectory(path: directory)
        try await AppDatabase.open(dataDirectory, migrations: [Schema.migrations[0]]).close()
        let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE extra (x INTEGER); INSERT INTO no_such_table VALUES (1);")
        do {
            _ = try await AppDatabase.open(dataDirectory, migrations: [Schema.migrations[0], broken])
            XCTFail("the broken migration must fail")
        } catch let error as StorageError {
            XCTAssertEqual(error.code, .migrationFailed)
            XCTAssertTrue(error.message.contains("stays at version 1"))
        }
        let database = try Database(path: dataDirectory.databasePath)
        XCTAssertEqual(try database.scalar("PRAGMA user_version", as: Int.self), 1)
        XCTAssertNil(try database.scalar("SELECT name FROM sqlite_master WHERE name = 'extra'", as: String.self))
        XCTAssertEqual(try database.scalar("SELECT max(version) FROM schema_migrations", as: Int.self), 1)
    }

    func testMigratingANonEmptyDatabaseFirstTakesAVerifiableBackup() async throws {
        let dataDirectory = DataDirectory(path: directory)
        let v1 = try await AppDatabase.open(dataDirectory, migrations: [Schema.migrations[0]])
        try await v1.pool.write { try $0.execute("INSERT INTO markets (condition_id, question, created_at, updated_at) VALUES ('0xabc', 'Will it?', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')") }
        v1.close()
        let latest = try await AppDatabase.open(dataDirectory)
        latest.close()
        let backups = Backup.list(in: dataDirectory.backupsPath)
        XCTAssertEqual(backups.count, 1)
        XCTAssertEqual(backups.first?.manifest?.kind, .preMigration)
        XCTAssertEqual(backups.first?.manifest?.schemaVersion, 1)
        XCTAssertEqual(backups.first?.manifest?.rowCounts["markets"], 1)
        XCTAssertTrue(Backup.verify(backups[0].path, supportedVersion: Schema.latestVersion, clock: SystemWallClock()).isValid)
    }
}
