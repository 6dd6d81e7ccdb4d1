import FoundationEssentials
import Storage

/// `GET /metrics`: Prometheus text exposition 0.0.4, rendered from memory.
enum MetricsRoutes {
    static func routes(metrics: Metrics, database: AppDatabase, health: HealthMonitor, clock: any WallClock, startedAt: Date) -> [Route] {
        [
            Route(.get, "/metrics", .immediate { _ in
                let text = metrics.render(database: database.pool.statistics, health: health.snapshot,
                                          uptimeSeconds: clock.now().timeIntervalSince(startedAt),
                                          residentBytes: ProcessResources.residentBytes())
                return .text(text, contentType: "text/plain; version=0.0.4; charset=utf-8")
            }),
        ]
    }
}
