import FoundationEssentials
import Glibc
import Pipeline
import Storage
import Support
import Synchronization

/// Component states, refreshed in the background so `/health` itself costs nothing.
public struct HealthSnapshot: Sendable, Codable {
    public enum Status: String, Sendable, Codable { case healthy, degraded, unhealthy }

    public var status: Status = .healthy
    public var reasons: [String] = []
    public var checkedAt: Date = Date(timeIntervalSince1970: 0)
    public var databaseWritable = false
    public var databaseLatencyMilliseconds = 0.0
    public var walBytes: Int64 = 0
    public var freeDiskBytes: Int64 = 0
    public var databaseBytes: Int64 = 0
    public var lastBackupFile: String?
    public var lastBackupAt: Date?
    public var lastBackupAgeSeconds: Double?
    public var lastBackupVerified: Bool?
    public var lastAnalysisAt: Date?
    public var schedulerTickAgeSeconds: Double?
    public var nextRuns: [String: Date] = [:]
    public var lastJobResults: [String: String] = [:]
    /// Webhook requests in the last hour.
    public var signalsLastHour = SignalCounts(accepted: 0, rejected: 0, duplicates: 0)
    /// Rejected / all webhook requests in the last hour (nil with fewer than 10).
    public var signalRejectionRate: Double?
    /// Calls used today (UTC) and the daily limit, by external API.
    public var quota: [String: QuotaUsage] = [:]
    /// LLM spend today (UTC), USD.
    public var llmSpendToday = 0.0
    /// Analyses in the last hour whose LLM calls a budget stopped.
    public var budgetLimitedRunsLastHour = 0
}

/// One API's daily counter as `/health` shows it (the original's `{used, limit}`).
public struct QuotaUsage: Sendable, Codable, Equatable {
    public var used: Int
    public var limit: Int
}

/// What the health monitor watches of LLM spending: the APIs whose quotas it shows, their daily
/// limits, and the daily budget.
public struct LLMHealthPolicy: Sendable {
    public var quotaLimits: [String: Int]
    public var dailyBudget: Double?
    public init(quotaLimits: [String: Int] = [:], dailyBudget: Double? = nil) {
        self.quotaLimits = quotaLimits
        self.dailyBudget = dailyBudget
    }
}

/// Probes the database, disk, backups and scheduler every few seconds and keeps the latest snapshot.
///
/// Policy: unhealthy when the database does not answer a write probe; degraded when free disk is
/// under 1 GiB or under twice the database, the newest backup is older than 48 hours (or absent
/// after the first 26 hours of uptime) or failed verification, the scheduler has not ticked for
/// two minutes, a job's last run failed, more than the configured share of the last hour's
/// webhook requests (at least 10) were rejected, today's LLM spend reached the daily budget, an
/// analysis in the last hour was stopped by a budget, or an API's daily quota is used up.
public final class HealthMonitor: Sendable {
    private let database: AppDatabase
    private let clock: any WallClock
    private let startedAt: Date
    private let snapshotState = Mutex(HealthSnapshot())
    private let schedulerState = Mutex<(tick: Date?, nextRuns: [String: Date], results: [String: String])>((nil, [:], [:]))

    private let signalDegradedRejectionRate: Double
    private let llm: LLMHealthPolicy
    private let logger: Logger
    /// The writer's whole-transaction failure count and writability at the previous refresh.
    private let previous = Mutex<(storageFailures: Int, writable: Bool?)>((0, nil))

    /// Why market data cannot be had right now (Polymarket unreachable), or nil.
    private let marketDataProblem: @Sendable () -> String?
    /// Minutes an alert channel may fail before health is degraded; nil when alerts are off.
    private let alertsFailingMinutes: Double?
    /// The status of the previous refresh (nil before the first): a change is an alert.
    private let lastStatus = Mutex<HealthSnapshot.Status?>(nil)

    public init(database: AppDatabase, clock: any WallClock, startedAt: Date, signalDegradedRejectionRate: Double = 0.5,
                llm: LLMHealthPolicy = LLMHealthPolicy(), logger: Logger = .disabled,
                marketDataProblem: @escaping @Sendable () -> String? = { nil }, alertsFailingMinutes: Double? = nil) {
        self.marketDataProblem = marketDataProblem
        self.alertsFailingMinutes = alertsFailingMinutes
        self.logger = logger
        self.signalDegradedRejectionRate = signalDegradedRejectionRate
        self.llm = llm
        self.database = database
        self.clock = clock
        self.startedAt = startedAt
    }

    /// The latest snapshot, with the scheduler's state as of now.
    public var snapshot: HealthSnapshot {
        var snapshot = snapshotState.withLock { $0 }
        let scheduler = schedulerState.withLock { $0 }
        snapshot.schedulerTickAgeSeconds = scheduler.tick.map { clock.now().timeIntervalSince($0) }
        snapshot.nextRuns = scheduler.nextRuns
        snapshot.lastJobResults = scheduler.results
        return snapshot
    }

    /// Called by the scheduler after each tick.
    public func schedulerTicked(at date: Date, nextRuns: [String: Date], lastResults: [String: String]) {
        schedulerState.withLock { $0 = (date, nextRuns, lastResults) }
    }

    /// Probes everything once and stores the snapshot.
    @discardableResult
    public func refresh() async -> HealthSnapshot {
        var snapshot = HealthSnapshot()
        var alertProblems: [String] = []
        let now = clock.now()
        snapshot.checkedAt = now
        let directory = database.directory
        let start = MonotonicInstant.now()
        var writeFailure: String?
        do {
            // A real write, committed: fails as signals would on a full disk, a read-only file or a foreign lock.
            try await database.pool.write { try $0.beat(at: now) }
            snapshot.databaseLatencyMilliseconds = start.secondsElapsed() * 1000
        } catch {
            writeFailure = "\(error)"
        }
        // Writes of real traffic that failed since the last refresh count even when the tiny probe got through.
        let statistics = database.pool.statistics
        let failedSince = previous.withLock { state in
            defer { state.storageFailures = statistics.storageFailures }
            return statistics.storageFailures - state.storageFailures
        }
        if writeFailure == nil, failedSince > 0 {
            writeFailure = "\(failedSince) write transaction(s) failed since the last check: \(statistics.lastStorageFailure ?? "unknown error")"
        }
        snapshot.databaseWritable = writeFailure == nil
        let wasWritable = previous.withLock { state in
            defer { state.writable = writeFailure == nil }
            return state.writable
        }
        if let writeFailure, wasWritable != false {
            logger.error("the database stopped accepting writes: webhooks answer 503 and analyses cannot be stored", ["error": writeFailure])
        } else if writeFailure == nil, wasWritable == false {
            logger.notice("the database accepts writes again")
        }
        if let writeFailure {
            snapshot.reasons.append("database does not accept writes: \(writeFailure)")
        } else {
            do {
                let (bytes, lastAnalysis, signals) = try await database.pool.read { database -> (Int64, Date?, SignalCounts) in
                    let pages: Int64 = try database.scalar("PRAGMA page_count") ?? 0
                    let size: Int64 = try database.scalar("PRAGMA page_size") ?? 4096
                    return (pages * size, try database.analysisHistory.latest()?.createdAt,
                            try database.signals.counts(since: now.addingTimeInterval(-3_600)))
                }
                snapshot.databaseBytes = bytes
                snapshot.lastAnalysisAt = lastAnalysis
                snapshot.signalsLastHour = signals
                snapshot.signalRejectionRate = signals.total >= 10 ? Double(signals.rejected) / Double(signals.total) : nil
                let (used, spend, limited) = try await database.pool.read { database in
                    (try database.apiUsage.today(), try database.llmCalls.spend(day: Timestamp.day(now)).costUSD,
                     try database.analysisHistory.budgetLimitedCount(since: now.addingTimeInterval(-3_600)))
                }
                for (api, limit) in llm.quotaLimits { snapshot.quota[api] = QuotaUsage(used: used[api] ?? 0, limit: limit) }
                snapshot.llmSpendToday = spend
                snapshot.budgetLimitedRunsLastHour = limited
                if let minutes = alertsFailingMinutes {
                    for (channel, since) in try await database.pool.read({ try $0.alerts.failingSince() }).sorted(by: { $0.key < $1.key })
                    where now.timeIntervalSince(since) > minutes * 60 {
                        alertProblems.append("alerts: the \(channel) channel has been failing since \(Timestamp.format(since))")
                    }
                }
            } catch {
                snapshot.databaseWritable = false
                snapshot.reasons.append("database cannot be read: \(error)")
            }
        }
        // stat() reads metadata only; it opens no descriptor on the WAL.
        var info = stat()
        if stat(directory.databasePath + "-wal", &info) == 0 { snapshot.walBytes = Int64(info.st_size) }
        snapshot.freeDiskBytes = (try? FileSystem.freeBytes(at: directory.path)) ?? 0
        if let newest = Backup.list(in: directory.backupsPath).first(where: { $0.manifest?.kind == .regular }) {
            snapshot.lastBackupFile = newest.file
            snapshot.lastBackupAt = newest.manifest.flatMap { Timestamp.parse($0.createdAt) }
            snapshot.lastBackupAgeSeconds = snapshot.lastBackupAt.map { now.timeIntervalSince($0) }
            snapshot.lastBackupVerified = newest.lastVerification?.isValid
        }
        let scheduler = schedulerState.withLock { $0 }
        snapshot.schedulerTickAgeSeconds = scheduler.tick.map { now.timeIntervalSince($0) }
        snapshot.nextRuns = scheduler.nextRuns
        snapshot.lastJobResults = scheduler.results

        var degraded: [String] = alertProblems
        if let problem = marketDataProblem() { degraded.append(problem) }
        if snapshot.freeDiskBytes < 1 << 30 || snapshot.freeDiskBytes < 2 * snapshot.databaseBytes { degraded.append("low free disk space") }
        if let age = snapshot.lastBackupAgeSeconds {
            if age > 48 * 3600 { degraded.append("newest backup is older than 48 hours") }
        } else if now.timeIntervalSince(startedAt) > 26 * 3600 {
            degraded.append("no backup yet")
        }
        if snapshot.lastBackupVerified == false { degraded.append("newest backup failed verification") }
        if let age = snapshot.schedulerTickAgeSeconds, age > 120 { degraded.append("scheduler has not ticked for \(Int(age)) s") }
        if let rate = snapshot.signalRejectionRate, rate > signalDegradedRejectionRate {
            degraded.append("signals: \(Int(rate * 100))% of webhook requests in the last hour were rejected")
        }
        if let budget = llm.dailyBudget, snapshot.llmSpendToday >= budget {
            degraded.append("llm: today's spend $\(Format.decimal(snapshot.llmSpendToday, 2)) reached the daily budget of $\(Format.decimal(budget, 2)); LLM agents are skipped")
        }
        if snapshot.budgetLimitedRunsLastHour > 0 {
            degraded.append("llm: \(snapshot.budgetLimitedRunsLastHour) analysis run(s) in the last hour stopped at a cost budget")
        }
        for (api, usage) in snapshot.quota.sorted(by: { $0.key < $1.key }) where usage.used >= usage.limit {
            degraded.append("quota: \(api) used \(usage.used) of \(usage.limit) calls today")
        }
        for (job, result) in scheduler.results.sorted(by: { $0.key < $1.key }) where result == JobResult.failed.rawValue {
            degraded.append("last \(job) run failed")
        }
        snapshot.status = !snapshot.databaseWritable ? .unhealthy : (degraded.isEmpty ? .healthy : .degraded)
        snapshot.reasons += degraded
        snapshotState.withLock { $0 = snapshot }
        let status = snapshot.status
        let before = lastStatus.withLock { last -> HealthSnapshot.Status? in
            defer { last = status }
            return last
        }
        if let before, before != status {
            // Coalesced by the sender: a flapping state becomes one message with a count.
            let alert = AlertEvents.health(from: before.rawValue, to: status.rawValue, reasons: snapshot.reasons)
            do {
                try await database.pool.write { _ = try $0.alerts.enqueue(alert) }
            } catch {
                logger.warning("the health change could not be written to the alert outbox", ["error": "\(error)"])
            }
        }
        return snapshot
    }
}
