import FoundationEssentials
import Glibc
import Support
import Synchronization

/// One writer connection on its own thread beside a few reader connections, over a WAL database.
///
/// Contract:
/// - `write` runs its closure on the writer thread inside a transaction and returns only after
///   that transaction is committed (durable with `synchronous=FULL`). Writes submitted while a
///   commit is in progress are committed together in the next transaction (group commit); each
///   runs in its own savepoint, so one that throws is undone alone and reports its own error.
/// - `read` runs its closure on a reader thread inside a read transaction (one consistent snapshot)
///   and sees every write whose `write` call has returned.
/// - No call blocks the Swift cooperative thread pool: callers suspend on a continuation while the
///   work runs on the pool's own threads.
/// - Closures passed to `write` must not begin or commit transactions themselves; use
///   `writeWithoutTransaction` for work that manages its own (migrations, checkpoints, VACUUM).
public final class DatabasePool: Sendable {
    /// The database file.
    public let path: String
    /// The configuration the connections were opened with.
    public let configuration: DatabaseConfiguration
    private let writerQueue = WorkQueue<WriterJob>()
    private let readerQueue = WorkQueue<@Sendable (Database) -> Void>()
    private let threads: Mutex<[pthread_t]>
    private let counters = WriterCounters()

    /// Opens the writer and reader connections and starts their threads.
    /// Throws `DatabaseError` when the file cannot be opened or switched to WAL.
    public init(path: String, configuration: DatabaseConfiguration = DatabaseConfiguration(),
                clock: any WallClock = SystemWallClock()) throws {
        self.path = path
        self.configuration = configuration
        var readerConfiguration = configuration
        readerConfiguration.readOnly = true
        let writer = configuration.readOnly ? nil : try Database(path: path, configuration: configuration)
        let readers = try (0..<max(1, configuration.readerCount)).map { _ in
            try Database(path: path, configuration: readerConfiguration)
        }
        writer?.clock = clock
        readers.forEach { $0.clock = clock }
        var started: [pthread_t] = []
        if let writer {
            let connection = UncheckedConnection(writer)
            let queue = writerQueue
            let counters = counters
            let groupSize = max(1, configuration.maximumGroupSize)
            started.append(startThread { GroupCommitWriter(database: connection.database, counters: counters).run(queue: queue, groupSize: groupSize) })
        }
        for reader in readers {
            let connection = UncheckedConnection(reader)
            let queue = readerQueue
            started.append(startThread {
                while let jobs = queue.takeBatch(limit: 1) {
                    for job in jobs { job(connection.database) }
                }
            })
        }
        threads = Mutex(started)
    }

    deinit { close() }

    /// Runs `body` in a group-committed write transaction; returns after the commit is durable.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard !configuration.readOnly else {
            throw DatabaseError(resultCode: .readonly, message: "the database was opened read-only")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let box = ResultBox<T>()
            let job = WriterJob.grouped(GroupedWrite(
                run: { database in box.value = try body(database) },
                finish: { error in
                    if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: box.value!) }
                }))
            if !writerQueue.push(job) { continuation.resume(throwing: Self.closedError) }
        }
    }

    /// Runs `body` alone on the writer connection with no transaction around it.
    public func writeWithoutTransaction<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        guard !configuration.readOnly else {
            throw DatabaseError(resultCode: .readonly, message: "the database was opened read-only")
        }
        return try await withCheckedThrowingContinuation { continuation in
            let job = WriterJob.exclusive { database in continuation.resume(with: Result { try body(database) }) }
            if !writerQueue.push(job) { continuation.resume(throwing: Self.closedError) }
        }
    }

    /// Runs `body` in a read transaction on a reader connection.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let pushed = readerQueue.push { database in
                continuation.resume(with: Result { try database.readTransaction { try body(database) } })
            }
            if !pushed { continuation.resume(throwing: Self.closedError) }
        }
    }

    /// Counters of the writer since the pool opened.
    public var statistics: WriterStatistics { counters.snapshot() }

    /// Finishes queued work, then closes every connection. Later calls fail with `SQLITE_MISUSE`.
    ///
    /// The writer's last job copies the whole WAL into the database file and truncates the WAL
    /// (`wal_checkpoint(TRUNCATE)`), so after a clean close `tradewizard.db` alone holds every
    /// commit (someone copying only that file, or opening it immutable, sees everything).
    public func close() {
        readerQueue.close()
        if !configuration.readOnly {
            _ = writerQueue.push(.exclusive { database in _ = try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)") })
        }
        writerQueue.close()
        let running = threads.withLock { threads in
            defer { threads.removeAll() }
            return threads
        }
        for thread in running { pthread_join(thread, nil) }
    }

    static let closedError = DatabaseError(resultCode: .misuse, message: "the database pool is closed")
}

/// What the writer has done since the pool opened.
public struct WriterStatistics: Sendable {
    /// Transactions committed by group commit.
    public var transactions: Int
    /// `write` calls whose changes were committed.
    public var writes: Int
    /// `write` calls that failed (their changes were undone).
    public var failedWrites: Int
    /// Sum of commit durations (BEGIN to COMMIT returning), in seconds.
    public var commitSeconds: Double
    /// Commit duration histogram: per bucket (not cumulative), the commits above the previous bound and at or under this one of `commitBucketBounds`.
    public var commitBuckets: [Int]
    /// Transactions that failed as a whole (BEGIN, the transaction or COMMIT: a full disk, an I/O
    /// error, a read-only file, a lock held elsewhere), as opposed to one write's own error.
    public var storageFailures: Int = 0
    /// The newest of those failures' errors.
    public var lastStorageFailure: String?
    /// Upper bounds in seconds of the commit histogram's buckets.
    public static let commitBucketBounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]
}

final class WriterCounters: Sendable {
    private let state = Mutex(WriterStatistics(transactions: 0, writes: 0, failedWrites: 0, commitSeconds: 0,
                                               commitBuckets: Array(repeating: 0, count: WriterStatistics.commitBucketBounds.count)))

    func recordCommit(writes: Int, failed: Int, seconds: Double) {
        state.withLock { stats in
            stats.transactions += 1
            stats.writes += writes
            stats.failedWrites += failed
            stats.commitSeconds += seconds
            // One bucket per commit (the first bound it fits); the exposition makes them cumulative.
            if let index = WriterStatistics.commitBucketBounds.firstIndex(where: { seconds <= $0 }) { stats.commitBuckets[index] += 1 }
        }
    }

    /// A whole transaction failed with `error`; its `count` writes failed with it.
    func recordStorageFailure(_ error: any Error, writes count: Int) {
        state.withLock { stats in
            stats.storageFailures += 1
            stats.lastStorageFailure = "\(error)"
            stats.failedWrites += count
        }
    }


    func snapshot() -> WriterStatistics { state.withLock { $0 } }
}

/// A connection handed to the one thread that will use it.
struct UncheckedConnection: @unchecked Sendable {
    let database: Database
    init(_ database: Database) { self.database = database }
}

/// Holds a closure's result between the writer running it and the commit that makes it final.
/// Only the writer thread touches it.
final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}
