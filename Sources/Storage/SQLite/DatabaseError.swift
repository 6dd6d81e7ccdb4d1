import CSQLite
import Support

/// A SQLite result code, primary or extended (for example `SQLITE_CONSTRAINT_UNIQUE`).
///
/// Switch on `primary` to handle a family of errors (`.constraint`, `.busy`, …), or compare the
/// full value to handle one extended code.
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The primary code: the low 8 bits of an extended code.
    public var primary: ResultCode { ResultCode(rawValue: rawValue & 0xFF) }

    public static let ok = ResultCode(rawValue: SQLITE_OK)
    public static let error = ResultCode(rawValue: SQLITE_ERROR)
    public static let busy = ResultCode(rawValue: SQLITE_BUSY)
    public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
    public static let readonly = ResultCode(rawValue: SQLITE_READONLY)
    public static let ioError = ResultCode(rawValue: SQLITE_IOERR)
    public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
    public static let full = ResultCode(rawValue: SQLITE_FULL)
    public static let cantOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
    public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    public static let mismatch = ResultCode(rawValue: SQLITE_MISMATCH)
    public static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    public static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)
    public static let constraintUnique = ResultCode(rawValue: SQLITE_CONSTRAINT | (8 << 8))
    public static let constraintCheck = ResultCode(rawValue: SQLITE_CONSTRAINT | (1 << 8))
    public static let constraintForeignKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (3 << 8))
    public static let constraintNotNull = ResultCode(rawValue: SQLITE_CONSTRAINT | (5 << 8))
    public static let constraintPrimaryKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (6 << 8))

    public var description: String {
        "\(rawValue) (\(String(cString: sqlite3_errstr(rawValue))))"
    }

    /// Pattern matching in `switch` and `catch`: a primary code matches itself and every extended
    /// code of its family (`case .constraint:` matches `SQLITE_CONSTRAINT_UNIQUE`); an extended
    /// code matches only itself.
    public static func ~= (pattern: ResultCode, code: ResultCode) -> Bool {
        pattern.rawValue == code.rawValue || (pattern.rawValue == pattern.primary.rawValue && pattern.rawValue == code.primary.rawValue)
    }

    /// `catch ResultCode.busy { … }`: true when `error` is a `DatabaseError` whose code matches.
    public static func ~= (pattern: ResultCode, error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return pattern ~= error.resultCode
    }
}

/// An error reported by SQLite.
///
/// It carries the extended result code, SQLite's message and the SQL that failed. The values bound
/// to the statement are never part of it, so it can be logged without leaking data.
public struct DatabaseError: Error, CustomStringConvertible, Sendable {
    /// The extended result code; `resultCode.primary` gives its family.
    public let resultCode: ResultCode
    /// SQLite's own message for the failure.
    public let message: String
    /// The SQL being prepared or run, when there was one.
    public let sql: String?

    public init(resultCode: ResultCode, message: String, sql: String? = nil) {
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
    }

    /// True for the codes that mean the storage itself refuses writes (a full disk, an I/O error,
    /// a read-only or corrupt file, a lock held elsewhere), not that one statement was wrong.
    public var isStorageFailure: Bool {
        [ResultCode.full, .ioError, .readonly, .busy, .locked, .corrupt, .cantOpen, .notADatabase].contains(resultCode.primary)
    }

    public var description: String {
        var text = "SQLite error \(resultCode): \(message)"
        if let sql { text += " — while running: \(sql)" }
        return text
    }
}
