import FoundationEssentials
import Pipeline
@testable import Appliance
import Storage
import Support
import TestSupport
import Synchronization
import XCTest

final class SchedulerTests: XCTestCase {
    var directory = ""
    var database: AppDatabase!
    // 2026-11-21T10:00:00Z
    let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_255_200))

    override func setUp() async throws {
        directory = try makeTemporaryDirectory()
        database = try await AppDatabase.open(DataDirectory(path: directory), clock: clock)
    }

    override func tearDown() {
        database.close()
        _ = try? FileManager.default.removeItem(atPath: directory)
    }

    func makeScheduler() -> Scheduler {
        Scheduler(database: database, clock: clock, logger: Logger(level: .critical, sink: .memory()), metrics: Metrics(), health: nil)
    }

    func testDailyJobRunsAtItsSlotAndRecordsTheRun() async throws {
        let runs = Counter()
        let scheduler = makeScheduler()
        try await scheduler.prepare([Job(name: "daily", schedule: .dailyAt(minuteOfDay: 11 * 60)) { runs.increment(); return .success }])
        let first = await scheduler.tick()
        XCTAssertEqual(first, [])
        let next = await scheduler.nextRuns()["daily"]
        XCTAssertEqual(next.map(Timestamp.format), "2026-11-21T11:00:00.000Z")
        clock.advance(by: 3600)
        let second = await scheduler.tick()
        XCTAssertEqual(second, ["daily"])
        await scheduler.waitForRunningJobs()
        XCTAssertEqual(runs.value, 1)
        let recorded = try await database.pool.read { try $0.jobRuns.latest(job: "daily") }
        XCTAssertEqual(recorded?.result, .success)
        XCTAssertEqual(recorded?.scheduledFor.map(Timestamp.format), "2026-11-21T11:00:00.000Z")
        let after = await scheduler.nextRuns()["daily"]
        XCTAssertEqual(after.map(Timestamp.format), "2026-11-22T11:00:00.000Z")
    }

    func testASlotMissedWhileDownGetsExactlyOneCatchUpRun() async throws {
        let runs = Counter()
        let job = Job(name: "daily", schedule: .dailyAt(minuteOfDay: 2 * 60)) { runs.increment(); return .success }
        // A run recorded three days ago: three slots were missed while the process was down.
        clock.advance(by: -3 * 86_400)
        _ = try await database.pool.write { try $0.jobRuns.start(job: "daily", scheduledFor: nil) }
        clock.advance(by: 3 * 86_400)
        let scheduler = makeScheduler()
        try await scheduler.prepare([job])
        let started = await scheduler.tick()
        XCTAssertEqual(started, ["daily"])
        await scheduler.waitForRunningJobs()
        let again = await scheduler.tick()
        XCTAssertEqual(again, [])
        XCTAssertEqual(runs.value, 1)
        let interrupted = try await database.pool.read { try $0.jobRuns.list(job: "daily") }
        XCTAssertEqual(interrupted.map(\.result), [.success, .interrupted])
    }

    func testAStartUpJobDoesNotRunAgainWhenItsLastRunFinishedWithinTheInterval() async throws {
        let job = Job(name: "cycle", schedule: .interval(seconds: 24 * 3_600, runAtStart: true)) { .success }
        clock.advance(by: -3_600)
        let id = try await database.pool.write { try $0.jobRuns.start(job: "cycle", scheduledFor: nil) }
        try await database.pool.write { try $0.jobRuns.finish(id: id, result: .success, error: nil) }
        clock.advance(by: 3_600)
        let restarted = makeScheduler()
        try await restarted.prepare([job])
        let started = await restarted.tick()
        XCTAssertEqual(started, [], "a restart an hour after a finished cycle does not repeat it")
        let next = await restarted.nextRuns()["cycle"]
        XCTAssertEqual(next.map(Timestamp.format), "2026-11-22T09:00:00.000Z", "it runs one interval after the last start")

        // A run left unfinished by a crash does run again at start.
        _ = try await database.pool.write { try $0.jobRuns.start(job: "cycle", scheduledFor: nil) }
        let afterCrash = makeScheduler()
        try await afterCrash.prepare([job])
        let rerun = await afterCrash.tick()
        XCTAssertEqual(rerun, ["cycle"])
        await afterCrash.waitForRunningJobs()
    }

    func testAFailingIntervalJobIsRetriedWithBackoffInsteadOfAWholeIntervalLater() async throws {
        struct Unreachable: Error {}
        let fail = AtomicFlag(true)
        let scheduler = makeScheduler()
        try await scheduler.prepare([Job(name: "cycle", schedule: .interval(seconds: 24 * 3_600, runAtStart: true)) {
            if fail.isSet { throw Unreachable() }
            return .success
        }])
        var waits: [Double] = []
        for _ in 0..<3 {
            let started = await scheduler.tick()
            XCTAssertEqual(started, ["cycle"])
            await scheduler.waitForRunningJobs()
            let runs = await scheduler.nextRuns()
            let next = try XCTUnwrap(runs["cycle"])
            waits.append(next.timeIntervalSince(clock.now()))
            clock.set(next)
        }
        XCTAssertEqual(waits, [60, 120, 240], "retries back off from 60 s")
        fail.set(false)
        _ = await scheduler.tick()
        await scheduler.waitForRunningJobs()
        let runs = await scheduler.nextRuns()
        let next = try XCTUnwrap(runs["cycle"])
        XCTAssertEqual(next.timeIntervalSince(clock.now()), 24 * 3_600, "after a success the interval applies again")
    }

    func testAJobNeverRunsTwiceAtOnce() async throws {
        let gate = Gate()
        let runs = Counter()
        let scheduler = makeScheduler()
        try await scheduler.prepare([Job(name: "slow", schedule: .interval(seconds: 60, runAtStart: true)) {
            runs.increment()
            await gate.wait()
            return .success
        }])
        let first = await scheduler.tick()
        XCTAssertEqual(first, ["slow"])
        clock.advance(by: 120)
        let second = await scheduler.tick()
        XCTAssertEqual(second, [], "the previous run is still going")
        let manual = await scheduler.runNow("slow")
        XCTAssertFalse(manual)
        await gate.open()
        await scheduler.waitForRunningJobs()
        XCTAssertEqual(runs.value, 1)
    }

    func testAFailingJobIsRecordedWithItsError() async throws {
        let scheduler = makeScheduler()
        try await scheduler.prepare([Job(name: "broken", schedule: .interval(seconds: 60, runAtStart: true)) {
            throw StorageError(.io, "disk on fire")
        }])
        await scheduler.tick()
        await scheduler.waitForRunningJobs()
        let run = try await database.pool.read { try $0.jobRuns.latest(job: "broken") }
        XCTAssertEqual(run?.result, .failed)
        XCTAssertEqual(run?.error, "disk on fire")
    }

    func testTheBackupJobWritesAVerifiedBackupAndAppliesRetention() async throws {
        var configuration = try XCTUnwrap(ConfigurationLoader.load(environment: ["TRADEWIZARD_ENV_FILE": "/dev/null"], flags: [:]).configuration)
        configuration.backupKeepDaily = 1
        configuration.backupKeepWeekly = 0
        let job = MaintenanceJobs.backup(database: database, configuration: configuration, logger: Logger(level: .critical, sink: .memory()))
        _ = try await job.work()
        clock.advance(by: 86_400)
        _ = try await job.work()
        let backups = Backup.list(in: database.directory.backupsPath)
        XCTAssertEqual(backups.count, 1)
        XCTAssertEqual(backups.first?.lastVerification?.isValid, true)
    }

    func testDailyScheduleSlotsAreComputedInUTC() {
        let schedule = Schedule.dailyAt(minuteOfDay: 2 * 60)
        let now = Date(timeIntervalSince1970: 1_795_255_200) // 10:00Z
        XCTAssertEqual(Timestamp.format(schedule.previousSlot(atOrBefore: now)!), "2026-11-21T02:00:00.000Z")
        XCTAssertEqual(Timestamp.format(schedule.nextSlot(after: now)), "2026-11-22T02:00:00.000Z")
        let exactly = Timestamp.parse("2026-11-21T02:00:00Z")!
        XCTAssertEqual(Timestamp.format(schedule.nextSlot(after: exactly)), "2026-11-22T02:00:00.000Z")
    }

    func testADailySlotInAZoneStaysAtItsLocalTimeAcrossDaylightSaving() throws {
        let schedule = Schedule.dailyAt(minuteOfDay: 7 * 60, zone: try XCTUnwrap(SessionTimeZone("America/New_York")))
        func at(_ text: String) -> Date { Timestamp.parse(text)! }
        // Summer (EDT, UTC−4): 07:00 local is 11:00Z; winter (EST, UTC−5): 12:00Z.
        XCTAssertEqual(Timestamp.format(schedule.previousSlot(atOrBefore: at("2026-07-01T15:00:00Z"))!), "2026-07-01T11:00:00.000Z")
        XCTAssertEqual(Timestamp.format(schedule.previousSlot(atOrBefore: at("2026-07-01T10:59:00Z"))!), "2026-06-30T11:00:00.000Z")
        XCTAssertEqual(Timestamp.format(schedule.previousSlot(atOrBefore: at("2026-12-01T13:00:00Z"))!), "2026-12-01T12:00:00.000Z")
        // Daylight saving ends on 2026-11-01: the day after a summer slot, the slot is an hour later in UTC.
        XCTAssertEqual(Timestamp.format(schedule.nextSlot(after: at("2026-10-31T11:30:00Z"))), "2026-11-01T12:00:00.000Z")
        XCTAssertEqual(Timestamp.format(schedule.nextSlot(after: at("2026-11-01T12:00:00Z"))), "2026-11-02T12:00:00.000Z")
        // … and starts on 2026-03-08: an hour earlier.
        XCTAssertEqual(Timestamp.format(schedule.nextSlot(after: at("2026-03-07T12:30:00Z"))), "2026-03-08T11:00:00.000Z")
        // A fixed offset.
        let tokyo = Schedule.dailyAt(minuteOfDay: 8 * 60, zone: try XCTUnwrap(SessionTimeZone("+09:00")))
        XCTAssertEqual(Timestamp.format(tokyo.nextSlot(after: at("2026-12-01T00:00:00Z"))), "2026-12-01T23:00:00.000Z")
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

actor Gate {
    private var isOpen = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    func wait() async {
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }
    func open() {
        isOpen = true
        waiters.forEach { $0.resume() }
        waiters.removeAll()
    }
}
