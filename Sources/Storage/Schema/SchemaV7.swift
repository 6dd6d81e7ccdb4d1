import Support
/// Version 7: a one-row heartbeat the health probe writes and commits, so `/health` sees a full
/// disk, a read-only file or a foreign lock the moment real writes would (an empty transaction
/// writes nothing and succeeds on all three); and the mark on markets made from the sample set
/// (offline mode), so sample data never passes for real data or counts in a live track record.
enum SchemaV7 {
    static let migration = Migration(version: 7, name: "health heartbeat, sample markets", sql: """
        ALTER TABLE markets ADD COLUMN sample INTEGER NOT NULL DEFAULT 0 CHECK (sample IN (0, 1));

        CREATE TABLE health_heartbeat (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            beat_at TEXT NOT NULL,
            beats INTEGER NOT NULL DEFAULT 1
        );
        """)
}
