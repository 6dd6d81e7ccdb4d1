import Support
/// `tradewizard config check`.
enum ConfigCommand: Command {
    static let name = "config"
    static let summary = "Show the effective configuration (secrets masked) and every problem in it"
    static let usage = "tradewizard config check [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]

    struct Report: Encodable {
        struct Entry: Encodable { var key: String; var value: String; var source: String }
        var settings: [Entry]
        var warnings: [String]
        var problems: [String]
    }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals == ["check"] else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        var flags: [String: String] = [:]
        for setting in Setting.all {
            if let flag = setting.flag, let value = arguments.options[flag] { flags[setting.key] = value }
        }
        let loaded = ConfigurationLoader.load(environment: context.environment, flags: flags)
        let report = Report(settings: loaded.effective.map { .init(key: $0.key, value: $0.value, source: $0.source.rawValue) },
                            warnings: loaded.warnings, problems: loaded.problems)
        if arguments.has("--json") {
            context.console.printJSON(report)
        } else {
            for entry in report.settings {
                context.console.print(entry.key.padding(to: 36) + entry.value.padding(to: 36) + "(\(entry.source))")
            }
            for warning in report.warnings { context.console.print("warning: \(warning)") }
            if report.problems.isEmpty {
                context.console.print("configuration is valid")
            } else {
                context.console.print("\(report.problems.count) problem(s):")
                for problem in report.problems { context.console.print("  - \(problem)") }
            }
        }
        // 2, as `serve` exits on an invalid configuration.
        return report.problems.isEmpty ? .ok : .usage
    }
}
