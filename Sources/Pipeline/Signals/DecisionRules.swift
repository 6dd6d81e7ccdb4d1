import FoundationEssentials
import Storage
import Support

/// What to do with a signal opposite to an open position.
public enum OppositeSignalPolicy: String, Sendable, CaseIterable {
    /// Close the open position (decision EXIT).
    case close
    /// Close it and open the new direction (decision ENTER).
    case reverse
    /// Leave it open (decision SKIP).
    case ignore
}

/// The decision rules, as configuration. They are evaluated in `SignalRules.order`; the first
/// rule that decides wins, and a signal no rule stops is an ENTER.
public struct SignalRules: Sendable, Equatable {
    /// Trading window; nil disables the market-hours rule.
    public var session: TradingSession?
    public var cooldownSeconds: Double
    /// Minimum `metadata.score` / `metadata.confidence`; nil disables the rule.
    public var minimumScore: Double?
    public var minimumConfidence: Double?
    public var maximumOpenPositions: Int
    /// Largest total entry notional of open positions, in dollars.
    public var maximumExposure: Double
    /// Sizing rule: each position is this many dollars of notional at its entry price.
    public var positionNotional: Double
    public var opposite: OppositeSignalPolicy

    /// The evaluation order, documented in the README.
    public static let order = ["market_hours", "exit", "min_score", "min_confidence", "opposite_direction",
                               "already_open", "cooldown", "price", "max_open_positions", "max_exposure"]

    public init(session: TradingSession? = .usEquities, cooldownSeconds: Double = 300, minimumScore: Double? = nil,
                minimumConfidence: Double? = nil, maximumOpenPositions: Int = 5, maximumExposure: Double = 10_000,
                positionNotional: Double = 1_000, opposite: OppositeSignalPolicy = .close) {
        self.session = session
        self.cooldownSeconds = cooldownSeconds
        self.minimumScore = minimumScore
        self.minimumConfidence = minimumConfidence
        self.maximumOpenPositions = maximumOpenPositions
        self.maximumExposure = maximumExposure
        self.positionNotional = positionNotional
        self.opposite = opposite
    }
}

/// What the rules know about the book when a signal arrives.
public struct BookState: Sendable {
    public var openPosition: Position?
    public var openPositions: Int
    public var exposure: Double
    public var lastEntry: Date?
    public var lastPrice: Double?
}

/// A decision and what it does to the book.
public struct Decision: Sendable, Equatable {
    public enum Effect: Sendable, Equatable {
        case none
        case close(Position, price: Double)
        case open(PositionSide, quantity: Double, price: Double, closing: Position?)
    }
    /// ENTER, EXIT or SKIP.
    public var action: String
    /// The rule that decided (`enter` when none stopped the signal).
    public var rule: String
    public var reasons: [String]
    public var effect: Effect

    static func skip(_ rule: String, _ reason: String) -> Decision { Decision(action: "SKIP", rule: rule, reasons: [reason], effect: .none) }
}

extension SignalRules {
    /// Decides on `signal` given the book; pure.
    public func decide(_ signal: ValidatedSignal, book: BookState, now: Date) -> Decision {
        let price = signal.price ?? book.lastPrice
        if let session, !session.isOpen(at: signal.time) {
            return .skip("market_hours", "outside the trading session (\(session.timeZone.identifier))")
        }
        guard let side = signal.direction.side else {
            guard let position = book.openPosition else { return .skip("exit", "no open position on \(signal.symbol) to exit") }
            guard let price else { return .skip("exit", "no price to close \(signal.symbol) at") }
            return Decision(action: "EXIT", rule: "exit", reasons: ["EXIT closes the \(position.side.rawValue) position"],
                            effect: .close(position, price: price))
        }
        if let minimumScore {
            guard let score = signal.score, score >= minimumScore else {
                return .skip("min_score", "score \(signal.score.map { "\($0)" } ?? "missing") is below \(minimumScore)")
            }
        }
        if let minimumConfidence {
            guard let confidence = signal.confidence, confidence >= minimumConfidence else {
                return .skip("min_confidence", "confidence \(signal.confidence.map { "\($0)" } ?? "missing") is below \(minimumConfidence)")
            }
        }
        var closing: Position?
        if let position = book.openPosition, position.side != side {
            switch opposite {
            case .ignore: return .skip("opposite_direction", "a \(position.side.rawValue) position is open; opposite signals are ignored")
            case .close:
                guard let price else { return .skip("opposite_direction", "no price to close \(signal.symbol) at") }
                return Decision(action: "EXIT", rule: "opposite_direction", reasons: ["\(side.rawValue) signal closes the \(position.side.rawValue) position"],
                                effect: .close(position, price: price))
            case .reverse: closing = position
            }
        } else if book.openPosition != nil {
            return .skip("already_open", "a \(side.rawValue) position on \(signal.symbol) is already open")
        }
        if let last = book.lastEntry, now.timeIntervalSince(last) < cooldownSeconds {
            return .skip("cooldown", "last entry on \(signal.symbol) was \(Int(now.timeIntervalSince(last))) s ago (cooldown \(Int(cooldownSeconds)) s)")
        }
        guard let price else { return .skip("price", "no price in the signal and none known for \(signal.symbol)") }
        let remaining = book.openPositions - (closing == nil ? 0 : 1)
        if remaining >= maximumOpenPositions {
            return .skip("max_open_positions", "\(remaining) positions open (maximum \(maximumOpenPositions))")
        }
        let exposure = book.exposure - (closing?.exposure ?? 0)
        if exposure + positionNotional > maximumExposure {
            return .skip("max_exposure", "exposure would be \(exposure + positionNotional) (maximum \(maximumExposure))")
        }
        var reasons = ["all rules passed; \(side.rawValue) \(positionNotional) notional at \(price)"]
        if let closing { reasons.insert("closes the \(closing.side.rawValue) position first", at: 0) }
        return Decision(action: "ENTER", rule: "enter", reasons: reasons,
                        effect: .open(side, quantity: positionNotional / price, price: price, closing: closing))
    }
}
