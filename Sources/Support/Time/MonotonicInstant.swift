import Glibc

/// A monotonic instant for measuring durations (CLOCK_MONOTONIC), immune to wall-clock changes.
public struct MonotonicInstant: Sendable, Comparable {
    /// Nanoseconds since an arbitrary fixed point.
    public let nanoseconds: UInt64

    /// The current monotonic instant.
    public static func now() -> MonotonicInstant {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return MonotonicInstant(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// Seconds from this instant to now.
    public func secondsElapsed() -> Double {
        Double(MonotonicInstant.now().nanoseconds &- nanoseconds) / 1e9
    }

    public static func < (lhs: MonotonicInstant, rhs: MonotonicInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
