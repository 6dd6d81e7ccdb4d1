import FoundationEssentials
import HTTPServer
import Storage
import Support
import Synchronization

/// `/health` (the original monitor's shape plus components), `/livez` and `/readyz`.
/// All three answer from memory: the health monitor refreshes component state in the background.
enum HealthRoutes {
    struct Body: Encodable {
        struct Database: Encodable { var connected: Bool; var latencyMs: Double }
        struct SchedulerState: Encodable { var running: Bool; var tickAgeSeconds: Double?; var jobs: [String: Job] }
        /// One scheduled job: when it runs next and how its last run ended.
        struct Job: Encodable { var nextRun: String?; var lastResult: String? }
        struct Components: Encodable {
            var database: ComponentDatabase
            var scheduler: ComponentScheduler
            var backup: ComponentBackup
            var disk: ComponentDisk
            var signals: ComponentSignals
            var llm: ComponentLLM
        }
        struct ComponentLLM: Encodable {
            var status: String
            var spendTodayUsd: Double
            var budgetLimitedRunsLastHour: Int
        }
        struct ComponentSignals: Encodable {
            var status: String
            var lastHour: SignalCounts
            var rejectionRate: Double?
        }
        struct ComponentDatabase: Encodable { var writable: Bool; var latencyMs: Double; var walBytes: Int64; var sizeBytes: Int64 }
        struct ComponentScheduler: Encodable { var tickAgeSeconds: Double? }
        struct ComponentBackup: Encodable { var lastFile: String?; var lastAt: String?; var ageSeconds: Double?; var verified: Bool? }
        struct ComponentDisk: Encodable { var freeBytes: Int64 }

        var status: String
        var timestamp: String
        var uptime: Double
        var lastAnalysis: String?
        var nextScheduledRun: String?
        var database: Database
        var scheduler: SchedulerState
        var quota: [String: QuotaUsage]
        var components: Components
        var reasons: [String]
        var version: String

        enum CodingKeys: String, CodingKey {
            case status, timestamp, uptime, lastAnalysis, nextScheduledRun, database, scheduler, quota, components, reasons, version
        }

        /// Like the original monitor, `lastAnalysis` and `nextScheduledRun` are present as null when unknown.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(status, forKey: .status)
            try container.encode(timestamp, forKey: .timestamp)
            try container.encode(uptime, forKey: .uptime)
            try container.encode(lastAnalysis, forKey: .lastAnalysis)
            try container.encode(nextScheduledRun, forKey: .nextScheduledRun)
            try container.encode(database, forKey: .database)
            try container.encode(scheduler, forKey: .scheduler)
            try container.encode(quota, forKey: .quota)
            try container.encode(components, forKey: .components)
            try container.encode(reasons, forKey: .reasons)
            try container.encode(version, forKey: .version)
        }
    }

    /// `/health` is rendered at most every `renderInterval` seconds and served from memory in
    /// between, so a load balancer or a flood of probes costs almost nothing; `timestamp` and
    /// `uptime` are then at most that old.
    static let renderInterval: UInt64 = 100_000_000

    static func routes(health: HealthMonitor, ready: ReadinessFlag, clock: any WallClock, startedAt: Date) -> [Route] {
        let cache = Mutex<(renderedAt: UInt64, response: HTTPResponse?)>((0, nil))
        return [
            Route(.get, "/health", .immediate { _ in
                let now = MonotonicInstant.now().nanoseconds
                if let cached = cache.withLock({ now &- $0.renderedAt < renderInterval ? $0.response : nil }) { return cached }
                let response = render(health: health, clock: clock, startedAt: startedAt)
                cache.withLock { $0 = (now, response) }
                return response
            }),
            Route(.get, "/livez", .immediate { _ in .json(["status": "alive"]) }),
            Route(.get, "/readyz", .immediate { _ in
                ready.isReady ? .json(["status": "ready"]) : .json(["status": "starting"], status: 503)
            }),
        ]
    }

    static func render(health: HealthMonitor, clock: any WallClock, startedAt: Date) -> HTTPResponse {
                let snapshot = health.snapshot
                let now = clock.now()
                var jobs: [String: Body.Job] = [:]
                for name in Set(snapshot.nextRuns.keys).union(snapshot.lastJobResults.keys) {
                    jobs[name] = Body.Job(nextRun: snapshot.nextRuns[name].map(Timestamp.format), lastResult: snapshot.lastJobResults[name])
                }
                let body = Body(
                    status: snapshot.status.rawValue,
                    timestamp: Timestamp.format(now),
                    uptime: (now.timeIntervalSince(startedAt) * 1000).rounded() / 1000,
                    lastAnalysis: snapshot.lastAnalysisAt.map(Timestamp.format),
                    // As in the original monitor: the next analysis cycle (other jobs are under scheduler.jobs).
                    nextScheduledRun: snapshot.nextRuns[MarketJobs.cycleName].map(Timestamp.format),
                    database: .init(connected: snapshot.databaseWritable, latencyMs: snapshot.databaseLatencyMilliseconds),
                    scheduler: .init(running: snapshot.schedulerTickAgeSeconds.map { $0 < 120 } ?? false,
                                     tickAgeSeconds: snapshot.schedulerTickAgeSeconds, jobs: jobs),
                    quota: snapshot.quota,
                    components: .init(
                        database: .init(writable: snapshot.databaseWritable, latencyMs: snapshot.databaseLatencyMilliseconds,
                                        walBytes: snapshot.walBytes, sizeBytes: snapshot.databaseBytes),
                        scheduler: .init(tickAgeSeconds: snapshot.schedulerTickAgeSeconds),
                        backup: .init(lastFile: snapshot.lastBackupFile, lastAt: snapshot.lastBackupAt.map(Timestamp.format),
                                      ageSeconds: snapshot.lastBackupAgeSeconds, verified: snapshot.lastBackupVerified),
                        disk: .init(freeBytes: snapshot.freeDiskBytes),
                        signals: .init(status: snapshot.reasons.contains { $0.hasPrefix("signals:") } ? "degraded" : "healthy",
                                       lastHour: snapshot.signalsLastHour, rejectionRate: snapshot.signalRejectionRate),
                        llm: .init(status: snapshot.reasons.contains { $0.hasPrefix("llm:") || $0.hasPrefix("quota:") } ? "degraded" : "healthy",
                                   spendTodayUsd: snapshot.llmSpendToday, budgetLimitedRunsLastHour: snapshot.budgetLimitedRunsLastHour)),
                    reasons: snapshot.reasons,
                    version: Version.current)
                return .json(body, status: snapshot.status == .unhealthy ? 503 : 200)
    }
}

/// Set once the database is migrated and every service has started.
public final class ReadinessFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public var isReady: Bool { value.load(ordering: .acquiring) }
    public func set(_ ready: Bool) { value.store(ready, ordering: .releasing) }
}
