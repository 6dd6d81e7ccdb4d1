import FoundationEssentials
import Support

/// Applies numbered migrations in order, each in its own `BEGIN IMMEDIATE` transaction that also
/// records it in `schema_migrations` and sets `PRAGMA user_version`, so the database is always at
/// exactly one known version: a failed migration rolls back to the previous one.
public struct Migrator: Sendable {
    /// All migrations, ordered by version 1...n.
    public let migrations: [Migration]
    private let clock: any WallClock

    public init(migrations: [Migration], clock: any WallClock = SystemWallClock()) {
        precondition(migrations.enumerated().allSatisfy { $0.offset + 1 == $0.element.version },
                     "migrations must be numbered 1...n without gaps")
        self.migrations = migrations
        self.clock = clock
    }

    /// The newest version this binary knows.
    public var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Throws `.schemaTooNew` when the database was written by a newer binary.
    public func checkCompatible(_ database: Database) throws {
        let current = try currentVersion(database)
        guard current <= latestVersion else {
            throw StorageError(.schemaTooNew, """
                the database \(database.path) has schema version \(current), but this tradewizard binary \
                supports versions up to \(latestVersion); run a newer tradewizard, or restore a backup made \
                by this version
                """)
        }
    }

    /// The database's version and the applied and pending migrations.
    public func status(_ database: Database) throws -> MigrationStatus {
        let current = try currentVersion(database)
        var applied: [AppliedMigration] = []
        let hasTable: Int? = try database.scalar("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
        if hasTable != nil {
            for row in try database.query("SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version") {
                let version: Int = try row.get("version")
                let checksum: String = try row.get("checksum")
                let known = migrations.first { $0.version == version }
                applied.append(AppliedMigration(version: version, name: try row.get("name"), checksum: checksum,
                                                appliedAt: try row.get("applied_at"),
                                                checksumMatches: known?.checksum == checksum))
            }
        }
        return MigrationStatus(currentVersion: current, latestVersion: latestVersion, applied: applied,
                               pending: migrations.filter { $0.version > current })
    }

    /// Applies every pending migration. `beforeMigrating(from, to)` runs first when the database
    /// already holds a schema (the caller takes a backup there); if it throws, nothing is applied.
    /// Returns the migrations applied. Throws `.schemaTooNew` or `.migrationFailed`.
    @discardableResult
    public func migrate(_ database: Database, beforeMigrating: (Int, Int) throws -> Void = { _, _ in }) throws -> [Migration] {
        try checkCompatible(database)
        let current = try currentVersion(database)
        let pending = migrations.filter { $0.version > current }
        guard !pending.isEmpty else { return [] }
        let tableCount: Int = try database.scalar("SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'") ?? 0
        if current > 0 || tableCount > 0 {
            try beforeMigrating(current, latestVersion)
        }
        for migration in pending {
            do {
                try database.writeTransaction {
                    try database.executeScript("""
                        CREATE TABLE IF NOT EXISTS schema_migrations (
                            version INTEGER PRIMARY KEY,
                            name TEXT NOT NULL,
                            checksum TEXT NOT NULL,
                            applied_at TEXT NOT NULL
                        ) STRICT;
                        """)
                    try database.executeScript(migration.sql)
                    try database.execute("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
                                         [migration.version, migration.name, migration.checksum, clock.now()])
                    try database.executeScript("PRAGMA user_version = \(migration.version)")
                }
            } catch {
                let previous = try currentVersion(database)
                throw StorageError(.migrationFailed,
                                   "migration \(migration.version) (\(migration.name)) failed; the database stays at version \(previous)",
                                   cause: error as? DatabaseError)
            }
        }
        return pending
    }

    /// `PRAGMA user_version`.
    public func currentVersion(_ database: Database) throws -> Int {
        try database.scalar("PRAGMA user_version") ?? 0
    }
}
