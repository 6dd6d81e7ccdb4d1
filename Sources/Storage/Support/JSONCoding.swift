import FoundationEssentials

/// The one JSON encoder configuration of the project: sorted keys (equal values give equal
/// text) and dates as ISO-8601 UTC text in the database's `Timestamp` form.
public enum JSONCoding {
    /// A configured encoder; `pretty` adds indentation for people (CLI output, manifests).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys] : [.sortedKeys]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.format(date))
        }
        return encoder
    }

    /// Encodes `value` as compact JSON bytes.
    public static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder().encode(value))
    }
}
