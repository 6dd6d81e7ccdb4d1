import Support
/// Version 3: one row per graph run (a LangGraph thread), so interrupted runs can be found and
/// resumed at start-up and finished ones pruned by age. The checkpoints themselves stay in
/// LangGraph's `checkpoints`/`writes` layout (version 1).
enum SchemaV3 {
    static let migration = Migration(version: 3, name: "graph runs", sql: """
        CREATE TABLE graph_runs (
            thread_id TEXT PRIMARY KEY CHECK (length(thread_id) > 0),
            graph TEXT NOT NULL CHECK (length(graph) > 0),
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            finished_at TEXT,
            steps INTEGER NOT NULL DEFAULT 0 CHECK (steps >= 0),
            error TEXT,
            CHECK ((status = 'running') = (finished_at IS NULL)),
            CHECK (status != 'failed' OR error IS NOT NULL)
        );
        CREATE INDEX graph_runs_by_status ON graph_runs (status, finished_at);
        CREATE INDEX writes_by_checkpoint ON writes (thread_id, checkpoint_ns, checkpoint_id);
        """)
}
