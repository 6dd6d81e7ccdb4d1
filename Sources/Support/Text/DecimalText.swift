/// Strict decimal number text: what a person or a venue writes as a number, and nothing else.
public enum DecimalText {
    /// The value of `text` when it is `[+-]? digits [. digits] [(e|E) [+-]? digits]` (a leading
    /// or trailing point allowed, e.g. `.5`, `5.`) and finite; nil otherwise. Refuses what
    /// `Double(_:)` alone would take: hexadecimal (`0x10`), `inf`, `nan`, and overflow (`1e400`).
    public static func parse(_ text: some StringProtocol) -> Double? {
        var mantissaDigits = 0
        var iterator = text.utf8.makeIterator()
        var byte = iterator.next()
        if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { byte = iterator.next() }
        while let digit = byte, isDigit(digit) { mantissaDigits += 1; byte = iterator.next() }
        if byte == UInt8(ascii: ".") {
            byte = iterator.next()
            while let digit = byte, isDigit(digit) { mantissaDigits += 1; byte = iterator.next() }
        }
        guard mantissaDigits > 0 else { return nil }
        if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            byte = iterator.next()
            if byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") { byte = iterator.next() }
            var exponentDigits = 0
            while let digit = byte, isDigit(digit) { exponentDigits += 1; byte = iterator.next() }
            guard exponentDigits > 0 else { return nil }
        }
        guard byte == nil, let value = Double(String(text)), value.isFinite else { return nil }
        return value
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
