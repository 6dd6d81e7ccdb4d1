import FoundationEssentials
import Synchronization

/// Keeps a flood of one warning or error (the same level and message, e.g. one line per failed
/// request on a full disk) from burying the log: the first occurrence is written, repeats within
/// `windowSeconds` are counted instead, and the first occurrence after the window is preceded by
/// one summary line saying how many were left out. Shared by a logger and every `with` copy.
final class RepeatLimiter: Sendable {
    struct Entry { var windowStart: Date; var suppressed: Int }

    /// What to do with one line.
    enum Verdict: Equatable {
        /// Write it; `suppressed` repeats of it were left out since it was last written.
        case write(suppressed: Int, overSeconds: Double)
        /// Leave it out (it was counted).
        case suppress
    }

    let windowSeconds: Double
    private let entries = Mutex<[String: Entry]>([:])
    /// Distinct messages remembered; beyond this the memory is cleared (messages are code constants, so this is rare).
    private static let capacity = 1_024

    init(windowSeconds: Double) { self.windowSeconds = windowSeconds }

    func verdict(for key: String, at now: Date) -> Verdict {
        entries.withLock { entries in
            if var entry = entries[key], now.timeIntervalSince(entry.windowStart) < windowSeconds {
                entry.suppressed += 1
                entries[key] = entry
                return .suppress
            }
            let previous = entries[key]
            if previous == nil, entries.count >= Self.capacity { entries.removeAll() }
            entries[key] = Entry(windowStart: now, suppressed: 0)
            return .write(suppressed: previous?.suppressed ?? 0, overSeconds: previous.map { now.timeIntervalSince($0.windowStart) } ?? 0)
        }
    }
}
