import FoundationEssentials
import Synchronization

/// Rendered page parts kept for a few seconds by key (the markets table of one query): a
/// dashboard watched by several people or refreshed often renders each at most once per
/// `maxAge`. Parts never hold a session's data (its CSRF token is added around them).
final class FragmentCache: Sendable {
    let maxAge: TimeInterval
    /// Entries kept at most (the stalest go first).
    static let capacity = 256
    private let state = Mutex<[String: (made: Date, html: HTML)]>([:])

    init(maxAge: TimeInterval) { self.maxAge = maxAge }

    func fragment(_ key: String, now: Date, render: () async throws -> HTML) async throws -> HTML {
        if let entry = state.withLock({ $0[key] }), now.timeIntervalSince(entry.made) < maxAge { return entry.html }
        let html = try await render()
        state.withLock { state in
            if state.count >= Self.capacity { state = state.filter { now.timeIntervalSince($0.value.made) < maxAge } }
            if state.count >= Self.capacity, let stalest = state.min(by: { $0.value.made < $1.value.made })?.key { state[stalest] = nil }
            state[key] = (now, html)
        }
        return html
    }
}
