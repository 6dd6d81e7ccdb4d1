import Support
/// Version 9: chart snapshots — the market's price chart as it stood when each recommendation was
/// made, stored as SVG so the picture a decision was based on survives later pruning.
enum SchemaV9 {
    static let migration = Migration(version: 9, name: "chart snapshots", sql: """
        CREATE TABLE chart_snapshots (
            id INTEGER PRIMARY KEY,
            recommendation_id INTEGER NOT NULL UNIQUE REFERENCES recommendations (id) ON DELETE CASCADE,
            market_id INTEGER NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            points INTEGER NOT NULL CHECK (points >= 0),
            svg TEXT NOT NULL CHECK (length(svg) > 0)
        );
        CREATE INDEX chart_snapshots_by_market ON chart_snapshots (market_id, created_at DESC, id DESC);
        CREATE INDEX chart_snapshots_by_time ON chart_snapshots (created_at DESC, id DESC);
        """)
}
