import FoundationEssentials
import Pipeline
import Storage
import Support

/// A scheduled job: a name, when it runs, and its work.
public struct Job: Sendable {
    /// How a run ended, when it did not throw.
    public enum Outcome: Sendable {
        case success
        /// Nothing to do this time (not a failure).
        case skipped(String)
    }

    public let name: String
    public let schedule: Schedule
    public let work: @Sendable () async throws -> Outcome

    public init(name: String, schedule: Schedule, work: @escaping @Sendable () async throws -> Outcome) {
        self.name = name
        self.schedule = schedule
        self.work = work
    }
}

/// The appliance's built-in maintenance jobs.
enum MaintenanceJobs {
    /// Daily backup: copy, verify, then apply retention. Fails (and /health degrades) when the new
    /// backup does not verify.
    static func backup(database: AppDatabase, configuration: Configuration, logger: Logger) -> Job {
        Job(name: "backup", schedule: .dailyAt(minuteOfDay: configuration.backupMinuteOfDay)) {
            do {
                try await BackupOperation.run(database: database, configuration: configuration, logger: logger)
            } catch {
                // Told to the operator; a failure to write the alert must not hide the backup's own error.
                _ = try? await database.pool.write { _ = try $0.alerts.enqueue(AlertEvents.backup(error: "\(error)")) }
                throw error
            }
            return .success
        }
    }

    /// WAL maintenance: a passive checkpoint (never waits for readers) and `PRAGMA optimize`.
    static func walMaintenance(database: AppDatabase, configuration: Configuration, logger: Logger) -> Job {
        Job(name: "wal-maintenance", schedule: .interval(seconds: configuration.walMaintenanceMinutes * 60, runAtStart: false)) {
            let (log, checkpointed) = try await database.pool.writeWithoutTransaction { database -> (Int, Int) in
                let row = try database.queryOne("PRAGMA wal_checkpoint(PASSIVE)")
                try database.executeScript("PRAGMA optimize")
                return (try row?.get("log", as: Int.self) ?? 0, try row?.get("checkpointed", as: Int.self) ?? 0)
            }
            logger.debug("WAL checkpoint", ["walPages": String(log), "checkpointedPages": String(checkpointed)])
            return .success
        }
    }

    /// Hourly: finished graph runs older than the retention keep only their final checkpoint.
    static func checkpointRetention(database: AppDatabase, configuration: Configuration, logger: Logger) -> Job {
        Job(name: "checkpoint-retention", schedule: .interval(seconds: 3_600, runAtStart: true)) {
            let cutoff = database.clock.now().addingTimeInterval(-configuration.checkpointRetentionDays * 86_400)
            let pruned = try await database.pool.write { try $0.checkpoints.pruneFinished(before: cutoff) }
            guard pruned > 0 else { return .skipped("no finished run past retention") }
            logger.info("pruned checkpoints of finished runs", ["checkpoints": String(pruned)])
            return .success
        }
    }
}

/// Backup, verify, retention: one code path for the scheduled job, `tradewizard backup` and
/// `POST /admin/backup`.
enum BackupOperation {
    struct Result: Sendable, Encodable {
        var file: String
        var path: String
        var bytes: Int64
        var verified: Bool
        var problems: [String]
        var removedByRetention: [String]
    }

    @discardableResult
    static func run(database: AppDatabase, configuration: Configuration, logger: Logger) async throws -> Result {
        try await run(directory: database.directory, configuration: configuration, clock: database.clock, logger: logger)
    }

    /// Works with or without a running server: the copy is read through its own connection.
    static func run(directory: DataDirectory, configuration: Configuration, clock: any WallClock, logger: Logger) async throws -> Result {
        let result = try await runBlocking { () throws -> Result in
            let entry = try Backup.create(databasePath: directory.databasePath, into: directory.backupsPath, clock: clock)
            let verification = Backup.verify(entry.path, supportedVersion: Schema.latestVersion, clock: clock)
            let removed = verification.isValid
                ? try Backup.applyRetention(in: directory.backupsPath, keepDaily: configuration.backupKeepDaily,
                                            keepWeekly: configuration.backupKeepWeekly)
                : []
            return Result(file: entry.file, path: entry.path, bytes: entry.byteSize, verified: verification.isValid,
                          problems: verification.problems, removedByRetention: removed)
        }
        guard result.verified else {
            logger.error("backup failed verification", ["file": result.file, "problems": result.problems.joined(separator: "; ")])
            throw StorageError(.backupInvalid, "backup \(result.file) failed verification: " + result.problems.joined(separator: "; "))
        }
        logger.info("backup written and verified", ["file": result.file, "bytes": String(result.bytes),
                                                     "removed": String(result.removedByRetention.count)])
        return result
    }
}
