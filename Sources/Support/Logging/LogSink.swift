import Glibc
import Synchronization

/// Where log lines (and console output) go: a file descriptor, memory (tests) or nowhere.
public final class LogSink: Sendable {
    private let descriptor: Int32
    private let lock = Mutex(())
    private let captures: Bool
    private let captured = Mutex<[String]>([])
    private let prefixesPriority: Bool

    private init(descriptor: Int32, capture: Bool, prefixesPriority: Bool = false) {
        self.descriptor = descriptor
        self.captures = capture
        self.prefixesPriority = prefixesPriority
    }

    /// Standard output (journald collects it under systemd and reads the `<N>` priority prefix,
    /// which is written only when `JOURNAL_STREAM` says standard output is the journal).
    public static let standardOutput = LogSink(descriptor: 1, capture: false,
                                               prefixesPriority: getenv("JOURNAL_STREAM") != nil)
    /// Standard error.
    public static let standardError = LogSink(descriptor: 2, capture: false)
    /// Drops everything.
    public static let discard = LogSink(descriptor: -1, capture: false)
    /// Keeps lines in memory; for tests.
    public static func memory() -> LogSink { LogSink(descriptor: -1, capture: true) }

    /// Lines written so far (memory sinks only).
    public var lines: [String] { captured.withLock { $0 } }

    /// Writes `line` whole (retrying short writes); `priority` is the syslog severity used for the
    /// journald prefix of log lines, nil for plain console output.
    public func write(_ line: String, priority: Int? = nil) {
        if captures {
            captured.withLock { $0.append(line) }
            return
        }
        guard descriptor >= 0 else { return }
        let text = prefixesPriority && priority != nil ? "<\(priority!)>" + line : line
        lock.withLock { _ in
            var bytes = Array(text.utf8)
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
