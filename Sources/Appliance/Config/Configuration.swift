import HTTPServer
import Pipeline
import Storage
import Support

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
    /// Offline mode's sample markets from this directory instead of the built-in set.
    public var fixturesDirectory: String?
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
    public var maxConnectionsPerPeer: Int
    public var maxBodyBudgetBytes: Int
    public var httpThreads: Int
    public var shutdownSeconds: Double
    public var walMaintenanceMinutes: Double
    /// Resume graph runs interrupted by a crash when `serve` starts.
    public var resumeInterruptedRuns: Bool
    /// Age after which finished runs are pruned to their final checkpoint.
    public var checkpointRetentionDays: Double
    public var webhookToken: String?
    /// Senders allowed to post signals (`WEBHOOK_ALLOWED_IPS`); nil: any sender.
    public var webhookAllowedSenders: AddressSet?
    /// Proxies whose `X-Forwarded-For` names the client (`TRADEWIZARD_TRUSTED_PROXIES`).
    public var trustedProxies: AddressSet
    /// Webhook credentials, time bounds, de-duplication and decision rules.
    public var signalIntake: SignalIntakeSettings
    /// Rejection rate over the last hour above which `/health` reports signals degraded.
    public var signalDegradedRejectionRate: Double
    /// LLM providers, prices, budgets, quotas and news.
    public var llm: LLMConfiguration
    /// The rules of the track record's simulated trades (stake, fee rate, fill window).
    public var tradeRules = TradeRules()
    /// Minutes between price-history points asked of Polymarket.
    public var priceHistoryFidelityMinutes = 60
    /// Days price points are kept (those of recommended markets are kept regardless).
    public var priceHistoryRetentionDays = 365.0
    /// Where alerts go and how (`ALERT_*`).
    public var alerts = AlertConfiguration()
    /// Days chart snapshots of recommendations are kept.
    public var chartSnapshotRetentionDays = 60.0
    /// `DECISION_BLEND=auto`: blend the decision probability with the market's.
    public var decisionBlend = false

    /// Every secret value that is set, for the log redactor.
    public var secrets: [String] {
        [adminToken, openAIKey, anthropicKey, googleKey, webhookSecret, webhookToken, llm.newsDataKey].compactMap { $0 }
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

/// The LLM part of the configuration.
public struct LLMConfiguration: Sendable {
    public var openAIBaseURL: String?
    public var anthropicBaseURL: String
    public var googleBaseURL: String
    public var openAIModel: String
    public var anthropicModel: String
    public var googleModel: String
    public var openAIKey: String?
    public var anthropicKey: String?
    public var googleKey: String?
    public var singleProvider: LLMProviderName?
    public var preferred: [String: LLMProviderName]
    public var prices: PriceTable
    public var maxConcurrentCalls: Int
    public var timeoutSeconds: Double
    public var riskPerspectives: Bool
    public var maxCostPerAnalysis: Double
    public var maxCostPerDay: Double?
    /// API → calls per UTC day (`openai`, `anthropic`, `google`, `newsdata`).
    public var dailyQuotas: [String: Int]
    public var newsDataKey: String?
    public var newsCacheMinutes: Double

    /// Providers with what they need (a key, or a base URL for an OpenAI-compatible server), in
    /// fallback order, narrowed to `singleProvider` when set.
    public var configuredProviders: [String] {
        var names: [String] = []
        if openAIKey != nil || openAIBaseURL != nil { names.append("openai") }
        if anthropicKey != nil { names.append("anthropic") }
        if googleKey != nil { names.append("google") }
        if let single = singleProvider { return names.filter { $0 == single.rawValue } }
        return names
    }

    /// APIs whose quota `/health` shows: the configured providers and, with a key, the news API.
    public var quotaAPIs: [String] { configuredProviders + (newsDataKey != nil ? [NewsDataFeed.api] : []) }
}

/// The alert channels and the sender's settings (`ALERT_*`).
public struct AlertConfiguration: Sendable {
    public var routing = AlertRouting(channels: [])
    public var sender = AlertSender.Settings()
    /// Minutes a channel may fail before `/health` is degraded.
    public var failingMinutes = 60.0
    /// Minute of the day the digest is sent, in `digestZone`.
    public var digestMinuteOfDay = 7 * 60
    public var digestZone = SessionTimeZone("UTC")!
    public var isEnabled: Bool { !routing.channels.isEmpty }
}
