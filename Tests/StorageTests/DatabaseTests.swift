import FoundationEssentials
@testable import Storage
import Support
import TestSupport
import XCTest

final class DatabaseTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func testBindsAndReadsEveryStorageClass() throws {
        let database = try Database(path: directory + "/t.db")
        try database.execute("CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT, d TEXT, j TEXT)")
        let date = Date(timeIntervalSince1970: 1_795_000_000.25)
        try database.execute("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?)",
                             [Int64.max, 0.1, "héllo ✓", Data([0, 1, 255]), String?.none, date, try DatabaseValue.json(["a": [1, 2]])])
        let row = try XCTUnwrap(try database.queryOne("SELECT * FROM t"))
        XCTAssertEqual(try row.get("i", as: Int64.self), Int64.max)
        XCTAssertEqual(try row.get("r", as: Double.self), 0.1)
        XCTAssertEqual(try row.get("s", as: String.self), "héllo ✓")
        XCTAssertEqual(try row.get("b", as: Data.self), Data([0, 1, 255]))
        XCTAssertNil(try row.get("n", as: String?.self))
        XCTAssertEqual(try row.get("d", as: Date.self).timeIntervalSince1970, date.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(try row.json("j", as: [String: [Int]].self), ["a": [1, 2]])
        XCTAssertEqual(try database.scalar("SELECT s FROM t", as: String.self), "héllo ✓")
    }

    func testEmptyTextAndEmptyBlobAreNotNull() throws {
        let database = try Database(path: directory + "/t.db")
        try database.execute("CREATE TABLE t (s TEXT, b BLOB)")
        try database.execute("INSERT INTO t VALUES (?, ?)", ["", Data()])
        XCTAssertEqual(try database.scalar("SELECT count(*) FROM t WHERE s IS NOT NULL AND b IS NOT NULL", as: Int.self), 1)
    }

    func testErrorsCarryTheExtendedCodeAndSQLButNeverTheBoundValues() throws {
        let database = try Database(path: directory + "/t.db")
        try database.execute("CREATE TABLE t (k TEXT UNIQUE)")
        try database.execute("INSERT INTO t VALUES (?)", ["secret-value-123"])
        XCTAssertThrowsError(try database.execute("INSERT INTO t VALUES (?)", ["secret-value-123"])) { error in
            let error = error as! DatabaseError
            XCTAssertEqual(error.resultCode, .constraintUnique)
            XCTAssertEqual(error.resultCode.primary, .constraint)
            XCTAssertEqual(error.sql, "INSERT INTO t VALUES (?)")
            XCTAssertFalse(error.description.contains("secret-value-123"))
        }
    }

    func testReadingAColumnAsTheWrongTypeIsAMismatch() throws {
        let database = try Database(path: directory + "/t.db")
        let row = try XCTUnwrap(try database.queryOne("SELECT 'text' AS a"))
        XCTAssertThrowsError(try row.get("a", as: Int64.self)) { XCTAssertEqual(($0 as! DatabaseError).resultCode, .mismatch) }
        XCTAssertThrowsError(try row.get("missing", as: String.self))
    }

    func testSavepointUndoesOnlyItsOwnChanges() throws {
        let database = try Database(path: directory + "/t.db")
        try database.execute("CREATE TABLE t (v INTEGER)")
        try database.writeTransaction {
            try database.execute("INSERT INTO t VALUES (1)")
            XCTAssertThrowsError(try database.savepoint {
                try database.execute("INSERT INTO t VALUES (2)")
                throw StorageError(.io, "boom")
            })
            try database.savepoint { try database.execute("INSERT INTO t VALUES (3)") }
        }
        XCTAssertEqual(try database.query("SELECT v FROM t ORDER BY v").map { try $0.get("v", as: Int.self) }, [1, 3])
    }

    func testWriteTransactionRollsBackWhenTheBodyThrows() throws {
        let database = try Database(path: directory + "/t.db")
        try database.execute("CREATE TABLE t (v INTEGER)")
        XCTAssertThrowsError(try database.writeTransaction {
            try database.execute("INSERT INTO t VALUES (1)")
            throw StorageError(.io, "boom")
        })
        XCTAssertEqual(try database.scalar("SELECT count(*) FROM t", as: Int.self), 0)
        XCTAssertFalse(database.isInTransaction)
    }

    func testConnectionUsesWALFullSyncAndForeignKeys() throws {
        let database = try Database(path: directory + "/t.db")
        XCTAssertEqual(try database.scalar("PRAGMA journal_mode", as: String.self), "wal")
        XCTAssertEqual(try database.scalar("PRAGMA synchronous", as: Int.self), 2)
        XCTAssertEqual(try database.scalar("PRAGMA foreign_keys", as: Int.self), 1)
        XCTAssertEqual(try database.scalar("PRAGMA busy_timeout", as: Int.self), 5000)
        var normal = DatabaseConfiguration()
        normal.synchronous = .normal
        XCTAssertEqual(try Database(path: directory + "/n.db", configuration: normal).scalar("PRAGMA synchronous", as: Int.self), 1)
    }

    func testStatementsAreCachedBySQL() throws {
        let database = try Database(path: directory + "/t.db")
        let first = try database.cachedStatement("SELECT 1")
        XCTAssertTrue(first === (try database.cachedStatement("SELECT 1")))
    }
}

final class ResultCodeMatchingTests: XCTestCase {
    func testAPrimaryCodeMatchesItsExtendedCodesAndAnExtendedCodeOnlyItself() {
        switch ResultCode.constraintUnique {
        case .busy: XCTFail("a constraint code is not busy")
        case .constraint: break
        default: XCTFail("SQLITE_CONSTRAINT_UNIQUE must match .constraint")
        }
        XCTAssertTrue(ResultCode.constraintUnique ~= ResultCode.constraintUnique)
        XCTAssertFalse(ResultCode.constraintUnique ~= ResultCode.constraintCheck, "extended codes match only themselves")
        XCTAssertFalse(ResultCode.constraintUnique ~= ResultCode.constraint, "an extended pattern does not match its primary")
        XCTAssertFalse(ResultCode.ioError ~= ResultCode.constraintUnique)
    }

    func testACaughtDatabaseErrorMatchesItsFamily() async throws {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let database = try Database(path: directory + "/t.db")
        try database.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)")
        try database.execute("INSERT INTO t (name) VALUES ('a')")
        do {
            try database.execute("INSERT INTO t (name) VALUES ('a')")
            XCTFail("a duplicate must be refused")
        } catch ResultCode.constraint {
            // The extended code (SQLITE_CONSTRAINT_UNIQUE) was caught by its family.
        }
    }
}
