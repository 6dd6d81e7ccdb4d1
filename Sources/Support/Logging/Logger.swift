/// One small logger value that every floor takes and passes down explicitly (`Storage`,
/// `Pipeline`, `HTTPServer` and `Appliance` alike). Messages and fields are built lazily (only
/// when the level is enabled). Every line passes through the redactor, which replaces each
/// configured secret with `[REDACTED]`, so a secret that slips into a message never reaches the
/// output.
///
/// JSON lines carry `ts`, `level`, `priority` (syslog severity) and `msg`, then the fields in key
/// order with their types kept. On a journald stream (`JOURNAL_STREAM` set by systemd) each line
/// also starts with `<priority>`, which journald reads as the line's priority and strips.
public struct Logger: Sendable {
    public enum Format: String, Sendable { case json, text }

    public let level: LogLevel
    public let format: Format
    let sink: LogSink
    let redactor: Redactor
    let clock: any WallClock
    let baseFields: [(String, any LogValue)]
    let repeats: RepeatLimiter

    /// `repeatWindowSeconds`: a warning or worse repeated (same level and message) within this
    /// many seconds of its last written occurrence is counted instead of written; the next one
    /// written after the window is preceded by a summary line with the count (`repeated`).
    public init(level: LogLevel = .info, format: Format = .json, secrets: [String] = [], sink: LogSink = .standardOutput,
                clock: any WallClock = SystemWallClock(), repeatWindowSeconds: Double = 10) {
        self.level = level
        self.format = format
        self.sink = sink
        self.redactor = Redactor(secrets: secrets)
        self.clock = clock
        self.baseFields = []
        self.repeats = RepeatLimiter(windowSeconds: repeatWindowSeconds)
    }

    private init(copying other: Logger, adding fields: LogFields) {
        level = other.level
        format = other.format
        sink = other.sink
        redactor = other.redactor
        clock = other.clock
        repeats = other.repeats
        baseFields = other.baseFields + fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// A logger that never writes; for code paths whose caller passed none.
    public static let disabled = Logger(level: .critical, sink: .discard)

    /// This logger with `fields` added to every line (for example `["component": "polymarket"]`).
    public func with(_ fields: LogFields) -> Logger { Logger(copying: self, adding: fields) }

    /// True when a line at `level` would be written.
    public func isEnabled(_ level: LogLevel) -> Bool { level >= self.level }

    public func log(_ level: LogLevel, _ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) {
        guard level >= self.level else { return }
        let text = message()
        if level >= .warning {
            switch repeats.verdict(for: "\(level) \(text)", at: clock.now()) {
            case .suppress: return
            case .write(let suppressed, let seconds) where suppressed > 0:
                let summary = render(level, "the previous message repeated \(suppressed) more time(s) in \(Int(seconds.rounded())) s (not logged)",
                                     ["repeated": suppressed, "message": text])
                sink.write(redactor.redact(summary) + "\n", priority: level.syslogPriority)
            case .write: break
            }
        }
        let line = render(level, text, fields())
        sink.write(redactor.redact(line) + "\n", priority: level.syslogPriority)
    }

    public func trace(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.trace, message(), fields()) }
    public func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.debug, message(), fields()) }
    public func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.info, message(), fields()) }
    public func notice(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.notice, message(), fields()) }
    public func warning(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.warning, message(), fields()) }
    public func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.error, message(), fields()) }
    public func critical(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> LogFields = [:]) { log(.critical, message(), fields()) }

    func render(_ level: LogLevel, _ message: String, _ fields: LogFields) -> String {
        let time = Timestamp.format(clock.now())
        let ordered = baseFields + fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        switch format {
        case .json:
            var line = "{\"ts\":\"\(time)\",\"level\":\"\(level)\",\"priority\":\(level.syslogPriority),\"msg\":\(JSONString.quote(message))"
            for (key, value) in ordered {
                line += ",\(JSONString.quote(key)):\(value.logJSON)"
            }
            return line + "}"
        case .text:
            var line = "\(time) \(String(describing: level).uppercased()) \(message)"
            for (key, value) in ordered { line += " \(key)=\(value.logText)" }
            return line
        }
    }
}
