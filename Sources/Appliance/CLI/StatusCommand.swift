import FoundationEssentials
import Storage
import Support

/// `tradewizard status`: a human summary of the running server.
enum StatusCommand: Command {
    static let name = "status"
    static let summary = "Summarise the running server: health, uptime, next job runs, last backup"
    static let usage = "tradewizard status [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]

    struct Health: Decodable {
        struct Scheduler: Decodable { var nextRuns: [String: String]; var lastResults: [String: String] }
        struct Components: Decodable { var backup: Backup; var disk: Disk; var database: DatabaseComponent }
        struct Backup: Decodable { var lastFile: String?; var ageSeconds: Double?; var verified: Bool? }
        struct Disk: Decodable { var freeBytes: Int64 }
        struct DatabaseComponent: Decodable { var sizeBytes: Int64; var walBytes: Int64; var latencyMs: Double }
        var status: String
        var uptime: Double
        var version: String
        var reasons: [String]
        var scheduler: Scheduler
        var components: Components
    }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        do {
            let response = try await HealthCommand.client(configuration).send(method: "GET", path: "/health")
            if arguments.has("--json") {
                context.console.print(response.text)
                return response.status == 200 ? .ok : .failure
            }
            let health = try JSONDecoder().decode(Health.self, from: Data(response.body))
            let console = context.console
            console.print("status:    \(health.status)" + (health.reasons.isEmpty ? "" : " (\(health.reasons.joined(separator: "; ")))"))
            console.print("version:   \(health.version), up \(formatAge(health.uptime))")
            console.print("database:  \(formatBytes(health.components.database.sizeBytes)), WAL \(formatBytes(health.components.database.walBytes)), write probe \(String(format2(health.components.database.latencyMs))) ms")
            console.print("disk free: \(formatBytes(health.components.disk.freeBytes))")
            if let file = health.components.backup.lastFile {
                console.print("backup:    \(file), \(formatAge(health.components.backup.ageSeconds ?? 0)) old, verified: \(health.components.backup.verified.map(String.init) ?? "not yet")")
            } else {
                console.print("backup:    none yet")
            }
            for (job, next) in health.scheduler.nextRuns.sorted(by: { $0.key < $1.key }) {
                console.print("job \(job.padding(to: 16))next \(next)  last: \(health.scheduler.lastResults[job] ?? "never")")
            }
            return response.status == 200 ? .ok : .failure
        } catch {
            context.console.error("\(error)")
            return .failure
        }
    }

    static func format2(_ value: Double) -> Double { (value * 100).rounded() / 100 }
}
