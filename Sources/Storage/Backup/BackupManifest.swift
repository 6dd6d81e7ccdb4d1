import Support
/// The record written beside each backup file (`<name>.manifest.json`). It holds no secrets:
/// only what is needed to prove the file is the one that was written and is complete.
public struct BackupManifest: Codable, Sendable, Equatable {
    /// The backup's file name (not a path).
    public var file: String
    /// Why it was taken.
    public var kind: BackupKind
    /// When the copy was taken (ISO-8601 UTC).
    public var createdAt: String
    /// `PRAGMA user_version` of the copy.
    public var schemaVersion: Int
    /// Size of the file in bytes.
    public var byteSize: Int64
    /// Hex SHA-256 of the file.
    public var sha256: String
    /// Rows in each table of the copy.
    public var rowCounts: [String: Int]
}

/// Why a backup was taken; also its file-name prefix.
public enum BackupKind: String, Codable, Sendable, CaseIterable {
    /// The daily scheduled backup or one asked for by an operator: `tradewizard-…`.
    case regular
    /// Taken automatically before migrations ran: `pre-migration-…`.
    case preMigration = "pre-migration"
    /// The database as it was before a restore replaced it: `pre-restore-…`.
    case preRestore = "pre-restore"

    var filePrefix: String {
        switch self {
        case .regular: return "tradewizard"
        case .preMigration: return "pre-migration"
        case .preRestore: return "pre-restore"
        }
    }
}

/// The outcome of verifying one backup file.
public struct BackupVerification: Codable, Sendable {
    /// The file checked.
    public var file: String
    /// When it was checked.
    public var verifiedAt: String
    /// Every problem found; empty means the backup is good.
    public var problems: [String]

    public init(file: String, verifiedAt: String, problems: [String]) {
        self.file = file
        self.verifiedAt = verifiedAt
        self.problems = problems
    }
    /// True when no problem was found.
    public var isValid: Bool { problems.isEmpty }
}

/// A backup on disk, with its manifest and last verification when present.
public struct BackupEntry: Sendable {
    /// Full path of the `.db` file.
    public var path: String
    /// Parsed manifest, nil when missing or unreadable.
    public var manifest: BackupManifest?
    /// Result of the last `verify`, nil when never verified.
    public var lastVerification: BackupVerification?
    /// File size in bytes.
    public var byteSize: Int64
    /// The backup's file name.
    public var file: String { FileSystem.baseName(path) }
}
