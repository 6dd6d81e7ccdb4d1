import FoundationEssentials
import Pipeline
import Storage
import Support

/// The track record as terminal text (the `--json` form is the `TrackRecord` itself).
enum TrackRecordText {
    static func optional(_ value: Double?, _ places: Int = 3) -> String { value.map { Format.decimal($0, places) } ?? "-" }
    static func money(_ value: Double?) -> String {
        guard let value else { return "-" }
        return (value < 0 ? "-$" : "$") + Format.decimal(abs(value), 2)
    }
    static func percent(_ value: Double?) -> String { value.map(Format.percent) ?? "-" }
    static func period(_ record: TrackRecord) -> String {
        "\(record.since.map(Timestamp.format) ?? "the beginning") to \(record.until.map(Timestamp.format) ?? "now")"
    }

    /// What data the figures come from, as the first line says it.
    static func banner(_ record: TrackRecord) -> String {
        switch record.data {
        case "sample": "SAMPLE DATA (offline sample markets, not real markets)"
        case "replay": "REPLAY \(record.replay ?? "") (analyses re-run as of past times; never mixed with live runs)"
        default: "live markets only (sample data and replays excluded)"
        }
    }

    static func skill(_ name: String, _ f: SkillFigures) -> String {
        guard f.count > 0 else { return "  " + name.padding(to: 22) + "no resolved forecasts" }
        return "  " + name.padding(to: 22) + "n \(f.count)".padding(to: 8) + "Brier \(optional(f.brier)) vs market \(optional(f.brierMarket))".padding(to: 32)
            + "skill \(optional(f.skill)) [\(optional(f.skillLow)), \(optional(f.skillHigh))]"
    }

    static func lines(_ record: TrackRecord, trades: Bool) -> [String] {
        var out = [banner(record), "period: \(period(record)); \(record.counting == .first ? "the first analysis of each market counts" : "every analysis counts")", ""]
        let f = record.forecasts
        out.append("FORECAST SKILL against the market price at decision time (\(f.resolvedMarkets) resolved markets, \(f.analysesScored) analyses)")
        out.append(skill("ours", f.overall))
        out.append(skill("blended (prequential)", f.blended))
        if f.overall.count > 0 {
            out.append("  log score             ours \(optional(f.overall.logScore)) vs market \(optional(f.overall.logScoreMarket))")
            out.append("  calibration           reliability \(optional(f.overall.reliability, 4)) (lower is better), resolution \(optional(f.overall.resolution, 4)), uncertainty \(optional(f.overall.uncertainty, 4))")
            out.append("  blend weight now      \(Format.decimal(f.blend.weight, 3)) (fitted \(optional(f.blend.fittedWeight)), \(f.blend.resolved) of \(f.blend.enough) markets)")
            out.append("  reliability diagram   forecast bin: count, mean forecast → observed")
            for bin in f.overall.bins where bin.count > 0 {
                out.append("    \(Format.decimal(bin.lower, 1))–\(Format.decimal(bin.upper, 1))   \(bin.count)".padding(to: 22)
                           + "\(optional(bin.meanForecast, 2)) → \(optional(bin.observedFrequency, 2))")
            }
        }
        if !f.byEventType.isEmpty { out.append("  by event type:") }
        for group in f.byEventType { out.append("  " + skill(group.name, group.figures)) }
        if !f.byAgent.isEmpty { out.append("  by agent:") }
        for group in f.byAgent { out.append("  " + skill(group.name, group.figures)) }
        out.append("")
        let h = record.hitRate
        out.append("HIT RATE over trades only (NO_TRADE never counts): \(h.trades == 0 ? "no resolved trades" : "\(h.wins) of \(h.trades), \(percent(h.rate))")")
        out.append("")
        let r = record.rules
        out.append("SIMULATED TRADES ($\(Format.decimal(r.stakeUSD, 2)) each, fee rate \(Format.decimal(r.feeRate, 3)), fill window \(Format.decimal(r.fillWindowHours, 1)) h, stop \(r.useStopLoss ? "on" : "off"))")
        out.append("  " + SimulatedTradeStatus.allCases.map { "\($0.rawValue) \(record.tradesByStatus[$0.rawValue] ?? 0)" }.joined(separator: ", "))
        out += portfolio(record.portfolio).map { "  " + $0 }
        if trades {
            out.append("")
            out.append("  recommended".padding(to: 24) + "action".padding(to: 10) + "status".padding(to: 14) + "entry".padding(to: 8) + "exit".padding(to: 8) + "P&L".padding(to: 11) + "market")
            for t in record.trades {
                out.append("  " + Timestamp.format(t.recommendedAt).prefix(19).description.padding(to: 22) + t.direction.rawValue.padding(to: 10)
                           + t.status.rawValue.padding(to: 14) + optional(t.entryPrice).padding(to: 8) + optional(t.exitPrice ?? t.markPrice).padding(to: 8)
                           + money(t.status.isFilled ? t.pnlUSD : nil).padding(to: 11) + t.question
                           + (t.gapCount > 0 ? "  [\(t.gapCount) gap(s), longest \(Format.decimal(t.gaps.first?.hours ?? 0, 1)) h]" : "")
                           + (t.note.map { "  [\($0)]" } ?? ""))
            }
        }
        if !record.notes.isEmpty { out.append(""); out += record.notes.map { "note: " + $0 } }
        return out
    }

    static func portfolio(_ p: PortfolioFigures) -> [String] {
        ["filled \(p.filled) (closed \(p.closed), open \(p.open)); wins \(p.wins), losses \(p.losses)",
         "realised P&L \(money(p.realizedPnLUSD)), open marked \(money(p.unrealizedPnLUSD)), fees \(money(p.feesUSD))",
         "mean P&L per $100 \(p.meanPnLPer100.map { money($0) } ?? "-"), win rate \(percent(p.winRate)), profit factor \(optional(p.profitFactor, 2))",
         "max drawdown \(money(p.maxDrawdownUSD)), peak capital locked \(money(p.peakCapitalLockedUSD))"]
            + p.exposureByEvent.prefix(5).filter { $0.openStakeUSD > 0 }.map { "open exposure \(money($0.openStakeUSD)) in \($0.event)" }
    }
}
