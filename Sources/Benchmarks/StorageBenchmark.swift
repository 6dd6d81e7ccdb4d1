import Storage
import Pipeline
import FoundationEssentials
import Support
import Synchronization

/// Measures the storage floor on a temporary file with `synchronous=FULL` (every commit fsynced).
///
/// Exposed as `tradewizard bench storage`. Figures depend on the disk's fsync latency; report
/// them with the machine named.
public enum StorageBenchmark {
    /// The result of one run.
    public struct Report: Codable, Sendable {
        /// Sequential `write` calls of one row each, committed durably, per second.
        public var singleWriterCommitsPerSecond: Double
        /// Group-commit figures at each concurrency.
        public var groupCommit: [GroupCommitResult]
        /// Seconds a backup takes per 100 MB of database (measured on `backupMegabytes`).
        public var backupSecondsPer100MB: Double
        /// Size of the database the backup figure was measured on, in MB.
        public var backupMegabytes: Int
        /// Longest durable write a concurrent writer saw while the backup ran, in milliseconds.
        public var maximumWriteDuringBackupMilliseconds: Double
        /// Durable writes a concurrent writer completed while the backup ran.
        public var writesDuringBackup: Int
        /// How many of those took longer than 10 ms.
        public var writesOver10MillisecondsDuringBackup: Int
    }

    /// Group commit at one concurrency.
    public struct GroupCommitResult: Codable, Sendable {
        public var writers: Int
        public var rowsPerSecond: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        /// Average rows per committed transaction.
        public var rowsPerTransaction: Double
    }

    /// Runs every measurement in `directory` (a temporary directory the caller removes).
    public static func run(directory: String, secondsPerMeasurement: Double = 2, concurrencies: [Int] = [1, 16, 64],
                           backupMegabytes: Int = 100, progress: @Sendable (String) -> Void = { _ in }) async throws -> Report {
        let path = directory + "/bench-storage.db"
        let pool = try DatabasePool(path: path)
        defer { pool.close() }
        try await pool.writeWithoutTransaction {
            try $0.executeScript("CREATE TABLE rows (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload TEXT NOT NULL)")
        }
        let payload = String(repeating: "x", count: 200)

        progress("single writer, durable commits")
        var commits = 0
        let singleStart = MonotonicInstant.now()
        while singleStart.secondsElapsed() < secondsPerMeasurement {
            try await pool.write { try $0.execute("INSERT INTO rows (writer, payload) VALUES (0, ?)", [payload]) }
            commits += 1
        }
        let single = Double(commits) / singleStart.secondsElapsed()

        var results: [GroupCommitResult] = []
        for writers in concurrencies {
            progress("group commit, \(writers) concurrent writers")
            let before = pool.statistics
            let start = MonotonicInstant.now()
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var latencies: [Double] = []
                        while start.secondsElapsed() < secondsPerMeasurement {
                            let began = MonotonicInstant.now()
                            try await pool.write { try $0.execute("INSERT INTO rows (writer, payload) VALUES (?, ?)", [writer, payload]) }
                            latencies.append(began.secondsElapsed())
                        }
                        return latencies
                    }
                }
                return try await group.reduce(into: [Double]()) { $0 += $1 }.sorted()
            }
            let elapsed = start.secondsElapsed()
            let after = pool.statistics
            results.append(GroupCommitResult(
                writers: writers,
                rowsPerSecond: Double(latencies.count) / elapsed,
                p50Milliseconds: percentile(latencies, 0.50) * 1000,
                p99Milliseconds: percentile(latencies, 0.99) * 1000,
                rowsPerTransaction: Double(after.writes - before.writes) / Double(max(1, after.transactions - before.transactions))))
        }

        progress("backup of a \(backupMegabytes) MB database")
        let blob = Data(repeating: 0xAB, count: 4000)
        let batches = backupMegabytes * 1024 * 1024 / (4000 * 250) + 1
        try await pool.writeWithoutTransaction { database in
            try database.executeScript("CREATE TABLE filler (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
            for _ in 0..<batches {
                try database.writeTransaction {
                    for _ in 0..<250 { try database.execute("INSERT INTO filler (data) VALUES (?)", [blob]) }
                }
            }
        }
        // Fold the filler into the database file first, so the figure below measures the backup
        // and not the checkpoint of 100 MB of fresh WAL.
        _ = try await pool.writeWithoutTransaction { try $0.executeScript("PRAGMA wal_checkpoint(TRUNCATE)") }
        let bytes: Int64 = try await pool.read { try ($0.scalar("PRAGMA page_count") ?? 0) * ($0.scalar("PRAGMA page_size") ?? 4096) }
        let backupStart = MonotonicInstant.now()
        let backupDone = Atomic<Bool>(false)
        let backup = Task {
            defer { backupDone.store(true, ordering: .releasing) }
            return try await runBlocking { try Backup.create(databasePath: path, into: directory + "/backups", clock: SystemWallClock()) }
        }
        var longestWrite = 0.0
        var writesDuringBackup = 0
        var writesOver10Milliseconds = 0
        repeat {
            let began = MonotonicInstant.now()
            try await pool.write { try $0.execute("INSERT INTO rows (writer, payload) VALUES (-1, ?)", [payload]) }
            let took = began.secondsElapsed()
            longestWrite = max(longestWrite, took)
            writesDuringBackup += 1
            if took > 0.010 { writesOver10Milliseconds += 1 }
        } while !backupDone.load(ordering: .acquiring)
        _ = try await backup.value
        let backupSeconds = backupStart.secondsElapsed()
        return Report(singleWriterCommitsPerSecond: single, groupCommit: results,
                      backupSecondsPer100MB: backupSeconds * 100 * 1024 * 1024 / Double(max(bytes, 1)),
                      backupMegabytes: Int(bytes / 1024 / 1024),
                      maximumWriteDuringBackupMilliseconds: longestWrite * 1000,
                      writesDuringBackup: writesDuringBackup, writesOver10MillisecondsDuringBackup: writesOver10Milliseconds)
    }

    /// The value at quantile `q` (0…1) of sorted values; 0 when empty.
    public static func percentile(_ sorted: [Double], _ q: Double) -> Double {
        sorted.sortedQuantile(q) ?? 0
    }
}
