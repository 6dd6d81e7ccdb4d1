import FoundationEssentials
import Glibc
import Storage
import Support

/// Discovery and selection settings.
public struct DiscoverySettings: Sendable, Equatable {
    public var maxMarketsPerCycle: Int
    /// A market analysed within this many hours is skipped.
    public var updateIntervalHours: Double
    /// Gamma tag filter (2 = Politics), with related tags.
    public var tagID: String?
    public var relatedTags: Bool
    /// Liquidity needed, in dollars; markets of an evergreen tag need only `evergreenMinimumLiquidity`.
    public var minimumLiquidity: Double
    public var evergreenMinimumLiquidity: Double
    /// Tag slugs or ids whose markets are kept at the lower liquidity floor.
    public var evergreenTags: Set<String>
    /// YES prices outside this range are too close to settled to analyse.
    public var priceRange: ClosedRange<Double>

    public init(maxMarketsPerCycle: Int = 3, updateIntervalHours: Double = 24, tagID: String? = "2", relatedTags: Bool = true,
                minimumLiquidity: Double = 5_000, evergreenMinimumLiquidity: Double = 1_000,
                evergreenTags: Set<String> = ["economy", "fed-rates", "geopolitics"], priceRange: ClosedRange<Double> = 0.05...0.95) {
        self.maxMarketsPerCycle = max(1, maxMarketsPerCycle)
        self.updateIntervalHours = updateIntervalHours
        self.tagID = tagID
        self.relatedTags = relatedTags
        self.minimumLiquidity = minimumLiquidity
        self.evergreenMinimumLiquidity = evergreenMinimumLiquidity
        self.evergreenTags = evergreenTags
        self.priceRange = priceRange
    }

    /// Events to request: max(6 × N, 100), as the original monitor did.
    public var eventLimit: Int { max(6 * maxMarketsPerCycle, 100) }
}

/// A market that passed the filters, with its trending score.
public struct Candidate: Sendable, Equatable {
    public var snapshot: MarketSnapshot
    public var trendingScore: Double
}

/// Trending discovery as the original monitor did it, with its two selection bugs fixed (it
/// re-analysed markets it had just analysed, and several markets of one event).
public enum MarketDiscovery {
    /// Trending score weights (original): 24-hour volume, liquidity, competitiveness, recency
    /// (e-folding over 30 days); capped at 10.
    static let volumeWeight = 0.35
    static let liquidityWeight = 0.25
    static let competitiveWeight = 0.20
    static let recencyWeight = 0.20
    static let recencyDays = 30.0
    static let maximumScore = 10.0

    /// 0.35·log10(volume24h+1) + 0.25·log10(liquidity+1) + 0.20·competitive + 0.20·e^(−age/30), capped at 10.
    public static func trendingScore(volume24h: Double, liquidity: Double, competitive: Double, createdAt: Date?, now: Date) -> Double {
        let ageDays = max(0, createdAt.map { now.timeIntervalSince($0) / 86_400 } ?? recencyDays * 10)
        let score = volumeWeight * log10(max(0, volume24h) + 1) + liquidityWeight * log10(max(0, liquidity) + 1)
            + competitiveWeight * min(1, max(0, competitive)) + recencyWeight * exp(-ageDays / recencyDays)
        return min(maximumScore, score)
    }

    /// Markets of `events` worth analysing, best first: markets that are open by their own state
    /// (not closed, not inactive, accepting orders — decided per market, since rolling "… by
    /// June 30?" events keep their first deadline while later legs trade), have CLOB tokens, a
    /// YES price in range and enough liquidity. An end date in the past does not exclude a market
    /// that still accepts orders (the briefing warns instead).
    public static func candidates(events: [GammaEvent], settings: DiscoverySettings, now: Date) -> [Candidate] {
        var result: [Candidate] = []
        var seen = Set<String>()
        for event in events {
            let evergreen = event.tags.contains { settings.evergreenTags.contains($0.slug ?? "") || settings.evergreenTags.contains($0.id) }
            let floor = evergreen ? settings.evergreenMinimumLiquidity : settings.minimumLiquidity
            for market in event.markets where !seen.contains(market.conditionID) {
                guard market.closed != true, market.active != false, market.acceptingOrders == true, market.clobTokenIDs.count >= 2,
                      let price = market.yesPrice, settings.priceRange.contains(price),
                      (market.liquidity ?? 0) >= floor else { continue }
                seen.insert(market.conditionID)
                let snapshot = MarketSnapshot(market: market, event: event)
                let score = trendingScore(volume24h: market.volume24h ?? 0, liquidity: market.liquidity ?? 0,
                                          competitive: market.competitive ?? event.competitive ?? 0, createdAt: snapshot.createdAt, now: now)
                result.append(Candidate(snapshot: snapshot, trendingScore: score))
            }
        }
        return result.sorted { $0.trendingScore != $1.trendingScore ? $0.trendingScore > $1.trendingScore : $0.snapshot.conditionID < $1.snapshot.conditionID }
    }

    /// The cycle's picks from the candidates: best first, skipping markets analysed within the
    /// update interval (`lastAnalyzed`), at most one per event, at most `maxMarketsPerCycle`.
    public static func select(_ candidates: [Candidate], lastAnalyzed: [String: Date], settings: DiscoverySettings, now: Date) -> [Candidate] {
        let cutoff = now.addingTimeInterval(-settings.updateIntervalHours * 3_600)
        var events = Set<String>()
        var picked: [Candidate] = []
        for candidate in candidates where picked.count < settings.maxMarketsPerCycle {
            if let analyzed = lastAnalyzed[candidate.snapshot.conditionID], analyzed >= cutoff { continue }
            let event = candidate.snapshot.eventID ?? candidate.snapshot.conditionID
            guard events.insert(event).inserted else { continue }
            picked.append(candidate)
        }
        return picked
    }
}
