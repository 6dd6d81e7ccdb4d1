import Synchronization

/// A boolean that threads and tasks share (set once a part is stopping, ready, …).
public final class AtomicFlag: Sendable {
    private let value: Atomic<Bool>
    public init(_ initial: Bool = false) { value = Atomic(initial) }
    public var isSet: Bool { value.load(ordering: .acquiring) }
    public func set(_ newValue: Bool) { value.store(newValue, ordering: .releasing) }
}
