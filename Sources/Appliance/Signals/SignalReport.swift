import FoundationEssentials
import Storage
import Support
import Synchronization

/// Signal and position figures read from the database: one query path for `/metrics/signals`,
/// `/metrics/positions`, the Prometheus `/metrics` and `tradewizard positions`.
struct SignalReport: Encodable, Sendable {
    struct Signals: Encodable, Sendable {
        var total: Int
        var accepted: Int
        var rejected: Int
        var duplicates: Int
        var acceptanceRate: Double?
        var decisions: [String: Int]
    }
    struct OpenPosition: Encodable, Sendable {
        var symbol: String
        var side: String
        var quantity: Double
        var entryPrice: Double
        var lastPrice: Double
        var exposure: Double
        var unrealizedPnl: Double
        var openedAt: String
    }
    struct Positions: Encodable, Sendable {
        var open: Int
        var exposure: Double
        var unrealizedPnl: Double
        var realizedPnl: Double
        var positions: [OpenPosition]
    }
    var signals: Signals
    var positions: Positions

    static func read(_ database: Database) throws -> SignalReport {
        let store = database.signals
        let counts = try store.counts()
        var open: [OpenPosition] = []
        for position in try store.openPositions() {
            let last = try store.lastPrice(symbol: position.symbol) ?? position.entryPrice
            open.append(OpenPosition(symbol: position.symbol, side: position.side.rawValue, quantity: position.quantity,
                                     entryPrice: position.entryPrice, lastPrice: last, exposure: position.exposure,
                                     unrealizedPnl: position.pnl(at: last), openedAt: Timestamp.format(position.openedAt)))
        }
        return SignalReport(
            signals: Signals(total: counts.total, accepted: counts.accepted, rejected: counts.rejected, duplicates: counts.duplicates,
                             acceptanceRate: counts.total > 0 ? Double(counts.accepted) / Double(counts.total) : nil,
                             decisions: try store.decisionCounts()),
            positions: Positions(open: open.count, exposure: open.reduce(0) { $0 + $1.exposure },
                                 unrealizedPnl: open.reduce(0) { $0 + $1.unrealizedPnl }, realizedPnl: try store.realizedPnl(),
                                 positions: open))
    }
}

/// The newest latency samples (seconds) of webhook intake and decisions, for percentiles.
final class LatencyRecorder: Sendable {
    struct Percentiles: Encodable, Sendable {
        var count: Int
        var p50Ms: Double?
        var p95Ms: Double?
        var p99Ms: Double?
    }
    private struct Ring {
        var samples: [Double] = []
        var next = 0
        var total = 0
        mutating func add(_ value: Double, capacity: Int) {
            if samples.count < capacity { samples.append(value) } else { samples[next] = value }
            next = (next + 1) % capacity
            total += 1
        }
    }
    private let capacity: Int
    private let rings = Mutex<(intake: Ring, decision: Ring)>((Ring(), Ring()))

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func record(intakeSeconds: Double, decisionSeconds: Double?) {
        rings.withLock { rings in
            rings.intake.add(intakeSeconds, capacity: capacity)
            if let decisionSeconds { rings.decision.add(decisionSeconds, capacity: capacity) }
        }
    }

    /// Percentiles over the retained samples (the newest `capacity`).
    func percentiles() -> (intake: Percentiles, decision: Percentiles) {
        let (intake, decision) = rings.withLock { ($0.intake.samples, $0.decision.samples) }
        func summarize(_ samples: [Double]) -> Percentiles {
            let sorted = samples.sorted()
            func at(_ q: Double) -> Double? { sorted.sortedQuantile(q).map { ($0 * 100_000).rounded() / 100 } }
            return Percentiles(count: sorted.count, p50Ms: at(0.50), p95Ms: at(0.95), p99Ms: at(0.99))
        }
        return (summarize(intake), summarize(decision))
    }
}
