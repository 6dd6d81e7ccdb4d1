import FoundationEssentials
import Storage
import Support

/// The seven directions a signal may carry (case-insensitive on input).
public enum SignalDirection: String, Sendable, CaseIterable {
    case call = "CALL", put = "PUT", long = "LONG", short = "SHORT", buy = "BUY", sell = "SELL", exit = "EXIT"

    /// The position side this direction opens; nil for EXIT.
    public var side: PositionSide? {
        switch self {
        case .call, .long, .buy: .long
        case .put, .short, .sell: .short
        case .exit: nil
        }
    }
}

/// Why a webhook signal was refused, with a stable code.
public struct SignalRejection: Error, Sendable, Equatable {
    /// `malformed`: the body could not be read at all; `invalid`: it was read, and a field is wrong.
    public enum Kind: String, Sendable { case malformed, invalid }

    public var kind: Kind
    public var code: String
    public var message: String

    static func malformed(_ message: String) -> SignalRejection { SignalRejection(kind: .malformed, code: "malformed_body", message: message) }
    static func invalid(_ code: String, _ message: String) -> SignalRejection { SignalRejection(kind: .invalid, code: code, message: message) }
}

/// A body decoded into fields: JSON when it parses as a JSON object, else `key=value` pairs
/// (TradingView sends the alert text as-is when it is not valid JSON).
public struct SignalBody: Sendable {
    /// The fields, without `secret`.
    public var fields: [String: JSONValue]
    /// The `secret` field, if one was sent.
    public var secret: String?
    /// The fields as canonical JSON (sorted keys, no `secret`): stored, and hashed for de-duplication.
    public var canonical: [UInt8] { JSONValue.object(fields).serialized() }

    /// Nesting deeper than this is refused before parsing.
    static let maximumDepth = 32

    public static func decode(_ body: [UInt8]) throws(SignalRejection) -> SignalBody {
        guard !body.isEmpty else { throw .malformed("empty body") }
        guard let text = String(validating: body, as: UTF8.self) else { throw .malformed("the body is not valid UTF-8") }
        var fields: [String: JSONValue]
        let trimmed = text.trimmed()
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            let value: JSONValue
            do { value = try JSONValue.parse(body, maximumDepth: maximumDepth) } catch {
                throw .malformed("the body is not valid JSON (\(error))")
            }
            guard let object = value.objectValue else { throw .malformed("the JSON body must be an object") }
            fields = object
        } else {
            fields = try keyValuePairs(trimmed)
        }
        var secret: JSONValue?
        for key in fields.keys where key.lowercased() == "secret" {
            let value = fields.removeValue(forKey: key)
            if key == "secret" { secret = value }
        }
        return SignalBody(fields: fields, secret: secret?.stringValue)
    }

    /// At most `limit` bytes of a body that could not be decoded, safe to store: every value of a
    /// `secret` key (JSON or key=value, any case) and every occurrence of a credential is replaced
    /// by `[redacted]`, so a refused body never puts a secret in the database.
    public static func redactedExcerpt(_ body: [UInt8], credentials: [String], limit: Int = 4_096) -> String {
        var text = String(decoding: body.prefix(limit), as: UTF8.self)
        for credential in credentials where !credential.isEmpty {
            text = text.replacing(credential, with: "[redacted]")
        }
        let bytes = Array(text.utf8)
        let key = Array("secret".utf8)
        let redacted = Array("[redacted]".utf8)
        let stops = Set(Array(" \t\r\n,;}]&\"".utf8))
        func lowered(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
        var output: [UInt8] = []
        var index = 0
        while index < bytes.count {
            guard index + key.count <= bytes.count, zip(bytes[index...], key).allSatisfy({ lowered($0) == $1 }) else {
                output.append(bytes[index]); index += 1; continue
            }
            index += key.count
            output.append(contentsOf: bytes[(index - key.count)..<index])
            // An optional closing quote and spaces, then `:` or `=`, spaces, then the value.
            var cursor = index
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") { cursor += 1 }
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\t") { cursor += 1 }
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") || bytes[cursor] == UInt8(ascii: "=") else { continue }
            cursor += 1
            while cursor < bytes.count, bytes[cursor] == UInt8(ascii: " ") || bytes[cursor] == UInt8(ascii: "\t") { cursor += 1 }
            output.append(contentsOf: bytes[index..<cursor])
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") {
                cursor += 1
                while cursor < bytes.count, bytes[cursor] != UInt8(ascii: "\"") { cursor += bytes[cursor] == UInt8(ascii: "\\") ? 2 : 1 }
                cursor = min(cursor + 1, bytes.count)
                output.append(UInt8(ascii: "\"")); output.append(contentsOf: redacted); output.append(UInt8(ascii: "\""))
            } else {
                while cursor < bytes.count, !stops.contains(bytes[cursor]) { cursor += 1 }
                output.append(contentsOf: redacted)
            }
            index = cursor
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// `key=value` (or `key: value`) pairs separated by whitespace, commas, semicolons or newlines.
    static func keyValuePairs(_ text: String) throws(SignalRejection) -> [String: JSONValue] {
        var fields: [String: JSONValue] = [:]
        let separators: Set<Character> = [" ", "\t", "\n", "\r", ",", ";"]
        for token in text.split(whereSeparator: { separators.contains($0) }) {
            guard let equals = token.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw .malformed("the body is neither a JSON object nor key=value pairs")
            }
            let key = token[..<equals].trimmed()
            let value = token[token.index(after: equals)...].trimmed()
            guard !key.isEmpty else { throw .malformed("a key=value pair has no key") }
            fields[key.lowercased()] = .string(value)
        }
        guard !fields.isEmpty else { throw .malformed("the body has no fields") }
        return fields
    }
}

/// A signal whose fields passed validation.
public struct ValidatedSignal: Sendable {
    public var source: String
    public var symbol: String
    public var direction: SignalDirection
    public var timeframe: String?
    public var time: Date
    public var price: Double?
    public var score: Double?
    public var confidence: Double?
    public var id: String?
    public var metadata: JSONValue

    /// Validates fields; `now` and the lag bounds judge the timestamp.
    /// How far ahead of the clock a signal's timestamp may be (sender clock skew), in seconds.
    public static let maximumAheadSeconds: Double = 5

    public static func validate(_ body: SignalBody, now: Date, maxLagSeconds: Double, maxAheadSeconds: Double = maximumAheadSeconds)
        throws(SignalRejection) -> ValidatedSignal {
        let fields = body.fields
        /// Text, or a finite number as its exact digits; a number that overflows or any other type is refused.
        func text(_ keys: String..., code: String) throws(SignalRejection) -> String? {
            for key in keys {
                guard let value = fields[key] else { continue }
                switch value {
                case .null: return nil
                case .string(let string): return string
                case .number, .numberLiteral:
                    guard let number = value.numberValue, number.isFinite, let digits = value.numberText else {
                        throw .invalid(code, "\(key) is a number beyond what can be represented")
                    }
                    return digits
                default: throw .invalid(code, "\(key) must be text")
                }
            }
            return nil
        }
        guard let rawSymbol = try text("symbol", "ticker", code: "invalid_symbol")?.trimmed(), !rawSymbol.isEmpty else {
            throw .invalid("missing_field", "symbol (or ticker) is required")
        }
        guard rawSymbol.utf8.count <= maximumSymbolLength,
              rawSymbol.utf8.allSatisfy({ byte in symbolBytes.contains(byte) }) else {
            throw .invalid("invalid_symbol", "symbol must be 1–\(maximumSymbolLength) ASCII letters, digits or . - _ : / !")
        }
        let symbol = rawSymbol.uppercased()
        guard let rawDirection = try text("direction", "action", "side", code: "unknown_direction") else { throw .invalid("missing_field", "direction is required") }
        guard let direction = SignalDirection(rawValue: rawDirection.trimmed().uppercased()) else {
            throw .invalid("unknown_direction", "direction must be one of CALL, PUT, LONG, SHORT, BUY, SELL, EXIT")
        }
        guard let timestamp = fields["timestamp"] ?? fields["time"] else { throw .invalid("missing_field", "timestamp is required") }
        let time = try parseTime(timestamp)
        if time < now.addingTimeInterval(-maxLagSeconds) {
            throw .invalid("stale_signal", "the timestamp is more than \(Int(maxLagSeconds)) s old")
        }
        if time > now.addingTimeInterval(maxAheadSeconds) {
            throw .invalid("future_signal", "the timestamp is in the future")
        }
        let metadata = fields["metadata"] ?? .object([:])
        guard metadata.objectValue != nil else { throw .invalid("invalid_field", "metadata must be an object") }
        let price = try number(fields["price"], name: "price", range: 0...1e12, exclusiveLower: true)
        let score = try number(metadata["score"] ?? fields["score"], name: "score", range: -1e9...1e9)
        let confidence = try number(metadata["confidence"] ?? fields["confidence"], name: "confidence", range: 0...100)
        let id = try text("id", code: "invalid_id")
        if let id, id.isEmpty || id.count > 200 { throw .invalid("invalid_id", "id must be 1–200 characters") }
        let source = try text("source", code: "invalid_source")?.trimmed() ?? "webhook"
        guard source.count <= 100 else { throw .invalid("invalid_field", "source is longer than 100 characters") }
        let timeframe = try text("timeframe", "interval", code: "invalid_timeframe")
        guard (timeframe?.count ?? 0) <= 20 else { throw .invalid("invalid_field", "timeframe is longer than 20 characters") }
        return ValidatedSignal(source: source.isEmpty ? "webhook" : source, symbol: symbol, direction: direction, timeframe: timeframe,
                               time: time, price: price, score: score, confidence: confidence, id: id, metadata: metadata)
    }

    /// The longest symbol accepted, in bytes.
    public static let maximumSymbolLength = 32
    /// The bytes a symbol may hold: ASCII letters and digits and `. - _ : / !` (as venues write
    /// tickers: `BRK.B`, `BTC-USD`, `NYSE:IBM`, `EUR/USD`, `ES1!`).
    static let symbolBytes: Set<UInt8> = Set(Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-_:/!".utf8))

    /// ISO-8601 text, or epoch seconds / milliseconds as a number or decimal text.
    static func parseTime(_ value: JSONValue) throws(SignalRejection) -> Date {
        var epoch = value.numberValue
        if epoch == nil, let text = value.stringValue?.trimmed() {
            if let date = Timestamp.parse(text) { return date }
            epoch = DecimalText.parse(text)
        }
        guard let epoch, epoch.isFinite, epoch > 0, epoch < 1e14 else {
            throw .invalid("invalid_timestamp", "timestamp must be ISO-8601 or epoch seconds/milliseconds")
        }
        return Date(timeIntervalSince1970: epoch >= 1e11 ? epoch / 1000 : epoch)
    }

    static func number(_ value: JSONValue?, name: String, range: ClosedRange<Double>, exclusiveLower: Bool = false)
        throws(SignalRejection) -> Double? {
        guard let value, value != .null else { return nil }
        let number = value.numberValue ?? value.stringValue.flatMap { DecimalText.parse($0.trimmed()) }
        guard let number, number.isFinite, range.contains(number), !(exclusiveLower && number == range.lowerBound) else {
            throw .invalid("invalid_\(name)", "\(name) must be a number in \(range.lowerBound)...\(range.upperBound)" + (exclusiveLower ? " above \(range.lowerBound)" : ""))
        }
        return number
    }
}
