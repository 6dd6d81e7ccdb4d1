import FoundationEssentials
import Glibc
import Storage
import Synchronization

/// Log levels, lowest first. The level policy (also in the README):
/// - `trace`/`debug`: per-request and per-statement detail, for development only.
/// - `info`: one line per meaningful event an operator may want later — start, stop, a job run,
///   a backup, a refused request (with its reason code).
/// - `notice`: something unusual that needs no action (a catch-up run, a recovered interruption).
/// - `warning`: degraded but working (a failed job that will retry, low disk, a loose `.env` mode).
/// - `error`: an operation failed and needs attention (a backup failed, a database error).
/// - `critical`: the process cannot continue.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { "\($0)" == name.lowercased() }) else { return nil }
        self = level
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One small logger value passed down explicitly. Messages are built lazily (only when the level
/// is enabled). Every line passes through the redactor, which replaces each configured secret with
/// `[REDACTED]`, so a secret that slips into a message still never reaches the output.
public struct Logger: Sendable {
    public enum Format: String, Sendable { case json, text }

    public let level: LogLevel
    public let format: Format
    let sink: LogSink
    let redactor: Redactor
    let clock: any WallClock

    public init(level: LogLevel = .info, format: Format = .json, secrets: [String] = [], sink: LogSink = .standardOutput,
                clock: any WallClock = SystemWallClock()) {
        self.level = level
        self.format = format
        self.sink = sink
        self.redactor = Redactor(secrets: secrets)
        self.clock = clock
    }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) {
        guard level >= self.level else { return }
        let line = render(level, message(), fields())
        sink.write(redactor.redact(line) + "\n")
    }

    public func trace(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.trace, message(), fields()) }
    public func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.debug, message(), fields()) }
    public func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.info, message(), fields()) }
    public func notice(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.notice, message(), fields()) }
    public func warning(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.warning, message(), fields()) }
    public func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.error, message(), fields()) }
    public func critical(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [String: String] = [:]) { log(.critical, message(), fields()) }

    func render(_ level: LogLevel, _ message: String, _ fields: [String: String]) -> String {
        let time = Timestamp.format(clock.now())
        switch format {
        case .json:
            var line = "{\"ts\":\"\(time)\",\"level\":\"\(level)\",\"msg\":\(JSONString.quote(message))"
            for key in fields.keys.sorted() {
                line += ",\(JSONString.quote(key)):\(JSONString.quote(fields[key]!))"
            }
            return line + "}"
        case .text:
            var line = "\(time) \(String(describing: level).uppercased()) \(message)"
            for key in fields.keys.sorted() { line += " \(key)=\(fields[key]!)" }
            return line
        }
    }
}

/// Where log lines go.
public final class LogSink: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())
    private let captures: Bool
    private let captured = Mutex<[String]>([])

    private init(descriptor: Int32, capture: Bool) {
        self.descriptor = descriptor
        self.captures = capture
    }

    /// Standard output (journald collects it under systemd).
    public static let standardOutput = LogSink(descriptor: 1, capture: false)
    /// Standard error.
    public static let standardError = LogSink(descriptor: 2, capture: false)
    /// Keeps lines in memory; for tests.
    public static func memory() -> LogSink { LogSink(descriptor: -1, capture: true) }

    /// Lines written so far (memory sinks only).
    public var lines: [String] { captured.withLock { $0 } }

    func write(_ line: String) {
        if captures {
            captured.withLock { $0.append(line) }
            return
        }
        lock.withLock { _ in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
                if written <= 0 { if errno == EINTR { continue }; return }
                offset += written
            }
            bytes.removeAll()
        }
    }
}

/// Replaces configured secrets in text. Secrets shorter than 4 characters are ignored (they would
/// redact ordinary words and are refused by configuration validation anyway).
struct Redactor: Sendable {
    let secrets: [String]

    init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.split(separator: secret, omittingEmptySubsequences: false).joined(separator: "[REDACTED]")
        }
        return result
    }
}

/// JSON string quoting without an encoder round trip.
enum JSONString {
    static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
