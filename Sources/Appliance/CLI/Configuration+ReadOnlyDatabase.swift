import FoundationEssentials
import Storage
import Support

extension Configuration {
    /// A read-only connection to the data directory's database, for verbs that only report (safe
    /// while `serve` runs: WAL readers never block the writer). Throws when there is no database.
    func openDatabaseReadOnly() throws -> Database {
        let path = dataDirectory.databasePath
        guard FileManager.default.fileExists(atPath: path) else { throw StorageError(.notFound, "no database at \(path)") }
        var options = databaseConfiguration
        options.readOnly = true
        return try Database(path: path, configuration: options)
    }
}
