import FoundationEssentials
import Pipeline
import Synchronization

/// The track record the dashboard shows, built at most once a minute per data set (live,
/// sample or a replay) and shared by every request meanwhile: building it reads every resolved analysis and
/// bootstraps its intervals, far too much for each page view. The page says when it was built.
final class TrackRecordCache: Sendable {
    /// Seconds a built record is shown before the next request builds a new one.
    static let maxAge: TimeInterval = 60

    private let state = Mutex<[String: (started: Date, task: Task<TrackRecord, any Error>)]>([:])

    /// The record of data set `key` (live, sample, a replay): the cached one while it is fresh
    /// (or being built), else a new one from `build`. A failed build is not kept.
    func record(_ key: String, now: Date, build: @escaping @Sendable () async throws -> TrackRecord) async throws -> TrackRecord {
        let task = state.withLock { state -> Task<TrackRecord, any Error> in
            if let entry = state[key], now.timeIntervalSince(entry.started) < Self.maxAge { return entry.task }
            let task = Task { try await build() }
            state[key] = (now, task)
            return task
        }
        do {
            return try await task.value
        } catch {
            state.withLock { state in
                if state[key]?.started == now { state[key] = nil }
            }
            throw error
        }
    }
}
