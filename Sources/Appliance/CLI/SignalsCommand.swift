import FoundationEssentials
import Storage
import Support

/// `tradewizard signals [--since] [--json]`: stored webhook signals with their decisions.
enum SignalsCommand: Command {
    static let name = "signals"
    static let summary = "List received webhook signals with their decisions"
    static let usage = "tradewizard signals [--since 1h|30m|2d|<ISO-8601>] [--limit N] [--json] [options]"
    static let options = [
        OptionSpec(name: "--since", takesValue: true, help: "Only signals received since a duration ago (30m, 1h, 2d) or an ISO-8601 time"),
        OptionSpec(name: "--limit", takesValue: true, help: "At most this many (default 100)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        var since: Date?
        if let text = arguments.options["--since"] {
            guard let parsed = parseSince(text, now: Date()) else {
                context.console.error("--since takes a duration (30m, 1h, 2d) or an ISO-8601 time, not \(text)")
                return .usage
            }
            since = parsed
        }
        guard let limit = Int(arguments.options["--limit"] ?? "100"), limit > 0 else {
            context.console.error("--limit takes a positive number")
            return .usage
        }
        do {
            let database = try configuration.openDatabaseReadOnly()
            let signals = try database.signals.list(since: since, limit: limit)
            if arguments.has("--json") { context.console.printJSON(signals); return .ok }
            if signals.isEmpty { context.console.print("no signals") }
            for signal in signals {
                let price = signal.price.map { String($0) } ?? "-"
                context.console.print(Timestamp.format(signal.receivedAt).padding(to: 26) + signal.symbol.padding(to: 10)
                                      + signal.direction.padding(to: 7) + price.padding(to: 12) + (signal.action ?? "?").padding(to: 6)
                                      + (signal.rule ?? "").padding(to: 20) + (signal.reasons.first ?? ""))
            }
            return .ok
        } catch {
            context.console.error("signals: \(error)")
            return .failure
        }
    }

    /// `30m`, `1h`, `2d`, `45s` ago, or an ISO-8601 time.
    static func parseSince(_ text: String, now: Date) -> Date? {
        if let date = Timestamp.parse(text) { return date }
        guard let unit = text.last, let amount = Double(text.dropLast()), amount >= 0 else { return nil }
        let seconds: Double
        switch unit {
        case "s": seconds = amount
        case "m": seconds = amount * 60
        case "h": seconds = amount * 3_600
        case "d": seconds = amount * 86_400
        default: return nil
        }
        return now.addingTimeInterval(-seconds)
    }
}

/// `tradewizard positions [--json]`: open paper positions with unrealized P&L, and totals.
enum PositionsCommand: Command {
    static let name = "positions"
    static let summary = "Show open paper positions, exposure and P&L"
    static let usage = "tradewizard positions [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            let report = try SignalReport.read(try configuration.openDatabaseReadOnly())
            if arguments.has("--json") { context.console.printJSON(report.positions); return .ok }
            for position in report.positions.positions {
                context.console.print(position.symbol.padding(to: 10) + position.side.padding(to: 7)
                                      + "qty \(rounded(position.quantity))".padding(to: 16) + "entry \(position.entryPrice)".padding(to: 16)
                                      + "last \(position.lastPrice)".padding(to: 16) + "P&L \(rounded(position.unrealizedPnl))")
            }
            let totals = report.positions
            context.console.print("\(totals.open) open, exposure \(rounded(totals.exposure)), unrealized \(rounded(totals.unrealizedPnl)), realized \(rounded(totals.realizedPnl))")
            return .ok
        } catch {
            context.console.error("positions: \(error)")
            return .failure
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
