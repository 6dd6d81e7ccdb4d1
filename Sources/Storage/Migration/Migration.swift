import Support
/// One numbered, named schema change. Its checksum is the SHA-256 of its SQL, recorded when
/// applied so a later edit of an applied migration can be detected.
public struct Migration: Sendable {
    /// Position in the schema history, starting at 1, without gaps.
    public let version: Int
    /// A short name for people (`monitor tables`).
    public let name: String
    /// The SQL script that performs the change.
    public let sql: String

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// Hex SHA-256 of `sql`.
    public var checksum: String { SHA256.hash(Array(sql.utf8)).hexString }
}

/// What `Migrator.status` reports.
public struct MigrationStatus: Sendable {
    /// `PRAGMA user_version` of the database.
    public let currentVersion: Int
    /// Newest version this binary knows.
    public let latestVersion: Int
    /// Applied migrations as recorded in `schema_migrations`, oldest first.
    public let applied: [AppliedMigration]
    /// Migrations this binary would apply, oldest first.
    public let pending: [Migration]
}

/// A row of `schema_migrations`.
public struct AppliedMigration: Sendable {
    public let version: Int
    public let name: String
    public let checksum: String
    public let appliedAt: String
    /// False when the recorded checksum differs from this binary's migration of that version.
    public let checksumMatches: Bool
}
