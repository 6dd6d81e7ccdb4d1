import FoundationEssentials
import Glibc
import Storage
import Support

/// One probability forecast of YES scored against the outcome, beside the market's price at the
/// same moment.
public struct ScoredForecast: Sendable, Equatable {
    /// Our probability of YES, 0…1.
    public var probability: Double
    /// The market's YES price when we forecast, 0…1.
    public var market: Double
    /// 1 when YES won, 0 when NO won.
    public var outcome: Double

    public init(probability: Double, market: Double, outcome: Double) {
        self.probability = probability
        self.market = market
        self.outcome = outcome
    }
}

/// One of the reliability diagram's ten bins of forecast probability.
public struct ReliabilityBin: Codable, Sendable, Equatable {
    /// The bin is `[lower, upper)` (the last one includes 1).
    public var lower: Double
    public var upper: Double
    public var count: Int
    /// Mean forecast probability in the bin; nil when empty.
    public var meanForecast: Double?
    /// Share of the bin's forecasts whose YES won; nil when empty.
    public var observedFrequency: Double?
}

/// Skill of a set of forecasts against the market price at decision time.
public struct SkillFigures: Codable, Sendable, Equatable {
    public var count: Int
    /// Mean (p − y)² of ours and of the market's price (0 best, 1 worst); nil when empty.
    public var brier: Double?
    public var brierMarket: Double?
    /// Mean ln of the probability given to what happened (0 best; probabilities clipped to
    /// 0.001…0.999 so one certain miss is −6.9, not −∞); nil when empty.
    public var logScore: Double?
    public var logScoreMarket: Double?
    /// Brier skill against the market: 1 − Brier(ours) / Brier(market). Positive: better than
    /// the market. nil when empty or when the market's Brier is 0.
    public var skill: Double?
    /// Bootstrap 95% interval of `skill` (markets resampled with replacement, fixed seed, so the
    /// same data always gives the same interval).
    public var skillLow: Double?
    public var skillHigh: Double?
    /// Bootstrap resamples drawn for the interval (fewer for large sets: see `ForecastSkill.drawBudget`).
    public var resamples: Int = 0
    /// Murphy's decomposition over the ten bins: reliability (lower is better calibrated),
    /// resolution (higher separates outcomes better), uncertainty of the outcomes.
    public var reliability: Double?
    public var resolution: Double?
    public var uncertainty: Double?
    public var bins: [ReliabilityBin]
}

/// Brier and log scores, Brier skill with a bootstrap interval, and the reliability diagram.
public enum ForecastSkill {
    /// Log scores clip probabilities to this distance from 0 and 1.
    public static let logClip = 0.001
    /// Bootstrap resamples for the interval …
    public static let resamples = 2_000
    /// … as long as resamples × forecasts stays within this many draws; large sets get fewer
    /// resamples (never under `minimumResamples`), whose interval is narrow anyway.
    public static let drawBudget = 4_000_000
    public static let minimumResamples = 100

    /// The resamples used for `count` forecasts when `requested` are asked for.
    public static func effectiveResamples(_ requested: Int, count: Int) -> Int {
        guard requested > 0, count > 0 else { return 0 }
        return min(requested, max(minimumResamples, drawBudget / count))
    }

    /// (p − y)².
    public static func brier(_ p: Double, _ y: Double) -> Double { (p - y) * (p - y) }

    /// ln of the probability `p` of YES gave to the outcome `y`, clipped.
    public static func logScore(_ p: Double, _ y: Double) -> Double {
        let clipped = min(1 - logClip, max(logClip, p))
        return log(y >= 0.5 ? clipped : 1 - clipped)
    }

    /// 1 − Σ Brier(ours) / Σ Brier(market); nil when the market's total is 0.
    public static func skill(ours: Double, market: Double) -> Double? { market > 0 ? 1 - ours / market : nil }

    /// The figures of `forecasts`. `resamples` bootstrap draws (0: no interval), seeded with `seed`.
    public static func figures(_ forecasts: [ScoredForecast], resamples: Int = resamples, seed: UInt64 = 0x7261636B) -> SkillFigures {
        let bins = reliabilityBins(forecasts)
        var figures = SkillFigures(count: forecasts.count, bins: bins)
        guard !forecasts.isEmpty else { return figures }
        let n = Double(forecasts.count)
        let ours = forecasts.map { brier($0.probability, $0.outcome) }
        let market = forecasts.map { brier($0.market, $0.outcome) }
        let oursTotal = ours.reduce(0, +), marketTotal = market.reduce(0, +)
        figures.brier = oursTotal / n
        figures.brierMarket = marketTotal / n
        figures.logScore = forecasts.reduce(0) { $0 + logScore($1.probability, $1.outcome) } / n
        figures.logScoreMarket = forecasts.reduce(0) { $0 + logScore($1.market, $1.outcome) } / n
        figures.skill = skill(ours: oursTotal, market: marketTotal)
        let resamples = effectiveResamples(resamples, count: forecasts.count)
        if figures.skill != nil, resamples > 0 {
            figures.resamples = resamples
            var random = SplitMix64(seed: seed)
            var draws: [Double] = []
            draws.reserveCapacity(resamples)
            for _ in 0..<resamples {
                var a = 0.0, b = 0.0
                let count = UInt64(forecasts.count)
                for _ in 0..<forecasts.count {
                    // The high word of a 64×64 product: uniform over 0..<count within 2⁻⁶⁴·count,
                    // without a division per draw.
                    let pick = Int(random.next().multipliedFullWidth(by: count).high)
                    a += ours[pick]
                    b += market[pick]
                }
                if let value = skill(ours: a, market: b) { draws.append(value) }
            }
            draws.sort()
            if !draws.isEmpty {
                figures.skillLow = draws[Int((0.025 * Double(draws.count)).rounded(.down))]
                figures.skillHigh = draws[max(0, Int((0.975 * Double(draws.count)).rounded(.up)) - 1)]
            }
        }
        let base = forecasts.reduce(0) { $0 + $1.outcome } / n
        figures.uncertainty = base * (1 - base)
        var reliability = 0.0, resolution = 0.0
        for bin in bins where bin.count > 0 {
            let share = Double(bin.count) / n
            reliability += share * brier(bin.meanForecast ?? 0, bin.observedFrequency ?? 0)
            resolution += share * brier(bin.observedFrequency ?? 0, base)
        }
        figures.reliability = reliability
        figures.resolution = resolution
        return figures
    }

    /// Ten bins of width 0.1 over our probability: `[0, 0.1)`, …, `[0.9, 1]`.
    public static func reliabilityBins(_ forecasts: [ScoredForecast]) -> [ReliabilityBin] {
        var counts = [Int](repeating: 0, count: 10), sums = [Double](repeating: 0, count: 10), hits = [Double](repeating: 0, count: 10)
        for forecast in forecasts {
            let bin = min(9, max(0, Int((forecast.probability * 10).rounded(.down))))
            counts[bin] += 1
            sums[bin] += forecast.probability
            hits[bin] += forecast.outcome
        }
        return (0..<10).map { bin in
            let count = counts[bin]
            return ReliabilityBin(lower: Double(bin) / 10, upper: Double(bin + 1) / 10, count: count,
                                  meanForecast: count > 0 ? sums[bin] / Double(count) : nil,
                                  observedFrequency: count > 0 ? hits[bin] / Double(count) : nil)
        }
    }
}

/// SplitMix64: a small, fast, seedable generator, so bootstrap intervals are reproducible.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
