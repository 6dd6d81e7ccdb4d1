import FoundationEssentials

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
