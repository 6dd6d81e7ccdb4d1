import FoundationEssentials
import Synchronization

/// Where the current time comes from. Injected everywhere so tests never sleep or race the clock.
public protocol WallClock: Sendable {
    /// The current instant.
    func now() -> Date
}

/// The real clock.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that says what it was last set to: replays run the analysis "as of" past times with it.
public final class SettableWallClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    /// Sets the time every later `now()` returns.
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
