import FoundationEssentials
import Pipeline
import Storage
import Support

/// The market monitor's scheduled jobs.
enum MarketJobs {
    static func all(analysis: AnalysisServices, configuration: Configuration, logger: Logger) -> [Job] {
        [cycle(analysis, configuration, logger), refresh(analysis, logger), scoring(analysis, logger)]
    }

    /// The analysis cycle's job name (`/health`'s `nextScheduledRun` is its next run).
    static let cycleName = "analysis-cycle"

    /// The analysis cycle: at start, then every `ANALYSIS_INTERVAL_HOURS`.
    static func cycle(_ analysis: AnalysisServices, _ configuration: Configuration, _ logger: Logger) -> Job {
        Job(name: cycleName, schedule: .interval(seconds: configuration.analysisIntervalHours * 3_600, runAtStart: true)) {
            let summary = try await analysis.cycle.run()
            if summary.recommendations > 0 {
                // The new recommendations' chart snapshots now, not at the snapshot job's next run.
                do {
                    _ = try await ChartSnapshots.run(pool: analysis.analyzer.pool, rules: configuration.tradeRules,
                                                     retentionDays: configuration.chartSnapshotRetentionDays, now: analysis.analyzer.clock.now())
                } catch {
                    logger.warning("chart snapshots after the cycle failed; the snapshot job will retry", ["error": "\(error)"])
                }
            }
            logger.info("analysis cycle finished", [
                "source": summary.source, "candidates": String(summary.candidates), "analysed": String(summary.analysed),
                "recommendations": String(summary.recommendations), "failed": String(summary.failed), "stale": String(summary.stale),
            ])
            return summary.analysed == 0 ? .skipped("no market due for analysis") : .success
        }
    }

    /// Hourly: prices, volume, liquidity, closed and resolved markets; scoring of resolved ones.
    static func refresh(_ analysis: AnalysisServices, _ logger: Logger) -> Job {
        Job(name: "market-refresh", schedule: .interval(seconds: 3_600, runAtStart: false)) {
            let summary = try await analysis.refresher.refresh()
            logger.info("markets refreshed", ["checked": String(summary.checked), "resolved": String(summary.resolved),
                                              "closed": String(summary.closed), "failed": String(summary.failed), "scored": String(summary.scored)])
            return summary.checked == 0 ? .skipped("no active market") : .success
        }
    }

    /// Hourly: scores recommendations of markets that resolved (also done after each refresh).
    static func scoring(_ analysis: AnalysisServices, _ logger: Logger) -> Job {
        Job(name: "outcome-scoring", schedule: .interval(seconds: 3_600, runAtStart: true)) {
            let scored = try await OutcomeScoring.scorePending(pool: analysis.analyzer.pool)
            guard scored > 0 else { return .skipped("no newly resolved recommendation") }
            logger.info("scored recommendations of resolved markets", ["scored": String(scored)])
            return .success
        }
    }
}
