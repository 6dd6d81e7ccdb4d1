import Storage
import Support

/// `tradewizard migrate [--status|--dry-run]`.
enum MigrateCommand: Command {
    static let name = "migrate"
    static let summary = "Apply pending schema migrations (a backup is taken first), or show their status"
    static let usage = "tradewizard migrate [--status | --dry-run] [--json] [options]"
    static let options = [
        OptionSpec(name: "--json", takesValue: false, help: "Print JSON: {version, supported, applied, pending}"),
        OptionSpec(name: "--status", takesValue: false, help: "Show the current version, applied and pending migrations"),
        OptionSpec(name: "--dry-run", takesValue: false, help: "List what would be applied, change nothing"),
    ]

    static func run(_ arguments: ParsedArguments, _ context: CommandContext) async -> ExitCode {
        guard let configuration = context.loadConfiguration(arguments) else { return .usage }
        let console = context.console
        let migrator = Migrator(migrations: Schema.migrations)
        let json = arguments.has("--json")
        struct Report: Encodable {
            struct Entry: Encodable { var version: Int; var name: String; var appliedAt: String?; var checksumMatches: Bool? }
            var version: Int
            var supported: Int
            var applied: [Entry]
            var pending: [Entry]
        }
        if arguments.has("--status") || arguments.has("--dry-run") {
            guard FileSystem.exists(configuration.dataDirectory.databasePath) else {
                if json {
                    console.printJSON(Report(version: 0, supported: Schema.latestVersion, applied: [],
                                             pending: migrator.migrations.map { .init(version: $0.version, name: $0.name) }))
                    return .ok
                }
                console.print("no database yet at \(configuration.dataDirectory.databasePath) (version 0)")
                for migration in migrator.migrations { console.print("pending  \(migration.version)  \(migration.name)") }
                return .ok
            }
            do {
                let status = try await runBlocking { () throws -> MigrationStatus in
                    var readOnly = DatabaseConfiguration()
                    readOnly.readOnly = true
                    return try migrator.status(try Database(path: configuration.dataDirectory.databasePath, configuration: readOnly))
                }
                if json {
                    console.printJSON(Report(version: status.currentVersion, supported: status.latestVersion,
                                             applied: status.applied.map { .init(version: $0.version, name: $0.name, appliedAt: "\($0.appliedAt)", checksumMatches: $0.checksumMatches) },
                                             pending: status.pending.map { .init(version: $0.version, name: $0.name) }))
                    if status.currentVersion > status.latestVersion { console.error("the database is newer than this binary") }
                    return status.currentVersion > status.latestVersion ? .failure : .ok
                }
                console.print("schema version \(status.currentVersion); this binary supports \(status.latestVersion)")
                if !arguments.has("--dry-run") {
                    for applied in status.applied {
                        console.print("applied  \(applied.version)  \(applied.name)  \(applied.appliedAt)" + (applied.checksumMatches ? "" : "  (checksum differs from this binary)"))
                    }
                }
                for migration in status.pending { console.print("pending  \(migration.version)  \(migration.name)") }
                if status.currentVersion > status.latestVersion {
                    console.error("the database is newer than this binary")
                    return .failure
                }
                return .ok
            } catch {
                console.error("\(error)")
                return .failure
            }
        }
        do {
            let database = try await AppDatabase.open(configuration.dataDirectory, configuration: configuration.databaseConfiguration)
            database.close()
            if json {
                console.printJSON(Report(version: Schema.latestVersion, supported: Schema.latestVersion, applied: [], pending: []))
            } else {
                console.print("database is at schema version \(Schema.latestVersion)")
            }
            return .ok
        } catch {
            console.error("migration failed: \(error)")
            return .failure
        }
    }
}
