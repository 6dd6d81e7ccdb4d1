import CSQLite
import FoundationEssentials
import Support

/// One SQLite connection.
///
/// Contract: a `Database` is used by one thread at a time (a `DatabasePool` gives each connection
/// its own thread). Statements are prepared once and cached by SQL text. Errors are thrown as
/// `DatabaseError` carrying the extended result code and the SQL, never the bound values.
/// Write transactions start with `BEGIN IMMEDIATE`, so a busy database is detected at the start of
/// a transaction (and waited for up to the busy timeout), never halfway through it.
public final class Database {
    let handle: OpaquePointer
    /// The file this connection opened.
    public let path: String
    /// True when opened read-only.
    public let isReadOnly: Bool
    /// The clock stores use for `created_at`/`updated_at` (injected by the pool's owner).
    public var clock: any WallClock = SystemWallClock()
    private var statementCache: [String: Statement] = [:]
    private var savepointCounter = 0

    /// Opens (creating if needed, unless read-only) the database at `path` and applies the
    /// configuration's pragmas: busy timeout first, then WAL, synchronous, foreign keys and the
    /// journal size limit.
    public init(path: String, configuration: DatabaseConfiguration = DatabaseConfiguration()) throws {
        var flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        flags |= configuration.readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        var connection: OpaquePointer?
        let code = sqlite3_open_v2(path, &connection, flags, nil)
        guard code == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_close_v2(connection)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "cannot open \(path): \(message)")
        }
        self.handle = connection
        self.path = path
        self.isReadOnly = configuration.readOnly
        sqlite3_extended_result_codes(connection, 1)
        // The busy timeout must be in place before anything that can contend for a lock,
        // including the switch to WAL below.
        sqlite3_busy_timeout(connection, configuration.busyTimeoutMilliseconds)
        do {
            // trusted_schema stays on: SQLite 3.40's JSON functions are not marked innocuous, and the
            // schema's CHECK constraints rely on json_valid().
            try executeScript("PRAGMA foreign_keys = ON;")
            if !configuration.readOnly && configuration.writeAheadLog {
                let mode: String? = try scalar("PRAGMA journal_mode = WAL")
                guard mode?.lowercased() == "wal" else {
                    throw DatabaseError(resultCode: .cantOpen, message: "cannot switch \(path) to WAL (journal_mode is \(mode ?? "unknown"))")
                }
            }
            if !configuration.readOnly {
                try executeScript("""
                    PRAGMA synchronous = \(configuration.synchronous.rawValue);
                    PRAGMA journal_size_limit = \(configuration.journalSizeLimitBytes);
                    """)
            }
        } catch {
            sqlite3_close_v2(connection)
            throw error
        }
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(code: Int32, sql: String?) -> DatabaseError {
        let extended = sqlite3_extended_errcode(handle)
        let resultCode = (extended & 0xFF) == (code & 0xFF) ? extended : code
        return DatabaseError(resultCode: ResultCode(rawValue: resultCode), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// The cached prepared statement for `sql` (prepared on first use).
    public func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] { return statement }
        let statement = try Statement(database: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs one statement with arguments, discarding any rows.
    public func execute(_ sql: String, _ arguments: StatementArguments = []) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        while try statement.step() {}
    }

    /// Runs several `;`-separated statements without arguments (schema scripts, pragmas).
    public func executeScript(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        if code != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(handle)), message: text, sql: sql)
        }
    }

    /// All rows of a query.
    public func query(_ sql: String, _ arguments: StatementArguments = []) throws -> [Row] {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        var rows: [Row] = []
        while try statement.step() { rows.append(statement.currentRow()) }
        return rows
    }

    /// Steps through a query's rows without collecting them, calling `body` with the statement
    /// positioned on each row (read it with `int64(at:)`, `double(at:)`, `text(at:)` or
    /// `currentRow()`); `body` returns false to stop early. Memory stays constant however many
    /// rows there are.
    public func forEachRow(_ sql: String, _ arguments: StatementArguments = [], _ body: (Statement) throws -> Bool) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        while try statement.step() {
            guard try body(statement) else { return }
        }
    }

    /// The result column names of `sql` (prepared, not run).
    public func columnNames(of sql: String) throws -> [String] { try cachedStatement(sql).columnNamesList }

    /// The first row of a query, or nil when it returns none.
    public func queryOne(_ sql: String, _ arguments: StatementArguments = []) throws -> Row? {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        defer { statement.reset() }
        return try statement.step() ? statement.currentRow() : nil
    }

    /// The first column of the first row, converted to `T`; nil when there is no row or it is NULL.
    public func scalar<T: DatabaseValueConvertible>(_ sql: String, _ arguments: StatementArguments = [], as type: T.Type = T.self) throws -> T? {
        guard let row = try queryOne(sql, arguments), row.count > 0 else { return nil }
        if case .null = row[0] { return nil }
        guard let value = T.fromDatabaseValue(row[0]) else {
            throw DatabaseError(resultCode: .mismatch, message: "first column does not hold a \(T.self)", sql: sql)
        }
        return value
    }

    /// `name` as a double-quoted SQL identifier.
    public static func quote(identifier name: String) -> String {
        "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// Rowid of the last inserted row on this connection.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// Rows changed by the last INSERT/UPDATE/DELETE.
    public var changes: Int { Int(sqlite3_changes64(handle)) }
    /// True while a transaction is open on this connection.
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a `BEGIN IMMEDIATE` transaction: committed when it returns, rolled back when it throws.
    public func writeTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if isInTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` in a read transaction, so all its queries see one snapshot.
    public func readTransaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN DEFERRED")
        defer { if isInTransaction { try? execute("COMMIT") } }
        return try body()
    }

    /// Runs `body` inside a savepoint: its changes are kept when it returns and undone when it
    /// throws, without affecting the enclosing transaction.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        savepointCounter += 1
        let name = "tradewizard_savepoint_\(savepointCounter)"
        defer { savepointCounter -= 1 }
        try execute("SAVEPOINT \(name)")
        do {
            let result = try body()
            try execute("RELEASE \(name)")
            return result
        } catch {
            if isInTransaction {
                try? execute("ROLLBACK TO \(name)")
                try? execute("RELEASE \(name)")
            }
            throw error
        }
    }
}
