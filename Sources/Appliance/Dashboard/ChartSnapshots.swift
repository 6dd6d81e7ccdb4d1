import FoundationEssentials
import Pipeline
import Storage
import Support

/// Chart snapshots: for every recommendation, its market's chart as it stood when the
/// recommendation was made, stored as SVG (schema v9). A job renders the missing ones every five
/// minutes (and at start), at most `batch` a run, and deletes those past
/// `CHART_SNAPSHOT_RETENTION_DAYS`. Drawing from the stored series up to the recommendation's
/// time gives the same picture whenever it runs, as points are only ever appended.
enum ChartSnapshots {
    static let batch = 200

    /// Renders up to `batch` missing snapshots and prunes old ones; returns how many of each.
    static func run(pool: DatabasePool, rules: TradeRules, retentionDays: Double, now: Date) async throws -> (made: Int, pruned: Int) {
        let cutoff = now.addingTimeInterval(-retentionDays * 86_400)
        let missing = try await pool.read { try $0.chartSnapshots.missing(since: cutoff, limit: batch) }
        var made = 0
        for id in missing {
            let rendered = try await pool.read { database -> (Recommendation, String, Int)? in
                guard let recommendation = try database.recommendations.find(id: id),
                      let market = try database.markets.find(id: recommendation.marketID) else { return nil }
                let t = recommendation.createdAt.timeIntervalSince1970
                let history = try market.clobTokenIDs.first.map { try database.priceHistory.points(tokenID: $0, through: t) } ?? []
                let recommendations = try database.recommendations.list(marketID: market.id, page: PageRequest(limit: 100)).items
                let runs = try database.analysisHistory.list(marketID: market.id, page: PageRequest(limit: 100)).items
                let snapshot = MarketChart.snapshot(of: recommendation, market: market, history: history, recommendations: recommendations,
                                                    runs: runs, rules: rules)
                return (recommendation, snapshot.svg.text, snapshot.points)
            }
            guard let (recommendation, svg, points) = rendered else { continue }
            if try await pool.write({ try $0.chartSnapshots.insert(recommendationID: recommendation.id, marketID: recommendation.marketID,
                                                                   createdAt: recommendation.createdAt, points: points, svg: svg) }) {
                made += 1
            }
        }
        let pruned = try await pool.write { try $0.chartSnapshots.prune(before: cutoff) }
        return (made, pruned)
    }
}

extension MaintenanceJobs {
    /// Every five minutes (and at start): the missing chart snapshots, then retention.
    static func chartSnapshots(database: AppDatabase, configuration: Configuration, logger: Logger) -> Job {
        Job(name: "chart-snapshots", schedule: .interval(seconds: 300, runAtStart: true)) {
            let (made, pruned) = try await ChartSnapshots.run(pool: database.pool, rules: configuration.tradeRules,
                                                              retentionDays: configuration.chartSnapshotRetentionDays, now: database.clock.now())
            guard made + pruned > 0 else { return .skipped("every recommendation has its snapshot") }
            logger.info("chart snapshots", ["made": String(made), "pruned": String(pruned)])
            return .success
        }
    }
}
