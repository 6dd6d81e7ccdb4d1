import Pipeline
import Storage

/// The appliance's effective configuration, built once at start from environment variables, an
/// optional `.env` file and command-line flags (later sources win: environment < `.env` < flags),
/// validated into a list of every problem, and passed down explicitly.
public struct Configuration: Sendable {
    public var dataDirectory: DataDirectory
    public var bindAddress: String
    public var port: Int
    public var adminToken: String?
    public var logLevel: LogLevel
    public var logFormat: Logger.Format
    public var analysisIntervalHours: Double
    public var updateIntervalHours: Double
    public var maxMarketsPerCycle: Int
    public var enableManualTriggers: Bool
    public var gammaAPIURL: String
    public var clobAPIURL: String
    public var openAIKey: String?
    public var anthropicKey: String?
    public var googleKey: String?
    public var llmSingleProvider: String?
    public var webhookSecret: String?
    public var offline: Bool
    public var fixturesDirectory: String
    /// Gamma tag id discovery follows (nil: every tag).
    public var polymarketTagID: String?
    public var evergreenTags: Set<String>
    /// Minutes after midnight UTC of the daily backup.
    public var backupMinuteOfDay: Int
    public var backupKeepDaily: Int
    public var backupKeepWeekly: Int
    public var synchronous: DatabaseConfiguration.Synchronous
    public var maxBodyBytes: Int
    public var maxConnections: Int
    public var httpThreads: Int
    public var shutdownSeconds: Double
    public var walMaintenanceMinutes: Double
    /// Resume graph runs interrupted by a crash when `serve` starts.
    public var resumeInterruptedRuns: Bool
    /// Age after which finished runs are pruned to their final checkpoint.
    public var checkpointRetentionDays: Double
    public var webhookToken: String?
    /// Webhook credentials, time bounds, de-duplication and decision rules.
    public var signalIntake: SignalIntakeSettings
    /// Rejection rate over the last hour above which `/health` reports signals degraded.
    public var signalDegradedRejectionRate: Double

    /// Every secret value that is set, for the log redactor.
    public var secrets: [String] {
        [adminToken, openAIKey, anthropicKey, googleKey, webhookSecret, webhookToken].compactMap { $0 }
    }

    /// Discovery settings derived from this configuration.
    public var discovery: DiscoverySettings {
        DiscoverySettings(maxMarketsPerCycle: maxMarketsPerCycle, updateIntervalHours: updateIntervalHours, tagID: polymarketTagID,
                          evergreenTags: evergreenTags)
    }

    /// Database settings derived from this configuration.
    public var databaseConfiguration: DatabaseConfiguration {
        var configuration = DatabaseConfiguration()
        configuration.synchronous = synchronous
        return configuration
    }
}

/// Where a setting's effective value came from.
public enum SettingSource: String, Sendable {
    case defaultValue = "default", environment, dotEnv = ".env", flag
}

/// The result of loading: the configuration when valid, every problem, warnings, and the
/// effective value and source of each setting (secrets masked) for `config check`.
public struct LoadedConfiguration: Sendable {
    public var configuration: Configuration?
    public var problems: [String]
    public var warnings: [String]
    public var effective: [(key: String, value: String, source: SettingSource)]
}
