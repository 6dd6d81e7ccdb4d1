import FoundationEssentials
import Support

/// `tradewizard serve`: the daemon. Exit status 0 after a clean stop (SIGTERM/SIGINT), 1 when it
/// cannot start or when one of its services dies (so systemd restarts it).
enum ServeCommand: Command {
    static let name = "serve"
    static let summary = "Run the appliance: database, scheduler, HTTP server (stops cleanly on SIGTERM/SIGINT)"
    static let usage = "tradewizard serve [options]"
    static let options: [OptionSpec] = []

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let logger = context.logger(for: configuration)
        let notifier = SystemdNotifier(environment: context.environment)
        let runtime = ApplianceRuntime(configuration: configuration, logger: logger)
        let signals = SignalWaiter()
        let stopSignal = Task { await signals.wait() }
        let group: ServiceGroup
        let parts: ApplianceRuntime.Parts
        do {
            parts = try await runtime.prepare()
            group = ServiceGroup(services: runtime.services(parts, notifier: notifier), logger: logger)
            try await group.start()
        } catch {
            logger.critical("cannot start: \(error)")
            notifier.notify("STATUS=start failed")
            return .failure
        }
        let port = parts.server.boundPort ?? configuration.port
        if configuration.offline {
            logger.warning("offline mode: analysing SAMPLE DATA built into the binary, not real Polymarket markets; everything made from it is marked sample and kept out of live figures")
        } else {
            logger.info("live mode: markets come from Polymarket only; while it cannot be reached nothing is analysed and /health says degraded",
                        ["gamma": configuration.gammaAPIURL, "clob": configuration.clobAPIURL])
        }
        logger.info("tradewizard ready", ["version": Version.current, "bind": configuration.bindAddress, "port": port,
                                          "dataDir": configuration.dataDirectory.path, "data": configuration.offline ? "sample" : "live"])
        notifier.notify("READY=1\nSTATUS=serving on \(configuration.bindAddress):\(port)\nMAINPID=\(ProcessInfo.processInfo.processIdentifier)")
        let outcome = await group.run(until: { await stopSignal.value }, shutdownSeconds: configuration.shutdownSeconds) { _ in
            runtime.stop.raise()
            notifier.notify("STOPPING=1\nSTATUS=stopping")
        }
        switch outcome {
        case .stopped:
            logger.info("stopped cleanly")
        case .serviceDied(let name, let reason):
            notifier.notify("STATUS=stopped: service \(name) died: \(reason)")
            logger.critical("stopped because a service died", ["service": name, "reason": reason])
        }
        return exitCode(for: outcome)
    }

    /// 0 after a requested stop; 1 when a service died, so the supervisor restarts the process.
    static func exitCode(for outcome: ServiceGroupOutcome) -> ExitCode {
        switch outcome {
        case .stopped: .ok
        case .serviceDied: .failure
        }
    }
}
