import FoundationEssentials
import Support

/// When a job runs. All times are UTC.
public enum Schedule: Sendable, Equatable {
    /// Every `seconds`; the first run is at start when `runAtStart`, else one interval after start.
    case interval(seconds: Double, runAtStart: Bool)
    /// Every day at `minuteOfDay` minutes after midnight UTC.
    case dailyAt(minuteOfDay: Int)

    /// The first slot strictly after `date`.
    public func nextSlot(after date: Date) -> Date {
        switch self {
        case .interval(let seconds, _):
            return date.addingTimeInterval(seconds)
        case .dailyAt:
            return previousSlot(atOrBefore: date)!.addingTimeInterval(86_400)
        }
    }

    /// The latest slot at or before `date` (daily schedules only).
    public func previousSlot(atOrBefore date: Date) -> Date? {
        guard case .dailyAt(let minute) = self else { return nil }
        let seconds = date.timeIntervalSince1970
        let midnight = (seconds / 86_400).rounded(.down) * 86_400
        var slot = midnight + Double(minute * 60)
        if slot > seconds { slot -= 86_400 }
        return Date(timeIntervalSince1970: slot)
    }
}
