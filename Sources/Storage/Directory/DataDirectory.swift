import Glibc
import Support

/// The appliance's data directory and the names of what lives in it:
/// `tradewizard.db` (the database), `backups/`, and `tradewizard.lock` (the writer lock).
public struct DataDirectory: Sendable {
    /// The directory itself.
    public let path: String

    public init(path: String) {
        self.path = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// The live database file.
    public var databasePath: String { path + "/tradewizard.db" }
    /// Where backups and their manifests are kept.
    public var backupsPath: String { path + "/backups" }
    /// The lock file that admits one writer process.
    public var lockPath: String { path + "/tradewizard.lock" }

    /// Creates the directory and `backups/` with mode 0700 and makes new files private (umask 077),
    /// so the database, its WAL and backups are created 0600.
    public func prepare() throws {
        umask(0o077)
        try FileSystem.makePrivateDirectory(path)
        try FileSystem.makePrivateDirectory(backupsPath)
    }
}
