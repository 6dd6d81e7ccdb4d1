import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// The database: open before the group starts; closed (WAL checkpointed) last.
struct DatabaseService: Service {
    let name = "database"
    let database: AppDatabase
    func start() async throws {}
    func stop(deadline: UInt64) async { database.close() }
}

/// Refreshes the health snapshot every 5 s (the probes answer from it).
struct HealthService: Service {
    let name = "health"
    let health: HealthMonitor
    func start() async throws { _ = await health.refresh() }
    func run() async throws { await repeatUntilCancelled(every: 5) { _ = await health.refresh() } }
    func stop(deadline: UInt64) async {}
}

/// The scheduler: its jobs prepared at start, a tick every second, running jobs awaited on stop.
struct SchedulerService: Service {
    let name = "scheduler"
    let scheduler: Scheduler
    let logger: Logger
    let jobs: [Job]
    /// Set by `stop`: no new job starts after it, even before the tick loop is cancelled.
    private let stopping = AtomicFlag()

    init(scheduler: Scheduler, logger: Logger, jobs: [Job]) {
        self.logger = logger
        self.scheduler = scheduler
        self.jobs = jobs
    }

    func start() async throws { try await scheduler.prepare(jobs) }

    func run() async throws {
        await repeatUntilCancelled(every: 1) { if !stopping.isSet { _ = await scheduler.tick() } }
    }

    func stop(deadline: UInt64) async {
        stopping.set(true)
        let scheduler = scheduler
        if await finishes(within: secondsUntil(deadline), { await scheduler.waitForRunningJobs() }) { return }
        // The deadline: cancel what still runs (an analysis keeps its checkpoints and resumes at the next start).
        let running = await scheduler.cancelRunningJobs()
        logger.warning("shutdown deadline reached: running jobs cancelled", ["jobs": running.joined(separator: ",")])
        _ = await finishes(within: cancellationGraceSeconds) { await scheduler.waitForRunningJobs() }
    }
}

/// How long a service waits for cancelled work to unwind (write its last checkpoint) after the
/// shutdown deadline before it returns anyway; two such waits keep the exit within deadline + 1 s.
let cancellationGraceSeconds = 0.3

/// Resumes the runs a crash interrupted (when enabled), in the background.
struct ResumeService: Service {
    let name = "graphs"
    let enabled: Bool
    let database: AppDatabase
    let catalog: GraphCatalog
    let logger: Logger
    let stop: StopRequest
    private let resumer = InterruptedRunResumer()

    init(enabled: Bool, database: AppDatabase, catalog: GraphCatalog, logger: Logger, stop: StopRequest) {
        self.stop = stop
        self.enabled = enabled
        self.database = database
        self.catalog = catalog
        self.logger = logger
    }

    func start() async throws {
        guard enabled, !stop.isRaised else { return }
        let started = try await resumer.resumeAll(database: database, catalog: catalog, logger: logger)
        if started > 0 { logger.info("resuming interrupted runs", ["runs": started]) }
    }

    func stop(deadline: UInt64) async { await resumer.stop(within: secondsUntil(deadline)) }
}

/// The HTTP server: bound at start, ready once bound; `run` ends with an error if an event loop dies.
struct HTTPService: Service {
    let name = "http"
    let server: HTTPServer
    let ready: ReadinessFlag

    func start() async throws {
        _ = try server.start()
        ready.set(true)
    }

    func run() async throws { try await server.run() }

    func stop(deadline: UInt64) async {
        ready.set(false)
        await server.shutdown(deadline: secondsUntil(deadline))
    }
}

/// Sends WATCHDOG=1 to systemd at half the configured interval while the database answers a read.
struct WatchdogService: Service {
    let name = "watchdog"
    let database: AppDatabase
    let notifier: SystemdNotifier
    let interval: Double
    func start() async throws {}
    func run() async throws {
        await repeatUntilCancelled(every: interval / 2) {
            if (try? await database.pool.read({ try $0.scalar("SELECT 1", as: Int.self) })) != nil {
                notifier.notify("WATCHDOG=1")
            }
        }
    }
    func stop(deadline: UInt64) async {}
}
