import FoundationEssentials
import Support
import Synchronization

/// A request budget: `requests` per `seconds` (Polymarket documents its limits per 10 seconds).
public struct RateLimit: Sendable, Equatable {
    public var requests: Int
    public var seconds: Double

    public init(requests: Int, per seconds: Double) {
        self.requests = max(1, requests)
        self.seconds = max(0.001, seconds)
    }
}

/// A token bucket that hands out reservations: a caller takes a token now, or is told how long to
/// wait for the one reserved for it. Tokens may go negative, so waiting callers are served in
/// arrival order and the long-run rate never exceeds the limit.
public struct TokenBucket: Sendable, Equatable {
    public let limit: RateLimit
    private(set) var tokens: Double
    private var updatedAt: Double

    /// A full bucket at time `now` (seconds on any monotonic scale).
    public init(limit: RateLimit, now: Double) {
        self.limit = limit
        tokens = Double(limit.requests)
        updatedAt = now
    }

    /// Takes one token; returns the seconds the caller must wait before sending (0 when one was available).
    public mutating func reserve(now: Double) -> Double {
        let rate = Double(limit.requests) / limit.seconds
        tokens = min(Double(limit.requests), tokens + max(0, now - updatedAt) * rate)
        updatedAt = max(updatedAt, now)
        tokens -= 1
        return tokens >= 0 ? 0 : -tokens / rate
    }
}

/// One token bucket per key, created on first use.
public final class RateLimiter: Sendable {
    private let buckets = Mutex<[String: TokenBucket]>([:])

    public init() {}

    /// Reserves a token from the bucket `key` (created with `limit`) and returns the wait in seconds.
    public func reserve(key: String, limit: RateLimit, now: Double) -> Double {
        buckets.withLock { buckets in
            var bucket = buckets[key] ?? TokenBucket(limit: limit, now: now)
            let wait = bucket.reserve(now: now)
            buckets[key] = bucket
            return wait
        }
    }
}
