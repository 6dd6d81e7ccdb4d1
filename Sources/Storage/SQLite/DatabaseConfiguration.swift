import Support
/// How connections are opened and tuned. The defaults favour durability.
public struct DatabaseConfiguration: Sendable {
    /// `PRAGMA synchronous`. `.full` (the default) fsyncs the WAL on every commit, so a committed
    /// transaction survives power loss; `.normal` may lose the last commits on power loss (never
    /// on a process crash).
    public enum Synchronous: String, Sendable {
        case full = "FULL"
        case normal = "NORMAL"
    }

    public var synchronous: Synchronous = .full
    /// How long a connection waits for a lock held by another connection, in milliseconds.
    public var busyTimeoutMilliseconds: Int32 = 5_000
    /// Size the WAL file is truncated back to after a checkpoint, in bytes.
    public var journalSizeLimitBytes: Int64 = 64 * 1024 * 1024
    /// Number of reader connections in a `DatabasePool` (at least 1).
    public var readerCount: Int = 2
    /// Most writes committed together in one group-commit transaction.
    public var maximumGroupSize: Int = 512
    /// Open read-only: no writer, no migrations, no WAL mode change.
    public var readOnly: Bool = false
    /// Switch the file to WAL on open (the default). Backups are written with this off so each
    /// backup is one self-contained file.
    public var writeAheadLog: Bool = true

    public init() {}
}
