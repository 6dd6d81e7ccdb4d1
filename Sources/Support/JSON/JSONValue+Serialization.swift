import FoundationEssentials

extension JSONValue {
    /// Compact JSON text as UTF-8 bytes, object keys sorted (equal values give equal bytes).
    /// Integral numbers up to 2^53 are written without a fraction; NaN and infinities, which JSON
    /// cannot express, are written as `null`. Faster than `JSONEncoder` for the checkpoint path.
    public func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output)
        return output
    }

    /// Parses JSON text strictly (RFC 8259); throws `JSONError` on malformed
    /// input or nesting deeper than `maximumDepth`.
    public static func parse(_ bytes: some Collection<UInt8>, maximumDepth: Int = 512) throws -> JSONValue {
        try JSONParser.parse(Array(bytes), maximumDepth: maximumDepth)
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value): Self.writeNumber(value, to: &output)
        case .numberLiteral(let text): output.append(contentsOf: text.utf8)
        case .string(let value): Self.writeString(value, to: &output)
        case .array(let values):
            output.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                members[key]!.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeNumber(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else { output.append(contentsOf: "null".utf8); return }
        if value == value.rounded(), abs(value) <= largestExactInteger {
            output.append(contentsOf: String(Int64(value)).utf8)
        } else {
            output.append(contentsOf: value.description.utf8)
        }
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func writeString(_ value: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = value
        let plain = text.withUTF8 { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            output.append(contentsOf: bytes)
            return true
        }
        if !plain { writeEscaped(text, to: &output) }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ value: String, to output: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                output.append(contentsOf: "\\u00".utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0xF)])
            default: output.append(byte)
            }
        }
    }
}

extension JSONValue {
    /// The members when this is an object, else nil.
    public var objectValue: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }
    /// The elements when this is an array, else nil.
    public var arrayValue: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    /// The text when this is a string, else nil.
    public var stringValue: String? { if case .string(let value) = self { value } else { nil } }
    /// The number when this is a number, else nil; for a `.numberLiteral` the nearest Double
    /// (rounded beyond 2^53, ±infinity beyond Double's range: check `isFinite`).
    public var numberValue: Double? {
        switch self {
        case .number(let value): value
        case .numberLiteral(let text): Double(text)
        default: nil
        }
    }
    /// A number as JSON text, digit for digit as received (integers without a fraction), else nil.
    public var numberText: String? {
        switch self {
        case .number: String(decoding: serialized(), as: UTF8.self)
        case .numberLiteral(let text): text
        default: nil
        }
    }
    /// Member lookup on objects (nil otherwise).
    public subscript(key: String) -> JSONValue? { objectValue?[key] }
}
