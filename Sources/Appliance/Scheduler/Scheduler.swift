import FoundationEssentials
import Storage
import Support

/// Runs jobs in-process on their schedules and records every run in `job_runs`.
///
/// Contract: a job never runs twice at once; runs left `running` by a dead process are marked
/// `interrupted` at start; a daily slot missed while the process was down gets exactly one
/// catch-up run at start; an interval job whose last run is more than one interval old runs at
/// start, and one that runs at start does so unless its last run finished (not failed or
/// interrupted) less than one interval ago. Time comes from the injected clock: `tick()` runs what is due at `clock.now()`, so tests
/// drive it without sleeping.
public actor Scheduler {
    private let database: AppDatabase
    private let clock: any WallClock
    private let logger: Logger
    private let metrics: Metrics
    private let health: HealthMonitor?
    private var jobs: [String: Job] = [:]
    private var nextRun: [String: Date] = [:]
    private var running: Set<String> = []
    private var lastResults: [String: String] = [:]
    private var inFlight: [String: Task<Void, Never>] = [:]
    /// Failed runs in a row, by job: an interval job that failed is retried sooner, with backoff.
    private var consecutiveFailures: [String: Int] = [:]
    /// The first retry of a failed interval job comes after this many seconds, doubling up to the job's interval.
    public static let firstRetrySeconds = 60.0

    public init(database: AppDatabase, clock: any WallClock, logger: Logger, metrics: Metrics, health: HealthMonitor?) {
        self.database = database
        self.clock = clock
        self.logger = logger
        self.metrics = metrics
        self.health = health
    }

    /// Adds jobs and computes their first run from the recorded history.
    public func prepare(_ newJobs: [Job]) async throws {
        let interrupted = try await database.pool.write { try $0.jobRuns.markInterrupted() }
        if interrupted > 0 { logger.notice("marked job runs interrupted by the last shutdown", ["count": String(interrupted)]) }
        let now = clock.now()
        for job in newJobs {
            jobs[job.name] = job
            let name = job.name
            let last = try await database.pool.read { try $0.jobRuns.latest(job: name) }
            lastResults[name] = last?.result.rawValue
            switch job.schedule {
            case .interval(let seconds, let runAtStart):
                if runAtStart, let last, [.success, .skipped].contains(last.result), now.timeIntervalSince(last.startedAt) < seconds {
                    // A restart soon after a finished run does not run it again (a crash loop would repeat the work).
                    nextRun[name] = last.startedAt.addingTimeInterval(seconds)
                } else if runAtStart {
                    nextRun[name] = now
                } else if let last, now.timeIntervalSince(last.startedAt) >= seconds {
                    nextRun[name] = now
                } else {
                    nextRun[name] = (last?.startedAt ?? now).addingTimeInterval(seconds)
                }
            case .dailyAt:
                let previous = job.schedule.previousSlot(atOrBefore: now)!
                if let last, last.startedAt < previous {
                    logger.notice("catching up a missed run", ["job": name, "slot": Timestamp.format(previous)])
                    nextRun[name] = now
                } else {
                    nextRun[name] = job.schedule.nextSlot(after: now)
                }
            }
        }
        reportToHealth()
    }

    /// Starts every job that is due and not already running. Returns the names started.
    @discardableResult
    public func tick() -> [String] {
        let now = clock.now()
        var started: [String] = []
        for (name, due) in nextRun.sorted(by: { $0.key < $1.key }) where due <= now && !running.contains(name) {
            guard let job = jobs[name] else { continue }
            running.insert(name)
            nextRun[name] = job.schedule.nextSlot(after: now)
            started.append(name)
            inFlight[name] = Task { await self.execute(job, slot: due) }
        }
        reportToHealth()
        return started
    }

    /// Runs `name` now unless it is already running; returns false when it was.
    public func runNow(_ name: String) -> Bool {
        guard let job = jobs[name], !running.contains(name) else { return false }
        running.insert(name)
        inFlight[name] = Task { await self.execute(job, slot: nil) }
        return true
    }

    /// Waits for every run in progress to finish.
    public func waitForRunningJobs() async {
        while let (name, task) = inFlight.first {
            await task.value
            if inFlight[name] == task { inFlight[name] = nil }
        }
    }

    /// Cancels every run in progress; returns their names. A cancelled run is recorded `interrupted`.
    @discardableResult
    public func cancelRunningJobs() -> [String] {
        inFlight.values.forEach { $0.cancel() }
        return running.sorted()
    }

    /// When each job runs next.
    public func nextRuns() -> [String: Date] { nextRun }

    private func execute(_ job: Job, slot: Date?) async {
        let name = job.name
        var runID: Int64?
        do {
            runID = try await database.pool.write { try $0.jobRuns.start(job: name, scheduledFor: slot) }
        } catch {
            logger.error("cannot record job start", ["job": name, "error": "\(error)"])
        }
        let start = MonotonicInstant.now()
        var result = JobResult.success
        var message: String?
        do {
            if case .skipped(let reason) = try await job.work() {
                result = .skipped
                message = reason
            }
        } catch is CancellationError {
            result = .interrupted
            message = "cancelled at the shutdown deadline"
        } catch {
            result = .failed
            message = "\(error)"
        }
        if Task.isCancelled, result != .interrupted {
            result = .interrupted
            message = "cancelled at the shutdown deadline"
        }
        if let runID {
            let finalResult = result
            let finalMessage = message
            do {
                try await database.pool.write { try $0.jobRuns.finish(id: runID, result: finalResult, error: finalMessage) }
            } catch {
                logger.error("cannot record job result", ["job": name, "error": "\(error)"])
            }
        }
        metrics.jobFinished(name, result: result)
        let fields: LogFields = ["job": name, "result": result.rawValue, "seconds": format3(start.secondsElapsed())]
        // A job's working set (market data, the graph's state) is garbage once it ends.
        ProcessMemory.releaseFreedPages()
        if result == .failed { logger.warning("job failed: \(message ?? "")", fields) } else { logger.info("job finished", fields) }
        finished(name, result: result)
    }

    private func finished(_ name: String, result: JobResult) {
        if result == .failed, let job = jobs[name], case .interval(let seconds, _) = job.schedule {
            // Retry with backoff (60 s, 120 s, … up to the interval) instead of waiting a whole interval.
            let failures = consecutiveFailures[name, default: 0] + 1
            consecutiveFailures[name] = failures
            let wait = min(seconds, Self.firstRetrySeconds * Double(1 << min(failures - 1, 16)))
            let retry = clock.now().addingTimeInterval(wait)
            if let next = nextRun[name], retry < next { nextRun[name] = retry }
        } else if result != .failed {
            consecutiveFailures[name] = nil
        }
        running.remove(name)
        inFlight[name] = nil
        lastResults[name] = result.rawValue
        reportToHealth()
    }

    private func reportToHealth() {
        health?.schedulerTicked(at: clock.now(), nextRuns: nextRun, lastResults: lastResults)
    }

    private func format3(_ value: Double) -> Double { (value * 1000).rounded() / 1000 }
}
