import FoundationEssentials
import Support

/// How the appliance uses LLMs: which providers in which order, who prefers which, prices,
/// budgets, quotas and how many calls may be in flight.
public struct LLMSettings: Sendable {
    /// Configured providers in fallback order (empty: LLM analysis is off).
    public var providers: [any LLMProvider]
    /// Node or agent name (`catalyst`, `theses`, …) → the provider it tries first.
    public var preferred: [String: LLMProviderName]
    public var prices: PriceTable
    /// USD one analysis may spend on LLM calls.
    public var maxCostPerAnalysis: Double
    /// USD all analyses of one UTC day may spend (nil: no daily budget).
    public var maxCostPerDay: Double?
    /// API name (`openai`, `anthropic`, `google`, `newsdata`) → calls allowed per UTC day.
    public var dailyQuotas: [String: Int]
    /// Model calls in flight at once, across all analyses.
    public var maxConcurrentCalls: Int
    /// Adds the aggressive / conservative / neutral risk perspectives to each recommendation.
    public var riskPerspectives: Bool

    public init(providers: [any LLMProvider], preferred: [String: LLMProviderName] = [:], prices: PriceTable = .defaults,
                maxCostPerAnalysis: Double = 2.0, maxCostPerDay: Double? = nil, dailyQuotas: [String: Int] = [:],
                maxConcurrentCalls: Int = 4, riskPerspectives: Bool = false) {
        self.providers = providers
        self.preferred = preferred
        self.prices = prices
        self.maxCostPerAnalysis = maxCostPerAnalysis
        self.maxCostPerDay = maxCostPerDay
        self.dailyQuotas = dailyQuotas
        self.maxConcurrentCalls = maxConcurrentCalls
        self.riskPerspectives = riskPerspectives
    }
}
