import FoundationEssentials
import HTTPServer
import Storage
import Support

/// `GET /metrics`: Prometheus text exposition 0.0.4: process counters from memory, signal and
/// position figures and LLM spend from one read transaction.
enum MetricsRoutes {
    static func routes(metrics: Metrics, database: AppDatabase, health: HealthMonitor, clock: any WallClock, startedAt: Date) -> [Route] {
        [
            Route(.get, "/metrics", .task { _ in
                let read = try? await database.pool.read { (try SignalReport.read($0), try $0.llmCalls.totalsByProviderAndNode(), try $0.alerts.counts()) }
                let text = metrics.render(database: database.pool.statistics, health: health.snapshot,
                                          uptimeSeconds: clock.now().timeIntervalSince(startedAt),
                                          residentBytes: ProcessResources.residentBytes(), signals: read?.0, llm: read?.1 ?? [], alerts: read?.2 ?? [])
                return .text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
            }),
        ]
    }
}
