import FoundationEssentials
import HTTPServer
import Storage
import Support
import Synchronization

/// Counters and histograms the appliance exposes at `/metrics` in the Prometheus text format 0.0.4.
/// Labels are bounded: routes are patterns, statuses and reasons are finite sets.
public final class Metrics: HTTPServerObserver {
    struct RequestKey: Hashable { let route: String; let method: String; let status: Int }
    struct JobKey: Hashable { let job: String; let result: String }

    static let latencyBounds: [Double] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var refusals: [String: Int] = [:]
        var latencyBuckets = [Int](repeating: 0, count: Metrics.latencyBounds.count)
        var latencyCount = 0
        var latencySum = 0.0
        var openConnections = 0
        var jobRuns: [JobKey: Int] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func requestCompleted(route: String, method: HTTPMethod, status: Int, seconds: Double) {
        state.withLock { state in
            state.requests[RequestKey(route: route, method: method.rawValue, status: status), default: 0] += 1
            state.latencyCount += 1
            state.latencySum += seconds
            if let bucket = Metrics.latencyBounds.firstIndex(where: { seconds <= $0 }) {
                state.latencyBuckets[bucket] += 1
            }
        }
    }

    public func refused(_ reason: RefusalReason) {
        state.withLock { $0.refusals[reason.rawValue, default: 0] += 1 }
    }

    public func connectionsChanged(open: Int) {
        state.withLock { $0.openConnections = open }
    }

    /// Counts a finished job run.
    public func jobFinished(_ job: String, result: JobResult) {
        state.withLock { $0.jobRuns[JobKey(job: job, result: result.rawValue), default: 0] += 1 }
    }

    /// Refusals counted so far by reason code (for tests and `status`).
    public func refusalCounts() -> [String: Int] { state.withLock { $0.refusals } }

    /// Renders every metric. `database` and `health` supply the gauges sampled elsewhere.
    func render(database: WriterStatistics, health: HealthSnapshot, uptimeSeconds: Double, residentBytes: Int,
                signals: SignalReport? = nil, llm: [(provider: String, node: String, spend: LLMSpend)] = [],
                alerts: [(event: String, channel: String, status: String, count: Int)] = []) -> String {
        let snapshot = state.withLock { $0 }
        var out = PrometheusText()
        out.family("tradewizard_http_requests_total", "counter", "HTTP requests answered, by route pattern, method and status.")
        for (key, value) in snapshot.requests.sorted(by: { ($0.key.route, $0.key.method, $0.key.status) < ($1.key.route, $1.key.method, $1.key.status) }) {
            out.sample("tradewizard_http_requests_total", ["route": key.route, "method": key.method, "status": String(key.status)], Double(value))
        }
        out.family("tradewizard_http_refusals_total", "counter", "Requests and connections refused before routing, by stable reason code.")
        for reason in RefusalReason.allCases {
            out.sample("tradewizard_http_refusals_total", ["reason": reason.rawValue], Double(snapshot.refusals[reason.rawValue] ?? 0))
        }
        out.histogram("tradewizard_http_request_duration_seconds", "Time from a complete request to its response being queued.",
                      bounds: Metrics.latencyBounds, buckets: snapshot.latencyBuckets, count: snapshot.latencyCount, sum: snapshot.latencySum)
        out.family("tradewizard_http_open_connections", "gauge", "Open HTTP connections.")
        out.sample("tradewizard_http_open_connections", [:], Double(snapshot.openConnections))

        out.histogram("tradewizard_db_commit_duration_seconds", "Group-commit transaction duration, BEGIN to durable COMMIT.",
                      bounds: WriterStatistics.commitBucketBounds, buckets: database.commitBuckets, count: database.transactions, sum: database.commitSeconds)
        out.family("tradewizard_db_writes_total", "counter", "Write calls committed.")
        out.sample("tradewizard_db_writes_total", [:], Double(database.writes))
        out.family("tradewizard_db_failed_writes_total", "counter", "Write calls that failed and were rolled back.")
        out.sample("tradewizard_db_failed_writes_total", [:], Double(database.failedWrites))
        out.family("tradewizard_db_wal_bytes", "gauge", "Size of the write-ahead log file.")
        out.sample("tradewizard_db_wal_bytes", [:], Double(health.walBytes))
        out.family("tradewizard_db_up", "gauge", "1 when the database answered the last health probe.")
        out.sample("tradewizard_db_up", [:], health.databaseWritable ? 1 : 0)

        out.family("tradewizard_backup_age_seconds", "gauge", "Age of the newest regular backup (absent when there is none).")
        if let age = health.lastBackupAgeSeconds { out.sample("tradewizard_backup_age_seconds", [:], age) }
        out.family("tradewizard_backup_verified", "gauge", "1 when the newest backup passed verification.")
        out.sample("tradewizard_backup_verified", [:], health.lastBackupVerified == true ? 1 : 0)
        out.family("tradewizard_disk_free_bytes", "gauge", "Free bytes on the data directory's file system.")
        out.sample("tradewizard_disk_free_bytes", [:], Double(health.freeDiskBytes))

        out.family("tradewizard_job_runs_total", "counter", "Scheduler job runs, by job and result.")
        for (key, value) in snapshot.jobRuns.sorted(by: { ($0.key.job, $0.key.result) < ($1.key.job, $1.key.result) }) {
            out.sample("tradewizard_job_runs_total", ["job": key.job, "result": key.result], Double(value))
        }
        if let signals {
            out.family("tradewizard_signals_total", "counter", "Webhook signals by outcome (accepted, rejected, duplicate).")
            out.sample("tradewizard_signals_total", ["outcome": "accepted"], Double(signals.signals.accepted))
            out.sample("tradewizard_signals_total", ["outcome": "rejected"], Double(signals.signals.rejected))
            out.sample("tradewizard_signals_total", ["outcome": "duplicate"], Double(signals.signals.duplicates))
            out.family("tradewizard_signal_decisions_total", "counter", "Decisions on accepted signals, by action.")
            for action in ["ENTER", "EXIT", "SKIP"] {
                out.sample("tradewizard_signal_decisions_total", ["action": action], Double(signals.signals.decisions[action] ?? 0))
            }
            out.family("tradewizard_positions_open", "gauge", "Open paper positions.")
            out.sample("tradewizard_positions_open", [:], Double(signals.positions.open))
            out.family("tradewizard_positions_exposure_dollars", "gauge", "Entry notional of open paper positions.")
            out.sample("tradewizard_positions_exposure_dollars", [:], signals.positions.exposure)
            out.family("tradewizard_positions_unrealized_pnl_dollars", "gauge", "Unrealized P&L of open positions at the last known prices.")
            out.sample("tradewizard_positions_unrealized_pnl_dollars", [:], signals.positions.unrealizedPnl)
            out.family("tradewizard_positions_realized_pnl_dollars", "gauge", "Realized P&L of closed positions.")
            out.sample("tradewizard_positions_realized_pnl_dollars", [:], signals.positions.realizedPnl)
        }
        out.family("tradewizard_alerts_total", "counter", "Alert deliveries by event, channel and result (pending, sent, coalesced, failed).")
        for row in alerts { out.sample("tradewizard_alerts_total", ["event": row.event, "channel": row.channel, "result": row.status], Double(row.count)) }
        out.family("tradewizard_llm_calls_total", "counter", "Paid LLM answers, by provider and agent (or node).")
        for row in llm { out.sample("tradewizard_llm_calls_total", ["provider": row.provider, "agent": Self.agentLabel(row.node)], Double(row.spend.calls)) }
        out.family("tradewizard_llm_cost_dollars_total", "counter", "LLM cost (reported usage × price table), by provider and agent.")
        for row in llm { out.sample("tradewizard_llm_cost_dollars_total", ["provider": row.provider, "agent": Self.agentLabel(row.node)], row.spend.costUSD) }
        out.family("tradewizard_llm_tokens_total", "counter", "LLM tokens billed, by provider, agent and direction (input, output).")
        for row in llm {
            out.sample("tradewizard_llm_tokens_total", ["provider": row.provider, "agent": Self.agentLabel(row.node), "direction": "input"], Double(row.spend.tokensIn))
            out.sample("tradewizard_llm_tokens_total", ["provider": row.provider, "agent": Self.agentLabel(row.node), "direction": "output"], Double(row.spend.tokensOut))
        }
        out.family("tradewizard_llm_spend_today_dollars", "gauge", "LLM spend of the current UTC day.")
        out.sample("tradewizard_llm_spend_today_dollars", [:], health.llmSpendToday)
        out.family("tradewizard_api_quota_used", "gauge", "Calls used today (UTC) by external API.")
        for (api, usage) in health.quota.sorted(by: { $0.key < $1.key }) { out.sample("tradewizard_api_quota_used", ["api": api], Double(usage.used)) }
        out.family("tradewizard_api_quota_limit", "gauge", "Daily call limit by external API.")
        for (api, usage) in health.quota.sorted(by: { $0.key < $1.key }) { out.sample("tradewizard_api_quota_limit", ["api": api], Double(usage.limit)) }
        out.family("tradewizard_process_resident_memory_bytes", "gauge", "Resident set size of the process.")
        out.sample("tradewizard_process_resident_memory_bytes", [:], Double(residentBytes))
        out.family("tradewizard_process_uptime_seconds", "gauge", "Seconds since the process started.")
        out.sample("tradewizard_process_uptime_seconds", [:], uptimeSeconds)
        out.family("tradewizard_build_info", "gauge", "Build information.")
        out.sample("tradewizard_build_info", ["version": Version.current, "schema": String(Schema.latestVersion)], 1)
        return out.text
    }
}

extension Metrics {
    /// `agent_catalyst` → `catalyst`; writer nodes (`theses`, …) keep their names.
    static func agentLabel(_ node: String) -> String { node.hasPrefix("agent_") ? String(node.dropFirst(6)) : node }
}

/// Builds Prometheus text exposition format 0.0.4.
struct PrometheusText {
    private(set) var text = ""

    mutating func family(_ name: String, _ type: String, _ help: String) {
        text += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
    }

    mutating func sample(_ name: String, _ labels: [String: String], _ value: Double) {
        text += name
        if !labels.isEmpty {
            text += "{" + labels.keys.sorted().map { "\($0)=\"\(escape(labels[$0]!))\"" }.joined(separator: ",") + "}"
        }
        text += " " + format(value) + "\n"
    }

    mutating func histogram(_ name: String, _ help: String, bounds: [Double], buckets: [Int], count: Int, sum: Double) {
        family(name, "histogram", help)
        var cumulative = 0
        for (bound, bucket) in zip(bounds, buckets) {
            cumulative += bucket
            sample(name + "_bucket", ["le": format(bound)], Double(cumulative))
        }
        sample(name + "_bucket", ["le": "+Inf"], Double(count))
        sample(name + "_sum", [:], sum)
        sample(name + "_count", [:], Double(count))
    }

    private func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    private func format(_ value: Double) -> String {
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value.isNaN { return "NaN" }
        return value.plainText
    }
}
