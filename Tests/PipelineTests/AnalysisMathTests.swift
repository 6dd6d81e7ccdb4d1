import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Each formula of fusion, consensus and the recommendation, on cases computed by hand.
final class AnalysisMathTests: XCTestCase {
    func signal(_ agent: String, _ kind: AgentKind, _ p: Double, _ c: Double) -> AgentOutput {
        AgentOutput(agent: agent, kind: kind, fairProbability: p, confidence: c, direction: .neutral, keyDrivers: [])
    }

    var threeSignals: [AgentOutput] {
        [signal("a", .mvp, 0.60, 0.8), signal("b", .price, 0.50, 0.6), signal("c", .polling, 0.70, 0.5)]
    }

    func testFusionWeighsByKindConfidenceAndLiquidity() {
        // raw weights: a 1.0·1.1 = 1.1; b 1.0·1.0·(0.5 + 0.1·3) = 0.8; c 1.5·0.95 = 1.425; total 3.325.
        let result = Fusion.fuse(threeSignals, liquidityScore: 3)
        XCTAssertEqual(result.weights["a"]!, 1.1 / 3.325, accuracy: 1e-12)
        XCTAssertEqual(result.weights["b"]!, 0.8 / 3.325, accuracy: 1e-12)
        XCTAssertEqual(result.weights["c"]!, 1.425 / 3.325, accuracy: 1e-12)
        XCTAssertEqual(result.probability, (1.1 * 0.6 + 0.8 * 0.5 + 1.425 * 0.7) / 3.325, accuracy: 1e-12) // 0.618797
        // σ = √(0.02/3) = 0.0816497; alignment = 1 − 2σ.
        XCTAssertEqual(result.alignment, 1 - 2 * (0.02 / 3.0).squareRoot(), accuracy: 1e-12)
        // Σw·c + 0.2·alignment − 0.3·(1 − mean c)
        let weightedConfidence = (1.1 * 0.8 + 0.8 * 0.6 + 1.425 * 0.5) / 3.325
        XCTAssertEqual(result.confidence, weightedConfidence + 0.2 * result.alignment - 0.3 * (1 - 1.9 / 3), accuracy: 1e-12)
        XCTAssertEqual(result.confidence, 0.680648, accuracy: 1e-6)
        XCTAssertEqual(result.conflicts, [], "0.2 apart is not more than 0.2")
    }

    func testLiquidityDiscountAppliesOnlyToPriceAgentsBelowScoreFive() {
        let liquid = Fusion.fuse(threeSignals, liquidityScore: 5)
        XCTAssertEqual(liquid.weights["b"]!, 1.0 / 3.525, accuracy: 1e-12)
        let mvpOnly = Fusion.fuse([signal("a", .mvp, 0.6, 0.8), signal("b", .mvp, 0.5, 0.6)], liquidityScore: 0)
        XCTAssertEqual(mvpOnly.weights["a"]!, 1.1 / 2.1, accuracy: 1e-12)
    }

    func testFusionConfidenceIsHalvedWhenProbabilitiesSpanMoreThanPointSeven() {
        let result = Fusion.fuse([signal("a", .mvp, 0.10, 0.5), signal("b", .mvp, 0.85, 0.5)], liquidityScore: 8)
        XCTAssertEqual(result.probability, 0.475, accuracy: 1e-12)
        XCTAssertEqual(result.alignment, 0.25, accuracy: 1e-12)        // 1 − 2·0.375
        XCTAssertEqual(result.confidence, (0.5 + 0.05 - 0.15) / 2, accuracy: 1e-12)
        XCTAssertEqual(result.conflicts, [["a", "b"]])
    }

    func testConsensusBandAndRegime() {
        let consensus = Consensus.evaluate(threeSignals, fused: 0.6)
        let di = (0.02 / 3.0).squareRoot()
        XCTAssertTrue(consensus.reached)
        XCTAssertEqual(consensus.disagreementIndex, di, accuracy: 1e-12)
        XCTAssertEqual(consensus.bandLower, 0.6 - 0.05 * (1 + 3 * di), accuracy: 1e-12)
        XCTAssertEqual(consensus.bandUpper, 0.6 + 0.05 * (1 + 3 * di), accuracy: 1e-12)
        XCTAssertEqual(consensus.regime, .highConfidence)
        let moderate = Consensus.evaluate([signal("a", .mvp, 0.4, 0.5), signal("b", .mvp, 0.7, 0.5)], fused: 0.55)
        XCTAssertEqual(moderate.disagreementIndex, 0.15, accuracy: 1e-12)
        XCTAssertEqual(moderate.regime, .moderate)
    }

    func testConsensusFailsAboveDisagreementPointThreeAndWithOneSignal() {
        let split = Consensus.evaluate([signal("a", .mvp, 0.1, 0.5), signal("b", .mvp, 0.9, 0.5)], fused: 0.5)
        XCTAssertFalse(split.reached)
        XCTAssertEqual(split.disagreementIndex, 0.4, accuracy: 1e-12)
        XCTAssertEqual(split.regime, .highUncertainty)
        XCTAssertNotNil(split.failure)
        XCTAssertFalse(Consensus.evaluate([signal("a", .mvp, 0.5, 0.5)], fused: 0.5).reached)
        let edge = Consensus.evaluate([signal("a", .mvp, 0.25, 0.5), signal("b", .mvp, 0.75, 0.5)], fused: 0.5)
        XCTAssertTrue(edge.reached, "DI of 0.25 is within the limit")
    }

    func consensus(_ p: Double, di: Double) -> ConsensusResult {
        let half = 0.05 * (1 + 3 * di)
        return ConsensusResult(reached: true, probability: p, disagreementIndex: di, bandLower: p - half, bandUpper: p + half,
                               regime: .highConfidence, signalCount: 3, failure: nil)
    }

    func testLongYesPlan() {
        let plan = RecommendationMath.plan(consensus: consensus(0.62, di: 0.08), marketPrice: 0.50, liquidityScore: 3)
        XCTAssertEqual(plan.direction, .longYes)
        XCTAssertEqual(plan.edge, 0.12, accuracy: 1e-12)
        XCTAssertEqual(plan.expectedValue, 100 * (0.62 / 0.50 - 1), accuracy: 1e-9) // 24.0
        XCTAssertEqual(plan.winProbability!, 0.62, accuracy: 1e-12)
        XCTAssertEqual(plan.entryZone!.lowerBound, 0.48, accuracy: 1e-12)
        XCTAssertEqual(plan.entryZone!.upperBound, 0.52, accuracy: 1e-12)
        XCTAssertEqual(plan.targetZone!.lowerBound, 0.62 - 0.062, accuracy: 1e-12)
        XCTAssertEqual(plan.targetZone!.upperBound, 0.62 + 0.062, accuracy: 1e-12)
        XCTAssertEqual(plan.stopLoss!, 0.48 - 0.025, accuracy: 1e-12, "score < 4 → 2.5 cents")
        XCTAssertEqual(plan.liquidityRisk, .high)
        XCTAssertEqual(plan.confidence, .moderate, "band width 0.124")
    }

    func testLongNoPlanMirrorsTheBand() {
        let plan = RecommendationMath.plan(consensus: consensus(0.30, di: 0.05), marketPrice: 0.40, liquidityScore: 8)
        XCTAssertEqual(plan.direction, .longNo)
        XCTAssertEqual(plan.expectedValue, 100 * (0.70 / 0.60 - 1), accuracy: 1e-9) // 16.67
        XCTAssertEqual(plan.winProbability!, 0.70, accuracy: 1e-12)
        XCTAssertEqual(plan.entryZone!.lowerBound, 0.58, accuracy: 1e-12)
        XCTAssertEqual(plan.entryZone!.upperBound, 0.62, accuracy: 1e-12)
        XCTAssertEqual(plan.targetZone!.lowerBound, 1 - (0.30 + 0.0575), accuracy: 1e-12)
        XCTAssertEqual(plan.targetZone!.upperBound, 1 - (0.30 - 0.0575), accuracy: 1e-12)
        XCTAssertEqual(plan.stopLoss!, 0.58 - 0.035, accuracy: 1e-12, "score ≥ 7 → 3.5 cents")
        XCTAssertEqual(plan.liquidityRisk, .low)
        XCTAssertEqual(plan.confidence, .moderate)
    }

    func testMediumLiquidityStopAndRiskAndHighConfidenceLabel() {
        let plan = RecommendationMath.plan(consensus: consensus(0.70, di: 0.0), marketPrice: 0.60, liquidityScore: 6)
        XCTAssertEqual(plan.stopLoss!, 0.58 - 0.03, accuracy: 1e-12)
        XCTAssertEqual(plan.liquidityRisk, .medium)
        XCTAssertEqual(plan.confidence, .moderate, "width exactly 0.1 is not below 0.1")
        let narrow = RecommendationMath.plan(consensus: ConsensusResult(reached: true, probability: 0.70, disagreementIndex: 0, bandLower: 0.66,
                                                                          bandUpper: 0.74, regime: .highConfidence, signalCount: 2, failure: nil),
                                             marketPrice: 0.60, liquidityScore: 6)
        XCTAssertEqual(narrow.confidence, .high)
    }

    func testSmallEdgeIsNoTrade() {
        let plan = RecommendationMath.plan(consensus: consensus(0.53, di: 0.05), marketPrice: 0.50, liquidityScore: 8)
        XCTAssertEqual(plan.direction, .noTrade)
        XCTAssertEqual(plan.expectedValue, 0)
        XCTAssertNil(plan.entryZone)
        XCTAssertNil(plan.stopLoss)
        XCTAssertNotNil(plan.noTradeReason)
        XCTAssertEqual(RecommendationMath.plan(consensus: consensus(0.549, di: 0), marketPrice: 0.50, liquidityScore: 8).direction, .noTrade)
    }

    func testStopLossIsClampedAtOneCent() {
        let plan = RecommendationMath.plan(consensus: consensus(0.12, di: 0), marketPrice: 0.04, liquidityScore: 2)
        XCTAssertEqual(plan.direction, .longYes)
        XCTAssertEqual(plan.entryZone!.lowerBound, 0.02, accuracy: 1e-12)
        XCTAssertEqual(plan.stopLoss!, 0.01, accuracy: 1e-12)
    }

    func testTrendingScoreFormulaAndCap() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let created = now.addingTimeInterval(-30 * 86_400)
        let score = MarketDiscovery.trendingScore(volume24h: 99_999, liquidity: 9_999, competitive: 0.5, createdAt: created, now: now)
        XCTAssertEqual(score, 0.35 * 5 + 0.25 * 4 + 0.20 * 0.5 + 0.20 * exp(-1.0), accuracy: 1e-9)
        XCTAssertEqual(MarketDiscovery.trendingScore(volume24h: 1e40, liquidity: 1e40, competitive: 1, createdAt: now, now: now), 10)
    }

    func testLiquidityScoreAndVolatilityRegime() {
        XCTAssertEqual(BriefingBuilder.liquidityScore(liquidity: 100_000, spread: 0.01), 5, accuracy: 1e-12)
        XCTAssertEqual(BriefingBuilder.liquidityScore(liquidity: 100_000, spread: 0.06), 3, accuracy: 1e-12)
        XCTAssertEqual(BriefingBuilder.liquidityScore(liquidity: 500, spread: nil), 0)
        XCTAssertEqual(BriefingBuilder.liquidityScore(liquidity: 1e12, spread: 0), 10)
        XCTAssertEqual(BriefingBuilder.volatilityRegime(day: 0.005, week: 0.01, month: 0.02), .low)
        XCTAssertEqual(BriefingBuilder.volatilityRegime(day: 0.02, week: 0.01, month: 0.02), .normal) // 0.02·√30 = 0.11
        XCTAssertEqual(BriefingBuilder.volatilityRegime(day: nil, week: nil, month: -0.2), .high)
    }

    func testOutcomeScoring() {
        var rec = Recommendation(marketID: 1, runID: "r", direction: .longYes, fairProbability: 0.62, marketProbability: 0.5,
                                 marketEdge: 0.12, expectedValue: 24, confidence: .moderate)
        rec.entryZoneMin = 0.48
        rec.entryZoneMax = 0.52
        let won = OutcomeScoring.score(rec, winningOutcome: "Yes", yesWon: true)
        XCTAssertEqual(won.correct, true)
        XCTAssertEqual(won.roiPer100!, 100 * (1 / 0.5 - 1), accuracy: 1e-9)
        XCTAssertEqual(won.edgeCaptured!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(won.brierFair, (0.62 - 1) * (0.62 - 1), accuracy: 1e-12)
        XCTAssertEqual(won.brierMarket, 0.25, accuracy: 1e-12)
        let lost = OutcomeScoring.score(rec, winningOutcome: "No", yesWon: false)
        XCTAssertEqual(lost.correct, false)
        XCTAssertEqual(lost.roiPer100, -100)
        XCTAssertEqual(lost.edgeCaptured!, -0.5, accuracy: 1e-12)
        XCTAssertEqual(lost.brierFair, 0.62 * 0.62, accuracy: 1e-12)
        rec.direction = .noTrade
        let skipped = OutcomeScoring.score(rec, winningOutcome: "No", yesWon: false)
        XCTAssertNil(skipped.correct)
        XCTAssertNil(skipped.roiPer100)
        XCTAssertEqual(skipped.brierMarket, 0.25, accuracy: 1e-12)
    }
}
