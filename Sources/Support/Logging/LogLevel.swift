/// Log levels, lowest first. The level policy (also in the README):
/// - `trace`/`debug`: per-request and per-statement detail, for development only.
/// - `info`: one line per meaningful event an operator may want later — start, stop, a job run,
///   a backup, a refused request (with its reason code).
/// - `notice`: something unusual that needs no action (a catch-up run, a recovered interruption,
///   a retried request, an LLM answer replaced by its template).
/// - `warning`: degraded but working (a failed job that will retry, low disk, an open circuit).
/// - `error`: an operation failed and needs attention (a backup failed, a database error).
/// - `critical`: the process cannot continue.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    public init?(name: String) {
        guard let level = LogLevel.allCases.first(where: { "\($0)" == name.lowercased() }) else { return nil }
        self = level
    }

    /// The syslog priority (RFC 5424 severity, 0 emergency … 7 debug) that journald files the line
    /// under, so `journalctl -p warning` finds warnings and worse.
    public var syslogPriority: Int {
        switch self {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}
