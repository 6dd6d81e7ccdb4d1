import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// `DECISION_BLEND=auto`: the decision probability is the consensus blended with the market by
/// the weight fitted on resolved history, and the run records both.
final class DecisionBlendTests: XCTestCase {
    func testTheDecisionUsesTheFittedWeightAndRecordsTheUnblendedConsensus() async throws {
        let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        // One resolved sample market: consensus 0.8 against a market at 0.6, and YES won.
        // w* = Σ(p−m)(y−m)/Σ(p−m)² = 0.08/0.04 → clamped to 1, shrunk by 1/100 resolved markets.
        try await test.database.pool.write { db in
            var market = Market(conditionID: "0xresolved", question: "Resolved?")
            market.isSample = true
            market.status = .resolved
            market.resolvedOutcome = "Yes"
            market.resolvedAt = clock.now()
            let stored = try db.markets.upsert(market)
            _ = try db.recommendations.insert(Recommendation(marketID: stored.id, runID: "old-run", direction: .longYes, fairProbability: 0.8,
                                                             marketProbability: 0.6, marketEdge: 0.2, expectedValue: 33, confidence: .moderate))
            var run = AnalysisRun(marketID: stored.id, runID: "old-run", analysisType: .initial, status: .success)
            run.detail = ["consensus": .object(["probability": .number(0.8)])]
            _ = try db.analysisHistory.record(run)
        }
        let fit = try await test.database.pool.read { try MarketBlend.fit(database: $0, sample: true) }
        XCTAssertEqual(fit.fittedWeight, 1)
        XCTAssertEqual(fit.weight, 0.01, accuracy: 1e-12)

        let source = try FixtureMarketSource.builtIn()
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("privacy law") })
        let analyzer = try MarketAnalyzer(pool: test.database.pool, clock: clock, source: { source }, decisionBlend: true)
        let report = try await analyzer.analyze(MarketSnapshot(market: market, event: nil), type: .manual)
        let consensus = try XCTUnwrap(report.consensus)
        let recommendation = try XCTUnwrap(report.recommendation)
        let m = recommendation.marketProbability
        XCTAssertEqual(recommendation.fairProbability, 0.01 * consensus.probability + 0.99 * m, accuracy: 1e-9)
        let detail = try await test.database.pool.read { try $0.analysisHistory.find(runID: report.runID)!.detail }
        XCTAssertEqual(detail["blend"]?["unblended"]?.numberValue ?? -1, consensus.probability, accuracy: 1e-12)
        // With a weight of 0.01 the plan trusts the market: the unblended consensus's trade disappears.
        let unblended = try MarketAnalyzer(pool: test.database.pool, clock: clock, source: { source })
        let plain = try await unblended.analyze(MarketSnapshot(market: market, event: nil), type: .manual)
        XCTAssertNotEqual(plain.recommendation?.direction, .noTrade)
        XCTAssertEqual(recommendation.direction, .noTrade)
    }
}
