import FoundationEssentials
import Pipeline
import Storage
import Support

/// The daily digest: one UTC day's analyses, recommendations by action, LLM spend against the
/// budget, markets resolved and skill against the market so far, paper positions and P&L, and
/// operational notes. Plain text here; each channel formats it on delivery.
struct Digest: Encodable, Sendable {
    var day: String
    var data: String
    var analyses: [String: Int]
    var recommendations: [String: Int]
    var spendUSD: Double
    var budgetUSD: Double?
    var marketsResolved: Int
    var resolvedMarketsSoFar: Int
    var skillSoFar: Double?
    var skillLow: Double?
    var skillHigh: Double?
    var openPositions: Int
    var exposureUSD: Double
    var positionsClosed: Int
    var realizedPnLUSD: Double
    var failedJobs: [String]
    var lastBackupAgeHours: Double?

    /// The digest of `day` (YYYY-MM-DD, UTC).
    static func build(_ database: Database, day: String, configuration: Configuration, now: Date) throws -> Digest {
        let start = Timestamp.parse(day + "T00:00:00Z") ?? now
        let end = start.addingTimeInterval(86_400)
        let sample = configuration.offline
        func counts(_ sql: String) throws -> [String: Int] {
            var found: [String: Int] = [:]
            try database.forEachRow(sql, [start, end]) { row in
                found[row.text(at: 0) ?? ""] = Int(row.int64(at: 1))
                return true
            }
            return found
        }
        let record = try TrackRecordBuilder.build(database, scope: TrackRecordScope(sample: sample), rules: configuration.tradeRules,
                                                  now: now, resamples: 500)
        let open = try database.signals.openPositions()
        let closed = try database.signals.closedPositions().filter { ($0.closedAt ?? .distantPast) >= start && ($0.closedAt ?? .distantPast) < end }
        let newestBackup = Backup.list(in: configuration.dataDirectory.backupsPath).first { $0.manifest?.kind == .regular }
        let backupTime = newestBackup?.manifest.flatMap { Timestamp.parse($0.createdAt) }
        return Digest(
            day: day, data: sample ? "sample" : "live",
            analyses: try counts("SELECT status, count(*) FROM analysis_history WHERE created_at >= ? AND created_at < ? GROUP BY status"),
            recommendations: try counts("SELECT direction, count(*) FROM recommendations WHERE created_at >= ? AND created_at < ? GROUP BY direction"),
            spendUSD: try database.llmCalls.spend(day: day).costUSD, budgetUSD: configuration.llm.maxCostPerDay,
            marketsResolved: try database.scalar("SELECT count(*) FROM markets WHERE status = 'resolved' AND resolved_at >= ? AND resolved_at < ? AND sample = ?",
                                                 [start, end, sample ? 1 : 0], as: Int.self) ?? 0,
            resolvedMarketsSoFar: record.forecasts.resolvedMarkets, skillSoFar: record.forecasts.overall.skill,
            skillLow: record.forecasts.overall.skillLow, skillHigh: record.forecasts.overall.skillHigh,
            openPositions: open.count, exposureUSD: open.reduce(0) { $0 + $1.exposure },
            positionsClosed: closed.count, realizedPnLUSD: closed.reduce(0) { $0 + ($1.realizedPnl ?? 0) },
            failedJobs: try database.jobRuns.list(limit: 500).filter { $0.result == .failed && $0.startedAt >= start && $0.startedAt < end }.map(\.job),
            lastBackupAgeHours: backupTime.map { now.timeIntervalSince($0) / 3_600 })
    }

    var text: String {
        func money(_ value: Double) -> String { (value < 0 ? "-$" : "$") + Format.decimal(abs(value), 2) }
        func list(_ counts: [String: Int]) -> String {
            counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        var lines = ["TradeWizard daily digest for \(day) (UTC)" + (data == "sample" ? " — SAMPLE DATA, not real markets" : "")]
        lines.append("Analyses: \(list(analyses)). Recommendations: \(list(recommendations)).")
        lines.append("LLM spend: \(money(spendUSD))" + (budgetUSD.map { " of the \(money($0)) daily budget" } ?? " (no daily budget)") + ".")
        var skill = "Track record: \(marketsResolved) market(s) resolved that day; \(resolvedMarketsSoFar) resolved in all"
        if let value = skillSoFar {
            skill += ", skill against the market \(Format.decimal(value, 3))"
            if let low = skillLow, let high = skillHigh { skill += " [\(Format.decimal(low, 3)), \(Format.decimal(high, 3))]" }
        } else {
            skill += ", no skill figure yet"
        }
        lines.append(skill + ".")
        lines.append("Paper positions: \(openPositions) open (exposure \(money(exposureUSD))); \(positionsClosed) closed that day, realised \(money(realizedPnLUSD)).")
        var operations = failedJobs.isEmpty ? "no failed job" : "failed jobs: " + failedJobs.joined(separator: ", ")
        operations += "; newest backup " + (lastBackupAgeHours.map { "\(Format.decimal($0, 1)) h old" } ?? "missing")
        lines.append("Operations: \(operations).")
        return lines.joined(separator: "\n")
    }

    var alert: NewAlert {
        let data = (try? JSONValue.parse(JSONCoding.encode(self))) ?? .object([:])
        return NewAlert(event: AlertEvents.digest.name, severity: AlertEvents.digest.severity, text: text, data: data)
    }

    /// Yesterday (UTC) of `now`.
    static func yesterday(_ now: Date) -> String { String(Timestamp.format(now.addingTimeInterval(-86_400)).prefix(10)) }
}

extension MaintenanceJobs {
    /// Daily at `ALERT_DIGEST_TIME` in `ALERT_DIGEST_TIME_ZONE`: yesterday's (UTC) digest into the outbox (when a channel is configured).
    static func digest(database: AppDatabase, configuration: Configuration, logger: Logger) -> Job {
        Job(name: "daily-digest", schedule: .dailyAt(minuteOfDay: configuration.alerts.digestMinuteOfDay, zone: configuration.alerts.digestZone)) {
            guard configuration.alerts.isEnabled else { return .skipped("no alert channel configured") }
            let now = database.clock.now()
            try await database.pool.write { database in
                _ = try database.alerts.enqueue(try Digest.build(database, day: Digest.yesterday(now), configuration: configuration, now: now).alert)
            }
            return .success
        }
    }
}
