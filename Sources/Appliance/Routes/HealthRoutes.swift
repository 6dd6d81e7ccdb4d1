import FoundationEssentials
import Storage
import Synchronization

/// `/health` (the original monitor's shape plus components), `/livez` and `/readyz`.
/// All three answer from memory: the health monitor refreshes component state in the background.
enum HealthRoutes {
    struct Body: Encodable {
        struct Database: Encodable { var connected: Bool; var latencyMs: Double }
        struct SchedulerState: Encodable { var running: Bool; var tickAgeSeconds: Double?; var nextRuns: [String: String]; var lastResults: [String: String] }
        struct Components: Encodable {
            var database: ComponentDatabase
            var scheduler: ComponentScheduler
            var backup: ComponentBackup
            var disk: ComponentDisk
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
        var quota: [String: [String: Int]]
        var components: Components
        var reasons: [String]
        var version: String
    }

    static func routes(health: HealthMonitor, ready: ReadinessFlag, clock: any WallClock, startedAt: Date) -> [Route] {
        [
            Route(.get, "/health", .immediate { _ in
                let snapshot = health.snapshot
                let now = clock.now()
                let nextRuns = snapshot.nextRuns.mapValues(Timestamp.format)
                let body = Body(
                    status: snapshot.status.rawValue,
                    timestamp: Timestamp.format(now),
                    uptime: (now.timeIntervalSince(startedAt) * 1000).rounded() / 1000,
                    lastAnalysis: snapshot.lastAnalysisAt.map(Timestamp.format),
                    nextScheduledRun: snapshot.nextRuns.values.min().map(Timestamp.format),
                    database: .init(connected: snapshot.databaseWritable, latencyMs: snapshot.databaseLatencyMilliseconds),
                    scheduler: .init(running: snapshot.schedulerTickAgeSeconds.map { $0 < 120 } ?? false,
                                     tickAgeSeconds: snapshot.schedulerTickAgeSeconds, nextRuns: nextRuns, lastResults: snapshot.lastJobResults),
                    quota: [:],
                    components: .init(
                        database: .init(writable: snapshot.databaseWritable, latencyMs: snapshot.databaseLatencyMilliseconds,
                                        walBytes: snapshot.walBytes, sizeBytes: snapshot.databaseBytes),
                        scheduler: .init(tickAgeSeconds: snapshot.schedulerTickAgeSeconds),
                        backup: .init(lastFile: snapshot.lastBackupFile, lastAt: snapshot.lastBackupAt.map(Timestamp.format),
                                      ageSeconds: snapshot.lastBackupAgeSeconds, verified: snapshot.lastBackupVerified),
                        disk: .init(freeBytes: snapshot.freeDiskBytes)),
                    reasons: snapshot.reasons,
                    version: Version.current)
                return .json(body, status: snapshot.status == .unhealthy ? 503 : 200)
            }),
            Route(.get, "/livez", .immediate { _ in .json(["status": "alive"]) }),
            Route(.get, "/readyz", .immediate { _ in
                ready.isReady ? .json(["status": "ready"]) : .json(["status": "starting"], status: 503)
            }),
        ]
    }
}

/// Set once the database is migrated and every service has started.
public final class ReadinessFlag: Sendable {
    private let value = Atomic<Bool>(false)
    public init() {}
    public var isReady: Bool { value.load(ordering: .acquiring) }
    public func set(_ ready: Bool) { value.store(ready, ordering: .releasing) }
}
