import FoundationEssentials
import Glibc
@testable import Storage
import Support
import TestSupport
import XCTest

final class DatabasePoolTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func makePool() async throws -> DatabasePool {
        let pool = try DatabasePool(path: directory + "/pool.db")
        try await pool.writeWithoutTransaction { try $0.executeScript(testTableSQL) }
        return pool
    }

    func testGroupCommitKeepsEveryAcknowledgedRowInFewerTransactions() async throws {
        let pool = try await makePool()
        defer { pool.close() }
        let before = pool.statistics
        let ids = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for writer in 0..<64 {
                group.addTask {
                    var ids: [Int64] = []
                    for index in 0..<20 {
                        ids.append(try await pool.write { database in
                            try database.execute("INSERT INTO items (writer, payload) VALUES (?, ?)", [writer, "row \(index)"])
                            return database.lastInsertRowID
                        })
                    }
                    return ids
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        XCTAssertEqual(ids.count, 1_280)
        let stored = try await pool.read { try $0.query("SELECT id FROM items").map { try $0.get("id", as: Int64.self) } }
        XCTAssertEqual(Set(stored), Set(ids))
        let after = pool.statistics
        XCTAssertEqual(after.writes - before.writes, 1_280)
        XCTAssertLessThan(after.transactions - before.transactions, 1_280, "concurrent writes should share transactions")
    }

    func testAFailingWriteIsUndoneAloneAndTheOthersInItsGroupCommit() async throws {
        let pool = try await makePool()
        defer { pool.close() }
        let results = await withTaskGroup(of: Bool.self) { group in
            for writer in 0..<32 {
                group.addTask {
                    do {
                        try await pool.write { database in
                            try database.execute("INSERT INTO items (writer, payload) VALUES (?, ?)", [writer, "x"])
                            if writer % 4 == 0 { throw StorageError(.invalidInput, "refused") }
                        }
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        XCTAssertEqual(results.filter { $0 }.count, 24)
        let writers = try await pool.read { try $0.query("SELECT writer FROM items").map { try $0.get("writer", as: Int.self) } }
        XCTAssertEqual(Set(writers), Set((0..<32).filter { $0 % 4 != 0 }))
    }

    func testReadsSeeEveryWriteThatReturned() async throws {
        let pool = try await makePool()
        defer { pool.close() }
        for index in 0..<50 {
            try await pool.write { try $0.execute("INSERT INTO items (writer, payload) VALUES (1, ?)", ["\(index)"]) }
            let count = try await pool.read { try $0.scalar("SELECT count(*) FROM items", as: Int.self) }
            XCTAssertEqual(count, index + 1)
        }
    }

    func testACleanCloseLeavesEveryCommitInTheDatabaseFileAlone() async throws {
        let pool = try await makePool()
        for index in 0..<500 {
            try await pool.write { try $0.execute("INSERT INTO items (writer, payload) VALUES (?, ?)", [1, String(repeating: "x", count: 200) + "\(index)"]) }
        }
        pool.close()
        var info = stat()
        let walBytes = stat(directory + "/pool.db-wal", &info) == 0 ? Int64(info.st_size) : 0
        XCTAssertEqual(walBytes, 0, "the WAL was checkpointed into the database and truncated")
        // Whoever copies only the .db file gets every row.
        let copy = try makeTemporaryDirectory()
        defer { removeDirectory(copy) }
        try FileManager.default.copyItem(atPath: directory + "/pool.db", toPath: copy + "/only.db")
        let database = try Database(path: copy + "/only.db")
        XCTAssertEqual(try database.scalar("SELECT count(*) FROM items", as: Int.self), 500)
    }

    func testCallsAfterCloseFailInsteadOfHanging() async throws {
        let pool = try await makePool()
        pool.close()
        do {
            try await pool.write { try $0.execute("INSERT INTO items (writer, payload) VALUES (1, 'x')") }
            XCTFail("write after close should fail")
        } catch let error as DatabaseError {
            XCTAssertEqual(error.resultCode, .misuse)
        }
    }
}
