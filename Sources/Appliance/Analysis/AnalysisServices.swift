import FoundationEssentials
import Pipeline
import Storage
import Support

/// The market monitor as the appliance runs it: the source selector (Polymarket, or the bundled
/// fixtures offline or while Polymarket is unreachable), the analyzer, the cycle and the refresh.
/// One instance serves `serve`, `analyze` and `/trigger`, so they share one code path.
final class AnalysisServices: Sendable {
    let selector: MarketSourceSelector
    let analyzer: MarketAnalyzer
    let cycle: AnalysisCycle
    let refresher: MarketRefresher

    /// Raised when the process is asked to stop: no new analysis or model call starts.
    let stop: StopRequest

    init(configuration: Configuration, database: AppDatabase, logger: Logger, stop: StopRequest = StopRequest()) throws {
        self.stop = stop
        let selector: MarketSourceSelector
        if configuration.offline {
            let sample = try configuration.fixturesDirectory.map { try FixtureMarketSource(directory: $0) } ?? FixtureMarketSource.builtIn()
            selector = MarketSourceSelector(sample: sample, clock: database.clock)
        } else {
            let network = NetworkClient(settings: NetworkSettings(userAgent: "tradewizard/\(Version.current)"), clock: database.clock,
                                        logger: logger.with(["component": "polymarket"]))
            selector = MarketSourceSelector(live: PolymarketAPI(network: network, gammaURL: configuration.gammaAPIURL, clobURL: configuration.clobAPIURL,
                                                                        historyFidelityMinutes: configuration.priceHistoryFidelityMinutes),
                                            clock: database.clock)
        }
        self.selector = selector
        let llm = Self.llmAnalysis(configuration.llm, database: database, logger: logger.with(["component": "llm"]), stop: stop)
        if let llm {
            logger.info("LLM analysis on", ["providers": llm.gateway.settings.providers.map { "\($0.name.rawValue):\($0.model)" }.joined(separator: ","),
                                            "news": llm.news == nil ? "off" : "newsdata"])
        }
        analyzer = try MarketAnalyzer(pool: database.pool, clock: database.clock, source: { selector.current() }, llm: llm,
                                  logger: logger.with(["component": "analysis"]), stop: stop, decisionBlend: configuration.decisionBlend)
        cycle = AnalysisCycle(analyzer: analyzer, settings: configuration.discovery)
        refresher = MarketRefresher(pool: database.pool, clock: database.clock, historyRetentionDays: configuration.priceHistoryRetentionDays,
                                    source: { selector.current() })
    }

    /// The configured providers, budgets, quotas and news feed; nil when no provider is
    /// configured (the offline agents then run alone). `TRADEWIZARD_OFFLINE` does not matter
    /// here: it selects the market source only, and a configured (e.g. local) model is used.
    static func llmAnalysis(_ llm: LLMConfiguration, database: AppDatabase, logger: Logger = .disabled,
                            stop: StopRequest = StopRequest()) -> LLMAnalysis? {
        let names = llm.configuredProviders
        guard !names.isEmpty else { return nil }
        let network = NetworkClient(settings: NetworkSettings(userAgent: "tradewizard/\(Version.current)", timeout: llm.timeoutSeconds,
                                                              threads: llm.maxConcurrentCalls,
                                                              retry: HTTPRetryPolicy(maxAttempts: 3, initialBackoff: 1, maxRetryAfter: 60)),
                                    clock: database.clock, logger: logger)
        let providers: [any LLMProvider] = names.compactMap { name in
            switch name {
            case "openai": OpenAIProvider(network: network, key: llm.openAIKey, model: llm.openAIModel,
                                          baseURL: llm.openAIBaseURL ?? OpenAIProvider.defaultBaseURL)
            case "anthropic": llm.anthropicKey.map { AnthropicProvider(network: network, key: $0, model: llm.anthropicModel, baseURL: llm.anthropicBaseURL) }
            case "google": llm.googleKey.map { GeminiProvider(network: network, key: $0, model: llm.googleModel, baseURL: llm.googleBaseURL) }
            default: nil
            }
        }
        let settings = LLMSettings(providers: providers, preferred: llm.preferred, prices: llm.prices, maxCostPerAnalysis: llm.maxCostPerAnalysis,
                                   maxCostPerDay: llm.maxCostPerDay, dailyQuotas: llm.dailyQuotas, maxConcurrentCalls: llm.maxConcurrentCalls,
                                   riskPerspectives: llm.riskPerspectives)
        let news = llm.newsDataKey.map { key in
            NewsDataFeed(network: NetworkClient(settings: NetworkSettings(userAgent: "tradewizard/\(Version.current)", threads: 1), clock: database.clock),
                         key: key, pool: database.pool, dailyQuota: llm.dailyQuotas[NewsDataFeed.api] ?? 200, cacheSeconds: llm.newsCacheMinutes * 60)
        }
        return LLMAnalysis(gateway: LLMGateway(settings: settings, pool: database.pool, clock: database.clock, logger: logger, stop: stop), news: news)
    }

    /// Analyses one market now (manual): looks it up, refuses closed, resolved or unknown markets
    /// (`AnalysisError`), and waits for any analysis of the same market already running.
    func analyze(conditionID: String) async throws -> AnalysisReport {
        let source = selector.current()
        guard let market = try await source.market(conditionID: conditionID) else {
            throw AnalysisError.marketNotFound(conditionID: conditionID, source: source.name)
        }
        guard market.closed != true else {
            throw AnalysisError.marketClosed(conditionID: conditionID)
        }
        let event = try await market.eventID.asyncMap { try await source.event(id: $0) } ?? nil
        return try await analyzer.analyze(MarketSnapshot(market: market, event: event), type: .manual)
    }
}
