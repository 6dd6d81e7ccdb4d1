import Support
/// Version 10: the alert outbox. An alert is written in the transaction of the fact it reports
/// (`alerts`); the sender fans it out to the channels its route names (`alert_deliveries`, one row
/// per alert and channel) and delivers each with retries, so no alert is lost to a crash and none
/// is sent for a fact that was rolled back.
enum SchemaV10 {
    static let migration = Migration(version: 10, name: "alert outbox", sql: """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            event TEXT NOT NULL CHECK (length(event) > 0),
            severity TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
            text TEXT NOT NULL,
            data TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
            coalesce_key TEXT,
            created_at TEXT NOT NULL,
            fanned_out INTEGER NOT NULL DEFAULT 0 CHECK (fanned_out IN (0, 1))
        );
        CREATE INDEX alerts_to_fan_out ON alerts (fanned_out, id);

        CREATE TABLE alert_deliveries (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
            channel TEXT NOT NULL CHECK (length(channel) > 0),
            status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'coalesced')),
            attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
            next_attempt_at TEXT NOT NULL,
            sent_at TEXT,
            last_error TEXT,
            response TEXT,
            UNIQUE (alert_id, channel)
        );
        CREATE INDEX alert_deliveries_due ON alert_deliveries (channel, status, next_attempt_at, id);
        """)
}
