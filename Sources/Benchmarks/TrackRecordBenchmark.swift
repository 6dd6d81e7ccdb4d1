import FoundationEssentials
import Glibc
import Pipeline
import Storage
import Support

/// `tradewizard bench track-record`: the track record over 100,000 resolved analyses and 20,000
/// trades, a backtest of 10,000 recommendations against 2,000 price points each, and an export
/// of 1,000,000 rows to CSV (peak memory of the exporting process, and its time against
/// `sqlite3 -csv` running the same query on the same file).
public enum TrackRecordBenchmark {
    public struct Report: Encodable, Sendable {
        public var trackRecordSeconds: Double
        public var trackRecordAnalyses: Int
        public var trackRecordTrades: Int
        public var agentSignals: Int
        public var backtestSeconds: Double
        public var backtestRecommendations: Int
        public var backtestPricePoints: Int
        public var exportRows: Int
        public var exportSeconds: Double
        public var exportPeakResidentBytes: Int
        /// `sqlite3 -csv` on the same query and file; nil when the sqlite3 shell is not installed.
        public var sqliteShellSeconds: Double?
        /// exportSeconds / sqliteShellSeconds.
        public var exportRatioToSQLiteShell: Double?
    }

    public static func run(directory: String, progress: (String) -> Void) async throws -> Report {
        progress("building 20,000 resolved markets, 100,000 analyses, 700,000 agent signals, 2,000,000 price points")
        let record = try await AppDatabase.open(DataDirectory(path: directory + "/record"))
        try await fill(record, markets: 20_000, recommendationsPerMarket: 5, actionablePerMarket: 1, points: 100, agents: 7)
        progress("track record (every analysis counted)")
        var started = MonotonicInstant.now()
        let built = try await record.pool.read { try TrackRecordBuilder.build($0, scope: TrackRecordScope(), counting: .all, now: Date()) }
        let trackRecordSeconds = started.secondsElapsed()
        record.close()

        progress("building 2,000 markets × 2,000 price points with 5 recommendations each")
        let backtest = try await AppDatabase.open(DataDirectory(path: directory + "/backtest"))
        try await fill(backtest, markets: 2_000, recommendationsPerMarket: 5, actionablePerMarket: 5, points: 2_000, agents: 0)
        progress("backtest (no stop, fee 0)")
        started = MonotonicInstant.now()
        let trades = try await backtest.pool.read { database in
            try TrackRecordBuilder.simulate(database, scope: TrackRecordScope(), rules: TradeRules(feeRate: 0, useStopLoss: false), now: Date().timeIntervalSince1970)
        }
        let backtestSeconds = started.secondsElapsed()
        backtest.close()

        progress("building 1,000,000 recommendations")
        let exportDirectory = directory + "/export"
        let export = try await AppDatabase.open(DataDirectory(path: exportDirectory))
        try await fill(export, markets: 1_000, recommendationsPerMarket: 1_000, actionablePerMarket: 0, points: 0, agents: 0)
        export.close()
        progress("export recommendations --format csv (a child process, its peak RSS polled)")
        let child = try Subprocess(arguments: [Subprocess.currentExecutable, "export", "recommendations", "--out", directory + "/out.csv",
                                               "--data-dir", exportDirectory, "--env-file", "/dev/null"], mergeErrors: true)
        started = MonotonicInstant.now()
        var peak = 0
        let reader = Task.detached { child.readAll() }
        while true {
            let sample = ProcessResources.statusBytes(pid: child.pid, field: "VmHWM:")
            if sample == 0 { break }
            peak = max(peak, sample)
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let output = await reader.value
        guard child.wait() == 0 else { throw BenchmarkError("export failed: \(output)") }
        let exportSeconds = started.secondsElapsed()
        let rows = max(0, (try? String(contentsOfFile: directory + "/out.csv", encoding: .utf8))?.split(separator: "\r\n").count ?? 1) - 1
        progress("sqlite3 -csv on the same query")
        var shell: Double?
        if let sqlite = ["/usr/bin/sqlite3", "/usr/local/bin/sqlite3"].first(where: FileSystem.exists) {
            let select = ExportKind.recommendations.unfilteredSelect ?? ""
            started = MonotonicInstant.now()
            let process = try Subprocess(arguments: ["/bin/sh", "-c", "'\(sqlite)' -csv -header '\(DataDirectory(path: exportDirectory).databasePath)' \"\(select)\" > '\(directory)/shell.csv'"],
                                         mergeErrors: true)
            _ = process.readAll()
            if process.wait() == 0 { shell = started.secondsElapsed() }
        }
        return Report(trackRecordSeconds: trackRecordSeconds, trackRecordAnalyses: built.forecasts.analysesScored, trackRecordTrades: built.trades.count,
                      agentSignals: built.forecasts.byAgent.reduce(0) { $0 + $1.figures.count },
                      backtestSeconds: backtestSeconds, backtestRecommendations: trades.count, backtestPricePoints: 2_000,
                      exportRows: rows, exportSeconds: exportSeconds, exportPeakResidentBytes: peak,
                      sqliteShellSeconds: shell, exportRatioToSQLiteShell: shell.map { exportSeconds / $0 })
    }

    /// Resolved markets (every other one won by YES), recommendations an hour apart from
    /// 2026-02-01 (`actionablePerMarket` of them LONG_YES with zones around the price), agent
    /// signals per recommendation and an hourly YES series from the same start.
    static func fill(_ database: AppDatabase, markets: Int, recommendationsPerMarket: Int, actionablePerMarket: Int, points: Int, agents: Int) async throws {
        let start = 1_769_904_000 // 2026-02-01T00:00:00Z
        try await database.pool.write { db in
            try db.executeScript("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < \(markets))
                INSERT INTO markets (condition_id, question, event_type, market_probability, status, resolved_outcome, created_at, updated_at,
                                     outcomes, clob_token_ids, resolved_at, event_title)
                SELECT 'bench-' || i, 'Bench market ' || i || '?', CASE i % 4 WHEN 0 THEN 'election' WHEN 1 THEN 'policy' WHEN 2 THEN 'court' ELSE 'other' END,
                       0.5, 'resolved', CASE i % 2 WHEN 0 THEN 'Yes' ELSE 'No' END, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z',
                       '["Yes","No"]', json_array('yes-' || i, 'no-' || i), '2026-06-01T00:00:00.000Z', 'Event ' || (i % 200)
                FROM n;
                WITH RECURSIVE k(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM k WHERE j < \(recommendationsPerMarket - 1))
                INSERT INTO recommendations (market_id, run_id, direction, fair_probability, market_probability, market_edge, expected_value,
                                             confidence, entry_zone_min, entry_zone_max, target_zone_min, target_zone_max, stop_loss, created_at,
                                             consensus_probability)
                SELECT m.id, 'run-' || m.id || '-' || j, CASE WHEN j < \(actionablePerMarket) THEN 'LONG_YES' ELSE 'NO_TRADE' END,
                       0.2 + (abs(random()) % 600) / 1000.0, 0.5, 0.1, 20, 'moderate',
                       CASE WHEN j < \(actionablePerMarket) THEN 0.46 END, CASE WHEN j < \(actionablePerMarket) THEN 0.54 END,
                       CASE WHEN j < \(actionablePerMarket) THEN 0.62 END, CASE WHEN j < \(actionablePerMarket) THEN 0.70 END,
                       CASE WHEN j < \(actionablePerMarket) THEN 0.40 END,
                       strftime('%Y-%m-%dT%H:%M:%fZ', \(start) + 3600 * j, 'unixepoch'), NULL
                FROM markets m, k;
                UPDATE recommendations SET consensus_probability = fair_probability;
                INSERT INTO analysis_history (market_id, run_id, analysis_type, status, created_at, detail)
                SELECT market_id, run_id, 'initial', 'success', created_at, json_object('consensus', json_object('probability', fair_probability))
                FROM recommendations;
                """)
            if agents > 0 {
                try db.executeScript("""
                    WITH RECURSIVE a(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM a WHERE x < \(agents))
                    INSERT INTO agent_signals (market_id, recommendation_id, run_id, agent_name, agent_type, fair_probability, confidence, direction, created_at)
                    SELECT r.market_id, r.id, r.run_id, 'agent_' || x, 'price', 0.3 + (abs(random()) % 400) / 1000.0, 0.5, 'NEUTRAL', r.created_at
                    FROM recommendations r, a;
                    """)
            }
            if points > 0 {
                // A wave around 0.5 that reaches the 0.62 target in some markets and the 0.40 stop in others.
                try db.executeScript("""
                    WITH RECURSIVE h(j) AS (SELECT 0 UNION ALL SELECT j + 1 FROM h WHERE j < \(points - 1))
                    INSERT INTO price_history (token_id, t, p)
                    SELECT 'yes-' || m.id, \(start) + 3600 * j, 0.5 + 0.15 * sin((j + m.id) / 17.0) * (1 + m.id % 3) / 3.0
                    FROM markets m, h;
                    """)
            }
        }
    }
}
