import FoundationEssentials
import Glibc
import Storage
import Support

/// How much a market's price has been moving.
public enum VolatilityRegime: String, Codable, Sendable {
    case low, normal, high
}

/// The ingestion node's output: everything the agents need, computed once.
public struct MarketBriefing: Codable, Sendable, Equatable {
    public var snapshot: MarketSnapshot
    /// What the briefing noticed but did not refuse (e.g. an end date passed on a market still
    /// accepting orders); nil when nothing.
    public var warnings: [String]?
    /// Market probability of YES: `outcomePrices[0]`.
    public var probability: Double
    public var bestBid: Double?
    public var bestAsk: Double?
    /// What the YES order book holds: no orders at all, one side only, or both.
    public enum BookShape: String, Sendable { case none, oneSided = "one-sided", twoSided = "two-sided" }
    public var bookShape: BookShape {
        switch (bestBid, bestAsk) {
        case (nil, nil): .none
        case (.some, .some): .twoSided
        default: .oneSided
        }
    }

    /// Best ask − best bid of the YES book; nil for a one-sided book.
    public var spread: Double?
    /// (bid depth − ask depth) / (bid depth + ask depth) over the top levels, −1…1.
    public var bookImbalance: Double
    /// 0…10.
    public var liquidityScore: Double
    public var volatilityRegime: VolatilityRegime
    /// election, policy, court, geopolitical, economic or other.
    public var eventType: String
    /// Days until the market's end date (nil when Gamma gave none).
    public var daysToExpiry: Double?
    /// Price history of the YES token, oldest first.
    public var history: [PricePoint]
}

/// Why a briefing could not be made (the run ends with a recorded failure).
public struct BriefingError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "invalid market briefing: \(reason)" }
}

/// Builds briefings. The constants are ours (the original monitor did not publish its formulas);
/// each is documented where it is used.
public enum BriefingBuilder {
    /// Levels of each book side counted for depth and imbalance.
    static let depthLevels = 5
    /// Liquidity score: 2.5 points per decade of dollars above $1k ($1k → 0, $100k → 5, $10M → 10) …
    static let liquidityPointsPerDecade = 2.5
    static let liquidityFloorDollars = 1_000.0
    /// … minus 50 points per unit of spread beyond 2 cents (a 6-cent spread costs 2 points).
    static let spreadPenaltyPerUnit = 50.0
    static let spreadFreeAllowance = 0.02
    /// Volatility: the largest of the 1-day, 1-week and 1-month changes scaled to a month
    /// (√time scaling: ×√30 for a day, ×√(30/7) for a week); below 5 points is low, below 15 normal.
    static let lowVolatility = 0.05
    static let highVolatility = 0.15

    /// The briefing for `snapshot` with its YES book and history, at `now`. Throws `BriefingError`
    /// when the market cannot be analysed (no price, price outside 0…1, no tokens, closed, expired).
    public static func build(snapshot: MarketSnapshot, book: OrderBook?, history: [PricePoint], now: Date) throws -> MarketBriefing {
        guard let probability = snapshot.yesPrice else { throw BriefingError(reason: "the market has no outcome prices") }
        guard probability > 0, probability < 1 else { throw BriefingError(reason: "the YES price \(probability) is not strictly between 0 and 1") }
        guard !snapshot.clobTokenIDs.isEmpty else { throw BriefingError(reason: "the market has no CLOB tokens") }
        guard !snapshot.closed else { throw BriefingError(reason: "the market is closed") }
        var days = snapshot.endDate.map { $0.timeIntervalSince(now) / 86_400 }
        var warnings: [String]?
        if let passed = days, passed <= 0 {
            // The CLOB's state is the truth: a market still taking orders is open whatever its end date says.
            guard snapshot.acceptingOrders else { throw BriefingError(reason: "the market ended \(Int(-passed)) days ago and takes no orders") }
            warnings = ["the end date passed \(Int(-passed)) day(s) ago but the market still accepts orders: treated as open, expiry unknown"]
            days = nil
        }
        let spread = book?.spread
        return MarketBriefing(
            snapshot: snapshot, warnings: warnings, probability: probability, bestBid: book?.bestBid, bestAsk: book?.bestAsk, spread: spread,
            bookImbalance: book.map(imbalance) ?? 0, liquidityScore: liquidityScore(liquidity: snapshot.liquidity, spread: spread),
            volatilityRegime: volatilityRegime(day: snapshot.oneDayPriceChange, week: snapshot.oneWeekPriceChange, month: snapshot.oneMonthPriceChange),
            eventType: eventType(for: snapshot), daysToExpiry: days, history: history)
    }

    /// 0…10 from liquidity dollars and the spread (see the constants).
    public static func liquidityScore(liquidity: Double, spread: Double?) -> Double {
        let base = liquidityPointsPerDecade * log10(max(liquidity, liquidityFloorDollars) / liquidityFloorDollars)
        let penalty = spreadPenaltyPerUnit * max(0, (spread ?? 0) - spreadFreeAllowance)
        return min(10, max(0, base - penalty))
    }

    /// Book imbalance over the best `depthLevels` levels of each side, −1 (all asks) … 1 (all bids).
    public static func imbalance(_ book: OrderBook) -> Double {
        let bids = book.bids.sorted { $0.price > $1.price }.prefix(depthLevels).reduce(0) { $0 + $1.size }
        let asks = book.asks.sorted { $0.price < $1.price }.prefix(depthLevels).reduce(0) { $0 + $1.size }
        return bids + asks > 0 ? (bids - asks) / (bids + asks) : 0
    }

    /// The regime from the 1-day, 1-week and 1-month price changes.
    public static func volatilityRegime(day: Double?, week: Double?, month: Double?) -> VolatilityRegime {
        let monthly = max(abs(day ?? 0) * sqrt(30), abs(week ?? 0) * sqrt(30.0 / 7), abs(month ?? 0))
        return monthly < lowVolatility ? .low : monthly < highVolatility ? .normal : .high
    }

    /// The kind of event: `election`, `court`, `policy` (government action and office-holders),
    /// `geopolitical`, `economic` or `other` — from the tags first (Polymarket's slugs), then from
    /// words of the event title and question, since real Politics events often carry only broad
    /// tags (`politics`, `trump`).
    public static func eventType(tags: [String], title: String = "") -> String {
        let set = Set(tags.map { $0.lowercased() })
        for (type, slugs) in eventTypeTags where !set.isDisjoint(with: slugs) { return type }
        let words = " " + title.lowercased().map { $0.isLetter || $0.isNumber ? $0 : " " }.reduce(into: "") { $0.append($1) } + " "
        for (type, phrases) in eventTypeWords where phrases.contains(where: { words.contains(" \($0) ") }) { return type }
        return "other"
    }

    /// The type of `snapshot`'s event, from its tags, event title and question.
    public static func eventType(for snapshot: MarketSnapshot) -> String {
        eventType(tags: snapshot.tags, title: (snapshot.eventTitle ?? "") + " " + snapshot.question)
    }

    /// Tag slugs by type, in the order they are tried (an election in a war zone is an election).
    static let eventTypeTags: [(String, Set<String>)] = [
        ("election", ["elections", "us-presidential-election", "election", "midterms", "global-elections", "primaries"]),
        ("court", ["courts", "scotus", "supreme-court", "trials", "legal"]),
        ("policy", ["fed-rates", "fed", "economic-policy", "trump-presidency", "trump-cabinet", "cabinet", "immigration",
                    "immigrationborder", "doge", "budget", "deficit", "trade-war", "tariffs", "us-government", "congress",
                    "house", "senate", "executive-orders", "resign"]),
        ("geopolitical", ["geopolitics", "world", "ukraine", "middle-east", "nato", "foreign-policy", "russia", "china", "israel", "iran"]),
        ("economic", ["economy", "business", "crypto", "stocks", "inflation", "gdp"]),
    ]

    /// Title and question words by type, tried when no tag decides.
    static let eventTypeWords: [(String, [String])] = [
        ("election", ["election", "elected", "primary", "nominee", "nomination", "vote share", "win the"]),
        ("court", ["guilty", "convicted", "indicted", "sentenced", "acquitted", "trial", "supreme court", "ruling", "lawsuit"]),
        ("policy", ["tariff", "tariffs", "deport", "deportations", "cabinet", "speaker", "budget", "confirmed", "confirmation",
                    "executive order", "veto", "shutdown", "impeach", "impeached", "resign", "out as", "out by", "doge", "fed", "rates"]),
        ("geopolitical", ["war", "invade", "invasion", "ceasefire", "military", "troops", "nato", "clash", "sanctions", "treaty"]),
        ("economic", ["recession", "gdp", "inflation", "unemployment", "revenue", "stock", "bitcoin", "ipo"]),
    ]
}
