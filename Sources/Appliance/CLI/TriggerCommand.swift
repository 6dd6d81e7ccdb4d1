import FoundationEssentials
import Pipeline
import Support
/// `tradewizard trigger <conditionId>`: asks the running server to analyse one market now.
enum TriggerCommand: Command {
    static let name = "trigger"
    static let summary = "Ask the running server to analyse a market now (needs the admin token or loopback)"
    static let usage = "tradewizard trigger <conditionId> [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print the server's JSON answer")]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard arguments.positionals.count == 1, let conditionID = arguments.positionals.first, !conditionID.isEmpty else {
            context.console.error("usage: \(usage)")
            return .usage
        }
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        var headers = ["Content-Type": "application/json"]
        if let token = configuration.adminToken { headers["Authorization"] = "Bearer \(token)" }
        do {
            let body = Array("{\"conditionId\":\(JSONString.quote(conditionID))}".utf8)
            let response = try await HealthCommand.client(configuration).send(method: "POST", path: "/trigger", headers: headers, body: body)
            let ok = (200..<300).contains(response.status)
            if arguments.has("--json") {
                context.console.print(response.text)
            } else if ok, let report = try? JSONCoding.decode(AnalysisReport.self, from: response.body) {
                context.console.print(AnalyzeCommand.render(report))
            } else {
                let answer = try? JSONValue.parse(response.body)
                context.console.error("trigger: HTTP \(response.status) \(answer?["error"]?["code"]?.stringValue ?? ""): \(answer?["error"]?["message"]?.stringValue ?? response.text)")
            }
            return ok ? .ok : .failure
        } catch {
            context.console.error("\(error)")
            return .failure
        }
    }
}
