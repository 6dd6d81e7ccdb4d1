import FoundationEssentials
import Pipeline
import Support

/// When a job runs. Times are UTC unless a daily schedule names a time zone.
public enum Schedule: Sendable, Equatable {
    /// Every `seconds`; the first run is at start when `runAtStart`, else one interval after start.
    case interval(seconds: Double, runAtStart: Bool)
    /// Every day at `minuteOfDay` minutes after midnight UTC, or after local midnight in `zone`
    /// (daylight saving followed: the slot stays at the same local time).
    case dailyAt(minuteOfDay: Int, zone: SessionTimeZone? = nil)

    /// The first slot strictly after `date`.
    public func nextSlot(after date: Date) -> Date {
        switch self {
        case .interval(let seconds, _):
            return date.addingTimeInterval(seconds)
        case .dailyAt:
            // The next local day's slot: a day later, give or take a daylight-saving hour.
            return previousSlot(atOrBefore: previousSlot(atOrBefore: date)!.addingTimeInterval(86_400 + 7_200))!
        }
    }

    /// The latest slot at or before `date` (daily schedules only).
    public func previousSlot(atOrBefore date: Date) -> Date? {
        guard case .dailyAt(let minute, let zone) = self else { return nil }
        func offset(_ seconds: Double) -> Double { Double((zone?.offsetMinutes(at: Date(timeIntervalSince1970: seconds)) ?? 0) * 60) }
        let seconds = date.timeIntervalSince1970
        let local = seconds + offset(seconds)
        var slot = (local / 86_400).rounded(.down) * 86_400 + Double(minute * 60)
        if slot > local { slot -= 86_400 }
        // Back to UTC with the offset in force at the slot itself.
        var utc = slot - offset(slot - offset(seconds))
        if utc > seconds { utc -= 86_400 }
        return Date(timeIntervalSince1970: utc)
    }
}
