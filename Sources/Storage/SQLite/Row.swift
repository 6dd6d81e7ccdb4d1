import FoundationEssentials
import Support

/// One result row: the column values of a query, read by column name.
///
/// Reading a column that does not exist, or whose value does not convert to the requested type,
/// throws a `DatabaseError` with code `SQLITE_MISMATCH` naming the column (never its value).
public struct Row: Sendable {
    let columnNames: [String]
    let values: [DatabaseValue]

    init(columnNames: [String], values: [DatabaseValue]) {
        self.columnNames = columnNames
        self.values = values
    }

    /// The raw value of a column, or nil when the row has no such column.
    public subscript(_ column: String) -> DatabaseValue? {
        columnNames.firstIndex(of: column).map { values[$0] }
    }

    /// The raw value at a column position (0-based).
    public subscript(_ index: Int) -> DatabaseValue { values[index] }

    /// Number of columns.
    public var count: Int { values.count }

    /// The column's value converted to `T` (use an Optional type to accept NULL).
    public func get<T: DatabaseValueConvertible>(_ column: String, as type: T.Type = T.self) throws -> T {
        guard let raw = self[column] else {
            throw DatabaseError(resultCode: .mismatch, message: "no column named \(column)")
        }
        guard let value = T.fromDatabaseValue(raw) else {
            throw DatabaseError(resultCode: .mismatch, message: "column \(column) does not hold a \(T.self)")
        }
        return value
    }

    /// Decodes JSON text stored in a column.
    public func json<T: Decodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        let data: Data = try get(column)
        do {
            return try JSONCoding.decoder().decode(T.self, from: data)
        } catch {
            throw DatabaseError(resultCode: .mismatch, message: "column \(column) does not hold JSON for \(T.self)")
        }
    }
}
