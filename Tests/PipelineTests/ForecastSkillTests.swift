import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import XCTest

/// Forecast scoring and the market blend, against numbers worked out by hand.
final class ForecastSkillTests: XCTestCase {
    let two = [ScoredForecast(probability: 0.8, market: 0.6, outcome: 1), ScoredForecast(probability: 0.3, market: 0.5, outcome: 0)]

    func testBrierLogScoreAndSkillAgainstTheMarket() {
        let figures = ForecastSkill.figures(two)
        // Brier: (0.04 + 0.09)/2 and (0.16 + 0.25)/2; skill 1 − 0.13/0.41.
        XCTAssertEqual(figures.brier!, 0.065, accuracy: 1e-12)
        XCTAssertEqual(figures.brierMarket!, 0.205, accuracy: 1e-12)
        XCTAssertEqual(figures.skill!, 1 - 0.13 / 0.41, accuracy: 1e-12)
        // Log: (ln 0.8 + ln 0.7)/2 and (ln 0.6 + ln 0.5)/2.
        XCTAssertEqual(figures.logScore!, -0.289909, accuracy: 1e-6)
        XCTAssertEqual(figures.logScoreMarket!, -0.601986, accuracy: 1e-6)
        // A certain miss is clipped, not −∞.
        XCTAssertEqual(ForecastSkill.logScore(1, 0), log(0.001), accuracy: 1e-12)
    }

    func testTheBootstrapIntervalSpansTheResamplesExtremes() {
        // Two forecasts: a resample is both of the first (skill 0.75), both of the second (0.64)
        // or one of each (0.682927). Each extreme has probability 1/4, so the 2.5% and 97.5%
        // points of 2,000 draws are the extremes themselves.
        let figures = ForecastSkill.figures(two)
        XCTAssertEqual(figures.skillLow!, 0.64, accuracy: 1e-12)
        XCTAssertEqual(figures.skillHigh!, 0.75, accuracy: 1e-12)
        // Same data, same interval.
        XCTAssertEqual(ForecastSkill.figures(two).skillLow, figures.skillLow)
        // One forecast: every resample is that forecast.
        let one = ForecastSkill.figures([two[0]])
        XCTAssertEqual(one.skillLow, one.skill)
        XCTAssertEqual(one.skillHigh, one.skill)
    }

    func testReliabilityBinsAndMurphyDecomposition() {
        let figures = ForecastSkill.figures(two)
        XCTAssertEqual(figures.bins.count, 10)
        XCTAssertEqual(figures.bins[8].count, 1)
        XCTAssertEqual(figures.bins[8].observedFrequency, 1)
        XCTAssertEqual(figures.bins[3].count, 1)
        XCTAssertEqual(figures.bins[3].observedFrequency, 0)
        XCTAssertNil(figures.bins[0].meanForecast)
        // REL = ½(0.8−1)² + ½(0.3−0)² = 0.065; RES = ½·0.25 + ½·0.25; UNC = 0.25; Brier = REL − RES + UNC.
        XCTAssertEqual(figures.reliability!, 0.065, accuracy: 1e-12)
        XCTAssertEqual(figures.resolution!, 0.25, accuracy: 1e-12)
        XCTAssertEqual(figures.uncertainty!, 0.25, accuracy: 1e-12)
        // The edges: 1.0 is in the last bin, 0.1 in the second.
        let edges = ForecastSkill.reliabilityBins([ScoredForecast(probability: 1, market: 0.5, outcome: 1),
                                                   ScoredForecast(probability: 0.1, market: 0.5, outcome: 0)])
        XCTAssertEqual(edges[9].count, 1)
        XCTAssertEqual(edges[1].count, 1)
    }

    func testAnEmptySetHasNoFiguresRatherThanZeros() {
        let figures = ForecastSkill.figures([])
        XCTAssertEqual(figures.count, 0)
        XCTAssertNil(figures.brier)
        XCTAssertNil(figures.skill)
        XCTAssertNil(figures.skillLow)
    }

    func testTheBlendWeightMinimisesBrierAndIsShrunkUntilEnoughMarketsResolved() {
        // Σ(p−m)(y−m) = 0.08 − 0.05, Σ(p−m)² = 0.04 + 0.01: w* = 0.6 (the derivative of
        // (−0.4 + 0.2w)² + (0.5 + 0.1w)² vanishes there).
        let forecasts = [ScoredForecast(probability: 0.8, market: 0.6, outcome: 1), ScoredForecast(probability: 0.6, market: 0.5, outcome: 0)]
        let fit = MarketBlend.fit(forecasts)
        XCTAssertEqual(fit.fittedWeight!, 0.6, accuracy: 1e-12)
        XCTAssertEqual(fit.weight, 0.6 * 2 / Double(MarketBlend.enoughResolved), accuracy: 1e-12)
        // A weight past 1 is clamped.
        XCTAssertEqual(MarketBlend.fit(two).fittedWeight, 1)
        XCTAssertEqual(MarketBlend.fit([]).weight, 0)
    }

    func testThePrequentialBlendUsesOnlyMarketsResolvedBeforeEachForecast() {
        let forecasts = [ScoredForecast(probability: 0.8, market: 0.6, outcome: 1), ScoredForecast(probability: 0.6, market: 0.5, outcome: 0),
                         ScoredForecast(probability: 0.9, market: 0.5, outcome: 1)]
        // The first two resolve at 10 and 15; the second is made at 5 (nothing resolved yet),
        // the third at 20 (both resolved).
        let blended = MarketBlend.prequential(forecasts, times: [0, 5, 20], resolvedAt: [10, 15, 30])
        XCTAssertEqual(blended[0], 0.6)
        XCTAssertEqual(blended[1], 0.5)
        let w = MarketBlend.fit(Array(forecasts.prefix(2))).weight
        XCTAssertEqual(blended[2], w * 0.9 + (1 - w) * 0.5, accuracy: 1e-12)
    }
}
