import FoundationEssentials
import Glibc
import HTTPServer
import Pipeline
import Storage
import Support
import Synchronization

/// The running appliance: database, health monitor, scheduler and HTTP server as services started
/// in that order and stopped in reverse, with systemd notification.
final class ApplianceRuntime: Sendable {
    let configuration: Configuration
    let logger: Logger
    let clock: any WallClock
    let startedAt: Date
    let metrics = Metrics()
    let ready = ReadinessFlag()
    private let state = Mutex<(database: AppDatabase?, health: HealthMonitor?, scheduler: Scheduler?, server: HTTPServer?, port: Int?,
                               analysis: AnalysisServices?)>((nil, nil, nil, nil, nil, nil))
    private let loops = Mutex<[Task<Void, Never>]>([])
    private let resumer = InterruptedRunResumer()
    let signalLatency = LatencyRecorder()

    init(configuration: Configuration, logger: Logger, clock: any WallClock = SystemWallClock()) {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.startedAt = clock.now()
    }

    /// The bound HTTP port once started.
    var port: Int? { state.withLock { $0.port } }

    /// Starts every service in order; on failure stops what started and throws.
    func start() async throws -> ServiceGroup {
        let group = ServiceGroup(services: [
            ClosureService(name: "database", start: { [self] in
                let database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration, clock: clock)
                let health = HealthMonitor(database: database, clock: clock, startedAt: startedAt,
                                           signalDegradedRejectionRate: configuration.signalDegradedRejectionRate,
                                           llm: LLMHealthPolicy(quotaLimits: configuration.llm.dailyQuotas.filter { configuration.llm.quotaAPIs.contains($0.key) },
                                                                dailyBudget: configuration.llm.maxCostPerDay))
                let analysis = try AnalysisServices(configuration: configuration, database: database, logger: logger)
                state.withLock { $0.database = database; $0.health = health; $0.analysis = analysis }
            }, stop: { [self] _ in
                state.withLock { $0.database }?.close()
            }),
            ClosureService(name: "health", start: { [self] in
                let health = state.withLock { $0.health }!
                await health.refresh()
                addLoop(every: 5) { await health.refresh() }
            }, stop: { _ in }),
            ClosureService(name: "scheduler", start: { [self] in
                let (database, health, analysis) = state.withLock { ($0.database!, $0.health!, $0.analysis!) }
                let scheduler = Scheduler(database: database, clock: clock, logger: logger, metrics: metrics, health: health)
                try await scheduler.prepare(MarketJobs.all(analysis: analysis, configuration: configuration, logger: logger) + [
                    MaintenanceJobs.backup(database: database, configuration: configuration, logger: logger),
                    MaintenanceJobs.walMaintenance(database: database, configuration: configuration, logger: logger),
                    MaintenanceJobs.checkpointRetention(database: database, configuration: configuration, logger: logger),
                ])
                state.withLock { $0.scheduler = scheduler }
                addLoop(every: 1) { await scheduler.tick() }
            }, stop: { [self] deadline in
                cancelLoops()
                guard let scheduler = state.withLock({ $0.scheduler }) else { return }
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await scheduler.waitForRunningJobs() }
                    group.addTask { try? await Task.sleep(nanoseconds: UInt64(secondsUntil(deadline) * 1e9)) }
                    await group.next()
                    group.cancelAll()
                }
            }),
            ClosureService(name: "graphs", start: { [self] in
                guard configuration.resumeInterruptedRuns else { return }
                let (database, analysis) = state.withLock { ($0.database!, $0.analysis!) }
                let started = try await resumer.resumeAll(database: database, catalog: GraphCatalog.serve(analysis: analysis), logger: logger)
                if started > 0 { logger.info("resuming interrupted runs", ["runs": String(started)]) }
            }, stop: { [self] deadline in
                await resumer.stop(within: secondsUntil(deadline))
            }),
            ClosureService(name: "http", start: { [self] in
                let (database, health, analysis) = state.withLock { ($0.database!, $0.health!, $0.analysis!) }
                var serverConfiguration = HTTPServerConfiguration()
                serverConfiguration.bindAddress = configuration.bindAddress
                serverConfiguration.port = configuration.port
                serverConfiguration.limits.maxBodyBytes = configuration.maxBodyBytes
                serverConfiguration.maxConnections = configuration.maxConnections
                serverConfiguration.threads = configuration.httpThreads > 0 ? configuration.httpThreads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
                let router = Router(
                    HealthRoutes.routes(health: health, ready: ready, clock: clock, startedAt: startedAt)
                    + MetricsRoutes.routes(metrics: metrics, database: database, health: health, clock: clock, startedAt: startedAt)
                    + APIRoutes.routes(database: database)
                    + AdminRoutes.routes(database: database, analysis: analysis, configuration: configuration, logger: logger)
                    + WebhookRoutes.routes(intake: SignalIntake(pool: database.pool, settings: configuration.signalIntake, clock: clock),
                                           database: database, latency: signalLatency, logger: logger))
                let server = HTTPServer(configuration: serverConfiguration, router: router, observer: metrics, logger: logger)
                let port = try server.start()
                state.withLock { $0.server = server; $0.port = port }
            }, stop: { [self] deadline in
                ready.set(false)
                await state.withLock { $0.server }?.shutdown(deadline: secondsUntil(deadline))
            }),
        ], logger: logger)
        try await group.start()
        ready.set(true)
        return group
    }

    private func addLoop(every seconds: Double, _ body: @escaping @Sendable () async -> Void) {
        let task = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                if Task.isCancelled { break }
                await body()
            }
        }
        loops.withLock { $0.append(task) }
    }

    private func cancelLoops() {
        loops.withLock { loops in
            loops.forEach { $0.cancel() }
            loops.removeAll()
        }
    }

    /// Sends WATCHDOG=1 at half the configured interval while the database answers a read.
    func startWatchdog(_ notifier: SystemdNotifier) {
        guard let interval = notifier.watchdogInterval, let database = state.withLock({ $0.database }) else { return }
        addLoop(every: interval / 2) {
            if (try? await database.pool.read({ try $0.scalar("SELECT 1", as: Int.self) })) != nil {
                notifier.notify("WATCHDOG=1")
            }
        }
    }
}

/// A service made of two closures.
struct ClosureService: Service {
    let name: String
    let start: @Sendable () async throws -> Void
    let stop: @Sendable (UInt64) async -> Void

    func start() async throws { try await start() }
    func stop(deadline: UInt64) async { await stop(deadline) }
}
