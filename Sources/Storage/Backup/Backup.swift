import CSQLite
import FoundationEssentials
import Support
import Synchronization

/// Online, verified file-copy backups of the live database.
///
/// Contract:
/// - `create` copies the live database through SQLite's backup API from a separate read
///   connection (in WAL mode writers keep committing meanwhile), converts the copy to a
///   self-contained rollback-journal file, fsyncs it, renames it into place and writes a manifest.
///   It refuses, changing nothing, when free space is under twice the database size.
/// - `verify` never trusts the file: it checks size and SHA-256 against the manifest, runs
///   `PRAGMA integrity_check`, and compares schema version and row counts.
/// - The live database file is never opened, copied or hashed except through SQLite.
/// All functions block; call them from a dedicated thread (`runBlocking`).
public enum Backup {
    /// Copies the database at `databasePath` into `directory` and returns the new entry.
    public static func create(databasePath: String, into directory: String, kind: BackupKind = .regular,
                              label: String? = nil, clock: any WallClock) throws -> BackupEntry {
        guard FileSystem.exists(databasePath) else {
            throw StorageError(.notFound, "no database at \(databasePath)")
        }
        try FileSystem.makePrivateDirectory(directory)
        // A backup killed mid-copy left a full-size partial; it would count against the space check.
        removeStalePartials(in: directory)
        var sourceConfiguration = DatabaseConfiguration()
        sourceConfiguration.readOnly = true
        let source = try Database(path: databasePath, configuration: sourceConfiguration)

        let pageCount: Int64 = try source.scalar("PRAGMA page_count") ?? 0
        let pageSize: Int64 = try source.scalar("PRAGMA page_size") ?? 4096
        let databaseBytes = pageCount * pageSize
        let free = try FileSystem.freeBytes(at: directory)
        guard free >= 2 * databaseBytes else {
            throw StorageError(.insufficientDiskSpace,
                               "not enough free disk space for a backup: \(free) bytes free in \(directory), need at least \(2 * databaseBytes) (twice the database size)")
        }

        let now = clock.now()
        let name = uniqueName(in: directory, prefix: kind.filePrefix + (label.map { "-\($0)" } ?? ""), stamp: Timestamp.compact(now))
        let finalPath = directory + "/" + name
        let temporaryPath = directory + "/" + partialPrefix + name
        try? FileSystem.remove(temporaryPath)
        inProgress.withLock { _ = $0.insert(temporaryPath) }
        defer { inProgress.withLock { _ = $0.remove(temporaryPath) } }
        do {
            let counts: [String: Int]
            let version: Int
            do {
                var destinationConfiguration = DatabaseConfiguration()
                destinationConfiguration.writeAheadLog = false
                let destination = try Database(path: temporaryPath, configuration: destinationConfiguration)
                try copyPages(from: source, to: destination)
                // The copied header says WAL; make the backup one self-contained file.
                try destination.executeScript("PRAGMA journal_mode = DELETE")
                counts = try rowCounts(destination)
                version = try destination.scalar("PRAGMA user_version") ?? 0
            }
            try FileSystem.fsync(path: temporaryPath)
            let size = try FileSystem.size(temporaryPath)
            let digest = try FileSystem.sha256(ofFile: temporaryPath)
            try FileSystem.durableRename(temporaryPath, to: finalPath)
            let manifest = BackupManifest(file: name, kind: kind, createdAt: Timestamp.format(now), schemaVersion: version,
                                          byteSize: size, sha256: digest, rowCounts: counts)
            try FileSystem.writeAtomically(try encoder.encode(manifest), to: manifestPath(for: finalPath))
            return BackupEntry(path: finalPath, manifest: manifest, lastVerification: nil, byteSize: size)
        } catch {
            try? FileSystem.remove(temporaryPath)
            throw error
        }
    }

    /// Checks a backup file against its manifest and SQLite's integrity check, records the result
    /// beside it (`<name>.verified.json`) and returns it. `supportedVersion` is the newest schema
    /// this binary can open.
    @discardableResult
    public static func verify(_ path: String, supportedVersion: Int, clock: any WallClock) -> BackupVerification {
        var problems: [String] = []
        let manifest = readManifest(for: path)
        if !FileSystem.exists(path) {
            problems.append("file not found")
        } else {
            if let manifest {
                if let size = try? FileSystem.size(path), size != manifest.byteSize {
                    problems.append("size is \(size) bytes, manifest says \(manifest.byteSize)")
                }
                if let digest = try? FileSystem.sha256(ofFile: path), digest != manifest.sha256 {
                    problems.append("SHA-256 does not match the manifest (the file changed after it was written)")
                }
            } else {
                problems.append("no readable manifest beside it (\(FileSystem.baseName(manifestPath(for: path))))")
            }
            problems += checkDatabase(path, supportedVersion: supportedVersion, manifest: manifest)
        }
        let result = BackupVerification(file: FileSystem.baseName(path), verifiedAt: Timestamp.format(clock.now()), problems: problems)
        if FileSystem.exists(path), let data = try? encoder.encode(result) {
            try? FileSystem.writeAtomically(data, to: verificationPath(for: path))
        }
        return result
    }

    /// Names of copies being written start with this; they are never listed as backups.
    static let partialPrefix = ".partial-"
    /// Partial files this process is writing now (never removed as stale).
    private static let inProgress = Mutex<Set<String>>([])

    /// Removes partial copies (and their journals) that no backup in this process is writing:
    /// what a killed backup leaves. Returns the names removed. Called before each backup and when
    /// the data directory is opened.
    @discardableResult
    public static func removeStalePartials(in directory: String) -> [String] {
        let active = inProgress.withLock { $0 }
        var removed: [String] = []
        for name in FileSystem.contents(of: directory) where name.hasPrefix(partialPrefix) {
            let path = directory + "/" + name
            let base = name.hasSuffix("-journal") ? directory + "/" + String(name.dropLast(8)) : path
            guard !active.contains(base), (try? FileSystem.remove(path)) != nil else { continue }
            removed.append(name)
        }
        return removed
    }

    /// Every backup in `directory`, newest first.
    public static func list(in directory: String) -> [BackupEntry] {
        FileSystem.contents(of: directory)
            .filter { $0.hasSuffix(".db") && !$0.hasPrefix(".") }
            .map { name in
                let path = directory + "/" + name
                return BackupEntry(path: path, manifest: readManifest(for: path),
                                   lastVerification: (try? FileSystem.read(verificationPath(for: path))).flatMap { try? JSONDecoder().decode(BackupVerification.self, from: $0) },
                                   byteSize: (try? FileSystem.size(path)) ?? 0)
            }
            .sorted { ($0.manifest?.createdAt ?? "", $0.file) > ($1.manifest?.createdAt ?? "", $1.file) }
    }

    /// Path of the manifest that belongs to a backup file.
    public static func manifestPath(for path: String) -> String {
        (path.hasSuffix(".db") ? String(path.dropLast(3)) : path) + ".manifest.json"
    }

    static func verificationPath(for path: String) -> String {
        (path.hasSuffix(".db") ? String(path.dropLast(3)) : path) + ".verified.json"
    }

    static func readManifest(for path: String) -> BackupManifest? {
        guard let data = try? FileSystem.read(manifestPath(for: path)) else { return nil }
        return try? JSONDecoder().decode(BackupManifest.self, from: data)
    }

    static func checkDatabase(_ path: String, supportedVersion: Int, manifest: BackupManifest?) -> [String] {
        var configuration = DatabaseConfiguration()
        configuration.readOnly = true
        do {
            let database = try Database(path: path, configuration: configuration)
            let report = try database.query("PRAGMA integrity_check(20)").compactMap { try? $0.get("integrity_check", as: String.self) }
            if report != ["ok"] {
                return ["integrity check failed: " + report.prefix(5).joined(separator: "; ")]
            }
            var problems: [String] = []
            let version: Int = try database.scalar("PRAGMA user_version") ?? 0
            if version > supportedVersion {
                problems.append("schema version \(version) is newer than this binary supports (\(supportedVersion))")
            }
            if let manifest {
                if version != manifest.schemaVersion {
                    problems.append("schema version \(version), manifest says \(manifest.schemaVersion)")
                }
                let counts = try rowCounts(database)
                if counts != manifest.rowCounts {
                    problems.append("row counts differ from the manifest")
                }
            }
            return problems
        } catch {
            return ["cannot be read as a SQLite database: \(error)"]
        }
    }

    /// Copies every page of `source` into `destination` in one step (one read snapshot).
    static func copyPages(from source: Database, to destination: Database) throws {
        guard let backup = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
            throw destination.error(code: sqlite3_errcode(destination.handle), sql: nil)
        }
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, -1)
            if code == SQLITE_BUSY || code == SQLITE_LOCKED { sqlite3_sleep(5) }
        } while code == SQLITE_OK || code == SQLITE_BUSY || code == SQLITE_LOCKED
        let finish = sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE, finish == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code == SQLITE_DONE ? finish : code),
                                message: "backup copy failed: " + String(cString: sqlite3_errmsg(destination.handle)))
        }
    }

    /// Rows per table (every table but SQLite's own).
    static func rowCounts(_ database: Database) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        let tables = try database.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        for table in tables {
            let name: String = try table.get("name")
            counts[name] = try database.scalar("SELECT count(*) FROM \(Database.quote(identifier: name))") ?? 0
        }
        return counts
    }

    static func uniqueName(in directory: String, prefix: String, stamp: String) -> String {
        var name = "\(prefix)-\(stamp).db"
        var suffix = 2
        while FileSystem.exists(directory + "/" + name) {
            name = "\(prefix)-\(stamp)-\(suffix).db"
            suffix += 1
        }
        return name
    }

    static var encoder: JSONEncoder { JSONCoding.encoder(pretty: true) }
}
