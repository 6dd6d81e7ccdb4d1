import FoundationEssentials
import Pipeline
import Storage
import Support

/// A market's price chart: the YES series, each recommendation (a rule at its time, its entry zone
/// over the fill window, its target zone and stop loss onwards — mirrored for LONG_NO, whose
/// zones are NO prices), our consensus and its band from each analysis to the next, and the
/// simulated fills and exits. One drawing for the market page, `tradewizard chart` and the
/// stored snapshots.
enum MarketChart {
    static func render(market: Market, history: [PricePoint], recommendations: [Recommendation], runs: [AnalysisRun],
                       trades: [SimulatedTrade], rules: TradeRules, now: Double, standalone: Bool = false) -> HTML {
        let times = history.map(\.t) + recommendations.map { $0.createdAt.timeIntervalSince1970 }
        let first = times.min() ?? now - 86_400
        let last = max(times.max() ?? now, first + 3_600)
        // A little room after the newest analysis, so its zones are visible at the right edge.
        let xRange = first...(last + (last - first) * 0.08)
        var bands: [ChartBand] = [], markers: [ChartMarker] = []
        for r in recommendations where r.direction != .noTrade {
            let t = r.createdAt.timeIntervalSince1970
            let yes = r.direction == .longYes
            // Zones are the side's prices; the chart is YES, so a LONG_NO's zones are mirrored.
            func yesRange(_ low: Double?, _ high: Double?) -> ClosedRange<Double>? {
                guard let low, let high else { return nil }
                return yes ? low...high : (1 - high)...(1 - low)
            }
            if let entry = yesRange(r.entryZoneMin, r.entryZoneMax) {
                bands.append(ChartBand(y: entry, x: t...min(xRange.upperBound, t + rules.fillWindowHours * 3_600), style: "entry", label: "entry zone of the \(r.direction.rawValue) at \(DashboardLayout.time(r.createdAt))"))
            }
            if let target = yesRange(r.targetZoneMin, r.targetZoneMax) {
                bands.append(ChartBand(y: target, x: t...xRange.upperBound, style: "target", label: "target zone of the \(r.direction.rawValue)"))
            }
            if let stop = r.stopLoss {
                let y = yes ? stop : 1 - stop
                bands.append(ChartBand(y: y...y, x: t...xRange.upperBound, style: "stop", label: "stop loss \(Format.decimal(stop, 3)) (side price)"))
            }
        }
        // Our consensus band from each analysis to the next (the newest to the right edge).
        let ordered = runs.compactMap { run -> (t: Double, low: Double, high: Double)? in
            guard case .object(let consensus)? = run.detail["consensus"], let low = consensus["bandLower"]?.numberValue,
                  let high = consensus["bandUpper"]?.numberValue, low <= high else { return nil }
            return (run.createdAt.timeIntervalSince1970, low, high)
        }.sorted { $0.t < $1.t }
        for (index, run) in ordered.enumerated() {
            let end = index + 1 < ordered.count ? ordered[index + 1].t : xRange.upperBound
            bands.insert(ChartBand(y: run.low...run.high, x: run.t...max(end, run.t + 1), style: "band",
                                   label: "consensus band \(Format.decimal(run.low, 3))–\(Format.decimal(run.high, 3))"), at: 0)
        }
        for r in recommendations { markers.append(ChartMarker(x: r.createdAt.timeIntervalSince1970, y: nil, style: "rec", label: "\(r.direction.rawValue) recommended at \(DashboardLayout.time(r.createdAt))")) }
        for trade in trades {
            let yes = trade.direction == .longYes
            if let t = trade.entryTime, let p = trade.entryPrice {
                markers.append(ChartMarker(x: t.timeIntervalSince1970, y: yes ? p : 1 - p, style: "fill", label: "simulated fill at \(Format.decimal(p, 3))"))
            }
            if let t = trade.exitTime, let p = trade.exitPrice, p > 0, p < 1 {
                markers.append(ChartMarker(x: t.timeIntervalSince1970, y: yes ? p : 1 - p, style: "exit", label: "simulated exit (\(trade.status.rawValue)) at \(Format.decimal(p, 3))"))
            }
        }
        let consensus = ChartSeries(points: recommendations.reversed().map { (x: $0.createdAt.timeIntervalSince1970, y: $0.consensusProbability ?? $0.fairProbability) }, style: "consensus")
        return SVGChart.line(
            title: "YES price of \(market.question)",
            summary: history.isEmpty ? "No stored price history for this market."
                : "\(history.count) price points from \(DashboardLayout.time(Date(timeIntervalSince1970: history.first!.t))) to \(DashboardLayout.time(Date(timeIntervalSince1970: history.last!.t))), last \(Format.decimal(history.last!.p, 3)); \(recommendations.count) analyses drawn as vertical rules, our consensus as a dashed line inside its band, entry zones green, target zones blue, stop losses red.",
            series: [ChartSeries(points: history.map { (x: $0.t, y: $0.p) }, style: "price"), consensus],
            xRange: xRange, yRange: 0...1, bands: bands, markers: markers, standalone: standalone)
    }

    /// The chart as it stood when `recommendation` was made: only the points, analyses and
    /// recommendations at or before its time, and no trade (their future was unknown then).
    static func snapshot(of recommendation: Recommendation, market: Market, history: [PricePoint], recommendations: [Recommendation],
                         runs: [AnalysisRun], rules: TradeRules) -> (svg: HTML, points: Int) {
        let t = recommendation.createdAt
        let seen = history.filter { $0.t <= t.timeIntervalSince1970 }
        let svg = render(market: market, history: seen, recommendations: recommendations.filter { $0.createdAt <= t },
                         runs: runs.filter { $0.createdAt <= t }, trades: [], rules: rules, now: t.timeIntervalSince1970, standalone: true)
        return (svg, seen.count)
    }
}
