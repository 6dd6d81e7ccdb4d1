import FoundationEssentials
import HTTPServer
import Glibc
import Pipeline
import Storage
import Support

/// Builds a `Configuration` from the environment, a `.env` file and flags.
enum ConfigurationLoader {
    /// Loads and validates. `flags` maps setting keys to flag values (already parsed).
    /// Reads the `.env` file named by the flag, environment or default (`.env` in the working
    /// directory); a missing default file is fine, a missing named one is a problem.
    static func load(environment: [String: String], flags: [String: String]) -> LoadedConfiguration {
        var problems: [String] = []
        var warnings: [String] = []

        let envFileKey = "TRADEWIZARD_ENV_FILE"
        let envFilePath = flags[envFileKey] ?? environment[envFileKey] ?? ".env"
        let envFileNamed = flags[envFileKey] != nil || environment[envFileKey] != nil
        var dotEnv: [String: String] = [:]
        if FileSystem.exists(envFilePath) {
            if let data = try? FileSystem.read(envFilePath) {
                let parsed = DotEnv.parse(String(decoding: data, as: UTF8.self))
                dotEnv = parsed.values
                problems += parsed.problems.map { "\(envFilePath): \($0)" }
                var info = stat()
                if stat(envFilePath, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_mode & 0o077 != 0 {
                    warnings.append("\(envFilePath) is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); run: chmod 600 \(envFilePath)")
                }
            } else {
                problems.append("\(envFilePath): cannot be read")
            }
        } else if envFileNamed {
            problems.append("\(envFileKey): \(envFilePath) does not exist")
        }

        // The original monitor's names: carried over to ours (ours win when both are set) or explained.
        var environment = environment
        for (source, name) in [(0, "environment"), (1, ".env")] {
            let values = source == 0 ? environment : dotEnv
            for (key, value) in values.sorted(by: { $0.key < $1.key }) where !value.isEmpty {
                guard let legacy = LegacySetting.table[key] else { continue }
                switch legacy {
                case .unsupported(let why):
                    warnings.append("\(key) (\(name)): \(why)")
                case .renamed(let target, let convert):
                    guard let converted = convert(value) else {
                        problems.append("\(key): \(value) cannot be carried over to \(target)")
                        continue
                    }
                    if source == 0, environment[target] == nil { environment[target] = converted }
                    if source == 1, dotEnv[target] == nil { dotEnv[target] = converted }
                    warnings.append("\(key) (\(name)) is read as \(target)=\(converted)")
                }
            }
        }
        var raw: [String: (String, SettingSource)] = [:]
        for setting in Setting.all {
            if let value = setting.defaultValue { raw[setting.key] = (value, .defaultValue) }
            if let value = environment[setting.key], !value.isEmpty { raw[setting.key] = (value, .environment) }
            if let value = dotEnv[setting.key], !value.isEmpty { raw[setting.key] = (value, .dotEnv) }
            if let value = flags[setting.key] { raw[setting.key] = (value, .flag) }
        }
        // The original's level names (`warn`, `fatal`, …), from whichever source won.
        if let (level, source) = raw["LOG_LEVEL"], let ours = LegacySetting.logLevels[level.lowercased()] { raw["LOG_LEVEL"] = (ours, source) }
        let known = Set(Setting.all.map(\.key))
        for key in Set(environment.keys).union(dotEnv.keys).sorted() where key.hasPrefix("TRADEWIZARD_") && !known.contains(key) {
            let hint = closestKey(to: key).map { " (did you mean \($0)?)" } ?? ""
            warnings.append("unknown variable \(key)\(hint)")
        }

        var values: [String: String] = [:]
        for setting in Setting.all {
            guard let (value, _) = raw[setting.key] else { continue }
            if let problem = validate(value, for: setting) {
                problems.append("\(setting.key): \(problem)")
            } else {
                values[setting.key] = value
            }
        }
        let effective = Setting.all.map { setting -> (key: String, value: String, source: SettingSource) in
            guard let (value, source) = raw[setting.key] else { return (setting.key, "(not set)", .defaultValue) }
            return (setting.key, setting.isSecret ? "(set, \(value.count) characters)" : value, source)
        }
        guard problems.isEmpty else {
            return LoadedConfiguration(configuration: nil, problems: problems, warnings: warnings, effective: effective)
        }
        var configuration = build(values)
        var alertProblems: [String] = []
        let alerts = alertConfiguration(values, problems: &alertProblems)
        configuration.alerts.routing = alerts.routing
        configuration.signalIntake.alertAccepted = alerts.routing.routes(AlertEvents.signalAccepted.name)
        configuration.signalIntake.alertRejected = alerts.routing.routes(AlertEvents.signalRejected.name)
        let conflicts = alertProblems + conflicts(in: configuration)
        guard conflicts.isEmpty else {
            return LoadedConfiguration(configuration: nil, problems: conflicts, warnings: warnings, effective: effective)
        }
        return LoadedConfiguration(configuration: configuration, problems: [], warnings: warnings, effective: effective)
    }

    /// The configured alert channels, routes and severities; what does not parse is a problem.
    static func alertConfiguration(_ values: [String: String], problems: inout [String]) -> AlertConfiguration {
        func text(_ key: String) -> String? { values[key] ?? Setting.all.first { $0.key == key }?.defaultValue }
        var channels: [AlertChannel] = []
        if let url = text("ALERT_WEBHOOK_URL") {
            if text("ALERT_WEBHOOK_SECRET") == nil { problems.append("ALERT_WEBHOOK_SECRET: ALERT_WEBHOOK_URL is set without a secret; receivers could not verify the alerts (set at least 16 characters)") }
            channels.append(AlertChannel(name: "webhook", kind: .webhook, url: url, secret: text("ALERT_WEBHOOK_SECRET")))
        }
        for (key, kind) in [("ALERT_SLACK_WEBHOOK_URL", AlertChannel.Kind.slack), ("ALERT_DISCORD_WEBHOOK_URL", .discord)] {
            guard let url = text(key) else { continue }
            guard url.hasPrefix("https://") || url.hasPrefix("http://") else { problems.append("\(key): not an http(s) URL"); continue }
            channels.append(AlertChannel(name: kind.rawValue, kind: kind, url: url))
        }
        switch (text("ALERT_TELEGRAM_BOT_TOKEN"), text("ALERT_TELEGRAM_CHAT_ID")) {
        case (let token?, let chat?): channels.append(AlertChannel(name: "telegram", kind: .telegram, url: text("ALERT_TELEGRAM_API_URL")!, secret: token, chatID: chat))
        case (nil, nil): break
        case (nil, _): problems.append("ALERT_TELEGRAM_BOT_TOKEN: ALERT_TELEGRAM_CHAT_ID is set without a bot token")
        case (_, nil): problems.append("ALERT_TELEGRAM_CHAT_ID: ALERT_TELEGRAM_BOT_TOKEN is set without a chat id")
        }
        if let url = text("ALERT_SMTP_URL") {
            func address(_ value: String) -> Bool {
                value.count <= 254 && value.contains("@") && !value.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0.asciiValue.map { $0 < 32 } ?? false })
            }
            let to = (text("ALERT_EMAIL_TO") ?? "").split(separator: ",").map { String($0).trimmed() }.filter { !$0.isEmpty }
            if !(url.hasPrefix("smtp://") || url.hasPrefix("smtps://")) {
                problems.append("ALERT_SMTP_URL: expected smtp://user:password@host:587 or smtps://user:password@host:465")
            } else if let from = text("ALERT_EMAIL_FROM"), address(from), !to.isEmpty, to.allSatisfy(address) {
                var channel = AlertChannel(name: "email", kind: .email, url: url)
                channel.mailFrom = from
                channel.mailTo = to
                channels.append(channel)
            } else {
                problems.append("ALERT_EMAIL_FROM/ALERT_EMAIL_TO: ALERT_SMTP_URL needs a sender address and at least one recipient (user@host, comma-separated)")
            }
        }
        let names = Set(channels.map(\.name)) .union(["webhook", "slack", "discord", "telegram", "email"])
        if let minimum = text("ALERT_MIN_SEVERITY") {
            for entry in minimum.split(separator: ",").map({ String($0).trimmed() }) where !entry.isEmpty {
                let parts = entry.split(separator: ":").map(String.init)
                guard let severity = AlertSeverity(rawValue: parts.last!.lowercased()), parts.count <= 2,
                      parts.count == 1 || names.contains(parts[0]) else {
                    problems.append("ALERT_MIN_SEVERITY: \(entry) is not a severity (info, warning, critical) or channel:severity"); continue
                }
                for index in channels.indices where parts.count == 1 || channels[index].name == parts[0] { channels[index].minimumSeverity = severity }
            }
        }
        var routes: [String: [String]] = [:]
        let events = Set(AlertEvents.all.map(\.name)).union(["*"])
        for entry in (text("ALERT_ROUTES") ?? "").split(separator: ";").map({ String($0).trimmed() }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map { String($0).trimmed() }
            guard parts.count == 2, events.contains(parts[0]) else {
                problems.append("ALERT_ROUTES: \(entry) is not event=channel+channel (events: \(events.sorted().joined(separator: ", ")))"); continue
            }
            let targets = parts[1].split(separator: "+").map { String($0).trimmed() }.filter { !$0.isEmpty && $0 != "none" }
            if let unknown = targets.first(where: { !names.contains($0) }) {
                problems.append("ALERT_ROUTES: \(unknown) in \(entry) is not a channel (webhook, slack, discord, telegram, email)"); continue
            }
            routes[parts[0]] = targets
        }
        var configuration = AlertConfiguration()
        configuration.routing = AlertRouting(channels: channels, routes: routes)
        return configuration
    }

    /// Problems between settings that are each valid alone, each with its fix.
    static func conflicts(in configuration: Configuration) -> [String] {
        var problems: [String] = []
        if let single = configuration.llmSingleProvider, !configuration.llm.configuredProviders.contains(single) {
            let key = single == "openai" ? "OPENAI_API_KEY or OPENAI_BASE_URL" : single == "anthropic" ? "ANTHROPIC_API_KEY" : "GOOGLE_API_KEY"
            problems.append("LLM_SINGLE_PROVIDER: \(single) is not configured (set \(key))")
        }
        let llm = configuration.llm
        if let base = llm.openAIBaseURL, !base.hasPrefix(OpenAIProvider.defaultBaseURL), !LocalHost.isLocal(url: base),
           !llm.prices.hasPrice(.openai, model: llm.openAIModel) {
            // A paid OpenAI-compatible service must never be counted as free.
            problems.append("LLM_PRICES: OPENAI_BASE_URL \(base) is not on this machine or a private network and has no price for model \(llm.openAIModel); set LLM_PRICES=openai/\(llm.openAIModel)=<input>:<output> in USD per million tokens (0:0 only if it is really free)")
        }
        let intake = configuration.signalIntake
        let replayable = intake.maxLagSeconds + ValidatedSignal.maximumAheadSeconds
        if intake.dedupWindowSeconds < replayable {
            problems.append("SIGNAL_DEDUP_TTL_SECONDS: \(intake.dedupWindowSeconds.plainText) s is shorter than the \(replayable.plainText) s a signal stays acceptable (SIGNAL_MAX_LAG_SECONDS + \(ValidatedSignal.maximumAheadSeconds.plainText) s ahead), so a replayed signal would be taken twice; set it to at least \(replayable.plainText)")
        }
        let loopback = ["127.0.0.1", "::1", "localhost"].contains(configuration.bindAddress)
        if !loopback && configuration.adminToken == nil {
            problems.append("TRADEWIZARD_BIND: \(configuration.bindAddress) reaches beyond this machine, and TRADEWIZARD_ADMIN_TOKEN is not set; set a token (at least 16 characters) or bind to 127.0.0.1 (behind a reverse proxy a token is always required)")
        }
        return problems
    }

    /// A problem with `value`, or nil when it is valid for the setting.
    static func validate(_ value: String, for setting: Setting) -> String? {
        switch setting.kind {
        case .integer(let range):
            guard let number = Int(value), range.contains(number) else {
                return "expected a whole number from \(range.lowerBound) to \(range.upperBound)"
            }
        case .decimal(let range):
            guard let number = DecimalText.parse(value), range.contains(number) else {
                return "expected a number from \(range.lowerBound) to \(range.upperBound)"
            }
        case .boolean:
            guard parseBool(value) != nil else { return "expected true or false" }
        case .text, .path:
            guard !value.contains("\0") else { return "must not contain NUL" }
        case .bindAddress:
            guard HTTPServer.bindAddress(for: value) != nil else {
                return "expected an IP address (127.0.0.1, 0.0.0.0, ::1, ::) or localhost"
            }
        case .url:
            guard value.hasPrefix("https://") || value.hasPrefix("http://"), value.count > 8 else {
                return "expected an http:// or https:// URL"
            }
        case .secret(let minimum):
            guard value.count >= minimum else { return "too short (at least \(minimum) characters)" }
            guard !value.contains(where: { $0.isWhitespace }) else { return "must not contain spaces" }
        case .choice(let options):
            guard options.contains(value.lowercased()) else { return "expected one of \(options.joined(separator: ", "))" }
        case .timeOfDay:
            guard parseTimeOfDay(value) != nil else { return "expected HH:MM (UTC), 00:00 to 23:59" }
        case .tradingWindow:
            guard TradingSession(window: value, timeZone: SessionTimeZone("UTC")!) != nil else { return "expected HH:MM-HH:MM with the open before the close" }
        case .timeZone:
            guard SessionTimeZone(value) != nil else { return "expected America/New_York, America/Chicago, America/Denver, America/Los_Angeles, UTC or ±HH:MM" }
        case .nodeProviders:
            if case .failure(let problem) = parseNodeProviders(value) { return problem.description }
        case .prices:
            if case .failure(let error) = PriceTable.parse(value) { return error.description }
        case .addresses:
            if case .failure(let error) = AddressSet.parse(value) { return error.description }
        }
        return nil
    }

    struct ParseProblem: Error, CustomStringConvertible { var description: String }

    /// `node=provider,…` → node → provider.
    static func parseNodeProviders(_ value: String) -> Result<[String: LLMProviderName], ParseProblem> {
        var out: [String: LLMProviderName] = [:]
        for item in value.split(separator: ",").map({ $0.trimmed() }) where !item.isEmpty {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmed() }
            guard parts.count == 2, !parts[0].isEmpty, let provider = LLMProviderName(rawValue: parts[1].lowercased()) else {
                return .failure(ParseProblem(description: "\"\(item)\" is not node=provider (provider openai, anthropic or google)"))
            }
            out[parts[0]] = provider
        }
        return .success(out)
    }

    static func parseBool(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: return nil
        }
    }

    /// Minutes after midnight for `HH:MM`.
    static func parseTimeOfDay(_ value: String) -> Int? {
        let parts = value.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]), (0..<24).contains(hours), (0..<60).contains(minutes) else { return nil }
        return hours * 60 + minutes
    }

    private static func build(_ values: [String: String]) -> Configuration {
        func int(_ key: String) -> Int { Int(values[key]!)! }
        func double(_ key: String) -> Double { Double(values[key]!)! }
        var configuration = buildCore(values)
        configuration.tradeRules = TradeRules(stakeUSD: double("TRACK_STAKE_USD"), feeRate: double("TRACK_FEE_RATE"),
                                              fillWindowHours: double("TRACK_FILL_WINDOW_HOURS"))
        configuration.priceHistoryFidelityMinutes = int("PRICE_HISTORY_FIDELITY_MINUTES")
        configuration.priceHistoryRetentionDays = double("PRICE_HISTORY_RETENTION_DAYS")
        configuration.chartSnapshotRetentionDays = double("CHART_SNAPSHOT_RETENTION_DAYS")
        configuration.alerts.sender.ratePerMinute = int("ALERT_RATE_PER_MINUTE")
        configuration.alerts.sender.giveUpAfter = double("ALERT_GIVE_UP_HOURS") * 3_600
        configuration.alerts.failingMinutes = double("ALERT_FAILING_MINUTES")
        configuration.alerts.digestMinuteOfDay = parseTimeOfDay(values["ALERT_DIGEST_TIME"] ?? "07:00") ?? 7 * 60
        configuration.alerts.digestZone = SessionTimeZone(values["ALERT_DIGEST_TIME_ZONE"] ?? "UTC") ?? SessionTimeZone("UTC")!
        configuration.decisionBlend = values["DECISION_BLEND"]?.lowercased() == "auto"
        return configuration
    }

    private static func buildCore(_ values: [String: String]) -> Configuration {
        func text(_ key: String) -> String? { values[key] }
        func int(_ key: String) -> Int { Int(values[key]!)! }
        func double(_ key: String) -> Double { Double(values[key]!)! }
        func bool(_ key: String) -> Bool { parseBool(values[key]!)! }
        return Configuration(
            dataDirectory: DataDirectory(path: text("TRADEWIZARD_DATA_DIR")!),
            bindAddress: HTTPServer.bindAddress(for: text("TRADEWIZARD_BIND")!)!,
            port: int("HEALTH_CHECK_PORT"),
            adminToken: text("TRADEWIZARD_ADMIN_TOKEN"),
            logLevel: LogLevel(name: text("LOG_LEVEL")!)!,
            logFormat: Logger.Format(rawValue: text("LOG_FORMAT")!.lowercased())!,
            analysisIntervalHours: double("ANALYSIS_INTERVAL_HOURS"),
            updateIntervalHours: double("UPDATE_INTERVAL_HOURS"),
            maxMarketsPerCycle: int("MAX_MARKETS_PER_CYCLE"),
            enableManualTriggers: bool("ENABLE_MANUAL_TRIGGERS"),
            gammaAPIURL: text("POLYMARKET_GAMMA_API_URL")!,
            clobAPIURL: text("POLYMARKET_CLOB_API_URL")!,
            openAIKey: text("OPENAI_API_KEY"),
            anthropicKey: text("ANTHROPIC_API_KEY"),
            googleKey: text("GOOGLE_API_KEY"),
            llmSingleProvider: text("LLM_SINGLE_PROVIDER")?.lowercased(),
            webhookSecret: text("WEBHOOK_SECRET"),
            offline: bool("TRADEWIZARD_OFFLINE"),
            fixturesDirectory: text("TRADEWIZARD_FIXTURES_DIR"),
            polymarketTagID: text("POLYMARKET_TAG_ID").flatMap { $0.trimmed().lowercased() == "all" ? nil : $0.trimmed() },
            evergreenTags: Set((text("EVERGREEN_TAGS") ?? "").split(separator: ",").map { $0.trimmed().lowercased() }.filter { !$0.isEmpty }),
            backupMinuteOfDay: parseTimeOfDay(text("TRADEWIZARD_BACKUP_AT")!)!,
            backupKeepDaily: int("TRADEWIZARD_BACKUP_KEEP_DAILY"),
            backupKeepWeekly: int("TRADEWIZARD_BACKUP_KEEP_WEEKLY"),
            synchronous: text("TRADEWIZARD_SYNCHRONOUS")!.lowercased() == "normal" ? .normal : .full,
            maxBodyBytes: int("TRADEWIZARD_MAX_BODY_BYTES"),
            maxConnections: int("TRADEWIZARD_MAX_CONNECTIONS"),
            maxConnectionsPerPeer: int("TRADEWIZARD_MAX_CONNECTIONS_PER_PEER"),
            maxBodyBudgetBytes: int("TRADEWIZARD_MAX_BODY_BUDGET_BYTES"),
            httpThreads: int("TRADEWIZARD_HTTP_THREADS"),
            shutdownSeconds: double("TRADEWIZARD_SHUTDOWN_SECONDS"),
            walMaintenanceMinutes: double("TRADEWIZARD_WAL_MAINTENANCE_MINUTES"),
            resumeInterruptedRuns: bool("RESUME_INTERRUPTED_RUNS"),
            checkpointRetentionDays: double("CHECKPOINT_RETENTION_DAYS"),
            webhookToken: text("WEBHOOK_TOKEN"),
            webhookAllowedSenders: text("WEBHOOK_ALLOWED_IPS").flatMap { try? AddressSet.parse($0).get() },
            trustedProxies: text("TRADEWIZARD_TRUSTED_PROXIES").flatMap { try? AddressSet.parse($0).get() } ?? .empty,
            signalIntake: SignalIntakeSettings(
                hmacSecret: text("WEBHOOK_SECRET"), token: text("WEBHOOK_TOKEN"),
                maxLagSeconds: double("SIGNAL_MAX_LAG_SECONDS"), dedupWindowSeconds: double("SIGNAL_DEDUP_TTL_SECONDS"),
                rules: SignalRules(
                    session: bool("SIGNAL_ENFORCE_MARKET_HOURS")
                        ? TradingSession(window: text("SIGNAL_MARKET_HOURS")!, timeZone: SessionTimeZone(text("SIGNAL_TIME_ZONE")!)!) : nil,
                    cooldownSeconds: double("SIGNAL_COOLDOWN_SECONDS"),
                    minimumScore: values["SIGNAL_MIN_SCORE"].flatMap(Double.init),
                    minimumConfidence: values["SIGNAL_MIN_CONFIDENCE"].flatMap(Double.init),
                    maximumOpenPositions: int("MAX_OPEN_POSITIONS"), maximumExposure: double("MAX_EXPOSURE_USD"),
                    positionNotional: double("POSITION_NOTIONAL_USD"),
                    opposite: OppositeSignalPolicy(rawValue: text("SIGNAL_OPPOSITE_POLICY")!.lowercased())!)),
            signalDegradedRejectionRate: double("SIGNAL_DEGRADED_REJECTION_RATE"),
            llm: LLMConfiguration(
                openAIBaseURL: text("OPENAI_BASE_URL"), anthropicBaseURL: text("ANTHROPIC_BASE_URL")!, googleBaseURL: text("GOOGLE_BASE_URL")!,
                openAIModel: text("OPENAI_DEFAULT_MODEL")!, anthropicModel: text("ANTHROPIC_DEFAULT_MODEL")!, googleModel: text("GOOGLE_DEFAULT_MODEL")!,
                openAIKey: text("OPENAI_API_KEY"), anthropicKey: text("ANTHROPIC_API_KEY"), googleKey: text("GOOGLE_API_KEY"),
                singleProvider: text("LLM_SINGLE_PROVIDER").flatMap { LLMProviderName(rawValue: $0.lowercased()) },
                preferred: (try? parseNodeProviders(text("LLM_NODE_PROVIDERS") ?? "").get()) ?? [:],
                prices: PriceTable.withOverrides((try? PriceTable.parse(text("LLM_PRICES") ?? "").get()) ?? [:]),
                maxConcurrentCalls: int("LLM_MAX_CONCURRENT_CALLS"), timeoutSeconds: double("LLM_TIMEOUT_SECONDS"),
                riskPerspectives: bool("LLM_RISK_PERSPECTIVES"),
                maxCostPerAnalysis: double("COST_MAX_PER_ANALYSIS_USD"), maxCostPerDay: values["COST_MAX_PER_DAY_USD"].flatMap(Double.init),
                dailyQuotas: ["openai": int("OPENAI_DAILY_QUOTA"), "anthropic": int("ANTHROPIC_DAILY_QUOTA"), "google": int("GOOGLE_DAILY_QUOTA"),
                              NewsDataFeed.api: int("NEWSDATA_DAILY_QUOTA")],
                newsDataKey: text("NEWSDATA_API_KEY"), newsCacheMinutes: double("NEWS_CACHE_MINUTES")))
    }

    /// The known key within edit distance 3 of `key`, for typo hints.
    static func closestKey(to key: String) -> String? {
        let candidates = Setting.all.map(\.key).filter { $0.hasPrefix("TRADEWIZARD_") }
        let scored = candidates.map { ($0, editDistance(Array(key), Array($0))) }.min { $0.1 < $1.1 }
        return scored.flatMap { $0.1 <= 3 ? $0.0 : nil }
    }

    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        var previous = Array(0...b.count)
        for (i, ca) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, cb) in b.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (ca == cb ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
