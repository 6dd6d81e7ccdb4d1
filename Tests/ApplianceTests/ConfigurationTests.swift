import FoundationEssentials
import Glibc
@testable import Appliance
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

final class ConfigurationTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { _ = try? FileManager.default.removeItem(atPath: directory) }

    func load(_ environment: [String: String], flags: [String: String] = [:]) -> LoadedConfiguration {
        var environment = environment
        if environment["TRADEWIZARD_ENV_FILE"] == nil { environment["TRADEWIZARD_ENV_FILE"] = "/dev/null" }
        return ConfigurationLoader.load(environment: environment, flags: flags)
    }

    func testDefaultsMatchTheOriginalMonitor() throws {
        let configuration = try XCTUnwrap(load([:]).configuration)
        XCTAssertEqual(configuration.analysisIntervalHours, 24)
        XCTAssertEqual(configuration.updateIntervalHours, 24)
        XCTAssertEqual(configuration.maxMarketsPerCycle, 3)
        XCTAssertEqual(configuration.port, 3000)
        XCTAssertTrue(configuration.enableManualTriggers)
        XCTAssertEqual(configuration.logLevel, .info)
        XCTAssertEqual(configuration.bindAddress, "127.0.0.1")
        XCTAssertEqual(configuration.dataDirectory.path, "./data")
        XCTAssertEqual(configuration.backupMinuteOfDay, 120)
        XCTAssertEqual(configuration.synchronous, .full)
    }

    func testLLMSettingsDefaultToNoProviderAndATwoDollarBudget() throws {
        let llm = try XCTUnwrap(load([:]).configuration).llm
        XCTAssertEqual(llm.configuredProviders, [], "no key, no base URL: the offline agents run alone")
        XCTAssertEqual(llm.maxCostPerAnalysis, 2.0)
        XCTAssertNil(llm.maxCostPerDay)
        XCTAssertEqual(llm.dailyQuotas["newsdata"], 200)
        let local = try XCTUnwrap(load(["OPENAI_BASE_URL": "http://127.0.0.1:11434/v1", "OPENAI_DEFAULT_MODEL": "llama3.1"]).configuration).llm
        XCTAssertEqual(local.configuredProviders, ["openai"], "a local OpenAI-compatible server needs no key")
        let both = try XCTUnwrap(load(["OPENAI_API_KEY": "sk-12345678", "GOOGLE_API_KEY": "g-12345678", "LLM_SINGLE_PROVIDER": "google",
                                       "LLM_NODE_PROVIDERS": "catalyst=anthropic, theses=google"]).configuration).llm
        XCTAssertEqual(both.configuredProviders, ["google"])
        XCTAssertEqual(both.preferred, ["catalyst": .anthropic, "theses": .google])
    }

    func testBadLLMSettingsAreProblemsWithTheirFix() {
        let single = load(["LLM_SINGLE_PROVIDER": "anthropic"])
        XCTAssertNil(single.configuration)
        XCTAssertEqual(single.problems, ["LLM_SINGLE_PROVIDER: anthropic is not configured (set ANTHROPIC_API_KEY)"])
        let bad = load(["LLM_PRICES": "openai/gpt=1", "LLM_NODE_PROVIDERS": "catalyst=mistral", "COST_MAX_PER_ANALYSIS_USD": "-1"])
        XCTAssertEqual(bad.problems.count, 3, "\(bad.problems)")
        XCTAssertTrue(bad.problems.contains { $0.hasPrefix("LLM_PRICES: \"openai/gpt=1\" is not provider/model=input:output") }, "\(bad.problems)")
        XCTAssertTrue(bad.problems.contains { $0.hasPrefix("LLM_NODE_PROVIDERS: \"catalyst=mistral\" is not node=provider") }, "\(bad.problems)")
    }

    func testFlagsBeatDotEnvWhichBeatsTheEnvironment() throws {
        let file = directory + "/.env"
        try FileSystem.writeAtomically(Data("HEALTH_CHECK_PORT=4000\nMAX_MARKETS_PER_CYCLE=7\nexport LOG_LEVEL=\"debug\" \n# comment\n".utf8), to: file)
        let loaded = load(["TRADEWIZARD_ENV_FILE": file, "HEALTH_CHECK_PORT": "3500", "MAX_MARKETS_PER_CYCLE": "5", "UPDATE_INTERVAL_HOURS": "6"],
                          flags: ["HEALTH_CHECK_PORT": "4500"])
        let configuration = try XCTUnwrap(loaded.configuration, "\(loaded.problems)")
        XCTAssertEqual(configuration.port, 4500)
        XCTAssertEqual(configuration.maxMarketsPerCycle, 7)
        XCTAssertEqual(configuration.logLevel, .debug)
        XCTAssertEqual(configuration.updateIntervalHours, 6)
        XCTAssertEqual(loaded.effective.first { $0.key == "HEALTH_CHECK_PORT" }?.source, .flag)
        XCTAssertEqual(loaded.effective.first { $0.key == "MAX_MARKETS_PER_CYCLE" }?.source, .dotEnv)
    }

    func testBindAddressesAreCheckedAtConfigurationTimeAndLocalhostIsResolved() throws {
        XCTAssertEqual(try XCTUnwrap(load(["TRADEWIZARD_BIND": "localhost"]).configuration).bindAddress, "127.0.0.1")
        XCTAssertEqual(try XCTUnwrap(load(["TRADEWIZARD_BIND": "::1"]).configuration).bindAddress, "::1")
        XCTAssertEqual(try XCTUnwrap(load(["TRADEWIZARD_BIND": "0.0.0.0", "TRADEWIZARD_ADMIN_TOKEN": "admin-token-0123456789"]).configuration).bindAddress, "0.0.0.0")
        for bad in ["my-host.example", "300.1.1.1", "127.0.0.1:3000"] {
            let loaded = load(["TRADEWIZARD_BIND": bad])
            XCTAssertNil(loaded.configuration, bad)
            XCTAssertTrue(loaded.problems.contains { $0.hasPrefix("TRADEWIZARD_BIND:") }, "\(bad): \(loaded.problems)")
        }
    }

    func testADedupWindowShorterThanTheAcceptanceWindowIsAProblemBecauseReplaysWouldPass() {
        let loaded = load(["SIGNAL_MAX_LAG_SECONDS": "600", "SIGNAL_DEDUP_TTL_SECONDS": "300"])
        XCTAssertNil(loaded.configuration)
        XCTAssertEqual(loaded.problems.count, 1)
        XCTAssertTrue(loaded.problems[0].hasPrefix("SIGNAL_DEDUP_TTL_SECONDS:"), loaded.problems[0])
        XCTAssertTrue(loaded.problems[0].contains("at least 605"), loaded.problems[0])
        XCTAssertNotNil(load(["SIGNAL_MAX_LAG_SECONDS": "600", "SIGNAL_DEDUP_TTL_SECONDS": "605"]).configuration)
    }

    func testBindingBeyondLoopbackWithoutAnAdminTokenIsAProblem() {
        for address in ["0.0.0.0", "::"] {
            let loaded = load(["TRADEWIZARD_BIND": address])
            XCTAssertNil(loaded.configuration, address)
            XCTAssertTrue(loaded.problems.contains { $0.hasPrefix("TRADEWIZARD_BIND:") && $0.contains("TRADEWIZARD_ADMIN_TOKEN") }, "\(loaded.problems)")
        }
    }

    func testAPaidOpenAICompatibleServiceWithoutAPriceIsAProblemNeverFree() throws {
        let remote = ["OPENAI_BASE_URL": "https://openrouter.ai/api/v1", "OPENAI_API_KEY": "sk-or-0123456789", "OPENAI_DEFAULT_MODEL": "anthropic/claude-sonnet-4"]
        let loaded = load(remote)
        XCTAssertNil(loaded.configuration)
        XCTAssertTrue(loaded.problems.contains { $0.hasPrefix("LLM_PRICES:") && $0.contains("openai/anthropic/claude-sonnet-4=") }, "\(loaded.problems)")
        let priced = try XCTUnwrap(load(remote.merging(["LLM_PRICES": "openai/anthropic/claude-sonnet-4=3:15"]) { $1 }).configuration)
        XCTAssertEqual(priced.llm.prices.price(.openai, model: "anthropic/claude-sonnet-4", local: false).outputPerMillion, 15)
        for local in ["http://127.0.0.1:11434/v1", "http://localhost:8080/v1", "http://192.168.1.20:8000/v1", "http://[::1]:11434/v1", "http://10.0.0.5/v1"] {
            XCTAssertNotNil(load(["OPENAI_BASE_URL": local, "OPENAI_DEFAULT_MODEL": "llama3.1"]).configuration, local)
            XCTAssertTrue(LocalHost.isLocal(url: local), local)
        }
        for remote in ["https://openrouter.ai/api/v1", "https://api.together.xyz/v1", "http://172.32.0.1/v1", "http://8.8.8.8/v1", "not a url"] {
            XCTAssertFalse(LocalHost.isLocal(url: remote), remote)
        }
        let provider = OpenAIProvider(network: NetworkClient(settings: NetworkSettings()), key: "k", model: "m", baseURL: "https://openrouter.ai/api/v1")
        XCTAssertFalse(provider.isLocal, "a remote compatible service is not free")
    }

    func testAnOriginalMonitorEnvFileWorksAndEveryLineIsUsedOrExplained() throws {
        // The names of the original monitor's .env.monitor.example, with values of our own.
        let lines = [
            "SUPABASE_URL=https://example.supabase.co", "SUPABASE_KEY=anon-key-0123", "SUPABASE_SERVICE_ROLE_KEY=service-key-0123",
            "POLYMARKET_GAMMA_API_URL=https://gamma-api.polymarket.com", "POLYMARKET_CLOB_API_URL=https://clob.polymarket.com",
            "POLYMARKET_RATE_LIMIT_BUFFER=80", "LLM_SINGLE_PROVIDER=openai", "OPENAI_API_KEY=sk-test-0123456789",
            "OPENAI_DEFAULT_MODEL=gpt-4o-mini", "ANALYSIS_INTERVAL_HOURS=24", "UPDATE_INTERVAL_HOURS=24", "MAX_MARKETS_PER_CYCLE=3",
            "NEWS_API_DAILY_QUOTA=100", "TWITTER_API_DAILY_QUOTA=500", "REDDIT_API_DAILY_QUOTA=60", "HEALTH_CHECK_PORT=3000",
            "ENABLE_MANUAL_TRIGGERS=true", "NODE_ENV=production", "LOG_LEVEL=warn", "AUDIT_TRAIL_RETENTION_DAYS=30",
            "OPIK_API_KEY=opik-0123", "OPIK_PROJECT_NAME=tradewizard-monitor", "OPIK_WORKSPACE=default", "OPIK_TRACK_COSTS=true",
            "OPIK_TAGS=production,automated-monitor", "LANGGRAPH_CHECKPOINTER=postgres", "LANGGRAPH_RECURSION_LIMIT=25",
            "LANGGRAPH_STREAM_MODE=values", "AGENT_TIMEOUT_MS=10000", "MIN_AGENTS_REQUIRED=2", "MIN_EDGE_THRESHOLD=0.05",
            "HIGH_DISAGREEMENT_THRESHOLD=0.15", "DB_POOL_MIN=2", "DB_POOL_MAX=10", "MAX_RETRY_ATTEMPTS=3", "RETRY_BASE_DELAY_MS=1000",
            "CIRCUIT_BREAKER_THRESHOLD=5", "CIRCUIT_BREAKER_TIMEOUT_MS=60000", "POLYMARKET_POLITICS_TAG_ID=2", "NEWSDATA_DAILY_QUOTA=150",
        ]
        let path = directory + "/original.env"
        try FileSystem.writeAtomically(Data(lines.joined(separator: "\n").utf8), to: path)
        chmod(path, 0o600)
        let loaded = load(["TRADEWIZARD_ENV_FILE": path])
        let configuration = try XCTUnwrap(loaded.configuration, "\(loaded.problems)")
        XCTAssertEqual(configuration.logLevel, .warning, "the original's `warn` is our warning")
        XCTAssertEqual(configuration.llm.timeoutSeconds, 10, "AGENT_TIMEOUT_MS=10000 is read as LLM_TIMEOUT_SECONDS=10")
        XCTAssertEqual(configuration.llm.dailyQuotas["newsdata"], 150, "NEWSDATA_DAILY_QUOTA is NewsData's; NEWS_API_DAILY_QUOTA (NewsAPI) is not")
        let known = Set(Setting.all.map(\.key))
        for line in lines {
            let key = String(line.prefix { $0 != "=" })
            XCTAssertTrue(known.contains(key) || loaded.warnings.contains { $0.hasPrefix(key + " ") }, "\(key) is neither used nor explained")
        }
        XCTAssertTrue(loaded.warnings.contains { $0.hasPrefix("SUPABASE_URL") && $0.contains("SQLite") }, "\(loaded.warnings)")
        XCTAssertTrue(loaded.warnings.contains { $0.hasPrefix("NEWS_API_DAILY_QUOTA") && $0.contains("NewsAPI is not supported") })
    }

    func testNumericSettingsTakeOnlyDecimalText() {
        for value in ["0x10", "inf", "nan", "1e400"] {
            XCTAssertTrue(load(["SIGNAL_MAX_LAG_SECONDS": value]).problems.contains { $0.hasPrefix("SIGNAL_MAX_LAG_SECONDS:") }, value)
        }
    }

    func testEveryProblemIsReportedAtOnce() {
        let loaded = load(["HEALTH_CHECK_PORT": "70000", "MAX_MARKETS_PER_CYCLE": "zero", "LOG_LEVEL": "loud",
                           "TRADEWIZARD_BACKUP_AT": "25:00", "TRADEWIZARD_ADMIN_TOKEN": "tiny-tok", "POLYMARKET_GAMMA_API_URL": "ftp://x"])
        XCTAssertNil(loaded.configuration)
        let keys = Set(loaded.problems.compactMap { $0.split(separator: ":").first.map(String.init) })
        XCTAssertEqual(keys, ["HEALTH_CHECK_PORT", "MAX_MARKETS_PER_CYCLE", "LOG_LEVEL", "TRADEWIZARD_BACKUP_AT", "TRADEWIZARD_ADMIN_TOKEN", "POLYMARKET_GAMMA_API_URL"])
        XCTAssertFalse(loaded.problems.joined().contains("tiny-tok"), "a secret's value must not be echoed")
    }

    func testUnknownTradewizardVariablesAreReportedWithASuggestion() {
        let loaded = load(["TRADEWIZARD_ADMN_TOKEN": "x", "UNRELATED_VARIABLE": "y"])
        XCTAssertEqual(loaded.warnings, ["unknown variable TRADEWIZARD_ADMN_TOKEN (did you mean TRADEWIZARD_ADMIN_TOKEN?)"])
    }

    func testSecretsAreMaskedInTheEffectiveConfiguration() {
        let secret = "sk-test-abcdefghijklmnop"
        let loaded = load(["OPENAI_API_KEY": secret])
        let shown = loaded.effective.first { $0.key == "OPENAI_API_KEY" }?.value
        XCTAssertEqual(shown, "(set, \(secret.count) characters)")
        XCTAssertFalse(loaded.effective.contains { $0.value.contains(secret) })
    }

    func testAWorldReadableDotEnvIsWarnedAbout() throws {
        let file = directory + "/.env"
        try FileSystem.writeAtomically(Data("LOG_LEVEL=info\n".utf8), to: file)
        chmod(file, 0o644)
        XCTAssertTrue(load(["TRADEWIZARD_ENV_FILE": file]).warnings.contains { $0.contains("chmod 600") })
        chmod(file, 0o600)
        XCTAssertTrue(load(["TRADEWIZARD_ENV_FILE": file]).warnings.isEmpty)
    }

    func testANamedEnvFileThatDoesNotExistIsAProblem() {
        XCTAssertFalse(load(["TRADEWIZARD_ENV_FILE": directory + "/missing.env"]).problems.isEmpty)
    }
}
