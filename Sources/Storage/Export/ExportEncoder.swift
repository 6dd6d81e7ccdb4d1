import FoundationEssentials
import Support

/// The formats `export` writes.
public enum ExportFormat: String, Sendable, CaseIterable {
    /// RFC 4180: a header row, CRLF line ends, fields holding `,` `"` CR or LF quoted with `"`
    /// doubled; UTF-8. Text cells starting with `=` `+` `-` `@`, a tab or CR get a leading `'`
    /// so a spreadsheet shows them instead of running them as formulas (numbers stay numbers).
    case csv
    /// One JSON array of objects.
    case json
    /// One JSON object per line.
    case jsonl
}

/// Encodes rows into a format, buffering up to `flushBytes` before handing bytes to the sink:
/// memory stays constant however many rows pass through.
public final class ExportEncoder {
    public let format: ExportFormat
    public let columns: [String]
    private let sink: ([UInt8]) throws -> Void
    private var buffer: [UInt8] = []
    private let flushBytes: Int
    /// Rows encoded so far.
    public private(set) var rows = 0
    private var finished = false

    public init(format: ExportFormat, columns: [String], flushBytes: Int = 64 * 1024, sink: @escaping ([UInt8]) throws -> Void) throws {
        self.format = format
        self.columns = columns
        self.sink = sink
        self.flushBytes = flushBytes
        buffer.reserveCapacity(flushBytes + 4096)
        switch format {
        case .csv:
            for (index, name) in columns.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendCSV(text: name)
            }
            buffer.append(contentsOf: [13, 10])
        case .json: buffer.append(UInt8(ascii: "["))
        case .jsonl: break
        }
    }

    /// Adds one row (values in the order of `columns`).
    public func add(_ values: [DatabaseValue]) throws {
        switch format {
        case .csv:
            for (index, value) in values.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                switch value {
                case .null: break
                case .integer(let number): buffer.append(contentsOf: String(number).utf8)
                case .real(let number): if number.isFinite { buffer.append(contentsOf: "\(number)".utf8) }
                case .text(let text): appendCSV(text: text, neutralize: true)
                case .blob(let data): appendCSV(text: data.base64EncodedString())
                }
            }
            buffer.append(contentsOf: [13, 10])
        case .json, .jsonl:
            if format == .json && rows > 0 { buffer.append(UInt8(ascii: ",")) }
            if format == .json { buffer.append(10) }
            buffer.append(UInt8(ascii: "{"))
            for (index, value) in values.enumerated() {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                appendJSON(string: columns[index])
                buffer.append(UInt8(ascii: ":"))
                switch value {
                case .null: buffer.append(contentsOf: "null".utf8)
                case .integer(let number): buffer.append(contentsOf: String(number).utf8)
                case .real(let number): buffer.append(contentsOf: (number.isFinite ? "\(number)" : "null").utf8)
                case .text(let text): appendJSON(string: text)
                case .blob(let data): appendJSON(string: data.base64EncodedString())
                }
            }
            buffer.append(UInt8(ascii: "}"))
            if format == .jsonl { buffer.append(10) }
        }
        rows += 1
        if buffer.count >= flushBytes { try flush() }
    }

    /// Ends the output (closes the JSON array) and hands over what is buffered.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        if format == .json { buffer.append(contentsOf: rows > 0 ? [10, UInt8(ascii: "]"), 10] : [UInt8(ascii: "]"), 10]) }
        try flush()
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func appendCSV(text: String, neutralize: Bool = false) {
        let bytes = text.utf8
        let dangerous = neutralize && bytes.first.map { [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 9, 13].contains($0) } == true
        let quote = dangerous || bytes.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 13 || $0 == 10 }
        if quote { buffer.append(UInt8(ascii: "\"")) }
        if dangerous { buffer.append(UInt8(ascii: "'")) }
        for byte in bytes {
            if byte == UInt8(ascii: "\"") { buffer.append(byte) }
            buffer.append(byte)
        }
        if quote { buffer.append(UInt8(ascii: "\"")) }
    }

    private func appendJSON(string: String) {
        let hex = Array("0123456789abcdef".utf8)
        buffer.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: [92, 34])
            case 92: buffer.append(contentsOf: [92, 92])
            case 10: buffer.append(contentsOf: [92, UInt8(ascii: "n")])
            case 13: buffer.append(contentsOf: [92, UInt8(ascii: "r")])
            case 9: buffer.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<32: buffer.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]])
            default: buffer.append(byte)
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }
}
