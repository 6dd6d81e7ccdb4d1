import FoundationEssentials
import Support

extension Backup {
    /// What a restore did.
    public struct RestoreResult: Sendable {
        /// The backup that was restored.
        public var restored: String
        /// The safety copy of the database as it was before, when there was one.
        public var previous: BackupEntry?
    }

    /// Replaces the live database with a verified backup.
    ///
    /// Refuses (changing nothing) when the backup fails verification or another process holds the
    /// data directory's lock. The current database is first kept as a `pre-restore-…` backup.
    /// The swap itself is one SQLite transaction through the backup API, so it is atomic and
    /// durable, and the live file is never touched by file APIs.
    public static func restore(_ backupPath: String, into directory: DataDirectory, supportedVersion: Int,
                               clock: any WallClock) throws -> RestoreResult {
        try directory.prepare()
        let lock = try DataDirectoryLock.acquire(directory)
        defer { lock.release() }
        let verification = verify(backupPath, supportedVersion: supportedVersion, clock: clock)
        guard verification.isValid else {
            throw StorageError(.backupInvalid, "refusing to restore \(FileSystem.baseName(backupPath)): "
                               + verification.problems.joined(separator: "; "))
        }
        var previous: BackupEntry?
        if FileSystem.exists(directory.databasePath) {
            previous = try create(databasePath: directory.databasePath, into: directory.backupsPath, kind: .preRestore, clock: clock)
        }
        var sourceConfiguration = DatabaseConfiguration()
        sourceConfiguration.readOnly = true
        let source = try Database(path: backupPath, configuration: sourceConfiguration)
        let destination = try Database(path: directory.databasePath)
        try copyPages(from: source, to: destination)
        try destination.executeScript("PRAGMA wal_checkpoint(TRUNCATE)")
        return RestoreResult(restored: FileSystem.baseName(backupPath), previous: previous)
    }
}
