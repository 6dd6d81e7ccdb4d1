import Benchmarks
import FoundationEssentials
import Glibc
import Pipeline
import Storage
import Support

/// `tradewizard bench storage|http|pipeline|webhook|cycle|memory|track-record|dashboard`.
enum BenchCommand: Command {
    static let name = "bench"
    static let summary = "Run a benchmark: storage, http (GET /health under wrk), pipeline (durable graph runs), webhook (signed signals), cycle (an LLM analysis cycle), memory (idle RSS offline) track-record (track record, backtest, export) or dashboard (every page under 16 clients)"
    static let usage = "tradewizard bench <storage|http|pipeline|webhook|cycle|memory|track-record|dashboard> [--seconds N] [--connections N[,N...]] [--threads N] [--concurrency C] [--markets N] [--llm-latency-ms MS] [--json]"
    static let options = [
        OptionSpec(name: "--seconds", takesValue: true, help: "Seconds per measurement (default 2 for storage, 10 for http)"),
        OptionSpec(name: "--connections", takesValue: true, help: "Keep-alive connections: http (default 64), webhook a list (default 1,16,64)"),
        OptionSpec(name: "--threads", takesValue: true, help: "Graph runs (distinct threads) for pipeline (default 5000)"),
        OptionSpec(name: "--concurrency", takesValue: true, help: "Runs in flight at once for pipeline (default 64); LLM calls in flight for cycle (default 16)"),
        OptionSpec(name: "--markets", takesValue: true, help: "Markets analysed by cycle (default 1000)"),
        OptionSpec(name: "--llm-latency-ms", takesValue: true, help: "Latency of the fake LLM for cycle (default 200)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]
    static let usesConfiguration = false

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count == 1, let kind = arguments.positionals.first else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        let seconds = arguments.options["--seconds"].flatMap(Double.init)
        if arguments.options["--seconds"] != nil && (seconds == nil || seconds! <= 0) {
            context.console.error("--seconds must be a positive number")
            return .usage
        }
        let directory = makeTemporaryDirectory()
        // TRADEWIZARD_BENCH_KEEP=1 keeps the benchmark's databases for a closer look.
        let keep = ProcessInfo.processInfo.environment["TRADEWIZARD_BENCH_KEEP"] == "1"
        if keep { context.console.error("… keeping \(directory)") }
        defer { if !keep { _ = try? FileManager.default.removeItem(atPath: directory) } }
        do {
            switch kind {
            case "dashboard":
                let report = try await DashboardBenchmark.run(directory: directory) { context.console.error("… \($0)") }
                if arguments.has("--json") { context.console.printJSON(report) } else { DashboardBenchmark.summary(report).forEach(context.console.print) }
            case "storage":
                let report = try await StorageBenchmark.run(directory: directory, secondsPerMeasurement: seconds ?? 2) { context.console.error("… \($0)") }
                if arguments.has("--json") { context.console.printJSON(report) } else { printStorage(report, context.console) }
            case "http":
                guard let connections = Int(arguments.options["--connections"] ?? "64"), connections > 0 else {
                    context.console.error("--connections must be a positive whole number")
                    return .usage
                }
                let report = try await HTTPBenchmark.run(directory: directory, seconds: seconds ?? 10, connections: connections) {
                    context.console.error("… \($0)")
                }
                if arguments.has("--json") { context.console.printJSON(report) } else { HTTPBenchmark.summary(report).forEach(context.console.print) }
            case "pipeline":
                guard let threads = Int(arguments.options["--threads"] ?? "5000"), threads > 0,
                      let concurrency = Int(arguments.options["--concurrency"] ?? "64"), concurrency > 0 else {
                    context.console.error("--threads and --concurrency must be positive whole numbers")
                    return .usage
                }
                let report = try await PipelineBenchmark.run(directory: directory, threads: threads, concurrency: concurrency) {
                    context.console.error("… \($0)")
                }
                let peak = ProcessResources.statusBytes(pid: getpid(), field: "VmHWM")
                if arguments.has("--json") {
                    context.console.printJSON(PipelineReport(report: report, peakResidentBytes: peak))
                } else {
                    context.console.print("pipeline, \(threads) runs of 9 nodes, \(concurrency) at a time, synchronous=FULL:")
                    context.console.print("  \(Int(report.runsPerSecond)) runs/s, \(Int(report.checkpointsPerSecond)) checkpoints/s, \(Int(report.writesPerSecond)) task writes/s")
                    context.console.print("  \(Int(report.bytesPerRun)) bytes stored per run; \(round2(report.writesPerTransaction)) pool writes per transaction")
                    context.console.print("  peak RSS \(formatBytes(Int64(peak)))")
                }
            case "webhook":
                let counts = (arguments.options["--connections"] ?? "1,16,64").split(separator: ",").map { Int($0) }
                guard !counts.isEmpty, counts.allSatisfy({ ($0 ?? 0) > 0 && ($0 ?? 0) <= 1_024 }) else {
                    context.console.error("--connections takes a comma-separated list of numbers from 1 to 1024")
                    return .usage
                }
                let results = try await WebhookBenchmark.run(directory: directory, connectionCounts: counts.map { $0! }, seconds: seconds ?? 5) {
                    context.console.error("… \($0)")
                }
                if arguments.has("--json") { context.console.printJSON(results); return .ok }
                for result in results {
                    context.console.print("webhook, \(result.connections) connections: \(Int(result.signalsPerSecond)) durable signals/s, p50 \(round2(result.p50Milliseconds)) ms, p99 \(round2(result.p99Milliseconds)) ms (\(result.accepted) accepted, \(result.failed) failed)")
                }
            case "cycle":
                guard let markets = Int(arguments.options["--markets"] ?? "1000"), (1...1_000).contains(markets),
                      let latency = Double(arguments.options["--llm-latency-ms"] ?? "200"), latency >= 1, latency <= 60_000,
                      let concurrency = Int(arguments.options["--concurrency"] ?? "16"), (1...256).contains(concurrency) else {
                    context.console.error("--markets takes 1 to 1000, --llm-latency-ms 1 to 60000, --concurrency 1 to 256")
                    return .usage
                }
                let fixtures = ProcessInfo.processInfo.environment["TRADEWIZARD_FIXTURES_DIR"]
                let report = try await CycleBenchmark.run(directory: directory, fixtures: fixtures, markets: markets,
                                                          latencyMilliseconds: latency, concurrency: concurrency) { context.console.error("… \($0)") }
                if arguments.has("--json") { context.console.printJSON(report); return .ok }
                context.console.print("cycle, \(report.analysed) markets × \(round2(report.callsPerMarket)) LLM calls at \(Int(latency)) ms, \(concurrency) in flight:")
                context.console.print("  \(round2(report.seconds)) s against an ideal of \(round2(report.idealSeconds)) s (\(round2((report.ratioToIdeal - 1) * 100))% over)")
                context.console.print("  engine overhead \(round2(report.overheadMillisecondsPerMarket)) ms per market; fake LLM cost $\(round2(report.costUSD))")
            case "track-record":
                let report = try await TrackRecordBenchmark.run(directory: directory) { context.console.error("… \($0)") }
                if arguments.has("--json") { context.console.printJSON(report); return .ok }
                context.console.print("track record: \(report.trackRecordAnalyses) resolved analyses, \(report.trackRecordTrades) trades, \(report.agentSignals) agent forecasts in \(round2(report.trackRecordSeconds)) s")
                context.console.print("backtest: \(report.backtestRecommendations) recommendations × \(report.backtestPricePoints) price points in \(round2(report.backtestSeconds)) s")
                context.console.print("export: \(report.exportRows) rows to CSV in \(round2(report.exportSeconds)) s, peak RSS \(formatBytes(Int64(report.exportPeakResidentBytes)))"
                                      + (report.sqliteShellSeconds.map { "; sqlite3 -csv \(round2($0)) s (ratio \(round2(report.exportRatioToSQLiteShell ?? 0)))" } ?? "; sqlite3 shell not installed"))
            case "memory":
                let report = try await MemoryBenchmark.run(directory: directory) { context.console.error("… \($0)") }
                if arguments.has("--json") { context.console.printJSON(report) } else { MemoryBenchmark.summary(report).forEach(context.console.print) }
            default:
                context.console.error("unknown benchmark \(kind); choose storage, http, pipeline, webhook, cycle, memory or track-record")
                return .usage
            }
            return .ok
        } catch {
            context.console.error("benchmark failed: \(error)")
            return .failure
        }
    }

    static func printStorage(_ report: StorageBenchmark.Report, _ console: Console) {
        console.print("single writer, synchronous=FULL: \(Int(report.singleWriterCommitsPerSecond)) durable commits/s")
        for result in report.groupCommit {
            console.print("group commit, \(result.writers) writers: \(Int(result.rowsPerSecond)) rows/s, p50 \(round2(result.p50Milliseconds)) ms, p99 \(round2(result.p99Milliseconds)) ms, \(round2(result.rowsPerTransaction)) rows/transaction")
        }
        console.print("backup: \(round2(report.backupSecondsPer100MB)) s per 100 MB (measured on \(report.backupMegabytes) MB); meanwhile a writer committed \(report.writesDuringBackup) durable writes, \(report.writesOver10MillisecondsDuringBackup) over 10 ms, the longest \(round2(report.maximumWriteDuringBackupMilliseconds)) ms")
    }

    struct PipelineReport: Encodable {
        var report: PipelineBenchmark.Report
        var peakResidentBytes: Int
    }

    static func round2(_ value: Double) -> Double { (value * 100).rounded() / 100 }

    static func makeTemporaryDirectory() -> String {
        var template = Array("/tmp/tradewizard-bench-XXXXXX".utf8CString)
        return mkdtemp(&template).map { String(cString: $0) } ?? "/tmp"
    }
}
