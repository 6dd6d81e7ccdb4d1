import FoundationEssentials
import HTTPServer
import Support

/// `tradewizard health`: asks a running server for `/health`; exit 0 when healthy or degraded.
enum HealthCommand: Command {
    static let name = "health"
    static let summary = "Ask the running server for its health (exit 0 healthy/degraded, 1 unhealthy or unreachable)"
    static let usage = "tradewizard health [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print the full /health JSON")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            let response = try await client(configuration).send(method: "GET", path: "/health")
            let status = (try? JSONDecoder().decode([String: JSONLoose].self, from: Data(response.body)))?["status"]?.text ?? "unknown"
            context.console.print(arguments.has("--json") ? response.text : status)
            return response.status == 200 ? .ok : .failure
        } catch {
            context.console.error("\(error)")
            return .failure
        }
    }

    static func client(_ configuration: Configuration) -> LoopbackHTTPClient {
        LoopbackHTTPClient(host: LoopbackHTTPClient.host(forBind: configuration.bindAddress), port: configuration.port)
    }
}

/// Decodes any JSON scalar for quick lookups in CLI output.
struct JSONLoose: Decodable {
    var text: String?
    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(String.self) { text = value }
        else if let value = try? container.decode(Double.self) { text = String(value) }
        else if let value = try? container.decode(Bool.self) { text = String(value) }
        else { text = nil }
    }
}
