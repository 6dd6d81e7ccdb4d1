import Support
/// Version 4: webhook signal intake — signals, their de-duplication keys, decisions, paper
/// positions with their event history, and rejected requests.
enum SchemaV4 {
    static let migration = Migration(version: 4, name: "signal intake and paper positions", sql: """
        CREATE TABLE signals (
            id INTEGER PRIMARY KEY,
            correlation_id TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            symbol TEXT NOT NULL CHECK (length(symbol) > 0),
            direction TEXT NOT NULL CHECK (direction IN ('CALL', 'PUT', 'LONG', 'SHORT', 'BUY', 'SELL', 'EXIT')),
            timeframe TEXT,
            signal_time TEXT NOT NULL,
            received_at TEXT NOT NULL,
            price REAL CHECK (price IS NULL OR price > 0),
            score REAL,
            confidence REAL,
            idempotency_key TEXT,
            dedup_key TEXT NOT NULL,
            auth_method TEXT NOT NULL CHECK (auth_method IN ('hmac', 'path_token', 'body_secret')),
            metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata)),
            raw_body TEXT NOT NULL,
            intake_ms REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX signals_by_time ON signals (received_at);
        CREATE INDEX signals_by_symbol ON signals (symbol, received_at);

        CREATE TABLE signal_dedup (
            dedup_key TEXT PRIMARY KEY,
            signal_id INTEGER NOT NULL REFERENCES signals (id) ON DELETE CASCADE,
            first_seen_at TEXT NOT NULL,
            duplicates INTEGER NOT NULL DEFAULT 0
        );

        CREATE TABLE positions (
            id INTEGER PRIMARY KEY,
            symbol TEXT NOT NULL,
            side TEXT NOT NULL CHECK (side IN ('LONG', 'SHORT')),
            quantity REAL NOT NULL CHECK (quantity > 0),
            entry_price REAL NOT NULL CHECK (entry_price > 0),
            entry_signal_id INTEGER NOT NULL REFERENCES signals (id),
            opened_at TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            exit_price REAL,
            exit_signal_id INTEGER REFERENCES signals (id),
            closed_at TEXT,
            realized_pnl REAL,
            CHECK ((status = 'closed') = (closed_at IS NOT NULL AND exit_price IS NOT NULL AND realized_pnl IS NOT NULL))
        );
        CREATE INDEX positions_open ON positions (status, symbol);
        CREATE INDEX positions_by_symbol ON positions (symbol, opened_at);
        CREATE UNIQUE INDEX positions_one_open_per_symbol ON positions (symbol) WHERE status = 'open';

        CREATE TABLE position_events (
            id INTEGER PRIMARY KEY,
            position_id INTEGER NOT NULL REFERENCES positions (id),
            kind TEXT NOT NULL CHECK (kind IN ('open', 'close')),
            signal_id INTEGER REFERENCES signals (id),
            price REAL NOT NULL,
            quantity REAL NOT NULL,
            realized_pnl REAL,
            at TEXT NOT NULL
        );
        CREATE INDEX position_events_by_position ON position_events (position_id, id);

        CREATE TABLE decisions (
            id INTEGER PRIMARY KEY,
            signal_id INTEGER NOT NULL UNIQUE REFERENCES signals (id),
            action TEXT NOT NULL CHECK (action IN ('ENTER', 'EXIT', 'SKIP')),
            rule TEXT NOT NULL,
            reasons TEXT NOT NULL CHECK (json_valid(reasons)),
            position_id INTEGER REFERENCES positions (id),
            decided_at TEXT NOT NULL,
            decision_ms REAL NOT NULL DEFAULT 0
        );
        CREATE INDEX decisions_by_action ON decisions (action);

        CREATE TABLE processing_errors (
            id INTEGER PRIMARY KEY,
            received_at TEXT NOT NULL,
            code TEXT NOT NULL,
            message TEXT NOT NULL,
            payload TEXT NOT NULL,
            remote_address TEXT
        );
        CREATE INDEX processing_errors_by_time ON processing_errors (received_at);
        """)
}
