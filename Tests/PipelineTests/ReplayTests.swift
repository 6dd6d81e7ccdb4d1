import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Replays: the analysis as of a past time sees nothing after it, and is scored like live runs.
final class ReplayTests: XCTestCase {
    /// A two-leg sample market (its sibling's price matters too) and a time inside its history.
    func sampleMarket() throws -> (ReplayMarket, Date) {
        let markets = ReplayMarket.sample(try FixtureMarketSource.builtIn())
        let market = try XCTUnwrap(markets.first { !$0.siblings.isEmpty })
        let time = Date(timeIntervalSince1970: market.history[market.history.count / 2].t + 1_800)
        XCTAssertTrue(market.isReplayable(at: time))
        return (market, time)
    }

    /// What a replay at `time` decided: the recommendation and every agent's view, without ids.
    func decisions(_ market: ReplayMarket, at time: Date) async throws -> [String] {
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let clock = SettableWallClock(time)
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/replay"), clock: clock)
        defer { database.close() }
        let plan = ReplayPlan(id: "replay-test", from: time, to: time, everySeconds: 86_400, data: "sample")
        let info = try await Replayer.run(plan, markets: [market], database: database, clock: clock)
        XCTAssertEqual(info.status, "done")
        XCTAssertEqual(info.runs, 1)
        return try await database.pool.read { db in
            let recommendations = try db.recommendations.list().items.map { r in
                "\(r.direction.rawValue) fair \(r.fairProbability) market \(r.marketProbability) edge \(r.marketEdge) entry \(String(describing: r.entryZoneMin))…\(String(describing: r.entryZoneMax)) target \(String(describing: r.targetZoneMin)) stop \(String(describing: r.stopLoss)) at \(r.createdAt)"
            }
            let signals = try db.query("SELECT agent_name, fair_probability, confidence, direction, key_drivers FROM agent_signals ORDER BY agent_name").map { row in
                "\(try row.get("agent_name", as: String.self)) \(try row.get("fair_probability", as: Double.self)) \(try row.get("confidence", as: Double.self)) \(try row.get("direction", as: String.self)) \(try row.get("key_drivers", as: String.self))"
            }
            return recommendations + signals
        }
    }

    func testChangingAnyDataAfterTheReplayTimeLeavesTheReplayUnchanged() async throws {
        let (market, time) = try sampleMarket()
        let original = try await decisions(market, at: time)
        XCTAssertEqual(original.count, 8, "one recommendation and seven agents")

        // Everything after T rewritten: both legs' later prices, the outcome and when it came.
        var altered = market
        let t = time.timeIntervalSince1970
        altered.history = market.history.map { $0.t > t ? PricePoint(t: $0.t, p: 1 - $0.p) : $0 } + [PricePoint(t: t + 3_600, p: 0.99)]
        altered.history.sort { $0.t < $1.t }
        altered.siblings = market.siblings.map { ($0.conditionID, $0.title, $0.history.map { $0.t > t ? PricePoint(t: $0.t, p: 0.5) : $0 }) }
        altered.winner = market.winner == "Yes" ? "No" : "Yes"
        altered.resolvedAt = market.resolvedAt.addingTimeInterval(86_400)
        let replayed = try await decisions(altered, at: time)
        XCTAssertEqual(replayed, original)

        // The control: the same test sees a change at or before T.
        var earlier = market
        let last = TradeSimulator.firstIndex(market.history, atOrAfter: t.nextUp) - 1
        earlier.history[last].p = min(0.99, market.history[last].p + 0.05)
        let changed = try await decisions(earlier, at: time)
        XCTAssertNotEqual(changed, original)
    }

    func testAReplayIsScoredApartFromLiveRunsByTheSameTrackRecord() async throws {
        let markets = ReplayMarket.sample(try FixtureMarketSource.builtIn())
        XCTAssertGreaterThanOrEqual(markets.count, 9, "the sample set's resolved markets with histories")
        let directory = try makeTemporaryDirectory()
        defer { removeDirectory(directory) }
        let from = Date(timeIntervalSince1970: 1_788_000_000) // 2026-08-29
        let clock = SettableWallClock(from)
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/replay"), clock: clock)
        defer { database.close() }
        let plan = ReplayPlan(id: "replay-score", from: from, to: from.addingTimeInterval(60 * 86_400), everySeconds: 6 * 86_400, data: "sample")
        let info = try await Replayer.run(plan, markets: markets, database: database, clock: clock)
        XCTAssertEqual(info.status, "done")
        XCTAssertEqual(info.runs, plan.work(markets).count)
        let record = try await database.pool.read { try TrackRecordBuilder.build($0, scope: TrackRecordScope(sample: true), now: Date(), data: "replay") }
        XCTAssertEqual(record.forecasts.resolvedMarkets, info.markets)
        XCTAssertEqual(record.forecasts.analysesScored, info.markets, "the first analysis of each market counts")
        XCTAssertNotNil(record.forecasts.overall.skill)
        // Nothing of it counts as live.
        let live = try await database.pool.read { try TrackRecordBuilder.build($0, scope: TrackRecordScope(sample: false), now: Date()) }
        XCTAssertEqual(live.forecasts.analysesScored, 0)
        XCTAssertTrue(live.trades.isEmpty)
    }
}
