import FoundationEssentials
import Glibc
import Pipeline
import Storage
import Support

/// `tradewizard replay`: the analysis re-run as of past times on markets that have since
/// resolved, into a database of its own, then scored like live runs.
enum ReplayCommand: Command {
    static let name = "replay"
    static let summary = "Re-run the analysis as of past times on resolved markets (no look-ahead), then score it"
    static let usage = """
        tradewizard replay --from D --to D [--every 24h] [--agents offline|llm] [--sample] [--max-cost USD] [--yes] [--json] [options]
        tradewizard replay --list [--json]
        """
    static let options = [
        OptionSpec(name: "--from", takesValue: true, help: "First replayed time (YYYY-MM-DD, UTC, or ISO-8601)"),
        OptionSpec(name: "--to", takesValue: true, help: "Last replayed time (a bare date means its midnight)"),
        OptionSpec(name: "--every", takesValue: true, help: "Time between replayed analyses: 24h (default), 6h, 2d, 90m"),
        OptionSpec(name: "--agents", takesValue: true, help: "offline (default: the deterministic agents, free) or llm (the configured providers)"),
        OptionSpec(name: "--sample", takesValue: false, help: "Replay the built-in sample set's resolved markets (offline) instead of stored live ones"),
        OptionSpec(name: "--max-cost", takesValue: true, help: "With --agents llm: dollars the replay may spend; it stops there"),
        OptionSpec(name: "--yes", takesValue: false, help: "With --agents llm: do not ask before a replay whose worst case passes --max-cost"),
        OptionSpec(name: "--list", takesValue: false, help: "List the replays kept in the data directory"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    struct Result: Encodable {
        var replay: ReplayInfo
        var trackRecord: TrackRecord
    }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard var configuration = context.loadConfiguration(arguments) else { return .usage }
        let json = arguments.has("--json")
        do {
            let replays = ReplayDirectory(configuration.dataDirectory)
            if arguments.has("--list") {
                let list = try replays.list()
                if json { context.console.printJSON(list); return .ok }
                if list.isEmpty { context.console.print("no replays yet") }
                for r in list {
                    context.console.print(r.id.padding(to: 26) + r.status.padding(to: 8) + (r.data == "sample" ? "[SAMPLE DATA] " : "")
                                          + "\(Timestamp.day(r.from)) to \(Timestamp.day(r.to)) every \(Format.decimal(r.everySeconds / 3_600, 1)) h, "
                                          + "\(r.agents) agents, \(r.markets) markets, \(r.runs) runs" + (r.costUSD > 0 ? ", $\(Format.decimal(r.costUSD, 2))" : ""))
                }
                return .ok
            }
            guard let fromText = arguments.options["--from"], let toText = arguments.options["--to"] else { throw UsageError("--from and --to are required") }
            let from = try TrackRecordOptions.date(fromText, endOfDay: false), to = try TrackRecordOptions.date(toText, endOfDay: false)
            guard from <= to else { throw UsageError("--from is after --to") }
            guard to <= Date() else { throw UsageError("--to is in the future: a replay re-runs the past") }
            let every = try interval(arguments.options["--every"] ?? "24h")
            let agents = arguments.options["--agents"] ?? "offline"
            guard agents == "offline" || agents == "llm" else { throw UsageError("--agents takes offline or llm") }
            let maxCost = try TrackRecordOptions.number(arguments, "--max-cost", 0...1_000_000)
            if agents == "llm" {
                guard !configuration.llm.configuredProviders.isEmpty else { throw UsageError("--agents llm needs a configured LLM provider (see `tradewizard config check`)") }
                guard maxCost != nil else { throw UsageError("--agents llm needs --max-cost: the most the replay may spend, in dollars") }
            } else if maxCost != nil {
                throw UsageError("--max-cost applies to --agents llm only (offline agents cost nothing)")
            }
            let sample = arguments.has("--sample")
            let markets: [ReplayMarket]
            if sample {
                let source = try configuration.fixturesDirectory.map(FixtureMarketSource.init(directory:)) ?? FixtureMarketSource.builtIn()
                markets = ReplayMarket.sample(source)
            } else {
                markets = try ReplayMarket.stored(try configuration.openDatabaseReadOnly())
            }
            let id = "replay-" + Timestamp.compact(Date()).lowercased()
            var plan = ReplayPlan(id: id, from: from, to: to, everySeconds: every, agents: agents, data: sample ? "sample" : "live", maxCostUSD: maxCost)
            let work = plan.work(markets)
            guard !work.isEmpty else {
                context.console.error("nothing to replay: no \(sample ? "sample" : "stored live") market that later resolved had a price between \(Timestamp.format(from)) and \(Timestamp.format(to)) (\(markets.count) resolved market(s) with a price series known)")
                return .failure
            }
            if agents == "llm", let cap = maxCost {
                let worst = Double(work.count) * configuration.llm.maxCostPerAnalysis
                if worst > cap && !arguments.has("--yes") {
                    guard isatty(0) == 1 else {
                        throw UsageError("\(work.count) analyses may cost up to $\(Format.decimal(worst, 2)) (COST_MAX_PER_ANALYSIS_USD each), past --max-cost $\(Format.decimal(cap, 2)); the replay stops at the cap. Add --yes to go ahead")
                    }
                    context.console.warn("\(work.count) analyses may cost up to $\(Format.decimal(worst, 2)); the replay stops at $\(Format.decimal(cap, 2)). Go ahead? [y/N] ")
                    guard let answer = readLine(), answer.lowercased().hasPrefix("y") else { context.console.error("replay: not started"); return .failure }
                }
            }
            plan.maxCostUSD = maxCost
            let clock = SettableWallClock(from)
            let database = try await AppDatabase.open(replays.directory(id), configuration: configuration.databaseConfiguration, clock: clock)
            defer { database.close() }
            // Replays never read today's news into the past.
            configuration.llm.newsDataKey = nil
            let llm = agents == "llm" ? AnalysisServices.llmAnalysis(configuration.llm, database: database) : nil
            let progress = Progress(label: "replay", total: work.count, enabled: !json)
            let info = try await Replayer.run(plan, markets: markets, database: database, clock: clock, llm: llm) { _, _ in progress.advance() }
            progress.finish()
            let rules = configuration.tradeRules
            let record = try await database.pool.read { db in
                try TrackRecordBuilder.build(db, scope: TrackRecordScope(sample: sample), rules: rules, now: Date(),
                                             data: "replay", replay: id)
            }
            if json {
                context.console.printJSON(Result(replay: info, trackRecord: record))
            } else {
                context.console.print("\(info.id): \(info.status), \(info.runs) analyses of \(info.markets) markets" + (info.error.map { " (\($0))" } ?? ""))
                context.console.print("replayed with data at or before each time only; order books, volume and liquidity are not kept historically and were absent\n")
                for line in TrackRecordText.lines(record, trades: false) { context.console.print(line) }
                context.console.print("\n`tradewizard track-record --replay \(info.id) --trades` lists its trades")
            }
            return info.status == "done" ? .ok : .failure
        } catch let error as UsageError {
            context.console.error("replay: \(error)\n\n\(usage)")
            return .usage
        } catch {
            context.console.error("replay: \(error)")
            return .failure
        }
    }

    /// `24h`, `6h`, `2d`, `90m` or plain seconds → seconds (at least a minute).
    static func interval(_ text: String) throws -> Double {
        let units: [Character: Double] = ["m": 60, "h": 3_600, "d": 86_400]
        let (number, unit) = text.last.flatMap { units[$0] }.map { (String(text.dropLast()), $0) } ?? (text, 1)
        guard let value = DecimalText.parse(number), value * unit >= 60, value * unit <= 366 * 86_400 else {
            throw UsageError("--every takes a duration from 1m to 366d, such as 24h, 6h, 2d or 90m")
        }
        return value * unit
    }
}
