import FoundationEssentials
import Storage
import Support

/// `tradewizard backups`: lists backups with age, size and verification.
enum BackupsCommand: Command {
    static let name = "backups"
    static let summary = "List backups with age, size and verification result"
    static let usage = "tradewizard backups [--json] [options]"
    static let options = [OptionSpec(name: "--json", takesValue: false, help: "Print JSON")]

    struct Entry: Encodable {
        var file: String
        var kind: String
        var createdAt: String?
        var bytes: Int64
        var verified: Bool?
        var verifiedAt: String?
        var problems: [String]
    }

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let entries = Backup.list(in: configuration.dataDirectory.backupsPath).map {
            Entry(file: $0.file, kind: $0.manifest?.kind.rawValue ?? "unknown", createdAt: $0.manifest?.createdAt, bytes: $0.byteSize,
                  verified: $0.lastVerification?.isValid, verifiedAt: $0.lastVerification?.verifiedAt,
                  problems: $0.lastVerification?.problems ?? [])
        }
        if arguments.has("--json") {
            context.console.printJSON(entries)
            return .ok
        }
        if entries.isEmpty {
            context.console.print("no backups in \(configuration.dataDirectory.backupsPath)")
            return .ok
        }
        let now = Date()
        for entry in entries {
            let age = entry.createdAt.flatMap(Timestamp.parse).map { formatAge(now.timeIntervalSince($0)) } ?? "?"
            let verified = entry.verified.map { $0 ? "verified" : "FAILED" } ?? "not verified"
            context.console.print(entry.file.padding(to: 44) + age.padding(to: 8) + formatBytes(entry.bytes).padding(to: 10) + verified)
        }
        return .ok
    }
}
