import Support
/// A failure of the storage layer that is not a single SQLite call: the data directory, its lock,
/// schema versions, backups. `code` is stable (for logs, metrics and exit paths); `message` is for
/// people; `cause` holds the underlying error when there is one.
public struct StorageError: Error, CustomStringConvertible, Sendable {
    /// Stable identifiers of storage failures.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The database was written by a newer binary.
        public static let schemaTooNew = Code(rawValue: "schema_too_new")
        /// The database has not been migrated to this binary's schema yet.
        public static let schemaTooOld = Code(rawValue: "schema_too_old")
        /// A migration failed; the database stays at the previous version.
        public static let migrationFailed = Code(rawValue: "migration_failed")
        /// Another process holds the data directory's lock.
        public static let dataDirectoryLocked = Code(rawValue: "data_directory_locked")
        /// Not enough free disk space for the operation.
        public static let insufficientDiskSpace = Code(rawValue: "insufficient_disk_space")
        /// A backup did not pass verification.
        public static let backupInvalid = Code(rawValue: "backup_invalid")
        /// A file system call failed.
        public static let io = Code(rawValue: "io")
        /// A caller passed a value the store cannot accept (a used thread id, an unknown filter key).
        public static let invalidInput = Code(rawValue: "invalid_input")
        /// A page cursor that no listing gave out.
        public static let invalidCursor = Code(rawValue: "invalid_cursor")
        /// A file or directory was not where expected.
        public static let notFound = Code(rawValue: "not_found")
    }

    public let code: Code
    public let message: String
    public let cause: (any Error & Sendable)?

    public init(_ code: Code, _ message: String, cause: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause
    }

    public var description: String {
        if let cause { return "\(message) (\(cause))" }
        return message
    }
}
