import FoundationEssentials
import Pipeline
import Storage
import Support

/// The options `track-record`, `backtest` and `export` share: the period, the data set and the
/// trade rules, parsed once for all three.
enum TrackRecordOptions {
    static let period = [
        OptionSpec(name: "--since", takesValue: true, help: "From this date (YYYY-MM-DD, UTC, or ISO-8601)"),
        OptionSpec(name: "--until", takesValue: true, help: "To this date, inclusive (a bare date means the whole day)"),
    ]
    static let dataSet = [
        OptionSpec(name: "--sample", takesValue: false, help: "The offline sample set's figures instead of live markets' (never mixed)"),
        OptionSpec(name: "--replay", takesValue: true, help: "A replay's figures (its id, or `latest`) instead of live runs'"),
    ]

    /// A date option: `YYYY-MM-DD` (midnight UTC, or the day's last millisecond when `endOfDay`)
    /// or a full ISO-8601 timestamp.
    static func date(_ text: String, endOfDay: Bool) throws -> Date {
        if text.count == 10, let day = Timestamp.parse(text + "T00:00:00Z") {
            return endOfDay ? day.addingTimeInterval(86_400 - 0.001) : day
        }
        guard let date = Timestamp.parse(text) else {
            throw UsageError("\(text) is not a date: use YYYY-MM-DD (UTC) or ISO-8601 such as 2026-11-20T12:00:00Z")
        }
        return date
    }

    /// `--since`/`--until` (and `--sample`) as a scope; a usage error for bad dates or an inverted period.
    static func scope(_ arguments: ParsedArguments, sample: Bool? = nil) throws -> TrackRecordScope {
        let since = try arguments.options["--since"].map { try date($0, endOfDay: false) }
        let until = try arguments.options["--until"].map { try date($0, endOfDay: true) }
        if let since, let until, since > until { throw UsageError("--since is after --until") }
        return TrackRecordScope(sample: sample ?? arguments.has("--sample"), since: since, until: until)
    }

    /// A number option within `range`; nil when absent.
    static func number(_ arguments: ParsedArguments, _ name: String, _ range: ClosedRange<Double>) throws -> Double? {
        guard let text = arguments.options[name] else { return nil }
        guard let value = DecimalText.parse(text), range.contains(value) else {
            throw UsageError("\(name) takes a number from \(Format.decimal(range.lowerBound, 2)) to \(Format.decimal(range.upperBound, 2))")
        }
        return value
    }

    /// The database a track record reads: the live one, or a replay's (`--replay`), with the
    /// scope's sample flag set to what that replay analysed.
    static func database(_ arguments: ParsedArguments, _ configuration: Configuration, scope: inout TrackRecordScope) throws -> (Database, replay: ReplayInfo?) {
        guard let name = arguments.options["--replay"] else { return (try configuration.openDatabaseReadOnly(), nil) }
        if arguments.has("--sample") { throw UsageError("--replay and --sample cannot be combined: a replay knows which data it ran on") }
        let replays = ReplayDirectory(configuration.dataDirectory)
        guard let info = try replays.resolve(name) else {
            throw UsageError(name == "latest" ? "there is no replay yet: run `tradewizard replay` first"
                                              : "no replay \(name); `tradewizard replay --list` shows them")
        }
        scope.sample = info.data == "sample"
        return (try replays.openReadOnly(info), info)
    }
}
