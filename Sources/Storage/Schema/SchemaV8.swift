import Support
/// Version 8: the track record's data — price series of every outcome token we analyse or hold
/// (one row per token and time, so a backfill and the hourly append never duplicate a point),
/// the consensus before any market blend on each recommendation, and the replays: re-runs of the analysis as of past times, whose runs live in a database file
/// of their own so they never mix with live runs.
enum SchemaV8 {
    static let migration = Migration(version: 8, name: "price history, replays", sql: """
        CREATE TABLE price_history (
            token_id TEXT NOT NULL CHECK (length(token_id) > 0),
            t INTEGER NOT NULL,
            p REAL NOT NULL CHECK (p BETWEEN 0 AND 1),
            PRIMARY KEY (token_id, t)
        ) WITHOUT ROWID;

        CREATE TABLE replays (
            id TEXT PRIMARY KEY CHECK (length(id) > 0),
            path TEXT NOT NULL,
            from_time TEXT NOT NULL,
            to_time TEXT NOT NULL,
            every_seconds REAL NOT NULL CHECK (every_seconds > 0),
            agents TEXT NOT NULL CHECK (agents IN ('offline', 'llm')),
            data TEXT NOT NULL CHECK (data IN ('live', 'sample')),
            status TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
            markets INTEGER NOT NULL DEFAULT 0 CHECK (markets >= 0),
            runs INTEGER NOT NULL DEFAULT 0 CHECK (runs >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            created_at TEXT NOT NULL,
            finished_at TEXT,
            error TEXT,
            CHECK ((status = 'running') = (finished_at IS NULL))
        );

        CREATE INDEX recommendations_by_time ON recommendations (created_at, id);

        -- The agents' consensus before any market blend (DECISION_BLEND=auto), beside the
        -- decision's fair_probability, so forecast skill reads it without parsing run detail.
        ALTER TABLE recommendations ADD COLUMN consensus_probability REAL CHECK (consensus_probability BETWEEN 0 AND 1);
        UPDATE recommendations SET consensus_probability = (
            SELECT min(1.0, max(0.0, json_extract(h.detail, '$.consensus.probability')))
            FROM analysis_history h WHERE h.run_id = recommendations.run_id AND json_type(h.detail, '$.consensus.probability') IN ('real', 'integer'));
        """)
}
