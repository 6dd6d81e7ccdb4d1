import FoundationEssentials
import Support

/// How a scheduled job run ended.
public enum JobResult: String, Codable, Sendable, CaseIterable {
    /// Still running (or the process died while it ran, until marked interrupted).
    case running
    case success, failed, skipped
    /// The process stopped while it ran.
    case interrupted
}

/// One run of a scheduler job (`job_runs`).
public struct JobRun: Codable, Sendable, Equatable {
    public var id: Int64
    public var job: String
    /// The slot this run was for (nil for manual runs).
    public var scheduledFor: Date?
    public var startedAt: Date
    public var finishedAt: Date?
    public var result: JobResult
    public var error: String?

    init(row: Row) throws {
        id = try row.get("id")
        job = try row.get("job")
        scheduledFor = try row.get("scheduled_for")
        startedAt = try row.get("started_at")
        finishedAt = try row.get("finished_at")
        result = try row.enumValue("result")
        error = try row.get("error")
    }
}
