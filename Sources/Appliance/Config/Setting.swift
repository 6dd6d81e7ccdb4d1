import Pipeline
import Support
/// One configuration setting: its environment name, optional flag, default and meaning.
/// The table in `Setting.all` is the single source for loading, validation, `config check`
/// and the README's configuration reference.
struct Setting: Sendable {
    enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case decimal(ClosedRange<Double>)
        case boolean
        case text
        case url
        case secret(minimumLength: Int)
        case choice([String])
        case timeOfDay
        case path
        /// An IPv4 or IPv6 address literal, or `localhost`.
        case bindAddress
        /// `HH:MM-HH:MM`, a daily trading window.
        case tradingWindow
        /// A time zone `SessionTimeZone` understands.
        case timeZone
        /// `node=provider,…` (LLM_NODE_PROVIDERS).
        case nodeProviders
        /// `provider/model=input:output,…` (LLM_PRICES).
        case prices
        /// Comma-separated IP addresses, CIDR ranges and presets (`tradingview`).
        case addresses
    }

    let key: String
    let flag: String?
    let defaultValue: String?
    let kind: Kind
    let summary: String

    var isBoolean: Bool {
        if case .boolean = kind { return true }
        return false
    }

    var isSecret: Bool {
        if case .secret = kind { return true }
        return false
    }
}

extension Setting {
    static let all: [Setting] = [
        Setting(key: "TRADEWIZARD_DATA_DIR", flag: "--data-dir", defaultValue: "./data", kind: .path,
                summary: "Data directory: database, backups, lock (created 0700)"),
        Setting(key: "TRADEWIZARD_BIND", flag: "--bind", defaultValue: "127.0.0.1", kind: .bindAddress,
                summary: "Address the HTTP server listens on"),
        Setting(key: "HEALTH_CHECK_PORT", flag: "--port", defaultValue: "3000", kind: .integer(0...65_535),
                summary: "HTTP port (0 picks a free port and logs it)"),
        Setting(key: "TRADEWIZARD_ADMIN_TOKEN", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 16),
                summary: "Bearer token for admin routes; without it admin routes answer loopback only"),
        Setting(key: "LOG_LEVEL", flag: "--log-level", defaultValue: "info",
                kind: .choice(LogLevel.allCases.map { "\($0)" }), summary: "Lowest level logged"),
        Setting(key: "LOG_FORMAT", flag: "--log-format", defaultValue: "json", kind: .choice(["json", "text"]),
                summary: "One JSON object per line, or plain text"),
        Setting(key: "ANALYSIS_INTERVAL_HOURS", flag: nil, defaultValue: "24", kind: .decimal(0.01...8_760),
                summary: "Hours between analysis cycles"),
        Setting(key: "UPDATE_INTERVAL_HOURS", flag: nil, defaultValue: "24", kind: .decimal(0.01...8_760),
                summary: "A market analysed within this many hours is not analysed again"),
        Setting(key: "MAX_MARKETS_PER_CYCLE", flag: nil, defaultValue: "3", kind: .integer(1...1_000),
                summary: "Markets analysed per cycle"),
        Setting(key: "ENABLE_MANUAL_TRIGGERS", flag: nil, defaultValue: "true", kind: .boolean,
                summary: "Allow POST /trigger and `tradewizard trigger`"),
        Setting(key: "POLYMARKET_GAMMA_API_URL", flag: nil, defaultValue: "https://gamma-api.polymarket.com", kind: .url,
                summary: "Polymarket Gamma API"),
        Setting(key: "POLYMARKET_CLOB_API_URL", flag: nil, defaultValue: "https://clob.polymarket.com", kind: .url,
                summary: "Polymarket CLOB API"),
        Setting(key: "OPENAI_API_KEY", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 8), summary: "OpenAI key"),
        Setting(key: "ANTHROPIC_API_KEY", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 8), summary: "Anthropic key"),
        Setting(key: "GOOGLE_API_KEY", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 8), summary: "Google Gemini key"),
        Setting(key: "LLM_SINGLE_PROVIDER", flag: nil, defaultValue: nil, kind: .choice(["openai", "anthropic", "google"]),
                summary: "Use only this LLM provider (it must be configured)"),
        Setting(key: "OPENAI_BASE_URL", flag: nil, defaultValue: nil, kind: .url,
                summary: "An OpenAI-compatible server (Ollama http://127.0.0.1:11434/v1, vLLM, LM Studio, OpenRouter); enables the openai provider without a key"),
        Setting(key: "OPENAI_DEFAULT_MODEL", flag: nil, defaultValue: "gpt-4o-mini", kind: .text, summary: "Model of the openai provider"),
        Setting(key: "ANTHROPIC_DEFAULT_MODEL", flag: nil, defaultValue: "claude-haiku-4-5", kind: .text, summary: "Model of the anthropic provider"),
        Setting(key: "GOOGLE_DEFAULT_MODEL", flag: nil, defaultValue: "gemini-2.5-flash", kind: .text, summary: "Model of the google provider"),
        Setting(key: "ANTHROPIC_BASE_URL", flag: nil, defaultValue: "https://api.anthropic.com", kind: .url,
                summary: "Anthropic API (change only for a proxy)"),
        Setting(key: "GOOGLE_BASE_URL", flag: nil, defaultValue: "https://generativelanguage.googleapis.com", kind: .url,
                summary: "Gemini API (change only for a proxy)"),
        Setting(key: "LLM_NODE_PROVIDERS", flag: nil, defaultValue: nil, kind: .nodeProviders,
                summary: "Preferred provider per agent or node, e.g. catalyst=anthropic,theses=google (others: the first configured of openai, anthropic, google)"),
        Setting(key: "LLM_PRICES", flag: nil, defaultValue: nil, kind: .prices,
                summary: "Prices in USD per million tokens, e.g. openai/llama3.1=0:0,anthropic/claude-sonnet-4=3:15 (before the built-in table)"),
        Setting(key: "LLM_MAX_CONCURRENT_CALLS", flag: nil, defaultValue: "4", kind: .integer(1...256),
                summary: "Model calls in flight at once, across analyses"),
        Setting(key: "LLM_TIMEOUT_SECONDS", flag: nil, defaultValue: "60", kind: .decimal(1...600),
                summary: "Seconds one model exchange may take (429/5xx/timeouts are retried)"),
        Setting(key: "LLM_RISK_PERSPECTIVES", flag: nil, defaultValue: "false", kind: .boolean,
                summary: "Add aggressive / conservative / neutral risk views to each recommendation (one more call)"),
        Setting(key: "COST_MAX_PER_ANALYSIS_USD", flag: nil, defaultValue: "2.0", kind: .decimal(0...10_000),
                summary: "LLM spend one analysis may reach; past it the LLM agents are skipped"),
        Setting(key: "COST_MAX_PER_DAY_USD", flag: nil, defaultValue: nil, kind: .decimal(0...1_000_000),
                summary: "LLM spend per UTC day (unset: no daily budget)"),
        Setting(key: "OPENAI_DAILY_QUOTA", flag: nil, defaultValue: "5000", kind: .integer(0...100_000_000), summary: "openai calls per UTC day"),
        Setting(key: "ANTHROPIC_DAILY_QUOTA", flag: nil, defaultValue: "5000", kind: .integer(0...100_000_000), summary: "anthropic calls per UTC day"),
        Setting(key: "GOOGLE_DAILY_QUOTA", flag: nil, defaultValue: "5000", kind: .integer(0...100_000_000), summary: "google calls per UTC day"),
        Setting(key: "NEWSDATA_API_KEY", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 8),
                summary: "NewsData.io key: news agents get the latest headlines"),
        Setting(key: "NEWSDATA_DAILY_QUOTA", flag: nil, defaultValue: "200", kind: .integer(0...1_000_000),
                summary: "NewsData.io requests per UTC day (the free plan allows 200)"),
        Setting(key: "NEWS_CACHE_MINUTES", flag: nil, defaultValue: "60", kind: .decimal(0...10_080),
                summary: "Minutes a news search is answered from the cache"),
        Setting(key: "WEBHOOK_SECRET", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 16),
                summary: "HMAC-SHA256 key for signed webhooks"),
        Setting(key: "WEBHOOK_TOKEN", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 16),
                summary: "Token for POST /webhook/<token> or a `secret` body field (senders that cannot sign, e.g. TradingView)"),
        Setting(key: "WEBHOOK_ALLOWED_IPS", flag: nil, defaultValue: nil, kind: .addresses,
                summary: "Only these senders may post signals: addresses, CIDR ranges, or `tradingview` (its four published addresses); unset: any"),
        Setting(key: "TRADEWIZARD_TRUSTED_PROXIES", flag: nil, defaultValue: nil, kind: .addresses,
                summary: "Reverse proxies whose X-Forwarded-For names the client (for WEBHOOK_ALLOWED_IPS); unset: the socket peer is the client"),
        Setting(key: "SIGNAL_MAX_LAG_SECONDS", flag: nil, defaultValue: "300", kind: .decimal(1...86_400),
                summary: "Signals with an older timestamp are rejected (stale_signal)"),
        Setting(key: "SIGNAL_DEDUP_TTL_SECONDS", flag: nil, defaultValue: "3600", kind: .decimal(1...2_592_000),
                summary: "A repeat of a signal (same id, or same body) within this window answers DUPLICATE"),
        Setting(key: "SIGNAL_ENFORCE_MARKET_HOURS", flag: nil, defaultValue: "true", kind: .boolean,
                summary: "Skip signals outside the trading session"),
        Setting(key: "SIGNAL_MARKET_HOURS", flag: nil, defaultValue: "09:30-16:00", kind: .tradingWindow,
                summary: "Trading session, local time, Monday to Friday"),
        Setting(key: "SIGNAL_TIME_ZONE", flag: nil, defaultValue: "America/New_York", kind: .timeZone,
                summary: "Session time zone: America/New_York, America/Chicago, America/Denver, America/Los_Angeles, UTC or ±HH:MM"),
        Setting(key: "SIGNAL_COOLDOWN_SECONDS", flag: nil, defaultValue: "300", kind: .decimal(0...86_400),
                summary: "Minimum time between entries on one symbol"),
        Setting(key: "SIGNAL_MIN_SCORE", flag: nil, defaultValue: nil, kind: .decimal(-1_000_000_000...1_000_000_000),
                summary: "Skip signals whose metadata.score is lower (unset: no minimum)"),
        Setting(key: "SIGNAL_MIN_CONFIDENCE", flag: nil, defaultValue: nil, kind: .decimal(0...100),
                summary: "Skip signals whose metadata.confidence is lower (unset: no minimum)"),
        Setting(key: "MAX_OPEN_POSITIONS", flag: nil, defaultValue: "5", kind: .integer(1...10_000),
                summary: "Open paper positions at most"),
        Setting(key: "MAX_EXPOSURE_USD", flag: nil, defaultValue: "10000", kind: .decimal(1...1_000_000_000),
                summary: "Total entry notional of open positions at most"),
        Setting(key: "POSITION_NOTIONAL_USD", flag: nil, defaultValue: "1000", kind: .decimal(1...1_000_000_000),
                summary: "Sizing rule: dollars of notional per position (quantity = notional / entry price)"),
        Setting(key: "SIGNAL_OPPOSITE_POLICY", flag: nil, defaultValue: "close", kind: .choice(["close", "reverse", "ignore"]),
                summary: "A signal opposite to an open position closes it, reverses it, or is skipped"),
        Setting(key: "SIGNAL_DEGRADED_REJECTION_RATE", flag: nil, defaultValue: "0.5", kind: .decimal(0...1),
                summary: "/health reports signals degraded when the last hour's rejection rate passes this (10+ requests)"),
        Setting(key: "TRADEWIZARD_OFFLINE", flag: "--offline", defaultValue: "false", kind: .boolean,
                summary: "Analyse the sample markets built into the binary instead of Polymarket (everything made from them is marked sample; never used as a fallback)"),
        Setting(key: "TRADEWIZARD_FIXTURES_DIR", flag: nil, defaultValue: nil, kind: .path,
                summary: "Offline: read the sample markets (Gamma/CLOB wire format) from this directory instead of the built-in set"),
        Setting(key: "POLYMARKET_TAG_ID", flag: nil, defaultValue: "2", kind: .text,
                summary: "Gamma tag discovery follows, with related tags (2 = Politics; `all` for every tag)"),
        Setting(key: "EVERGREEN_TAGS", flag: nil, defaultValue: "economy,fed-rates,geopolitics", kind: .text,
                summary: "Comma-separated tag slugs or ids whose markets need only $1k of liquidity (others $5k)"),
        Setting(key: "TRADEWIZARD_BACKUP_AT", flag: nil, defaultValue: "02:00", kind: .timeOfDay,
                summary: "Daily backup time, HH:MM UTC"),
        Setting(key: "TRADEWIZARD_BACKUP_KEEP_DAILY", flag: nil, defaultValue: "7", kind: .integer(1...365),
                summary: "Daily backups kept"),
        Setting(key: "TRADEWIZARD_BACKUP_KEEP_WEEKLY", flag: nil, defaultValue: "4", kind: .integer(0...520),
                summary: "Weekly backups kept"),
        Setting(key: "TRADEWIZARD_SYNCHRONOUS", flag: nil, defaultValue: "full", kind: .choice(["full", "normal"]),
                summary: "SQLite synchronous mode; full survives power loss"),
        Setting(key: "TRADEWIZARD_MAX_BODY_BYTES", flag: nil, defaultValue: "1048576", kind: .integer(1_024...67_108_864),
                summary: "Largest request body accepted (413 above)"),
        Setting(key: "TRADEWIZARD_MAX_CONNECTIONS_PER_PEER", flag: nil, defaultValue: "32", kind: .integer(1...65_536),
                summary: "Open connections one client address may hold (behind a reverse proxy on this host, every client is one address: raise it)"),
        Setting(key: "TRADEWIZARD_MAX_BODY_BUDGET_BYTES", flag: nil, defaultValue: "67108864", kind: .integer(1_048_576...4_294_967_296),
                summary: "Bytes of request bodies all connections may be receiving at once (503 body_budget past it, before the body is read)"),
        Setting(key: "TRADEWIZARD_MAX_CONNECTIONS", flag: nil, defaultValue: "512", kind: .integer(1...65_536),
                summary: "Open HTTP connections at most"),
        Setting(key: "TRADEWIZARD_HTTP_THREADS", flag: nil, defaultValue: "0", kind: .integer(0...64),
                summary: "HTTP event-loop threads (0 = one per core)"),
        Setting(key: "TRADEWIZARD_SHUTDOWN_SECONDS", flag: nil, defaultValue: "10", kind: .decimal(0...25),
                summary: "Deadline for in-flight work at shutdown (0–25; after it running work is cancelled and the process exits within 1 s; the systemd unit allows 30 s)"),
        Setting(key: "TRADEWIZARD_WAL_MAINTENANCE_MINUTES", flag: nil, defaultValue: "15", kind: .decimal(1...1_440),
                summary: "Minutes between WAL checkpoints and PRAGMA optimize"),
        Setting(key: "RESUME_INTERRUPTED_RUNS", flag: nil, defaultValue: "true", kind: .boolean,
                summary: "At start-up, resume graph runs a crash interrupted"),
        Setting(key: "CHECKPOINT_RETENTION_DAYS", flag: nil, defaultValue: "7", kind: .decimal(0...3_650),
                summary: "Finished runs keep only their final checkpoint after this many days"),
        Setting(key: "ALERT_WEBHOOK_URL", flag: nil, defaultValue: nil, kind: .url,
                summary: "Alerts: a JSON webhook of your own (signed with ALERT_WEBHOOK_SECRET; see Alerts)"),
        Setting(key: "ALERT_WEBHOOK_SECRET", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 16),
                summary: "Alerts: HMAC-SHA256 key of the JSON webhook's X-TradeWizard-Signature (secret: masked, never logged)"),
        Setting(key: "ALERT_SLACK_WEBHOOK_URL", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 12),
                summary: "Alerts: a Slack-compatible incoming webhook URL (Slack, Mattermost, Discord's /slack; secret: masked, never logged)"),
        Setting(key: "ALERT_DISCORD_WEBHOOK_URL", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 12),
                summary: "Alerts: a Discord webhook URL (secret: masked, never logged)"),
        Setting(key: "ALERT_TELEGRAM_BOT_TOKEN", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 8),
                summary: "Alerts: Telegram bot token (with ALERT_TELEGRAM_CHAT_ID; secret: masked, never logged)"),
        Setting(key: "ALERT_TELEGRAM_CHAT_ID", flag: nil, defaultValue: nil, kind: .text,
                summary: "Alerts: the Telegram chat id messages go to"),
        Setting(key: "ALERT_TELEGRAM_API_URL", flag: nil, defaultValue: "https://api.telegram.org", kind: .url,
                summary: "Alerts: the Telegram Bot API base URL"),
        Setting(key: "ALERT_SMTP_URL", flag: nil, defaultValue: nil, kind: .secret(minimumLength: 8),
                summary: "Alerts: smtp://user:password@host:587 (STARTTLS required off this machine) or smtps://…:465 (secret: masked, never logged)"),
        Setting(key: "ALERT_EMAIL_FROM", flag: nil, defaultValue: nil, kind: .text,
                summary: "Alerts: the sender address of alert mail"),
        Setting(key: "ALERT_EMAIL_TO", flag: nil, defaultValue: nil, kind: .text,
                summary: "Alerts: recipient addresses of alert mail, comma-separated"),
        Setting(key: "ALERT_ROUTES", flag: nil, defaultValue: nil, kind: .text,
                summary: "Alerts: event=channel+channel;… (events: \(AlertEvents.all.map(\.name).joined(separator: ", ")); * for the rest; channels: webhook, slack, discord, telegram, email); unset: every channel gets every default event"),
        Setting(key: "ALERT_MIN_SEVERITY", flag: nil, defaultValue: "info", kind: .text,
                summary: "Alerts: lowest severity sent (info, warning, critical), for all channels or per channel: telegram:warning,webhook:info"),
        Setting(key: "ALERT_RATE_PER_MINUTE", flag: nil, defaultValue: "20", kind: .integer(1...1_000),
                summary: "Alerts: messages per channel per minute at most (a burst beyond it is summarised in one message)"),
        Setting(key: "ALERT_GIVE_UP_HOURS", flag: nil, defaultValue: "24", kind: .decimal(0.01...720),
                summary: "Alerts: an alert not delivered within this many hours is given up (logged and counted as failed)"),
        Setting(key: "ALERT_FAILING_MINUTES", flag: nil, defaultValue: "60", kind: .decimal(1...10_080),
                summary: "Alerts: /health is degraded when a channel has been failing for longer than this"),
        Setting(key: "ALERT_DIGEST_TIME", flag: nil, defaultValue: "07:00", kind: .timeOfDay,
                summary: "Alerts: when the daily digest is sent (HH:MM in ALERT_DIGEST_TIME_ZONE)"),
        Setting(key: "ALERT_DIGEST_TIME_ZONE", flag: nil, defaultValue: "UTC", kind: .timeZone,
                summary: "Alerts: the time zone of ALERT_DIGEST_TIME (UTC, ±HH:MM, America/New_York, America/Chicago, America/Denver, America/Los_Angeles)"),
        Setting(key: "CHART_SNAPSHOT_RETENTION_DAYS", flag: nil, defaultValue: "60", kind: .decimal(1...36_500),
                summary: "Chart snapshots of recommendations older than this many days are deleted"),
        Setting(key: "PRICE_HISTORY_FIDELITY_MINUTES", flag: nil, defaultValue: "60", kind: .integer(1...1_440),
                summary: "Minutes between the price-history points asked of Polymarket (60: hourly)"),
        Setting(key: "PRICE_HISTORY_RETENTION_DAYS", flag: nil, defaultValue: "365", kind: .decimal(1...36_500),
                summary: "Price points older than this are deleted, except those of markets with a recommendation (the track record needs them)"),
        Setting(key: "TRACK_STAKE_USD", flag: nil, defaultValue: "100", kind: .decimal(0.01...1_000_000_000),
                summary: "Track record: dollars staked per simulated trade"),
        Setting(key: "TRACK_FEE_RATE", flag: nil, defaultValue: "0.04", kind: .decimal(0...0.25),
                summary: "Track record: Polymarket taker fee rate (fee = shares × rate × p × (1 − p); 0.04 politics, 0 geopolitics)"),
        Setting(key: "TRACK_FILL_WINDOW_HOURS", flag: nil, defaultValue: "24", kind: .decimal(0.01...8_760),
                summary: "Track record: hours a recommendation's entry may take to fill"),
        Setting(key: "DECISION_BLEND", flag: nil, defaultValue: "off", kind: .choice(["off", "auto"]),
                summary: "auto: the decision probability is w·ours + (1 − w)·market, w fitted on your resolved history (shrunk toward the market until 100 markets resolved)"),
        Setting(key: "TRADEWIZARD_ENV_FILE", flag: "--env-file", defaultValue: ".env", kind: .path,
                summary: "The .env file read at start (if present)"),
    ]

    static func named(_ key: String) -> Setting? { all.first { $0.key == key } }
}
