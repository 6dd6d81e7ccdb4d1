import FoundationEssentials
import Storage
import Support

extension Configuration {
    /// A read-only connection to the data directory's database, for verbs that only report (safe
    /// while `serve` runs: WAL readers never block the writer). Throws when there is no database,
    /// or when its schema is not this binary's (a read-only verb cannot migrate it, and its
    /// queries would fail on missing tables): the error says what to run.
    func openDatabaseReadOnly() throws -> Database {
        let path = dataDirectory.databasePath
        guard FileManager.default.fileExists(atPath: path) else { throw StorageError(.notFound, "no database at \(path)") }
        var options = databaseConfiguration
        options.readOnly = true
        let database = try Database(path: path, configuration: options)
        let version = try database.scalar("PRAGMA user_version", as: Int.self) ?? 0
        if version < Schema.latestVersion {
            throw StorageError(.schemaTooOld, "the database is at schema version \(version) and this tradewizard reads version \(Schema.latestVersion): run `tradewizard migrate` (a backup is taken first) or start `tradewizard serve`, which migrates at start")
        }
        if version > Schema.latestVersion {
            throw StorageError(.schemaTooNew, "the database is at schema version \(version), newer than this tradewizard (\(Schema.latestVersion)): run the newer binary")
        }
        return database
    }
}
