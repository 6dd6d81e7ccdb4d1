import FoundationEssentials
import Storage
import Support

/// The rules every simulated trade follows (README "Track record": the same rules live, in
/// `backtest` and in replays). Prices are the side's: YES at the market price, NO at 1 − price.
public struct TradeRules: Codable, Sendable, Equatable {
    /// Dollars staked per trade (shares = stake / fill price). Default $100.
    public var stakeUSD: Double = 100
    /// Polymarket's taker fee rate: a fill of `s` shares at price `p` costs s × rate × p × (1 − p)
    /// dollars. Default 0.04, Polymarket's published rate for politics markets (geopolitics
    /// markets are free: set 0). Paid on the entry fill and on a target or stop sale, never on
    /// redemption at resolution.
    public var feeRate: Double = 0.04
    /// Hours after the recommendation within which the entry must fill. Default 24.
    public var fillWindowHours: Double = 24
    /// Whether the stop loss closes the trade. Default true.
    public var useStopLoss: Bool = true
    /// Only recommendations with at least this edge are traded (0…1). Default 0: every
    /// actionable recommendation (the live rule already requires 5 points).
    public var minimumEdge: Double = 0
    /// Two consecutive price points further apart than this many hours are a gap, stated in the
    /// trade's record. Default 6.
    public var gapHours: Double = 6

    public init(stakeUSD: Double = 100, feeRate: Double = 0.04, fillWindowHours: Double = 24, useStopLoss: Bool = true,
                minimumEdge: Double = 0, gapHours: Double = 6) {
        self.stakeUSD = stakeUSD
        self.feeRate = feeRate
        self.fillWindowHours = fillWindowHours
        self.useStopLoss = useStopLoss
        self.minimumEdge = minimumEdge
        self.gapHours = gapHours
    }

    /// The taker fee in dollars of `shares` filled at `price`.
    public func fee(shares: Double, price: Double) -> Double { shares * feeRate * price * (1 - price) }
}

/// Where a simulated trade stands.
public enum SimulatedTradeStatus: String, Codable, Sendable, CaseIterable {
    /// The fill window is still open and no price has entered the entry zone yet.
    case pending
    /// No price inside the entry zone within the fill window.
    case notFilled = "not_filled"
    /// Filled and not exited: marked to the last price.
    case open
    /// Sold at the first touch of the target zone.
    case target
    /// Sold at the first touch of the stop loss.
    case stop
    /// Held to resolution, and the side won (paid 1) …
    case resolvedWin = "resolved_win"
    /// … or lost (paid 0).
    case resolvedLoss = "resolved_loss"

    /// Whether the trade has an exit (its P&L is realised).
    public var isClosed: Bool { [.target, .stop, .resolvedWin, .resolvedLoss].contains(self) }
    /// Whether the trade was filled.
    public var isFilled: Bool { isClosed || self == .open }
}

/// A stretch of time without price points inside a trade's window (never interpolated).
public struct PriceGap: Codable, Sendable, Equatable {
    public var from: Date
    public var to: Date
    public var hours: Double
}

/// One simulated trade of one recommendation. Prices are the side's (YES or NO), 0…1; money in dollars.
public struct SimulatedTrade: Codable, Sendable, Equatable {
    public var recommendationID: Int64
    public var conditionID: String
    public var question: String
    public var eventID: String?
    public var eventTitle: String?
    public var eventType: String
    public var direction: TradeDirection
    public var status: SimulatedTradeStatus
    public var recommendedAt: Date
    public var edge: Double
    public var entryTime: Date?
    public var entryPrice: Double?
    public var exitTime: Date?
    public var exitPrice: Double?
    /// For an open trade: the last price and its time.
    public var markPrice: Double?
    public var markTime: Date?
    public var stakeUSD: Double
    public var shares: Double
    public var feesUSD: Double
    /// Realised for closed trades; marked for open ones (no exit fee); 0 when not filled.
    public var pnlUSD: Double
    /// Entry to exit (or to now for open trades); nil when not filled.
    public var daysHeld: Double?
    /// Stretches without price points in the trade's window, longest first (at most 5).
    public var gaps: [PriceGap]
    /// How many gaps there were in all.
    public var gapCount: Int
    /// What the simulation could not know (no prices after the recommendation, no entry zone…).
    public var note: String?
}
