/// A value of a structured log field. Numbers and booleans stay numbers and booleans in a JSON
/// line (`"runs":3`, not `"runs":"3"`); everything else is a string.
public protocol LogValue: Sendable {
    /// The value as a JSON literal.
    var logJSON: String { get }
    /// The value as text (`key=value` lines).
    var logText: String { get }
}

extension String: LogValue {
    public var logJSON: String { JSONString.quote(self) }
    public var logText: String { self }
}

extension Substring: LogValue {
    public var logJSON: String { JSONString.quote(String(self)) }
    public var logText: String { String(self) }
}

extension Int: LogValue {
    public var logJSON: String { String(self) }
    public var logText: String { String(self) }
}

extension Int64: LogValue {
    public var logJSON: String { String(self) }
    public var logText: String { String(self) }
}

extension Double: LogValue {
    /// Finite values as numbers; NaN and infinities (not JSON numbers) as strings.
    public var logJSON: String { isFinite ? plainText : JSONString.quote(String(self)) }
    public var logText: String { isFinite ? plainText : String(self) }
}

extension Bool: LogValue {
    public var logJSON: String { self ? "true" : "false" }
    public var logText: String { logJSON }
}

/// Structured fields of one log line.
public typealias LogFields = [String: any LogValue]
