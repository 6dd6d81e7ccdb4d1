import FoundationEssentials
import Storage
import Support

/// The weight of our probability in a blend with the market's, fitted on resolved history.
public struct BlendFit: Codable, Sendable, Equatable {
    /// The weight used: `fittedWeight` shrunk toward 0 by `resolved / enough` until there are
    /// `enough` resolved markets (0…1; 0 means the market price alone).
    public var weight: Double
    /// The weight of minimum Brier score on the history, clamped to 0…1 (nil with no usable history).
    public var fittedWeight: Double?
    /// Resolved forecasts the fit saw.
    public var resolved: Int
    /// Resolved forecasts needed for the full fitted weight.
    public var enough: Int
}

/// `DECISION_BLEND=auto`: the final probability is w·p_ours + (1 − w)·p_market, with w fitted on
/// the user's own resolved forecasts (minimum Brier score) and shrunk toward 0 — trusting the
/// market — until `enoughResolved` markets have resolved.
public enum MarketBlend {
    /// Resolved markets needed before the fitted weight is used in full.
    public static let enoughResolved = 100

    /// w·p + (1 − w)·m.
    public static func blend(_ p: Double, market m: Double, weight w: Double) -> Double { w * p + (1 - w) * m }

    /// Running sums of the least-squares fit: Brier(w) = Σ((m − y) + w(p − m))² is least at
    /// w* = Σ(p − m)(y − m) / Σ(p − m)².
    struct Sums {
        var cross = 0.0, square = 0.0, count = 0
        mutating func add(_ f: ScoredForecast) {
            cross += (f.probability - f.market) * (f.outcome - f.market)
            square += (f.probability - f.market) * (f.probability - f.market)
            count += 1
        }
        var fit: BlendFit {
            let fitted = square > 0 ? min(1, max(0, cross / square)) : nil
            let shrink = min(1, Double(count) / Double(MarketBlend.enoughResolved))
            return BlendFit(weight: (fitted ?? 0) * shrink, fittedWeight: fitted, resolved: count, enough: MarketBlend.enoughResolved)
        }
    }

    /// The fit over `forecasts` (all resolved).
    public static func fit(_ forecasts: [ScoredForecast]) -> BlendFit {
        var sums = Sums()
        for forecast in forecasts { sums.add(forecast) }
        return sums.fit
    }

    /// The fit on a database's resolved history: the first analysis of each resolved market,
    /// its consensus against the market price then (live markets, or the sample set's).
    public static func fit(database: Database, sample: Bool) throws -> BlendFit {
        fit(firstOf: try database.trackRecord.forecasts(TrackRecordScope(sample: sample)))
    }

    /// The fit on the first of `rows` (oldest first) of each market.
    public static func fit(firstOf rows: [ForecastRow]) -> BlendFit {
        var seen: Set<Int64> = []
        let first = rows.filter { seen.insert($0.marketID).inserted }
        return fit(first.map { ScoredForecast(probability: $0.consensusProbability, market: $0.marketProbability, outcome: $0.outcome) })
    }

    /// For each forecast, the blended probability with the weight fitted only on forecasts whose
    /// market resolved before it was made (prequential: what the blend would really have said
    /// then, no look-ahead). `times` and `resolvedAt` are epoch seconds, parallel to `forecasts`.
    public static func prequential(_ forecasts: [ScoredForecast], times: [Double], resolvedAt: [Double?]) -> [Double] {
        let byResolution = forecasts.indices.filter { resolvedAt[$0] != nil }.sorted { resolvedAt[$0]! < resolvedAt[$1]! }
        let byTime = forecasts.indices.sorted { times[$0] < times[$1] }
        var sums = Sums(), next = 0
        var blended = forecasts.map(\.probability)
        for index in byTime {
            while next < byResolution.count, resolvedAt[byResolution[next]]! < times[index] {
                sums.add(forecasts[byResolution[next]])
                next += 1
            }
            blended[index] = blend(forecasts[index].probability, market: forecasts[index].market, weight: sums.fit.weight)
        }
        return blended
    }
}
