import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import XCTest

/// The simulated-trade rules, each checked against numbers worked out by hand.
final class TradeSimulationTests: XCTestCase {
    let t0 = 1_800_000_000.0
    let hour = 3_600.0

    func row(_ direction: TradeDirection = .longYes, market: Double = 0.40, entry: ClosedRange<Double> = 0.38...0.42,
             target: ClosedRange<Double>? = 0.50...0.60, stop: Double? = 0.35, yesWon: Bool? = nil, resolvedAt: Double? = nil) -> TradeRow {
        TradeRow(recommendationID: 1, marketID: 1, conditionID: "0xc", question: "Q?", eventID: "e1", eventTitle: "Event", eventType: "election",
                 direction: direction, time: t0, marketProbability: market, edge: 0.1, entryZone: entry, targetZone: target,
                 stopLoss: stop, yesTokenID: "yes", yesWon: yesWon, resolvedAt: resolvedAt)
    }

    func points(_ pairs: [(Double, Double)]) -> [PricePoint] { pairs.map { PricePoint(t: t0 + $0.0 * hour, p: $0.1) } }

    func testFillsAtTheFirstPriceInsideTheEntryZoneAndSellsAtTheFirstTouchOfTheTarget() {
        // A point before the recommendation is never used; 0.45 is outside the zone; 0.41 fills.
        let history = points([(-1, 0.39), (1, 0.45), (2, 0.41), (3, 0.48), (4, 0.52), (5, 0.70)])
        let trade = TradeSimulator.simulate(row(), history: history, rules: TradeRules(), now: t0 + 100 * hour)
        XCTAssertEqual(trade.status, .target)
        XCTAssertEqual(trade.entryTime?.timeIntervalSince1970, t0 + 2 * hour)
        XCTAssertEqual(trade.entryPrice, 0.41)
        XCTAssertEqual(trade.exitPrice, 0.52)
        // shares 100/0.41 = 243.902439; fees 243.902439 × 0.04 × (0.41·0.59 + 0.52·0.48) = 2.36 + 2.435122.
        XCTAssertEqual(trade.shares, 243.902439, accuracy: 1e-6)
        XCTAssertEqual(trade.feesUSD, 4.795122, accuracy: 1e-6)
        XCTAssertEqual(trade.pnlUSD, 22.034146, accuracy: 1e-6)
        XCTAssertEqual(trade.daysHeld!, 2.0 / 24, accuracy: 1e-9)
    }

    func testLongNoTradesTheNoPriceAndStopsAtTheFirstTouchOfTheStopLoss() {
        // YES 0.61 is NO 0.39 (inside 0.38…0.42); YES 0.66 is NO 0.34, under the 0.35 stop.
        let history = points([(1, 0.61), (2, 0.66), (3, 0.40)])
        let trade = TradeSimulator.simulate(row(.longNo, market: 0.60, target: 0.45...0.55), history: history, rules: TradeRules(), now: t0 + 100 * hour)
        XCTAssertEqual(trade.status, .stop)
        XCTAssertEqual(trade.entryPrice!, 0.39, accuracy: 1e-12)
        XCTAssertEqual(trade.exitPrice!, 0.34, accuracy: 1e-12)
        // shares 256.410256; fees 2.44 + 2.301538; P&L 87.179487 − 100 − 4.741538.
        XCTAssertEqual(trade.feesUSD, 4.741538, accuracy: 1e-6)
        XCTAssertEqual(trade.pnlUSD, -17.562051, accuracy: 1e-6)
    }

    func testWithoutTheStopATradeIsHeldToResolutionAndPaysOneWithoutAFee() {
        let history = points([(1, 0.41), (2, 0.30), (3, 0.45)])
        var rules = TradeRules()
        rules.useStopLoss = false
        let resolved = row(yesWon: true, resolvedAt: t0 + 72 * hour)
        let trade = TradeSimulator.simulate(resolved, history: history, rules: rules, now: t0 + 100 * hour)
        XCTAssertEqual(trade.status, .resolvedWin)
        XCTAssertEqual(trade.exitPrice, 1)
        XCTAssertEqual(trade.exitTime?.timeIntervalSince1970, t0 + 72 * hour)
        XCTAssertEqual(trade.pnlUSD, 243.902439 - 100 - 2.36, accuracy: 1e-6)
        // With the stop, the same history stops out at 0.30.
        XCTAssertEqual(TradeSimulator.simulate(resolved, history: history, rules: TradeRules(), now: t0 + 100 * hour).status, .stop)
        // And a losing side pays 0.
        let lost = TradeSimulator.simulate(row(yesWon: false, resolvedAt: t0 + 72 * hour), history: history, rules: rules, now: t0 + 100 * hour)
        XCTAssertEqual(lost.status, .resolvedLoss)
        XCTAssertEqual(lost.pnlUSD, -100 - 2.36, accuracy: 1e-6)
    }

    func testPointsAfterTheResolutionAreNeverUsed() {
        // The target is touched only after the recorded resolution: the trade resolves instead.
        let history = points([(1, 0.41), (80, 0.55)])
        let trade = TradeSimulator.simulate(row(yesWon: false, resolvedAt: t0 + 72 * hour), history: history, rules: TradeRules(), now: t0 + 100 * hour)
        XCTAssertEqual(trade.status, .resolvedLoss)
    }

    func testNoPriceInTheZoneWithinTheFillWindowIsNotFilledAndAnOpenWindowIsPending() {
        // Inside the zone only after 25 hours: too late for a 24-hour window.
        let history = points([(1, 0.45), (25, 0.40)])
        XCTAssertEqual(TradeSimulator.simulate(row(), history: history, rules: TradeRules(), now: t0 + 100 * hour).status, .notFilled)
        var wider = TradeRules()
        wider.fillWindowHours = 48
        XCTAssertEqual(TradeSimulator.simulate(row(), history: history, rules: wider, now: t0 + 100 * hour).status, .open)
        // Twelve hours in, nothing filled yet: pending, not "not filled".
        let pending = TradeSimulator.simulate(row(), history: points([(1, 0.45)]), rules: TradeRules(), now: t0 + 12 * hour)
        XCTAssertEqual(pending.status, .pending)
        XCTAssertEqual(pending.pnlUSD, 0)
        // No price at all after the recommendation is said so.
        let empty = TradeSimulator.simulate(row(), history: points([(-5, 0.40)]), rules: TradeRules(), now: t0 + 100 * hour)
        XCTAssertEqual(empty.status, .notFilled)
        XCTAssertNotNil(empty.note)
    }

    func testAnOpenTradeIsMarkedToTheLastPriceAndItsGapsAreStated() {
        let history = points([(1, 0.41), (20, 0.45), (21, 0.46)])
        let trade = TradeSimulator.simulate(row(), history: history, rules: TradeRules(), now: t0 + 22 * hour)
        XCTAssertEqual(trade.status, .open)
        XCTAssertEqual(trade.markPrice, 0.46)
        XCTAssertEqual(trade.pnlUSD, 243.902439 * 0.46 - 100 - 2.36, accuracy: 1e-6)
        XCTAssertEqual(trade.gapCount, 1)
        XCTAssertEqual(trade.gaps.first?.hours ?? 0, 19, accuracy: 1e-9)
    }

    func testTheTakerFeeIsSharesTimesRateTimesPriceTimesOneMinusPrice() {
        XCTAssertEqual(TradeRules(feeRate: 0.04).fee(shares: 200, price: 0.5), 2, accuracy: 1e-12)
        XCTAssertEqual(TradeRules(feeRate: 0).fee(shares: 200, price: 0.5), 0)
    }

    func testPortfolioFiguresFromClosedTrades() {
        func closed(_ id: Int64, _ pnl: Double, exit hours: Double) -> SimulatedTrade {
            SimulatedTrade(recommendationID: id, conditionID: "c\(id)", question: "Q\(id)", eventID: "e", eventTitle: "E", eventType: "other",
                           direction: .longYes, status: pnl > 0 ? .target : .stop, recommendedAt: Date(timeIntervalSince1970: t0), edge: 0.1,
                           entryTime: Date(timeIntervalSince1970: t0), entryPrice: 0.5, exitTime: Date(timeIntervalSince1970: t0 + hours * hour),
                           exitPrice: 0.5, stakeUSD: 100, shares: 200, feesUSD: 0, pnlUSD: pnl, gaps: [], gapCount: 0)
        }
        // Equity 10, −20, −15, −25: peak 10, deepest −25, drawdown 35.
        let figures = PortfolioFigures.of([closed(1, 10, exit: 1), closed(2, -30, exit: 2), closed(3, 5, exit: 3), closed(4, -10, exit: 4)])
        XCTAssertEqual(figures.maxDrawdownUSD, 35, accuracy: 1e-12)
        XCTAssertEqual(figures.profitFactor!, 15.0 / 40.0, accuracy: 1e-12)
        XCTAssertEqual(figures.winRate, 0.5)
        XCTAssertEqual(figures.meanPnLPer100!, -6.25, accuracy: 1e-12)
        XCTAssertEqual(figures.realizedPnLUSD, -25, accuracy: 1e-12)
        XCTAssertEqual(figures.equityCurve.map(\.value), [10, -20, -15, -25])
        // All four entered at t0: 400 locked at the peak, then released one by one.
        XCTAssertEqual(figures.peakCapitalLockedUSD, 400)
        XCTAssertEqual(figures.capitalLocked.last?.value, 0)
        // No trades: rates are absent, not zero.
        let empty = PortfolioFigures.of([])
        XCTAssertNil(empty.winRate)
        XCTAssertNil(empty.meanPnLPer100)
        XCTAssertNil(empty.profitFactor)
    }
}
