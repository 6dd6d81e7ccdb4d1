import FoundationEssentials
import Storage
import Support

/// `tradewizard serve`: the daemon.
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
        do {
            group = try await runtime.start()
        } catch {
            logger.critical("cannot start: \(error)")
            notifier.notify("STATUS=start failed")
            return .failure
        }
        let port = runtime.port ?? configuration.port
        logger.info("tradewizard ready", ["version": Version.current, "bind": configuration.bindAddress, "port": String(port),
                                          "dataDir": configuration.dataDirectory.path])
        notifier.notify("READY=1\nSTATUS=serving on \(configuration.bindAddress):\(port)\nMAINPID=\(ProcessInfo.processInfo.processIdentifier)")
        runtime.startWatchdog(notifier)
        let signalNumber = await stopSignal.value
        logger.info("stopping", ["signal": String(signalNumber), "deadlineSeconds": String(configuration.shutdownSeconds)])
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        await group.stop(within: configuration.shutdownSeconds)
        logger.info("stopped cleanly")
        return .ok
    }
}
