import Support
/// Version 2: the scheduler's persisted job runs.
enum SchemaV2 {
    static let migration = Migration(version: 2, name: "scheduler job runs", sql: """
        CREATE TABLE job_runs (
            id INTEGER PRIMARY KEY,
            job TEXT NOT NULL,
            scheduled_for TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            result TEXT NOT NULL CHECK (result IN ('running', 'success', 'failed', 'skipped', 'interrupted')),
            error TEXT,
            CHECK ((result = 'running') = (finished_at IS NULL))
        );
        CREATE INDEX job_runs_by_job ON job_runs (job, started_at DESC, id DESC);
        """)
}
