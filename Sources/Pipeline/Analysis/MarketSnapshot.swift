import FoundationEssentials
import Storage
import Support

/// Another leg of the same multi-outcome event, for the cross-market agent.
public struct SiblingLeg: Codable, Sendable, Equatable {
    public var conditionID: String
    public var title: String
    public var yesPrice: Double
}

/// What the analysis starts from: one market as Gamma described it, with its event's context.
/// It is the run's input, so it is checkpointed and a resumed run analyses the same data.
public struct MarketSnapshot: Codable, Sendable, Equatable {
    public var conditionID: String
    public var gammaID: String?
    public var eventID: String?
    public var eventTitle: String?
    public var question: String
    public var description: String?
    public var slug: String?
    public var resolutionSource: String?
    public var outcomes: [String]
    /// `outcomePrices[0]`, the YES price; nil when Gamma sent none.
    public var yesPrice: Double?
    public var clobTokenIDs: [String]
    public var volume24h: Double
    public var liquidity: Double
    public var endDate: Date?
    public var createdAt: Date?
    public var competitive: Double?
    public var oneDayPriceChange: Double?
    public var oneWeekPriceChange: Double?
    public var oneMonthPriceChange: Double?
    public var acceptingOrders: Bool
    public var closed: Bool
    /// Tag slugs (or ids when a tag has no slug) of the event.
    public var tags: [String]
    /// The event's other priced legs when the event's outcomes are mutually exclusive (negRisk);
    /// empty otherwise, since unrelated markets of one event need not sum to anything.
    public var siblings: [SiblingLeg]

    /// Builds the snapshot of `market`, taking tags and sibling legs from `event` when known.
    public init(market: GammaMarket, event: GammaEvent?) {
        conditionID = market.conditionID
        gammaID = market.id
        eventID = market.eventID ?? event?.id
        eventTitle = market.eventTitle ?? event?.title
        question = market.question
        description = market.description
        slug = market.slug
        // Real markets leave the field empty and name the source in the rules text.
        resolutionSource = market.resolutionSource.flatMap { $0.trimmed().isEmpty ? nil : $0 } ?? ResolutionSourceText.named(in: market.description)
        outcomes = market.outcomes.isEmpty ? ["Yes", "No"] : market.outcomes
        yesPrice = market.yesPrice
        clobTokenIDs = market.clobTokenIDs
        volume24h = market.volume24h ?? 0
        liquidity = market.liquidity ?? 0
        endDate = market.endDate ?? event?.endDate
        createdAt = market.createdAt ?? market.startDate ?? event?.createdAt
        competitive = market.competitive ?? event?.competitive
        oneDayPriceChange = market.oneDayPriceChange
        oneWeekPriceChange = market.oneWeekPriceChange
        oneMonthPriceChange = market.oneMonthPriceChange
        acceptingOrders = market.acceptingOrders ?? false
        closed = market.closed ?? false
        tags = event?.tags.map { $0.slug ?? $0.id } ?? []
        let exclusive = event?.negRisk == true || market.negRisk == true
        siblings = (exclusive ? event?.markets ?? [] : []).compactMap { leg in
            guard leg.conditionID != market.conditionID, leg.closed != true, let price = leg.yesPrice else { return nil }
            return SiblingLeg(conditionID: leg.conditionID, title: leg.groupItemTitle ?? leg.question, yesPrice: price)
        }
    }

    /// The `markets` row for this snapshot (status active; scores and dates from the snapshot).
    public func marketRecord(trendingScore: Double, eventType: String) -> Market {
        var market = Market(conditionID: conditionID, question: question)
        market.gammaID = gammaID
        market.eventID = eventID
        market.eventTitle = eventTitle
        market.description = description
        market.slug = slug
        market.eventType = eventType
        market.marketProbability = yesPrice.map { min(1, max(0, $0)) }
        market.volume24h = max(0, volume24h)
        market.liquidity = max(0, liquidity)
        market.endDate = endDate
        market.trendingScore = min(10, max(0, trendingScore))
        market.outcomes = outcomes
        market.clobTokenIDs = clobTokenIDs
        market.status = closed ? .closed : .active
        return market
    }
}
