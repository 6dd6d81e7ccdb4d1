import Support
/// Version 1: the original monitor's tables, kept faithfully and fixed where the original was
/// broken — probabilities and money are checked at the database, enumerations are constrained,
/// JSON columns must hold valid JSON, and every child row references its market.
/// Timestamps are ISO-8601 UTC text (`2026-11-21T17:49:00.123Z`).
enum SchemaV1 {
    static let migration = Migration(version: 1, name: "monitor tables and LangGraph checkpoints", sql: """
        CREATE TABLE markets (
            id INTEGER PRIMARY KEY,
            condition_id TEXT NOT NULL UNIQUE CHECK (length(condition_id) > 0),
            gamma_id TEXT,
            event_id TEXT,
            question TEXT NOT NULL,
            description TEXT,
            event_type TEXT NOT NULL DEFAULT 'other',
            slug TEXT,
            market_probability REAL CHECK (market_probability BETWEEN 0 AND 1),
            volume_24h REAL NOT NULL DEFAULT 0 CHECK (volume_24h >= 0),
            liquidity REAL NOT NULL DEFAULT 0 CHECK (liquidity >= 0),
            status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed', 'resolved')),
            resolved_outcome TEXT CHECK (resolved_outcome IS NULL OR status = 'resolved'),
            end_date TEXT,
            trending_score REAL NOT NULL DEFAULT 0 CHECK (trending_score BETWEEN 0 AND 10),
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            last_analyzed_at TEXT
        );
        CREATE INDEX markets_by_status_and_score ON markets (status, trending_score DESC, id);
        CREATE INDEX markets_by_event ON markets (event_id);

        CREATE TABLE recommendations (
            id INTEGER PRIMARY KEY,
            market_id INTEGER NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
            run_id TEXT NOT NULL,
            direction TEXT NOT NULL CHECK (direction IN ('LONG_YES', 'LONG_NO', 'NO_TRADE')),
            fair_probability REAL NOT NULL CHECK (fair_probability BETWEEN 0 AND 1),
            market_probability REAL NOT NULL CHECK (market_probability BETWEEN 0 AND 1),
            market_edge REAL NOT NULL CHECK (market_edge BETWEEN 0 AND 1),
            expected_value REAL NOT NULL,
            win_probability REAL CHECK (win_probability BETWEEN 0 AND 1),
            confidence TEXT NOT NULL CHECK (confidence IN ('high', 'moderate', 'low')),
            entry_zone_min REAL CHECK (entry_zone_min BETWEEN 0 AND 1),
            entry_zone_max REAL CHECK (entry_zone_max BETWEEN 0 AND 1),
            target_zone_min REAL CHECK (target_zone_min BETWEEN 0 AND 1),
            target_zone_max REAL CHECK (target_zone_max BETWEEN 0 AND 1),
            stop_loss REAL CHECK (stop_loss BETWEEN 0 AND 1),
            liquidity_risk TEXT CHECK (liquidity_risk IN ('low', 'medium', 'high')),
            explanation TEXT,
            core_thesis TEXT,
            catalysts TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(catalysts) AND json_type(catalysts) = 'array'),
            risks TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(risks) AND json_type(risks) = 'array'),
            created_at TEXT NOT NULL,
            CHECK (entry_zone_min IS NULL OR entry_zone_max IS NULL OR entry_zone_min <= entry_zone_max),
            CHECK (target_zone_min IS NULL OR target_zone_max IS NULL OR target_zone_min <= target_zone_max)
        );
        CREATE INDEX recommendations_by_market ON recommendations (market_id, created_at DESC, id DESC);
        CREATE INDEX recommendations_by_run ON recommendations (run_id);

        CREATE TABLE agent_signals (
            id INTEGER PRIMARY KEY,
            market_id INTEGER NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
            recommendation_id INTEGER REFERENCES recommendations (id) ON DELETE SET NULL,
            run_id TEXT NOT NULL,
            agent_name TEXT NOT NULL,
            agent_type TEXT NOT NULL,
            fair_probability REAL NOT NULL CHECK (fair_probability BETWEEN 0 AND 1),
            confidence REAL NOT NULL CHECK (confidence BETWEEN 0 AND 1),
            direction TEXT NOT NULL CHECK (direction IN ('YES', 'NO', 'NEUTRAL')),
            key_drivers TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(key_drivers) AND json_type(key_drivers) = 'array'),
            risk_factors TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(risk_factors) AND json_type(risk_factors) = 'array'),
            metadata TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(metadata) AND json_type(metadata) = 'object'),
            created_at TEXT NOT NULL
        );
        CREATE INDEX agent_signals_by_market_and_agent ON agent_signals (market_id, agent_name, created_at DESC);
        CREATE INDEX agent_signals_by_recommendation ON agent_signals (recommendation_id);
        CREATE INDEX agent_signals_by_run ON agent_signals (run_id);

        CREATE TABLE analysis_history (
            id INTEGER PRIMARY KEY,
            market_id INTEGER NOT NULL REFERENCES markets (id) ON DELETE CASCADE,
            run_id TEXT NOT NULL UNIQUE,
            analysis_type TEXT NOT NULL CHECK (analysis_type IN ('initial', 'update', 'manual')),
            status TEXT NOT NULL CHECK (status IN ('success', 'failed', 'partial')),
            duration_ms INTEGER NOT NULL DEFAULT 0 CHECK (duration_ms >= 0),
            cost_usd REAL NOT NULL DEFAULT 0 CHECK (cost_usd >= 0),
            tokens_in INTEGER NOT NULL DEFAULT 0 CHECK (tokens_in >= 0),
            tokens_out INTEGER NOT NULL DEFAULT 0 CHECK (tokens_out >= 0),
            agents_used TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(agents_used) AND json_type(agents_used) = 'array'),
            error_message TEXT,
            created_at TEXT NOT NULL,
            CHECK (status <> 'failed' OR error_message IS NOT NULL)
        );
        CREATE INDEX analysis_history_by_market ON analysis_history (market_id, created_at DESC, id DESC);
        CREATE INDEX analysis_history_by_time ON analysis_history (created_at DESC, id DESC);

        -- LangGraph's SQLite checkpointer layout (langgraph-checkpoint-sqlite), column for column,
        -- so its SqliteSaver can read what the pipeline writes. Blobs are typed 'json'.
        CREATE TABLE checkpoints (
            thread_id TEXT NOT NULL,
            checkpoint_ns TEXT NOT NULL DEFAULT '',
            checkpoint_id TEXT NOT NULL,
            parent_checkpoint_id TEXT,
            type TEXT,
            checkpoint BLOB,
            metadata BLOB,
            PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id)
        );
        CREATE TABLE writes (
            thread_id TEXT NOT NULL,
            checkpoint_ns TEXT NOT NULL DEFAULT '',
            checkpoint_id TEXT NOT NULL,
            task_id TEXT NOT NULL,
            task_path TEXT NOT NULL DEFAULT '',
            idx INTEGER NOT NULL,
            channel TEXT NOT NULL,
            type TEXT,
            value BLOB,
            PRIMARY KEY (thread_id, checkpoint_ns, checkpoint_id, task_id, idx)
        );

        -- The original monitor's checkpoint table, as a read-only view over the LangGraph layout.
        CREATE VIEW langgraph_checkpoints AS
            SELECT thread_id,
                   checkpoint_ns,
                   checkpoint_id,
                   parent_checkpoint_id,
                   CAST(checkpoint AS TEXT) AS checkpoint,
                   CAST(metadata AS TEXT) AS metadata,
                   json_extract(CAST(checkpoint AS TEXT), '$.ts') AS created_at
            FROM checkpoints;
        """)
}
