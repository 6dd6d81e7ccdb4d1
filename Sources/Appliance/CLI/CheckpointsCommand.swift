import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard checkpoints list|show|resume|delete`: graph runs and their checkpoints.
/// Listing and showing read the database read-only (safe while `serve` runs); resume and delete
/// take the data directory lock.
enum CheckpointsCommand: Command {
    static let name = "checkpoints"
    static let summary = "List, inspect, resume or delete graph runs and their checkpoints"
    static let usage = """
        tradewizard checkpoints list [--thread ID] [--limit N] [--json]
               tradewizard checkpoints show <thread> [--checkpoint ID] [--json]
               tradewizard checkpoints resume <thread>
               tradewizard checkpoints delete <thread>
        """
    static let options = [
        OptionSpec(name: "--thread", takesValue: true, help: "List the checkpoints of one thread (newest first)"),
        OptionSpec(name: "--checkpoint", takesValue: true, help: "Show this checkpoint instead of the latest"),
        OptionSpec(name: "--limit", takesValue: true, help: "At most this many rows (default 50)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let action = arguments.positionals.first ?? ""
        let rest = Array(arguments.positionals.dropFirst())
        guard let limit = Int(arguments.options["--limit"] ?? "50"), limit > 0 else {
            context.console.error("--limit takes a positive number")
            return .usage
        }
        do {
            switch (action, rest.count) {
            case ("list", 0): return try list(arguments, limit: limit, configuration, context)
            case ("show", 1): return try show(rest[0], arguments, configuration, context)
            case ("resume", 1): return try await resume(rest[0], configuration, context)
            case ("delete", 1): return try await delete(rest[0], configuration, context)
            default:
                context.console.error("usage: \(usage)")
                return .usage
            }
        } catch {
            context.console.error("checkpoints \(action): \(error)")
            return .failure
        }
    }

    struct CheckpointSummary: Encodable {
        var checkpointID: String
        var parentID: String?
        var step: Int?
        var source: String?
        var createdAt: String?
        var bytes: Int
    }

    static func summary(_ row: CheckpointRow) -> CheckpointSummary {
        let metadata = try? JSONValue.parse(row.metadata)
        let body = try? JSONValue.parse(row.checkpoint)
        return CheckpointSummary(checkpointID: row.checkpointID, parentID: row.parentID,
                                 step: metadata?["step"]?.numberValue.map { Int($0) }, source: metadata?["source"]?.stringValue,
                                 createdAt: body?["ts"]?.stringValue, bytes: row.checkpoint.count + row.metadata.count)
    }

    static func list(_ arguments: ParsedArguments, limit: Int, _ configuration: Configuration, _ context: CommandContext) throws -> ExitCode {
        let database = try configuration.openDatabaseReadOnly()
        if let thread = arguments.options["--thread"] {
            let rows = try database.checkpoints.list(thread: thread, limit: limit).map(summary)
            if arguments.has("--json") { context.console.printJSON(rows); return .ok }
            if rows.isEmpty { context.console.print("no checkpoints for thread \(thread)") }
            for row in rows {
                context.console.print(row.checkpointID.padding(to: 38) + "step \(row.step.map(String.init) ?? "?")".padding(to: 9)
                                      + (row.source ?? "?").padding(to: 7) + (row.createdAt ?? "") + "  " + formatBytes(Int64(row.bytes)))
            }
            return .ok
        }
        let runs = try database.checkpoints.runs(limit: limit)
        if arguments.has("--json") { context.console.printJSON(runs); return .ok }
        if runs.isEmpty { context.console.print("no graph runs") }
        for run in runs {
            var line = run.threadID.padding(to: 38) + run.graph.padding(to: 16) + run.status.rawValue.padding(to: 9)
                + "\(run.steps) steps".padding(to: 10) + Timestamp.format(run.startedAt)
            if run.status == .running { line += "  (interrupted unless serve is running it)" }
            if let error = run.error { line += "  " + error }
            context.console.print(line)
        }
        return .ok
    }

    struct Shown: Encodable {
        var run: GraphRun?
        var checkpoint: CheckpointSummary
        var metadata: JSONValue
        var channelValues: JSONValue
        var pendingWrites: [PendingWrite]
        var graph: String?
    }

    struct PendingWrite: Encodable {
        var taskPath: String
        var index: Int
        var channel: String
        var bytes: Int
    }

    static func show(_ thread: String, _ arguments: ParsedArguments, _ configuration: Configuration, _ context: CommandContext) throws -> ExitCode {
        let database = try configuration.openDatabaseReadOnly()
        let store = database.checkpoints
        let row = try arguments.options["--checkpoint"].map { try store.checkpoint(thread: thread, id: $0) } ?? store.latest(thread: thread)
        guard let row else {
            context.console.error("no checkpoint for thread \(thread)")
            return .failure
        }
        let run = try store.run(thread: thread)
        let shown = Shown(run: run, checkpoint: summary(row), metadata: try JSONValue.parse(row.metadata),
                          channelValues: try JSONValue.parse(row.checkpoint)["channel_values"] ?? .null,
                          pendingWrites: try store.writes(thread: thread, checkpointID: row.checkpointID).map {
                              PendingWrite(taskPath: $0.taskPath, index: $0.index, channel: $0.channel, bytes: $0.value.count)
                          },
                          graph: run.flatMap { $0.graph == GraphCatalog.benchmark.name ? GraphCatalog.benchmark.mermaid : nil })
        if arguments.has("--json") { context.console.printJSON(shown); return .ok }
        context.console.print("thread      \(thread)")
        if let run { context.console.print("run         \(run.graph), \(run.status.rawValue), \(run.steps) steps" + (run.error.map { ", \($0)" } ?? "")) }
        context.console.print("checkpoint  \(row.checkpointID) (step \(shown.checkpoint.step ?? -1), \(shown.checkpoint.source ?? "?"))")
        context.console.print("parent      \(row.parentID ?? "none")")
        context.console.print("\nchannel values:")
        context.console.print(String(decoding: try JSONCoding.encoder(pretty: true).encode(shown.channelValues), as: UTF8.self))
        if !shown.pendingWrites.isEmpty {
            context.console.print("\npending writes:")
            for write in shown.pendingWrites {
                context.console.print("  \(write.taskPath)  [\(write.index)] \(write.channel)  \(write.bytes) bytes")
            }
        }
        if let graph = shown.graph { context.console.print("\ngraph:\n" + graph) }
        return .ok
    }

    static func resume(_ thread: String, _ configuration: Configuration, _ context: CommandContext) async throws -> ExitCode {
        let database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration)
        defer { database.close() }
        guard let run = try await database.pool.read({ try $0.checkpoints.run(thread: thread) }) else {
            context.console.error("no run for thread \(thread)")
            return .failure
        }
        guard run.status != .done else {
            context.console.print("thread \(thread) had already finished")
            return .ok
        }
        let logger = Logger(level: .warning, format: .text, secrets: configuration.secrets, sink: .standardError)
        let catalog = GraphCatalog.commandLine(analysis: try AnalysisServices(configuration: configuration, database: database, logger: logger))
        guard let nodes = try await catalog.resume(thread: thread, graph: run.graph, pool: database.pool) else {
            context.console.error("thread \(thread) runs graph \(run.graph), which this binary does not have")
            return .failure
        }
        context.console.print("resumed \(thread): ran \(nodes.joined(separator: ", "))")
        return .ok
    }

    static func delete(_ thread: String, _ configuration: Configuration, _ context: CommandContext) async throws -> ExitCode {
        let database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration)
        defer { database.close() }
        let deleted = try await database.pool.write { database -> Int? in
            guard try database.checkpoints.run(thread: thread) != nil || !database.checkpoints.list(thread: thread, limit: 1).isEmpty else { return nil }
            return try database.checkpoints.deleteThread(thread)
        }
        guard let deleted else {
            context.console.error("no run or checkpoints for thread \(thread)")
            return .failure
        }
        context.console.print("deleted thread \(thread) (\(deleted) checkpoints)")
        return .ok
    }
}
