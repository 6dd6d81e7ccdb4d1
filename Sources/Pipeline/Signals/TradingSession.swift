import FoundationEssentials
import Storage
import Support

/// A time zone the market-hours rule understands, without the system's zone database (the
/// appliance must run where `/usr/share/zoneinfo` is absent): UTC, fixed offsets (`+05:30`), and
/// the four main US zones with the US daylight-saving rule in force since 2007 (from the second
/// Sunday of March at 02:00 local standard time to the first Sunday of November at 02:00 local
/// daylight time).
public struct SessionTimeZone: Sendable, Equatable {
    public let identifier: String
    let standardOffsetMinutes: Int
    let observesUSDaylightSaving: Bool

    static let usZones: [String: Int] = [
        "America/New_York": -300, "America/Chicago": -360, "America/Denver": -420, "America/Los_Angeles": -480,
    ]

    /// Parses `UTC`, `+HH:MM`/`-HH:MM`, or one of the US zones; nil otherwise.
    public init?(_ identifier: String) {
        self.identifier = identifier
        if identifier == "UTC" || identifier == "Etc/UTC" {
            standardOffsetMinutes = 0
            observesUSDaylightSaving = false
        } else if let offset = Self.usZones[identifier] {
            standardOffsetMinutes = offset
            observesUSDaylightSaving = true
        } else if let sign = identifier.first, sign == "+" || sign == "-", identifier.count == 6,
                  let hours = Int(identifier.dropFirst().prefix(2)), let minutes = Int(identifier.suffix(2)),
                  identifier.dropFirst(3).first == ":", hours <= 14, minutes < 60 {
            standardOffsetMinutes = (sign == "-" ? -1 : 1) * (hours * 60 + minutes)
            observesUSDaylightSaving = false
        } else {
            return nil
        }
    }

    /// Minutes to add to UTC to get local time at `date`.
    public func offsetMinutes(at date: Date) -> Int {
        guard observesUSDaylightSaving else { return standardOffsetMinutes }
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let year = Timestamp.civilDate(daysSinceEpoch: Self.floorDivide(seconds + standardOffsetMinutes * 60, 86_400)).year
        // DST starts at 02:00 standard time = 02:00 - offset in UTC; ends at 02:00 daylight = 01:00 standard.
        let start = Self.nthSunday(2, month: 3, year: year) * 86_400 + 2 * 3_600 - standardOffsetMinutes * 60
        let end = Self.nthSunday(1, month: 11, year: year) * 86_400 + 1 * 3_600 - standardOffsetMinutes * 60
        return seconds >= start && seconds < end ? standardOffsetMinutes + 60 : standardOffsetMinutes
    }

    /// Local calendar fields at `date`: weekday (1 = Monday ... 7 = Sunday) and minute of the day.
    public func local(_ date: Date) -> (weekday: Int, minuteOfDay: Int) {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down)) + offsetMinutes(at: date) * 60
        let days = Self.floorDivide(seconds, 86_400)
        let weekday = (Self.floorModulo(days + 3, 7)) + 1 // 1970-01-01 was a Thursday (4).
        return (weekday, Self.floorModulo(seconds, 86_400) / 60)
    }

    /// Days since the epoch of the `n`th Sunday of `month`.
    static func nthSunday(_ n: Int, month: Int, year: Int) -> Int {
        let first = Timestamp.daysSinceEpoch(year: year, month: month, day: 1)
        let weekday = floorModulo(first + 3, 7) + 1 // 7 = Sunday
        return first + (7 - weekday) % 7 + (n - 1) * 7
    }

    static func floorDivide(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }
    static func floorModulo(_ a: Int, _ b: Int) -> Int { a - floorDivide(a, b) * b }
}

/// When the market-hours rule lets signals trade: a daily window on some weekdays, in a zone.
public struct TradingSession: Sendable, Equatable {
    public var opensAtMinute: Int
    public var closesAtMinute: Int
    /// 1 = Monday ... 7 = Sunday.
    public var weekdays: Set<Int>
    public var timeZone: SessionTimeZone

    /// US equities: 09:30–16:00 America/New_York, Monday to Friday.
    public static let usEquities = TradingSession(opensAtMinute: 570, closesAtMinute: 960, weekdays: [1, 2, 3, 4, 5],
                                                  timeZone: SessionTimeZone("America/New_York")!)

    public init(opensAtMinute: Int, closesAtMinute: Int, weekdays: Set<Int>, timeZone: SessionTimeZone) {
        self.opensAtMinute = opensAtMinute
        self.closesAtMinute = closesAtMinute
        self.weekdays = weekdays
        self.timeZone = timeZone
    }

    /// Parses `HH:MM-HH:MM`; nil when malformed or empty.
    public init?(window: String, timeZone: SessionTimeZone, weekdays: Set<Int> = [1, 2, 3, 4, 5]) {
        let parts = window.split(separator: "-")
        func minute(_ text: Substring) -> Int? {
            let fields = text.split(separator: ":")
            guard fields.count == 2, let hours = Int(fields[0]), let minutes = Int(fields[1]),
                  (0...24).contains(hours), (0..<60).contains(minutes), hours * 60 + minutes <= 1_440 else { return nil }
            return hours * 60 + minutes
        }
        guard parts.count == 2, let open = minute(parts[0]), let close = minute(parts[1]), open < close else { return nil }
        self.init(opensAtMinute: open, closesAtMinute: close, weekdays: weekdays, timeZone: timeZone)
    }

    /// True when `date` falls inside the window (open inclusive, close exclusive) on a listed weekday.
    public func isOpen(at date: Date) -> Bool {
        let local = timeZone.local(date)
        return weekdays.contains(local.weekday) && local.minuteOfDay >= opensAtMinute && local.minuteOfDay < closesAtMinute
    }
}
