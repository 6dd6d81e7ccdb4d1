import FoundationEssentials
import Glibc
@testable import Pipeline
import Storage
import Support
import TestSupport
import Synchronization

/// A migrated database in a fresh directory, with its checkpointer.
struct TestDatabase {
    let directory: String
    let database: AppDatabase
    var checkpointer: GraphCheckpointer { GraphCheckpointer(pool: database.pool) }

    init(directory: String? = nil, clock: any WallClock = SystemWallClock()) async throws {
        self.directory = try directory ?? makeTemporaryDirectory()
        database = try await AppDatabase.open(DataDirectory(path: self.directory + "/data"), clock: clock)
    }

    func close() { database.close() }
    func remove() { database.close(); removeDirectory(directory) }
}

/// Counts node invocations in memory.
final class InvocationCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    func record(_ node: String) { counts.withLock { $0[node, default: 0] += 1 } }
    var snapshot: [String: Int] { counts.withLock { $0 } }
}

/// Appends one line per invocation to a file, unbuffered, so it survives SIGKILL of the writer.
func appendLine(_ line: String, to path: String) {
    let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o600)
    guard descriptor >= 0 else { return }
    let bytes = Array((line + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
    close(descriptor)
}

func readLines(_ path: String) -> [String] {
    guard let data = FileManager.default.contents(atPath: path) else { return [] }
    return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
}
