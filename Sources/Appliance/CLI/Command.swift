import Synchronization
import FoundationEssentials
import Storage
import Support

/// Process exit codes: 0 ok, 1 the operation failed, 2 the command line or configuration was wrong.
enum ExitCode: Int32 {
    case ok = 0, failure = 1, usage = 2
}

/// One option a verb accepts.
struct OptionSpec {
    let name: String
    let takesValue: Bool
    let help: String
}

/// A verb of `tradewizard`: its name, one-line summary, usage and options.
protocol Command {
    static var name: String { get }
    static var summary: String { get }
    static var usage: String { get }
    static var options: [OptionSpec] { get }
    /// Whether the configuration flags (`--data-dir`, `--port`, …) apply to this verb.
    static var usesConfiguration: Bool { get }
    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode
}

extension Command {
    static var usesConfiguration: Bool { true }

    static var help: String {
        var text = "tradewizard \(name) — \(summary)\n\nUsage: \(usage)\n"
        let all = options + (usesConfiguration ? configurationOptions : []) + [OptionSpec(name: "--help", takesValue: false, help: "Show this help")]
        text += "\nOptions:\n"
        for option in all {
            let left = option.name + (option.takesValue ? " <value>" : "")
            text += "  " + left.padding(to: 24) + option.help + "\n"
        }
        return text
    }

    /// Flags that set configuration values, from the settings table.
    static var configurationOptions: [OptionSpec] {
        Setting.all.compactMap { setting in
            setting.flag.map { OptionSpec(name: $0, takesValue: !setting.isBoolean, help: "\(setting.summary) (\(setting.key))") }
        }
    }
}

/// Positional arguments and options after the verb.
struct ParsedArguments {
    var positionals: [String] = []
    var options: [String: String] = [:]

    func has(_ name: String) -> Bool { options[name] != nil }

    /// `--limit` for the paginated listings (1…`PageRequest.maximumLimit`, default 50); nil after
    /// printing the usage error.
    func pageLimit(_ context: CommandContext) -> Int? {
        guard let limit = Int(options["--limit"] ?? "50"), (1...PageRequest.maximumLimit).contains(limit) else {
            context.console.error("--limit takes a number from 1 to \(PageRequest.maximumLimit)")
            return nil
        }
        return limit
    }

    /// Parses `--name value`, `--name=value` and boolean `--name`. Unknown options are usage errors.
    static func parse(_ arguments: [String], accepting specs: [OptionSpec]) throws -> ParsedArguments {
        var parsed = ParsedArguments()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                parsed.positionals.append(argument)
                continue
            }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            guard let spec = specs.first(where: { $0.name == name }) else {
                throw UsageError("unknown option \(name)")
            }
            if spec.takesValue {
                if let inlineValue {
                    parsed.options[name] = inlineValue
                } else {
                    guard index < arguments.count else { throw UsageError("\(name) needs a value") }
                    parsed.options[name] = arguments[index]
                    index += 1
                }
            } else {
                guard inlineValue == nil else { throw UsageError("\(name) takes no value") }
                parsed.options[name] = "true"
            }
        }
        return parsed
    }
}

/// A command-line mistake; printed with the verb's usage and exit code 2.
struct UsageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// What a verb runs with: the environment and where to print.
struct CommandContext: Sendable {
    let environment: [String: String]
    let console: Console

    /// Loads the configuration with this invocation's flags. On problems prints them all and
    /// returns nil.
    func loadConfiguration(_ arguments: ParsedArguments) -> Configuration? {
        var flags: [String: String] = [:]
        for setting in Setting.all {
            if let flag = setting.flag, let value = arguments.options[flag] { flags[setting.key] = value }
        }
        let loaded = ConfigurationLoader.load(environment: environment, flags: flags)
        for warning in loaded.warnings { console.warn("warning: \(warning)") }
        guard let configuration = loaded.configuration else {
            console.error("configuration has \(loaded.problems.count) problem(s):")
            for problem in loaded.problems { console.error("  - \(problem)") }
            return nil
        }
        return configuration
    }

    /// The logger for a configuration (stdout; secrets redacted).
    func logger(for configuration: Configuration) -> Logger {
        Logger(level: configuration.logLevel, format: configuration.logFormat, secrets: configuration.secrets)
    }
}

/// Standard output and error.
struct Console: Sendable {
    let output: LogSink
    let errors: LogSink
    /// What was written, so a failed `--json` verb that printed nothing can answer one JSON error.
    let record = ConsoleRecord()

    static let standard = Console(output: .standardOutput, errors: .standardError)

    func print(_ text: String) {
        record.printed.set(true)
        output.write(text + "\n")
    }

    /// An error line on standard error (also kept for the JSON error of a failed `--json` verb).
    func error(_ text: String) {
        record.errors.withLock { $0.append(text) }
        errors.write(text + "\n")
    }

    /// A warning line on standard error (never part of a JSON error).
    func warn(_ text: String) { errors.write(text + "\n") }

    /// For a `--json` verb that failed without printing: one JSON error object on standard
    /// output, `{"error":{"code","message"}}`, the shape the HTTP API answers with.
    func printJSONError(code: String) {
        guard !record.printed.isSet else { return }
        let message = record.errors.withLock { $0 }.joined(separator: "; ")
        print(String(decoding: JSONValue.object(["error": .object(["code": .string(code), "message": .string(message.isEmpty ? code : message)])]).serialized(),
                     as: UTF8.self))
    }

    /// Prints a value as indented JSON.
    func printJSON(_ value: some Encodable) {
        if let data = try? JSONCoding.encoder(pretty: true).encode(value) { print(String(decoding: data, as: UTF8.self)) }
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

/// What a console wrote, shared by its copies.
final class ConsoleRecord: Sendable {
    let printed = AtomicFlag()
    let errors = Mutex<[String]>([])
}

