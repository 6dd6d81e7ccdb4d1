import FoundationEssentials
import Storage
import Support

/// The events the appliance reports, each with a stable name, a severity and whether it is on
/// unless `ALERT_ROUTES` says otherwise. Builders make the outbox row of each fact; text from
/// sample markets says so.
public enum AlertEvents {
    public struct Event: Sendable, Equatable {
        public let name: String
        public let severity: AlertSeverity
        public let onByDefault: Bool
    }

    public static let recommendation = Event(name: "recommendation.actionable", severity: .info, onByDefault: true)
    public static let analysisFailed = Event(name: "analysis.failed", severity: .warning, onByDefault: true)
    public static let positionOpened = Event(name: "position.opened", severity: .info, onByDefault: true)
    public static let positionClosed = Event(name: "position.closed", severity: .info, onByDefault: true)
    public static let healthChanged = Event(name: "health.changed", severity: .warning, onByDefault: true)
    public static let backupFailed = Event(name: "backup.failed", severity: .critical, onByDefault: true)
    public static let signalAccepted = Event(name: "signal.accepted", severity: .info, onByDefault: false)
    public static let signalRejected = Event(name: "signal.rejected", severity: .warning, onByDefault: false)
    public static let digest = Event(name: "digest.daily", severity: .info, onByDefault: true)
    public static let test = Event(name: "alerts.test", severity: .info, onByDefault: true)

    /// Every event, for routing and documentation.
    public static let all = [recommendation, analysisFailed, signalAccepted, signalRejected, positionOpened, positionClosed, healthChanged, backupFailed,
                              digest, test]

    static func money(_ value: Double) -> String { (value < 0 ? "-$" : "$") + Format.decimal(abs(value), 2) }

    /// A new LONG_YES/LONG_NO recommendation on `market`.
    public static func actionable(_ r: Recommendation, market: Market) -> NewAlert {
        func zone(_ low: Double?, _ high: Double?) -> String {
            guard let low, let high else { return "-" }
            return "\(Format.decimal(low, 3))–\(Format.decimal(high, 3))"
        }
        let sample = market.isSample ? "[SAMPLE DATA] " : ""
        let text = "\(sample)\(r.direction.rawValue) on \"\(market.question)\": edge \(Format.points(r.marketEdge)), EV \(money(r.expectedValue)) per $100, "
            + "entry \(zone(r.entryZoneMin, r.entryZoneMax)), target \(zone(r.targetZoneMin, r.targetZoneMax)), stop \(r.stopLoss.map { Format.decimal($0, 3) } ?? "-"). "
            + "/markets/\(market.conditionID)"
        let data: JSONValue = .object([
            "conditionId": .string(market.conditionID), "question": .string(market.question), "action": .string(r.direction.rawValue),
            "edge": .number(r.marketEdge), "expectedValuePer100": .number(r.expectedValue), "marketProbability": .number(r.marketProbability),
            "fairProbability": .number(r.fairProbability), "sample": .bool(market.isSample), "page": .string("/markets/\(market.conditionID)"),
            "entryZone": r.entryZoneMin.map { low in .array([.number(low), .number(r.entryZoneMax ?? low)]) } ?? .null,
            "targetZone": r.targetZoneMin.map { low in .array([.number(low), .number(r.targetZoneMax ?? low)]) } ?? .null,
            "stopLoss": r.stopLoss.map(JSONValue.number) ?? .null,
        ])
        return NewAlert(event: recommendation.name, severity: recommendation.severity, text: text, data: data)
    }

    /// An analysis run that failed.
    public static func failed(market: Market, runID: String, message: String) -> NewAlert {
        let sample = market.isSample ? "[SAMPLE DATA] " : ""
        return NewAlert(event: analysisFailed.name, severity: analysisFailed.severity,
                        text: "\(sample)Analysis of \"\(market.question)\" failed: \(message)",
                        data: .object(["conditionId": .string(market.conditionID), "run": .string(runID), "error": .string(message),
                                       "sample": .bool(market.isSample)]))
    }

    /// A webhook signal taken (`signal.accepted`, off unless routed): its decision.
    public static func accepted(symbol: String, direction: String, action: String, rule: String, reasons: [String]) -> NewAlert {
        NewAlert(event: signalAccepted.name, severity: signalAccepted.severity,
                 text: "Signal \(direction) \(symbol): \(action) (\(rule)) " + reasons.joined(separator: "; "),
                 data: .object(["symbol": .string(symbol), "direction": .string(direction), "action": .string(action), "rule": .string(rule),
                                "reasons": .array(reasons.map(JSONValue.string))]))
    }

    /// A webhook request refused as invalid (`signal.rejected`, off unless routed); coalesced, a
    /// misconfigured sender must not become one message per request.
    public static func rejected(code: String, message: String) -> NewAlert {
        NewAlert(event: signalRejected.name, severity: signalRejected.severity, text: "Signal rejected: \(code): \(message)",
                 data: .object(["code": .string(code), "message": .string(message)]), coalesceKey: "signal.rejected")
    }

    /// A paper position opened by a webhook signal.
    public static func opened(symbol: String, side: String, quantity: Double, price: Double) -> NewAlert {
        NewAlert(event: positionOpened.name, severity: positionOpened.severity,
                 text: "Paper position opened: \(side) \(Format.decimal(quantity, 4)) \(symbol) at \(Format.decimal(price, 2))",
                 data: .object(["symbol": .string(symbol), "side": .string(side), "quantity": .number(quantity), "price": .number(price)]))
    }

    /// A paper position closed, with its realised P&L.
    public static func closed(symbol: String, price: Double, pnl: Double) -> NewAlert {
        NewAlert(event: positionClosed.name, severity: positionClosed.severity,
                 text: "Paper position closed: \(symbol) at \(Format.decimal(price, 2)), realised P&L \(money(pnl))",
                 data: .object(["symbol": .string(symbol), "price": .number(price), "pnl": .number(pnl)]))
    }

    /// The health status changed (coalesced: a flapping state is one message with a count).
    public static func health(from old: String, to new: String, reasons: [String]) -> NewAlert {
        let severity: AlertSeverity = new == "unhealthy" ? .critical : new == "healthy" ? .info : .warning
        let text = new == "healthy" ? "Recovered: health is healthy again (was \(old))"
            : "Health is \(new) (was \(old)): " + (reasons.isEmpty ? "no reason given" : reasons.joined(separator: "; "))
        return NewAlert(event: healthChanged.name, severity: severity, text: text,
                        data: .object(["from": .string(old), "to": .string(new), "reasons": .array(reasons.map(JSONValue.string))]),
                        coalesceKey: "health")
    }

    /// A backup (or its verification) failed.
    public static func backup(error: String) -> NewAlert {
        NewAlert(event: backupFailed.name, severity: backupFailed.severity, text: "Backup failed: \(error)",
                 data: .object(["error": .string(error)]))
    }
}
