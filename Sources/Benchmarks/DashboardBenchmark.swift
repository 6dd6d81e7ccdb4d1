import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// `tradewizard bench dashboard`: every dashboard page served by a `tradewizard serve` child over
/// 1,000 markets, 10,000 recommendations (2,000 actionable), 70,000 agent signals and 500,000 price
/// points, fetched by 16 concurrent keep-alive-less clients on loopback; latency per page, the
/// size of a market's price chart and the weight of the overview. The child runs in live mode
/// with Polymarket pointed at a closed port: it analyses nothing and writes nothing, so the pages
/// show exactly the data built here.
public enum DashboardBenchmark {
    public struct PageResult: Encodable, Sendable {
        public var path: String
        public var requests: Int
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var bytes: Int
    }

    public struct Report: Encodable, Sendable {
        public var markets: Int
        public var recommendations: Int
        public var pricePoints: Int
        public var clients: Int
        public var pages: [PageResult]
        /// Bytes of the first chart (`<figure class="chart">…</figure>`) of a market's page.
        public var marketChartBytes: Int
        /// Bytes of the overview and its one stylesheet (the whole page weight: no other resource).
        public var overviewWeightBytes: Int
    }

    public static func run(directory: String, clients: Int = 16, requestsPerClient: Int = 25, progress: (String) -> Void) async throws -> Report {
        progress("building 1,000 markets, 10,000 recommendations, 70,000 agent signals, 500,000 price points")
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        try await TrackRecordBenchmark.fill(database, markets: 1_000, recommendationsPerMarket: 10, actionablePerMarket: 2, points: 500, agents: 7)
        // Half the markets still open, so the table mixes active and resolved ones.
        try await database.pool.write { try $0.execute("UPDATE markets SET status = 'active', resolved_outcome = NULL, resolved_at = NULL WHERE id % 2 = 0") }
        database.close()

        progress("starting serve (live mode, Polymarket unreachable: nothing is written)")
        let server = try await BenchmarkServer.start(directory: directory, environment: [
            "TRADEWIZARD_OFFLINE": "false", "POLYMARKET_GAMMA_API_URL": "http://127.0.0.1:9", "POLYMARKET_CLOB_API_URL": "http://127.0.0.1:9",
        ])
        defer { _ = server.stop() }
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: server.port, timeoutSeconds: 30)
        let paths = ["/", "/markets", "/markets/bench-1", "/track-record", "/signals", "/operations"]
        var pages: [PageResult] = []
        for path in paths {
            progress("GET \(path): \(clients) clients × \(requestsPerClient) requests")
            let warm = try await client.send(method: "GET", path: path)
            guard warm.status == 200 else { throw BenchmarkError("GET \(path) answered \(warm.status): \(warm.text.prefix(300))") }
            let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
                for _ in 0..<clients {
                    group.addTask {
                        var seen: [Double] = []
                        for _ in 0..<requestsPerClient {
                            let started = MonotonicInstant.now()
                            let response = try await client.send(method: "GET", path: path)
                            guard response.status == 200 else { throw BenchmarkError("GET \(path) answered \(response.status)") }
                            seen.append(started.secondsElapsed())
                        }
                        return seen
                    }
                }
                return try await group.reduce(into: [Double]()) { $0 += $1 }
            }.sorted()
            pages.append(PageResult(path: path, requests: latencies.count, p50Milliseconds: StorageBenchmark.percentile(latencies, 0.5) * 1000,
                                    p99Milliseconds: StorageBenchmark.percentile(latencies, 0.99) * 1000, bytes: warm.body.count))
        }
        let market = try await client.send(method: "GET", path: "/markets/bench-1").text
        var chartBytes = 0
        if let start = market.firstRange(of: "<figure class=\"chart\">"), let end = market[start.upperBound...].firstRange(of: "</figure>") {
            chartBytes = market[start.lowerBound..<end.upperBound].utf8.count
        }
        let stylesheet = try await client.send(method: "GET", path: "/dashboard.css").body.count
        return Report(markets: 1_000, recommendations: 10_000, pricePoints: 500_000, clients: clients, pages: pages,
                      marketChartBytes: chartBytes, overviewWeightBytes: (pages.first?.bytes ?? 0) + stylesheet)
    }

    public static func summary(_ report: Report) -> [String] {
        var lines = ["dashboard, \(report.markets) markets, \(report.recommendations) recommendations, \(report.pricePoints) price points, \(report.clients) concurrent clients:"]
        for page in report.pages {
            lines.append("  \(page.path + String(repeating: " ", count: max(1, 20 - page.path.count))) p50 \(Format.decimal(page.p50Milliseconds, 1)) ms, p99 \(Format.decimal(page.p99Milliseconds, 1)) ms, \(page.bytes) bytes")
        }
        lines.append("  market price chart \(report.marketChartBytes) bytes; overview with its stylesheet \(report.overviewWeightBytes) bytes")
        return lines
    }
}
