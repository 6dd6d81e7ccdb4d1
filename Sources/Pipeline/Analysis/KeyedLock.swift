import Support
/// Mutual exclusion per key: `withLock(key)` runs its body only when no other body holds the
/// same key; waiters are served in arrival order. Used so two analyses of one market never overlap.
public actor KeyedLock {
    private var waiters: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var held = Set<String>()

    public init() {}

    /// Runs `body` holding `key`.
    public func withLock<T: Sendable>(_ key: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        do {
            let value = try await body()
            release(key)
            return value
        } catch {
            release(key)
            throw error
        }
    }

    private func acquire(_ key: String) async {
        if held.insert(key).inserted { return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    private func release(_ key: String) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume() // ownership passes to the next waiter
        } else {
            held.remove(key)
        }
    }
}
