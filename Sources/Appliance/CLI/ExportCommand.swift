import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard export <kind>`: stored rows (or the simulated trades) as CSV, JSON or JSON
/// lines, streamed in constant memory to standard output or a file.
enum ExportCommand: Command {
    static let name = "export"
    static let summary = "Export recommendations, trades, analyses, agent signals, signals or positions as CSV/JSON/JSONL"
    static let usage = "tradewizard export <\(ExportKind.allCases.map(\.rawValue).joined(separator: "|"))> [--format csv|json|jsonl] [--since D] [--until D] [--sample | --replay ID] [--out FILE] [options]"
    static let options = [
        OptionSpec(name: "--format", takesValue: true, help: "csv (default; RFC 4180, formula-safe), json or jsonl"),
        OptionSpec(name: "--out", takesValue: true, help: "Write to this file (created whole, never half-written) instead of standard output"),
    ] + TrackRecordOptions.period + TrackRecordOptions.dataSet

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        var output: OutputFile?
        do {
            guard arguments.positionals.count == 1, let kind = ExportKind(rawValue: arguments.positionals[0]) else {
                throw UsageError("name one kind to export: \(ExportKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let format = ExportFormat(rawValue: arguments.options["--format"] ?? "csv") else {
                throw UsageError("--format takes \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var period = try TrackRecordOptions.scope(arguments)
            let (database, _) = try TrackRecordOptions.database(arguments, configuration, scope: &period)
            let out = try arguments.options["--out"].map(OutputFile.create) ?? OutputFile.standardOutput()
            output = out
            let progress = Progress(label: "export \(kind.rawValue)", total: 0, enabled: arguments.options["--out"] != nil)
            let rows = try write(kind, format: format, database: database, scope: period, rules: configuration.tradeRules,
                                 progress: { progress.advance(by: $0 == 0 ? 0 : 10_000) }, sink: out.write)
            progress.finish()
            try out.commit()
            if let path = arguments.options["--out"] { context.console.warn("exported \(rows) \(kind.rawValue) to \(path)") }
            return .ok
        } catch let error as UsageError {
            output?.discard()
            context.console.error("export: \(error)\n\n\(usage)")
            return .usage
        } catch {
            output?.discard()
            context.console.error("export: \(error)")
            return .failure
        }
    }

    /// Writes `kind` to `sink`; returns the rows written. `trades` are simulated under `rules`.
    static func write(_ kind: ExportKind, format: ExportFormat, database: Database, scope: TrackRecordScope, rules: TradeRules,
                      progress: @escaping (Int) -> Void = { _ in }, sink: @escaping ([UInt8]) throws -> Void) throws -> Int {
        guard kind == .trades else {
            return try Exporter.run(database, kind: kind, format: format,
                                    scope: ExportScope(sample: scope.sample, since: scope.since, until: scope.until),
                                    progress: progress, sink: sink).rows
        }
        let trades = try TrackRecordBuilder.simulate(database, scope: scope, rules: rules, now: Date().timeIntervalSince1970)
        let encoder = try ExportEncoder(format: format, columns: TradeExport.columns, sink: sink)
        for trade in trades { try encoder.add(TradeExport.values(trade)) }
        try encoder.finish()
        return encoder.rows
    }
}

/// The columns of an exported simulated trade.
enum TradeExport {
    static let columns = ["recommendation_id", "condition_id", "question", "event", "event_type", "direction", "status", "recommended_at",
                          "edge", "entry_time", "entry_price", "exit_time", "exit_price", "mark_price", "stake_usd", "shares", "fees_usd",
                          "pnl_usd", "days_held", "gaps", "longest_gap_hours", "note"]

    static func values(_ t: SimulatedTrade) -> [DatabaseValue] {
        func date(_ value: Date?) -> DatabaseValue { value.map { .text(Timestamp.format($0)) } ?? .null }
        func number(_ value: Double?) -> DatabaseValue { value.map(DatabaseValue.real) ?? .null }
        return [.integer(t.recommendationID), .text(t.conditionID), .text(t.question), (t.eventTitle ?? t.eventID).map(DatabaseValue.text) ?? .null,
                .text(t.eventType), .text(t.direction.rawValue), .text(t.status.rawValue), date(t.recommendedAt), .real(t.edge),
                date(t.entryTime), number(t.entryPrice), date(t.exitTime), number(t.exitPrice), number(t.markPrice), .real(t.stakeUSD),
                .real(t.shares), .real(t.feesUSD), .real(t.pnlUSD), number(t.daysHeld), .integer(Int64(t.gapCount)),
                number(t.gaps.first?.hours), t.note.map(DatabaseValue.text) ?? .null]
    }
}
