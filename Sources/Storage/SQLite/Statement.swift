import CSQLite
import FoundationEssentials
import Support

/// A prepared statement belonging to one `Database`. Not thread-safe: used on its connection's thread.
public final class Statement {
    let handle: OpaquePointer
    /// The SQL text this statement was prepared from.
    public let sql: String
    unowned let database: Database
    private lazy var columnNames: [String] = (0..<sqlite3_column_count(handle)).map {
        String(cString: sqlite3_column_name(handle, $0))
    }

    init(database: Database, sql: String) throws {
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v3(database.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else {
            sqlite3_finalize(statement)
            throw database.error(code: code, sql: sql)
        }
        self.handle = statement
        self.sql = sql
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    /// Clears previous bindings and binds `arguments` to the `?` parameters in order.
    public func bind(_ arguments: StatementArguments) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard arguments.count == expected else {
            throw DatabaseError(resultCode: .misuse, message: "expected \(expected) arguments, got \(arguments.count)", sql: sql)
        }
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument.databaseValue {
            case .null: code = sqlite3_bind_null(handle, index)
            case .integer(let v): code = sqlite3_bind_int64(handle, index, v)
            case .real(let v): code = sqlite3_bind_double(handle, index, v)
            case .text(let v):
                var text = v
                code = text.withUTF8 { buffer in
                    buffer.withMemoryRebound(to: CChar.self) { chars in
                        // An empty buffer may have no address; bind an empty C string instead.
                        guard let base = chars.baseAddress else {
                            return tradewizard_sqlite3_bind_text_transient(handle, index, "", 0)
                        }
                        return tradewizard_sqlite3_bind_text_transient(handle, index, base, Int32(chars.count))
                    }
                }
            case .blob(let v):
                code = v.withUnsafeBytes { buffer in
                    // A zero-length blob still binds as a blob, not as NULL.
                    tradewizard_sqlite3_bind_blob_transient(handle, index, buffer.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!, Int32(buffer.count))
                }
            }
            guard code == SQLITE_OK else { throw database.error(code: code, sql: sql) }
        }
    }

    /// Advances to the next row; false when the statement is done.
    public func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(code: code, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// The result columns' names, in order.
    public var columnNamesList: [String] { columnNames }

    /// The current row's column `index` as a stored value.
    public func value(at index: Int32) -> DatabaseValue { columnValue(index) }

    /// The current row's values (valid after `step()` returned true).
    public func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        var values: [DatabaseValue] = []
        values.reserveCapacity(Int(count))
        for index in 0..<count {
            values.append(columnValue(index))
        }
        return Row(columnNames: columnNames, values: values)
    }

    private func columnValue(_ index: Int32) -> DatabaseValue {
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_TEXT:
            let bytes = sqlite3_column_text(handle, index)
            let length = Int(sqlite3_column_bytes(handle, index))
            guard let bytes else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
        case SQLITE_BLOB:
            let length = Int(sqlite3_column_bytes(handle, index))
            guard length > 0, let bytes = sqlite3_column_blob(handle, index) else { return .blob(Data()) }
            return .blob(Data(bytes: bytes, count: length))
        default: return .null
        }
    }

    /// Resets the statement so the next use starts fresh; keeps no read transaction open.
    public func reset() {
        sqlite3_reset(handle)
    }
}

extension Statement {
    /// The current row's column `index` (0-based) as an integer (0 for NULL): the fast path for
    /// scans of many rows, which skips building a `Row`.
    public func int64(at index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// The current row's column `index` as a double (0 for NULL).
    public func double(at index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// Whether the current row's column `index` is NULL.
    public func isNull(at index: Int32) -> Bool { sqlite3_column_type(handle, index) == SQLITE_NULL }

    /// Whether the current row's column `index` is the text `text` (compared as bytes, no String made).
    public func text(at index: Int32, equals text: String) -> Bool {
        guard let bytes = sqlite3_column_text(handle, index) else { return false }
        return text.utf8.elementsEqual(UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index))))
    }

    /// The current row's column `index` as one of `names` (appended when new): a scan of many
    /// rows repeating a few strings makes each of them once.
    public func text(at index: Int32, interning names: inout [String]) -> String {
        names[textIndex(at: index, interning: &names)]
    }

    /// The position in `names` of the current row's column `index` (appended when new; NULL reads as "").
    public func textIndex(at index: Int32, interning names: inout [String]) -> Int {
        let bytes = sqlite3_column_text(handle, index)
        let buffer = UnsafeBufferPointer(start: bytes, count: bytes == nil ? 0 : Int(sqlite3_column_bytes(handle, index)))
        if let known = names.firstIndex(where: { $0.utf8.elementsEqual(buffer) }) { return known }
        names.append(String(decoding: buffer, as: UTF8.self))
        return names.count - 1
    }

    /// The current row's column `index` as text (nil for NULL).
    public func text(at index: Int32) -> String? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL, let bytes = sqlite3_column_text(handle, index) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, index))), as: UTF8.self)
    }
}
