import FoundationEssentials
import Support

/// The appliance's database: the data directory, its writer lock, and a migrated `DatabasePool`.
///
/// Contract: `open` prepares the directory (0700, files 0600), takes the one-writer lock (a second
/// writer process gets `StorageError.dataDirectoryLocked`), refuses a database written by a newer
/// binary (`.schemaTooNew`), removes partial backup copies a killed backup left, takes a pre-migration backup of any non-empty database that needs
/// migrating, and applies pending migrations.
public final class AppDatabase: Sendable {
    public let directory: DataDirectory
    public let pool: DatabasePool
    public let clock: any WallClock
    private let lock: DataDirectoryLock?

    private init(directory: DataDirectory, pool: DatabasePool, clock: any WallClock, lock: DataDirectoryLock?) {
        self.directory = directory
        self.pool = pool
        self.clock = clock
        self.lock = lock
    }

    /// Opens the data directory's database for writing and migrates it to `Schema.latestVersion`.
    public static func open(_ directory: DataDirectory, configuration: DatabaseConfiguration = DatabaseConfiguration(),
                            migrations: [Migration] = Schema.migrations, clock: any WallClock = SystemWallClock()) async throws -> AppDatabase {
        try directory.prepare()
        let lock = try DataDirectoryLock.acquire(directory)
        // Holding the lock, no other process can be writing a backup here: any partial is stale.
        Backup.removeStalePartials(in: directory.backupsPath)
        let pool = try DatabasePool(path: directory.databasePath, configuration: configuration, clock: clock)
        let migrator = Migrator(migrations: migrations, clock: clock)
        do {
            _ = try await pool.writeWithoutTransaction { database in
                try migrator.migrate(database) { from, _ in
                    _ = try Backup.create(databasePath: directory.databasePath, into: directory.backupsPath,
                                          kind: .preMigration, label: "v\(from)", clock: clock)
                }
            }
        } catch {
            pool.close()
            lock.release()
            throw error
        }
        return AppDatabase(directory: directory, pool: pool, clock: clock, lock: lock)
    }

    /// Takes a verified-on-demand backup of the live database into `backups/`.
    public func backup(kind: BackupKind = .regular) async throws -> BackupEntry {
        let directory = directory
        let clock = clock
        return try await runBlocking {
            try Backup.create(databasePath: directory.databasePath, into: directory.backupsPath, kind: kind, clock: clock)
        }
    }

    /// Closes the pool and releases the writer lock.
    public func close() {
        pool.close()
        lock?.release()
    }
}
