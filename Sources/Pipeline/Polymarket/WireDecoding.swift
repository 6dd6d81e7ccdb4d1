import FoundationEssentials
import Storage
import Support

/// Tolerant readers for Polymarket's wire format, where the same field arrives as a number or a
/// decimal string, arrays arrive JSON-encoded inside strings, absent, `null` and `""` all mean
/// "no value", and dates come in several shapes.
extension JSONValue {
    /// A number sent as a JSON number or a decimal string; nil for absent, null, "" or junk.
    func wireNumber(_ key: String) -> Double? {
        switch self[key] {
        case .number(let value)?: value.isFinite ? value : nil
        case .numberLiteral?: self[key]?.numberValue.flatMap { $0.isFinite ? $0 : nil }
        case .string(let text)?: DecimalText.parse(text.trimmed())
        default: nil
        }
    }

    /// Text, or a number rendered without a fraction (ids are sent both ways); nil for absent, null or "".
    func wireString(_ key: String) -> String? {
        switch self[key] {
        case .string(let text)?: text.isEmpty ? nil : text
        case .number(let value)?: value.plainText
        case .numberLiteral(let text)?: text
        default: nil
        }
    }

    /// A boolean sent as `true`/`false` or as the strings "true"/"false".
    func wireBool(_ key: String) -> Bool? {
        switch self[key] {
        case .bool(let value)?: value
        case .string(let text)?: text == "true" ? true : text == "false" ? false : nil
        default: nil
        }
    }

    /// A list of strings sent as a JSON array or as a string holding a JSON array (`"[\"Yes\", \"No\"]"`).
    /// Numbers in the list are kept as their text. Empty for absent, null, "" or junk.
    func wireStringList(_ key: String) -> [String] {
        var list: [JSONValue] = []
        switch self[key] {
        case .array(let items)?: list = items
        case .string(let text)?: list = (try? JSONValue.parse(Array(text.utf8), maximumDepth: 4))?.arrayValue ?? []
        default: break
        }
        return list.compactMap { item in
            switch item {
            case .string(let text): text
            case .number(let value): value.plainText
            case .numberLiteral(let text): text
            default: nil
            }
        }
    }

    /// A date in any of the shapes Polymarket sends (see `WireDate`).
    func wireDate(_ key: String) -> Date? {
        guard case .string(let text)? = self[key] else { return nil }
        return WireDate.parse(text)
    }
}

/// Dates as Polymarket sends them: `2026-06-01T00:00:00Z`, with milliseconds or microseconds,
/// `2026-06-12 20:41:49+00`, `2022-07-27 14:40:02.064+00`, and a bare `2026-06-01` (midnight UTC).
public enum WireDate {
    public static func parse(_ text: String) -> Date? {
        let trimmed = text.trimmed()
        if let date = Timestamp.parse(trimmed) { return date }
        let parts = trimmed.split(separator: "-")
        guard trimmed.count == 10, parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return Date(timeIntervalSince1970: Double(Timestamp.daysSinceEpoch(year: year, month: month, day: day)) * 86_400)
    }
}

/// Why a Polymarket response could not be used.
public enum PolymarketError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The body is not the JSON shape the endpoint documents.
    case malformed(endpoint: String, detail: String)
    /// No market with this id or condition id.
    case notFound(String)

    public var description: String {
        switch self {
        case .malformed(let endpoint, let detail): "unexpected response from \(endpoint): \(detail)"
        case .notFound(let what): "no such market: \(what)"
        }
    }
}
