import FoundationEssentials
import Storage
import Support

/// The kind of evidence an agent brings; fusion weighs kinds differently.
public enum AgentKind: String, Codable, Sendable, CaseIterable {
    case mvp, event, polling, sentiment, price
}

/// One agent's view of a market. Every agent — offline formula or, later, an LLM — produces this.
public struct AgentOutput: Codable, Sendable, Equatable {
    public var agent: String
    public var kind: AgentKind
    /// Fair probability of YES, 0…1.
    public var fairProbability: Double
    /// 0…1.
    public var confidence: Double
    public var direction: AgentDirection
    public var keyDrivers: [String]
    public var riskFactors: [String]
    public var metadata: [String: JSONValue]

    public init(agent: String, kind: AgentKind, fairProbability: Double, confidence: Double, direction: AgentDirection,
                keyDrivers: [String], riskFactors: [String] = [], metadata: [String: JSONValue] = [:]) {
        self.agent = agent
        self.kind = kind
        self.fairProbability = min(0.99, max(0.01, fairProbability))
        self.confidence = min(1, max(0, confidence))
        self.direction = direction
        self.keyDrivers = keyDrivers
        self.riskFactors = riskFactors
        self.metadata = metadata
    }

    /// YES when the fair probability beats the market by more than `AgentOutput.neutralBand`,
    /// NO when it is that much below, NEUTRAL in between.
    public static func direction(fair: Double, market: Double) -> AgentDirection {
        fair - market > neutralBand ? .yes : market - fair > neutralBand ? .no : .neutral
    }

    /// Two probability points: closer than this to the market, an agent has no view.
    public static let neutralBand = 0.02
}

/// An agent's own recent signals on a market (its memory), newest first.
public struct AgentMemory: Codable, Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var fairProbability: Double
        public var confidence: Double
        public var direction: AgentDirection
        public var at: Date
    }
    /// Agent name → up to `AgentMemory.depth` entries.
    public var entries: [String: [Entry]]

    /// How many past signals each agent sees.
    public static let depth = 3

    public init(entries: [String: [Entry]] = [:]) { self.entries = entries }

    /// Memory's effect on confidence: an agent whose new view is within 5 points of the mean of its
    /// past views gains 0.05 (a stable view); one that moved more than 15 points loses 0.05.
    public func adjustedConfidence(agent: String, fair: Double, confidence: Double) -> (Double, String?) {
        guard let past = entries[agent], !past.isEmpty else { return (confidence, nil) }
        let mean = past.map(\.fairProbability).reduce(0, +) / Double(past.count)
        let shift = fair - mean
        if abs(shift) <= 0.05 { return (min(1, confidence + 0.05), "consistent with its last \(past.count) view(s) (mean \(Format.percent(mean)))") }
        if abs(shift) > 0.15 { return (max(0, confidence - 0.05), "moved \(Format.points(shift)) from its last \(past.count) view(s)") }
        return (confidence, nil)
    }
}

/// Number formatting for the templates.
public enum Format {
    /// `0.4123` → `41.2%`.
    public static func percent(_ value: Double) -> String { decimal(value * 100, 1) + "%" }
    /// `0.052` → `+5.2 pts`.
    public static func points(_ value: Double) -> String { (value >= 0 ? "+" : "") + decimal(value * 100, 1) + " pts" }
    /// `value` with `places` decimals.
    public static func decimal(_ value: Double, _ places: Int) -> String {
        guard value.isFinite else { return "n/a" }
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let rounded = (abs(value) * scale).rounded()
        let whole = Int64(rounded / scale)
        var text = String(whole)
        if places > 0 {
            let fraction = String(Int64(rounded) - whole * Int64(scale))
            text += "." + String(repeating: "0", count: places - fraction.count) + fraction
        }
        return (value < 0 && rounded != 0 ? "-" : "") + text
    }
}

/// An agent's direction (YES, NO, NEUTRAL); the webhook's `SignalDirection` is another type.
public typealias AgentDirection = Storage.SignalDirection
