import FoundationEssentials
import Storage
import Support

/// Simulates the trade of one recommendation over the YES token's stored price series, using
/// only points after the recommendation (no look-ahead) and never past the market's recorded
/// resolution or `now`:
/// 1. fill at the first point inside the entry zone within the fill window, else not filled
///    (pending while the window is open);
/// 2. exit at the first later point at or above the target zone's lower edge (and above the
///    fill price), or at or below the stop loss; else at resolution (1 or 0, no fee); else open,
///    marked to the last price.
/// Each fill and sale is at the observed point's price and pays the taker fee.
public enum TradeSimulator {
    /// The trade of `row` over `history` (YES prices, oldest first) under `rules` at `now` (epoch seconds).
    public static func simulate(_ row: TradeRow, history: [PricePoint], rules: TradeRules, now: Double) -> SimulatedTrade {
        let yes = row.direction == .longYes
        func side(_ p: Double) -> Double { yes ? p : 1 - p }
        let start = row.time
        let horizon = min(now, row.resolvedAt ?? now)
        var trade = SimulatedTrade(recommendationID: row.recommendationID, conditionID: row.conditionID, question: row.question,
                                   eventID: row.eventID, eventTitle: row.eventTitle, eventType: row.eventType, direction: row.direction,
                                   status: .notFilled, recommendedAt: Date(timeIntervalSince1970: start), edge: row.edge,
                                   stakeUSD: rules.stakeUSD, shares: 0, feesUSD: 0, pnlUSD: 0, gaps: [], gapCount: 0)
        guard let entry = row.entryZone else {
            trade.note = "the recommendation has no entry zone"
            return trade
        }
        // The points the trade may see, in time order: after the recommendation, up to the horizon.
        let first = firstIndex(history, atOrAfter: start)
        var index = first
        let windowEnd = min(horizon, start + rules.fillWindowHours * 3_600)
        var fill: (t: Double, p: Double)?
        while index < history.count, history[index].t <= windowEnd {
            let price = side(history[index].p)
            if entry.contains(price) { fill = (history[index].t, price); break }
            index += 1
        }
        guard let fill else {
            let windowOpen = row.yesWon == nil && now < start + rules.fillWindowHours * 3_600
            trade.status = windowOpen ? .pending : .notFilled
            if first >= history.count || history[first].t > windowEnd {
                trade.note = "no price points between the recommendation and the end of the fill window"
            }
            record(gaps(history, from: start, to: windowEnd, rules: rules), in: &trade)
            return trade
        }
        let shares = rules.stakeUSD / fill.p
        trade.entryTime = Date(timeIntervalSince1970: fill.t)
        trade.entryPrice = fill.p
        trade.shares = shares
        trade.feesUSD = rules.fee(shares: shares, price: fill.p)
        index += 1
        var last = fill
        while index < history.count, history[index].t <= horizon {
            let point = (t: history[index].t, p: side(history[index].p))
            last = point
            if let target = row.targetZone, point.p >= target.lowerBound, point.p > fill.p {
                close(&trade, at: point, status: .target, fee: rules.fee(shares: shares, price: point.p))
                break
            }
            if rules.useStopLoss, let stop = row.stopLoss, point.p <= stop {
                close(&trade, at: point, status: .stop, fee: rules.fee(shares: shares, price: point.p))
                break
            }
            index += 1
        }
        if trade.status == .notFilled {
            if let yesWon = row.yesWon, let resolvedAt = row.resolvedAt, resolvedAt <= now {
                let won = yesWon == yes
                close(&trade, at: (max(resolvedAt, fill.t), won ? 1 : 0), status: won ? .resolvedWin : .resolvedLoss, fee: 0)
            } else {
                trade.status = .open
                trade.markPrice = last.p
                trade.markTime = Date(timeIntervalSince1970: last.t)
                trade.pnlUSD = shares * last.p - rules.stakeUSD - trade.feesUSD
                trade.daysHeld = (now - fill.t) / 86_400
            }
        }
        let end = trade.exitTime?.timeIntervalSince1970 ?? horizon
        record(gaps(history, from: fill.t, to: end, rules: rules), in: &trade)
        return trade
    }

    private static func close(_ trade: inout SimulatedTrade, at point: (t: Double, p: Double), status: SimulatedTradeStatus, fee: Double) {
        trade.status = status
        trade.exitTime = Date(timeIntervalSince1970: point.t)
        trade.exitPrice = point.p
        trade.feesUSD += fee
        trade.pnlUSD = trade.shares * point.p - trade.stakeUSD - trade.feesUSD
        trade.daysHeld = (point.t - (trade.entryTime?.timeIntervalSince1970 ?? point.t)) / 86_400
    }

    private static func record(_ found: [PriceGap], in trade: inout SimulatedTrade) {
        trade.gapCount = found.count
        trade.gaps = Array(found.sorted { $0.hours > $1.hours }.prefix(5))
    }

    /// Index of the first point with `t ≥ time` (binary search; `history` is sorted).
    static func firstIndex(_ history: [PricePoint], atOrAfter time: Double) -> Int {
        var low = 0, high = history.count
        while low < high {
            let middle = (low + high) / 2
            if history[middle].t < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Stretches longer than `rules.gapHours` without a point in `[from, to]`, counting the edges.
    static func gaps(_ history: [PricePoint], from: Double, to: Double, rules: TradeRules) -> [PriceGap] {
        guard to > from else { return [] }
        let limit = rules.gapHours * 3_600
        var found: [PriceGap] = []
        var previous = from
        var index = firstIndex(history, atOrAfter: from)
        while index < history.count, history[index].t <= to {
            if history[index].t - previous > limit { found.append(gap(previous, history[index].t)) }
            previous = history[index].t
            index += 1
        }
        if to - previous > limit { found.append(gap(previous, to)) }
        return found
    }

    private static func gap(_ from: Double, _ to: Double) -> PriceGap {
        PriceGap(from: Date(timeIntervalSince1970: from), to: Date(timeIntervalSince1970: to), hours: (to - from) / 3_600)
    }
}
