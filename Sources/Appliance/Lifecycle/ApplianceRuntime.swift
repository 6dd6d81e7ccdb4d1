import FoundationEssentials
import Glibc
import HTTPServer
import Pipeline
import Storage
import Support

/// The running appliance: the database and what is built on it, as services started in order
/// (database, health, scheduler, resumed runs, HTTP, watchdog) and stopped in reverse.
///
/// `prepare` opens the database and builds every part with concrete references (no optionals to
/// fill in later); a failure there closes what was opened. The returned group starts, runs and
/// stops them; see `ServiceGroup`.
final class ApplianceRuntime: Sendable {
    let configuration: Configuration
    let logger: Logger
    let clock: any WallClock
    let startedAt: Date
    let metrics = Metrics()
    let ready = ReadinessFlag()
    /// Raised when a stop signal arrives: no new analysis, model call or job starts after it.
    let stop = StopRequest()
    let signalLatency = LatencyRecorder()

    init(configuration: Configuration, logger: Logger, clock: any WallClock = SystemWallClock()) {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        self.startedAt = clock.now()
    }

    /// The parts of a running appliance, built once the database is open.
    struct Parts: Sendable {
        let database: AppDatabase
        let health: HealthMonitor
        let analysis: AnalysisServices
        let scheduler: Scheduler
        let server: HTTPServer
    }

    /// Opens the database and builds every part; throws (with the database closed again) when a
    /// part cannot be built.
    func prepare() async throws -> Parts {
        let database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration, clock: clock)
        do {
            let llm = configuration.llm
            let analysis = try AnalysisServices(configuration: configuration, database: database, logger: logger, stop: stop)
            let selector = analysis.selector
            let health = HealthMonitor(database: database, clock: clock, startedAt: startedAt,
                                       signalDegradedRejectionRate: configuration.signalDegradedRejectionRate,
                                       llm: LLMHealthPolicy(quotaLimits: llm.dailyQuotas.filter { llm.quotaAPIs.contains($0.key) },
                                                            dailyBudget: llm.maxCostPerDay),
                                       logger: logger.with(["component": "health"]),
                                       marketDataProblem: {
                                           selector.unreachable.map { "polymarket: unreachable since \(Timestamp.format($0.since)) (\($0.detail)); nothing is analysed or written until it answers" }
                                       },
                                       alertsFailingMinutes: configuration.alerts.isEnabled ? configuration.alerts.failingMinutes : nil)
            let scheduler = Scheduler(database: database, clock: clock, logger: logger, metrics: metrics, health: health)
            let server = HTTPServer(configuration: serverConfiguration(), router: router(database: database, health: health, analysis: analysis),
                                    observer: metrics, logger: logger.with(["component": "http"]))
            return Parts(database: database, health: health, analysis: analysis, scheduler: scheduler, server: server)
        } catch {
            database.close()
            throw error
        }
    }

    /// The services of `parts`, in start order; the watchdog joins when systemd asks for one.
    func services(_ parts: Parts, notifier: SystemdNotifier) -> [any Service] {
        var services: [any Service] = [
            DatabaseService(database: parts.database),
            HealthService(health: parts.health),
            SchedulerService(scheduler: parts.scheduler, logger: logger, jobs: MarketJobs.all(analysis: parts.analysis, configuration: configuration, logger: logger) + [
                MaintenanceJobs.backup(database: parts.database, configuration: configuration, logger: logger),
                MaintenanceJobs.walMaintenance(database: parts.database, configuration: configuration, logger: logger),
                MaintenanceJobs.checkpointRetention(database: parts.database, configuration: configuration, logger: logger),
                MaintenanceJobs.chartSnapshots(database: parts.database, configuration: configuration, logger: logger),
                MaintenanceJobs.digest(database: parts.database, configuration: configuration, logger: logger),
            ]),
            ResumeService(enabled: configuration.resumeInterruptedRuns, database: parts.database,
                          catalog: GraphCatalog.serve(analysis: parts.analysis), logger: logger, stop: stop),
            HTTPService(server: parts.server, ready: ready),
            AlertService(sender: AlertSender.make(configuration: configuration, pool: parts.database.pool, clock: clock,
                                                  logger: logger.with(["component": "alerts"])),
                         enabled: configuration.alerts.isEnabled, logger: logger.with(["component": "alerts"]), stop: stop),
        ]
        if let interval = notifier.watchdogInterval {
            services.append(WatchdogService(database: parts.database, notifier: notifier, interval: interval))
        }
        return services
    }

    private func serverConfiguration() -> HTTPServerConfiguration {
        var server = HTTPServerConfiguration()
        server.bindAddress = configuration.bindAddress
        server.port = configuration.port
        server.limits.maxBodyBytes = configuration.maxBodyBytes
        server.maxConnections = configuration.maxConnections
        server.maxConnectionsPerPeer = configuration.maxConnectionsPerPeer
        server.maxBufferedBodyBytes = configuration.maxBodyBudgetBytes
        server.threads = configuration.httpThreads > 0 ? configuration.httpThreads : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        return server
    }

    private func router(database: AppDatabase, health: HealthMonitor, analysis: AnalysisServices) -> Router {
        let routes = HealthRoutes.routes(health: health, ready: ready, clock: clock, startedAt: startedAt)
            + MetricsRoutes.routes(metrics: metrics, database: database, health: health, clock: clock, startedAt: startedAt)
            + APIRoutes.routes(database: database)
            + TrackRecordRoutes.routes(database: database, configuration: configuration)
            + AdminRoutes.routes(database: database, analysis: analysis, configuration: configuration, logger: logger)
            + DashboardRoutes.routes(database: database, health: health, metrics: metrics, analysis: analysis, configuration: configuration, clock: clock, logger: logger)
            + WebhookRoutes.routes(intake: SignalIntake(pool: database.pool, settings: configuration.signalIntake, clock: clock,
                                                              logger: logger.with(["component": "signals"])),
                                   senders: SenderAllowlist(allowed: configuration.webhookAllowedSenders, trustedProxies: configuration.trustedProxies),
                                   database: database, latency: signalLatency, logger: logger)
        // Request logging wraps the routes that await (the immediate probes stay on the loop).
        return Router(routes.map { route in
            if case .task = route.handler { return route.behind([RequestLogging(logger: logger)]) }
            return route
        })
    }
}
