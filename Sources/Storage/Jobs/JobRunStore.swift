import FoundationEssentials
import Support

/// Queries on `job_runs`. Obtain one from `database.jobRuns`.
public struct JobRunStore {
    let database: Database
    let now: Date

    static let columns = "id, job, scheduled_for, started_at, finished_at, result, error"

    /// Records that `job` started (for the slot `scheduledFor`) and returns the run's id.
    public func start(job: String, scheduledFor: Date?) throws -> Int64 {
        try database.execute("INSERT INTO job_runs (job, scheduled_for, started_at, result) VALUES (?, ?, ?, 'running')",
                             [job, scheduledFor, now])
        return database.lastInsertRowID
    }

    /// Records how a run ended.
    public func finish(id: Int64, result: JobResult, error: String?) throws {
        precondition(result != .running, "a finished run cannot be running")
        try database.execute("UPDATE job_runs SET finished_at = ?, result = ?, error = ? WHERE id = ?",
                             [now, result.rawValue, error, id])
    }

    /// Marks runs left `running` by a process that died as `interrupted`; returns how many.
    @discardableResult
    public func markInterrupted() throws -> Int {
        try database.execute("""
            UPDATE job_runs SET result = 'interrupted', finished_at = ?, error = 'the process stopped during the run'
            WHERE result = 'running'
            """, [now])
        return database.changes
    }

    /// The newest run of `job`.
    public func latest(job: String) throws -> JobRun? {
        try database.queryOne("SELECT \(Self.columns) FROM job_runs WHERE job = ? ORDER BY started_at DESC, id DESC LIMIT 1", [job])
            .map(JobRun.init(row:))
    }

    /// The newest run of `job` that finished with `result`.
    public func latest(job: String, result: JobResult) throws -> JobRun? {
        try database.queryOne("""
            SELECT \(Self.columns) FROM job_runs WHERE job = ? AND result = ? ORDER BY started_at DESC, id DESC LIMIT 1
            """, [job, result.rawValue]).map(JobRun.init(row:))
    }

    /// Runs newest first, optionally of one job.
    public func list(job: String? = nil, limit: Int = 50) throws -> [JobRun] {
        try database.query("SELECT \(Self.columns) FROM job_runs WHERE ?1 IS NULL OR job = ?1 ORDER BY id DESC LIMIT ?2",
                           [job, limit]).map(JobRun.init(row:))
    }
}
