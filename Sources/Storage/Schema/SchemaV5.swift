import Support
/// Version 5: what the market monitor needs beyond the original tables — each market's outcome
/// names and CLOB token ids (to fetch its book and read its resolution), its event's title, when
/// it resolved; the source and consensus detail of each analysis run; and the scoring of every
/// recommendation once its market resolves.
enum SchemaV5 {
    static let migration = Migration(version: 5, name: "market monitor: tokens, run detail, outcomes", sql: """
        ALTER TABLE markets ADD COLUMN outcomes TEXT NOT NULL DEFAULT '["Yes","No"]'
            CHECK (json_valid(outcomes) AND json_type(outcomes) = 'array');
        ALTER TABLE markets ADD COLUMN clob_token_ids TEXT NOT NULL DEFAULT '[]'
            CHECK (json_valid(clob_token_ids) AND json_type(clob_token_ids) = 'array');
        ALTER TABLE markets ADD COLUMN event_title TEXT;
        ALTER TABLE markets ADD COLUMN resolved_at TEXT;
        CREATE INDEX markets_by_analysis ON markets (status, last_analyzed_at);

        ALTER TABLE analysis_history ADD COLUMN source TEXT;
        ALTER TABLE analysis_history ADD COLUMN detail TEXT NOT NULL DEFAULT '{}'
            CHECK (json_valid(detail) AND json_type(detail) = 'object');

        -- One row per recommendation once its market resolved. NO_TRADE rows are scored for
        -- calibration (Brier) but have no correctness, ROI or edge.
        CREATE TABLE recommendation_outcomes (
            id INTEGER PRIMARY KEY,
            recommendation_id INTEGER NOT NULL UNIQUE REFERENCES recommendations (id) ON DELETE CASCADE,
            market_id INTEGER NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
            direction TEXT NOT NULL CHECK (direction IN ('LONG_YES', 'LONG_NO', 'NO_TRADE')),
            winning_outcome TEXT NOT NULL,
            yes_won INTEGER NOT NULL CHECK (yes_won IN (0, 1)),
            correct INTEGER CHECK (correct IN (0, 1)),
            roi_per_100 REAL CHECK (roi_per_100 >= -100),
            edge_captured REAL CHECK (edge_captured BETWEEN -1 AND 1),
            brier_fair REAL NOT NULL CHECK (brier_fair BETWEEN 0 AND 1),
            brier_market REAL NOT NULL CHECK (brier_market BETWEEN 0 AND 1),
            scored_at TEXT NOT NULL,
            CHECK ((direction = 'NO_TRADE') = (correct IS NULL)),
            CHECK ((direction = 'NO_TRADE') = (roi_per_100 IS NULL))
        );
        CREATE INDEX recommendation_outcomes_by_market ON recommendation_outcomes (market_id);
        """)
}
