import FoundationEssentials
import Storage
import Support

/// One point of a curve over time.
public struct TimedValue: Codable, Sendable, Equatable {
    public var time: Date
    public var value: Double
}

/// Stake and P&L of the trades of one event.
public struct EventExposure: Codable, Sendable, Equatable {
    public var event: String
    /// Stake of the event's open trades (dollars).
    public var openStakeUSD: Double
    public var trades: Int
    public var pnlUSD: Double
}

/// What following every recommendation would have done to a paper account.
public struct PortfolioFigures: Codable, Sendable, Equatable {
    /// Filled trades (closed + open).
    public var filled: Int
    public var closed: Int
    public var open: Int
    public var wins: Int
    public var losses: Int
    public var realizedPnLUSD: Double
    /// Open trades marked to their last price (no exit fee).
    public var unrealizedPnLUSD: Double
    public var feesUSD: Double
    /// Mean realised P&L per $100 staked over closed trades; nil with none closed.
    public var meanPnLPer100: Double?
    /// Closed trades with a positive P&L over closed trades; nil with none closed (never "0%").
    public var winRate: Double?
    /// Gross profit / gross loss of closed trades; nil when there is no loss (or no trade).
    public var profitFactor: Double?
    /// Largest fall of the realised equity curve from a previous peak (dollars, ≥ 0).
    public var maxDrawdownUSD: Double
    /// Cumulative realised P&L at each exit, in time order (starts at 0).
    public var equityCurve: [TimedValue]
    /// Dollars staked and not yet returned, at each entry and exit (a held position's stake is
    /// locked until it is sold or the market resolves).
    public var capitalLocked: [TimedValue]
    public var peakCapitalLockedUSD: Double
    /// Per event, largest open stake first.
    public var exposureByEvent: [EventExposure]

    /// The figures of `trades` (any order; unfilled ones are ignored).
    public static func of(_ trades: [SimulatedTrade]) -> PortfolioFigures {
        let filled = trades.filter { $0.status.isFilled }
        let closed = filled.filter { $0.status.isClosed }.sorted { ($0.exitTime!, $0.recommendationID) < ($1.exitTime!, $1.recommendationID) }
        let open = filled.filter { $0.status == .open }
        let wins = closed.filter { $0.pnlUSD > 0 }.count
        let profit = closed.filter { $0.pnlUSD > 0 }.reduce(0) { $0 + $1.pnlUSD }
        let loss = -closed.filter { $0.pnlUSD < 0 }.reduce(0) { $0 + $1.pnlUSD }
        var equity = 0.0, peak = 0.0, drawdown = 0.0
        var curve: [TimedValue] = []
        for trade in closed {
            equity += trade.pnlUSD
            peak = max(peak, equity)
            drawdown = max(drawdown, peak - equity)
            curve.append(TimedValue(time: trade.exitTime!, value: equity))
        }
        // Capital locked: +stake at each entry, −stake at each exit, in time order (exits first on ties).
        var events: [(Date, Int, Double)] = []
        for trade in filled {
            events.append((trade.entryTime!, 1, trade.stakeUSD))
            if let exit = trade.exitTime { events.append((exit, 0, -trade.stakeUSD)) }
        }
        events.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var locked = 0.0, peakLocked = 0.0
        var lockedCurve: [TimedValue] = []
        for (time, _, change) in events {
            locked += change
            peakLocked = max(peakLocked, locked)
            lockedCurve.append(TimedValue(time: time, value: locked))
        }
        var byEvent: [String: EventExposure] = [:]
        for trade in filled {
            let name = trade.eventTitle ?? trade.eventID ?? trade.question
            var entry = byEvent[name] ?? EventExposure(event: name, openStakeUSD: 0, trades: 0, pnlUSD: 0)
            entry.trades += 1
            entry.pnlUSD += trade.pnlUSD
            if trade.status == .open { entry.openStakeUSD += trade.stakeUSD }
            byEvent[name] = entry
        }
        return PortfolioFigures(
            filled: filled.count, closed: closed.count, open: open.count, wins: wins, losses: closed.count - wins,
            realizedPnLUSD: closed.reduce(0) { $0 + $1.pnlUSD }, unrealizedPnLUSD: open.reduce(0) { $0 + $1.pnlUSD },
            feesUSD: filled.reduce(0) { $0 + $1.feesUSD },
            meanPnLPer100: closed.isEmpty ? nil : closed.reduce(0) { $0 + 100 * $1.pnlUSD / $1.stakeUSD } / Double(closed.count),
            winRate: closed.isEmpty ? nil : Double(wins) / Double(closed.count),
            profitFactor: loss > 0 ? profit / loss : nil, maxDrawdownUSD: drawdown, equityCurve: curve,
            capitalLocked: lockedCurve, peakCapitalLockedUSD: peakLocked,
            exposureByEvent: byEvent.values.sorted { ($0.openStakeUSD, $0.trades, $1.event) > ($1.openStakeUSD, $1.trades, $0.event) })
    }
}
