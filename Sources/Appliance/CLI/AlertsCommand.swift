import FoundationEssentials
import Pipeline
import Storage
import Support

/// `tradewizard alerts [--status S] [--json]`: the outbox; `tradewizard alerts test <channel>`:
/// one test message sent now, and the provider's answer.
enum AlertsCommand: Command {
    static let name = "alerts"
    static let summary = "List the alert outbox (pending, sent, failed), or send a test message to a channel"
    static let usage = "tradewizard alerts [--status pending|sent|failed|coalesced] [--limit N] [--json] [options]\ntradewizard alerts test <webhook|slack|discord|telegram>"
    static let options = [
        OptionSpec(name: "--status", takesValue: true, help: "Only deliveries with this status"),
        OptionSpec(name: "--limit", takesValue: true, help: "At most this many (default 50)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        if arguments.positionals.first == "test" { return await test(arguments, configuration, context) }
        guard arguments.positionals.isEmpty else {
            context.console.error("alerts: unknown verb \(arguments.positionals[0])\n\n\(usage)")
            return .usage
        }
        guard let limit = arguments.pageLimit(context) else { return .usage }
        let status = arguments.options["--status"].map { DeliveryStatus(rawValue: $0) }
        if let status, status == nil {
            context.console.error("alerts: --status takes \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            return .usage
        }
        do {
            let deliveries = try configuration.openDatabaseReadOnly().alerts.list(status: status ?? nil, limit: limit)
            if arguments.has("--json") { context.console.printJSON(deliveries); return .ok }
            if configuration.alerts.routing.channels.isEmpty { context.console.print("no alert channel is configured (see README, Alerts)") }
            if deliveries.isEmpty { context.console.print("the outbox is empty") }
            for d in deliveries {
                context.console.print(Timestamp.format(d.createdAt).padding(to: 26) + d.channel.padding(to: 10) + d.status.rawValue.padding(to: 11)
                                      + "\(d.attempts) tries".padding(to: 10) + d.event.padding(to: 27) + String(d.text.prefix(90))
                                      + (d.lastError.map { "  [\($0.prefix(80))]" } ?? ""))
            }
            return .ok
        } catch {
            context.console.error("alerts: \(error)")
            return .failure
        }
    }

    static func test(_ arguments: ParsedArguments, _ configuration: Configuration, _ context: CommandContext) async -> ExitCode {
        let names = configuration.alerts.routing.channels.map(\.name)
        guard arguments.positionals.count == 2, let channel = configuration.alerts.routing.channels.first(where: { $0.name == arguments.positionals[1] }) else {
            context.console.error("alerts test: name a configured channel: " + (names.isEmpty ? "none is configured (see README, Alerts)" : names.joined(separator: ", ")))
            return .usage
        }
        let now = Date()
        let delivery = AlertDelivery(id: 0, alertID: Int64(now.timeIntervalSince1970), channel: channel.name, event: AlertEvents.test.name,
                                     severity: .info, text: "TradeWizard test message: this channel works (\(Timestamp.format(now))).",
                                     data: .object(["test": .bool(true)]), createdAt: now)
        let client = NetworkClient(settings: NetworkSettings(timeout: 15, maxResponseBytes: 1 << 20, threads: 1, retry: HTTPRetryPolicy(maxAttempts: 1)))
        do {
            let response = try await client.sendOnce(channel.request(delivery, text: delivery.text, now: now))
            let outcome = channel.outcome(response, now: now)
            context.console.print("\(channel.name): HTTP \(response.status) \(response.text.prefix(500))")
            if case .sent = outcome { return .ok }
            if case .wait(let seconds, _) = outcome {
                context.console.error("alerts test: the provider asks to wait \(Int(seconds)) s before the next message")
            } else {
                context.console.error("alerts test: the provider did not take the message (its answer is above)")
            }
            return .failure
        } catch {
            context.console.error("alerts test: \(error)")
            return .failure
        }
    }
}

/// `tradewizard digest [--day D] [--send] [--json]`: the daily digest, printed or sent now.
enum DigestCommand: Command {
    static let name = "digest"
    static let summary = "Print the daily digest (yesterday, UTC), or send it to the alert channels now"
    static let usage = "tradewizard digest [--day YYYY-MM-DD] [--send] [--json] [options]"
    static let options = [
        OptionSpec(name: "--day", takesValue: true, help: "The UTC day (default yesterday)"),
        OptionSpec(name: "--send", takesValue: false, help: "Put it in the alert outbox and deliver it now (through the server when it runs)"),
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let day = arguments.options["--day"] ?? Digest.yesterday(Date())
        guard day.count == 10, Timestamp.parse(day + "T00:00:00Z") != nil else {
            context.console.error("digest: --day takes YYYY-MM-DD\n\n\(usage)")
            return .usage
        }
        do {
            let digest = try Digest.build(try configuration.openDatabaseReadOnly(), day: day, configuration: configuration, now: Date())
            if arguments.has("--json") { context.console.printJSON(digest) } else { context.console.print(digest.text) }
            guard arguments.has("--send") else { return .ok }
            guard configuration.alerts.isEnabled else {
                context.console.error("digest: no alert channel is configured; nothing was sent (see README, Alerts)")
                return .failure
            }
            return try await send(digest, configuration, context)
        } catch {
            context.console.error("digest: \(error)")
            return .failure
        }
    }

    /// Through the outbox: here when the data directory is free, else through the running server.
    static func send(_ digest: Digest, _ configuration: Configuration, _ context: CommandContext) async throws -> ExitCode {
        let database: AppDatabase
        do {
            database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration)
        } catch let error as StorageError where error.code == .dataDirectoryLocked {
            var headers = ["Content-Type": "application/json"]
            if let token = configuration.adminToken { headers["Authorization"] = "Bearer \(token)" }
            let body = Array("{\"day\":\(JSONString.quote(digest.day))}".utf8)
            let response = try await HealthCommand.client(configuration).send(method: "POST", path: "/admin/digest", headers: headers, body: body)
            guard (200..<300).contains(response.status) else {
                context.console.error("digest: the server answered HTTP \(response.status): \(response.text)")
                return .failure
            }
            context.console.warn("digest: handed to the running server's outbox")
            return .ok
        }
        defer { database.close() }
        try await database.pool.write { _ = try $0.alerts.enqueue(digest.alert) }
        let pass = try await AlertSender.make(configuration: configuration, pool: database.pool, clock: SystemWallClock(), logger: .disabled).runOnce()
        context.console.warn("digest: \(pass.sent) message(s) sent, \(pass.waiting) waiting for a retry, \(pass.failed) given up (see tradewizard alerts)")
        return pass.failed == 0 ? .ok : .failure
    }
}
