import FoundationEssentials
import Support

/// A unit of work for the writer thread.
enum WriterJob: Sendable {
    /// A write that joins the next group-commit transaction.
    case grouped(GroupedWrite)
    /// Work that runs alone, outside any transaction.
    case exclusive(@Sendable (Database) -> Void)
}

/// One `write` call: `run` applies its changes; `finish` is called once, after the commit (nil)
/// or with the error that undid the changes.
struct GroupedWrite: Sendable {
    let run: @Sendable (Database) throws -> Void
    let finish: @Sendable ((any Error)?) -> Void
}

/// The writer thread's loop: takes every job queued since the last commit and commits the
/// consecutive grouped writes among them in one transaction.
struct GroupCommitWriter {
    let database: Database
    let counters: WriterCounters

    func run(queue: WorkQueue<WriterJob>, groupSize: Int) {
        while let batch = queue.takeBatch(limit: groupSize) {
            var group: [GroupedWrite] = []
            for job in batch {
                switch job {
                case .grouped(let write):
                    group.append(write)
                case .exclusive(let work):
                    commit(group)
                    group.removeAll()
                    work(database)
                }
            }
            commit(group)
        }
    }

    /// Commits `writes` together; each caller learns its own outcome only after the commit.
    func commit(_ writes: [GroupedWrite]) {
        guard !writes.isEmpty else { return }
        let start = MonotonicInstant.now()
        do {
            try database.execute("BEGIN IMMEDIATE")
        } catch {
            counters.recordStorageFailure(error, writes: writes.count)
            writes.forEach { $0.finish(error) }
            return
        }
        var outcomes: [(any Error)?] = []
        outcomes.reserveCapacity(writes.count)
        for (index, write) in writes.enumerated() {
            do {
                try database.execute("SAVEPOINT grouped_write")
                try write.run(database)
                try database.execute("RELEASE grouped_write")
                outcomes.append(nil)
            } catch {
                if database.isInTransaction {
                    try? database.execute("ROLLBACK TO grouped_write")
                    try? database.execute("RELEASE grouped_write")
                    outcomes.append(error)
                    // One write undone alone, but for a reason of the storage's (a page that did not fit on a full disk).
                    if let error = error as? DatabaseError, error.isStorageFailure {
                        counters.recordStorageFailure(error, writes: 0)
                    }
                } else {
                    // SQLite rolled back the whole transaction (for example on SQLITE_FULL): the
                    // writes before this one are gone too. None was acknowledged yet; fail them
                    // with this error and give the rest a transaction of their own.
                    counters.recordStorageFailure(error, writes: index + 1)
                    writes[...index].forEach { $0.finish(error) }
                    commit(Array(writes[(index + 1)...]))
                    return
                }
            }
        }
        do {
            try database.execute("COMMIT")
        } catch {
            if database.isInTransaction { try? database.execute("ROLLBACK") }
            counters.recordStorageFailure(error, writes: writes.count)
            writes.forEach { $0.finish(error) }
            return
        }
        let failed = outcomes.filter { $0 != nil }.count
        counters.recordCommit(writes: writes.count - failed, failed: failed, seconds: start.secondsElapsed())
        for (write, outcome) in zip(writes, outcomes) { write.finish(outcome) }
    }
}
