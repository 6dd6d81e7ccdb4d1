import FoundationEssentials
@testable import Storage
import Support
import TestSupport
import XCTest

func market(_ id: String, score: Double, event: String? = nil) -> Market {
    var market = Market(conditionID: id, question: "Question \(id)?")
    market.trendingScore = score
    market.eventID = event
    market.marketProbability = 0.5
    return market
}

final class StoreTests: XCTestCase {
    var directory = ""
    var database: AppDatabase!
    let clock = ManualWallClock(Date(timeIntervalSince1970: 1_795_000_000))

    override func setUp() async throws {
        directory = try makeTemporaryDirectory()
        database = try await AppDatabase.open(DataDirectory(path: directory), clock: clock)
    }

    override func tearDown() {
        database.close()
        removeDirectory(directory)
    }


    func testUpsertByConditionIDUpdatesInPlaceAndKeepsCreationTime() async throws {
        let first = try await database.pool.write { [clock] in try $0.markets.upsert(market("0xa", score: 1)) }
        clock.advance(by: 60)
        var draft = market("0xa", score: 7)
        draft.liquidity = 12_345
        let changed = draft
        let second = try await database.pool.write { try $0.markets.upsert(changed) }
        XCTAssertEqual(first.id, second.id)
        XCTAssertEqual(second.trendingScore, 7)
        XCTAssertEqual(second.liquidity, 12_345)
        XCTAssertEqual(second.createdAt, first.createdAt)
        XCTAssertEqual(second.updatedAt.timeIntervalSince(first.updatedAt), 60, accuracy: 0.001)
    }

    func testOutOfRangeValuesAreRefusedByTheSchema() async throws {
        var draft = market("0xbad", score: 1)
        draft.marketProbability = 1.5
        let bad = draft
        do {
            _ = try await database.pool.write { try $0.markets.upsert(bad) }
            XCTFail("a probability above 1 must be refused")
        } catch let error as DatabaseError {
            XCTAssertEqual(error.resultCode, .constraintCheck)
        }
        let count = try await database.pool.read { try $0.markets.count() }
        XCTAssertEqual(count, 0)
    }

    func testStaleActiveMarketsAreThoseAnalysedBeforeTheCutoffOldestFirst() async throws {
        try await database.pool.write { [clock] database in
            for (id, score) in [("0x1", 3.0), ("0x2", 9.0), ("0x3", 5.0), ("0x4", 8.0)] {
                var record = market(id, score: score)
                // 0x1 and 0x3 analysed long ago (0x3 longest), 0x4 just now, 0x2 never.
                record.lastAnalyzedAt = ["0x1": clock.now().addingTimeInterval(-7200), "0x3": clock.now().addingTimeInterval(-9000),
                                         "0x4": clock.now()][id]
                try database.markets.upsert(record)
            }
            var resolved = market("0x5", score: 10)
            resolved.status = .resolved
            resolved.resolvedOutcome = "Yes"
            resolved.lastAnalyzedAt = clock.now().addingTimeInterval(-99_999)
            try database.markets.upsert(resolved)
        }
        let stale = try await database.pool.read { [clock] in try $0.markets.staleActive(analyzedBefore: clock.now().addingTimeInterval(-3600), limit: 10) }
        XCTAssertEqual(stale.map(\.conditionID), ["0x3", "0x1"], "never-analysed, recent and resolved markets are not stale")
    }

    func testMarketPagesFollowTheCursorWithoutRepeatsOrGaps() async throws {
        try await database.pool.write { [clock] database in
            for index in 0..<25 { try database.markets.upsert(market("0x\(index)", score: Double(index % 5))) }
        }
        var seen: [String] = []
        var cursor: String?
        repeat {
            let page = try await database.pool.read { [cursor] in try $0.markets.list(page: PageRequest(limit: 7, cursor: cursor)) }
            seen += page.items.map(\.conditionID)
            cursor = page.nextCursor
        } while cursor != nil
        XCTAssertEqual(seen.count, 25)
        XCTAssertEqual(Set(seen).count, 25)
        do {
            _ = try await database.pool.read { try $0.markets.list(page: PageRequest(cursor: "garbage")) }
            XCTFail("a malformed cursor must be refused")
        } catch let error as StorageError {
            XCTAssertEqual(error.code, .invalidCursor)
        }
    }

    func testRecommendationSignalsAndHistoryRoundTrip() async throws {
        let stored = try await database.pool.write { [clock] database in
            let market = try database.markets.upsert(market("0xr", score: 1))
            var recommendation = Recommendation(marketID: market.id, runID: "run-1", direction: .longYes, fairProbability: 0.62,
                                                marketProbability: 0.55, marketEdge: 0.07, expectedValue: 12.7, confidence: .moderate)
            recommendation.catalysts = ["debate"]
            recommendation.risks = ["turnout"]
            recommendation.entryZoneMin = 0.53
            recommendation.entryZoneMax = 0.57
            let saved = try database.recommendations.insert(recommendation)
            var signal = AgentSignal(marketID: market.id, runID: "run-1", agentName: "momentum", agentType: "price",
                                     fairProbability: 0.6, confidence: 0.7, direction: .yes)
            signal.recommendationID = saved.id
            signal.metadata = ["window": .number(7)]
            try database.agentSignals.insert(signal)
            var run = AnalysisRun(marketID: market.id, runID: "run-1", analysisType: .initial, status: .success)
            run.agentsUsed = ["momentum"]
            try database.analysisHistory.record(run)
            return saved
        }
        let (latest, memory, history) = try await database.pool.read { database in
            (try database.recommendations.latest(marketID: stored.marketID),
             try database.agentSignals.recent(marketID: stored.marketID, agentName: "momentum"),
             try database.analysisHistory.list(marketID: stored.marketID))
        }
        XCTAssertEqual(latest, stored)
        XCTAssertEqual(memory.first?.metadata["window"], .number(7))
        XCTAssertEqual(history.items.first?.agentsUsed, ["momentum"])
    }

    func testAFailedRunMustSayWhy() async throws {
        do {
            try await database.pool.write { [clock] database in
                let market = try database.markets.upsert(market("0xf", score: 1))
                try database.analysisHistory.record(AnalysisRun(marketID: market.id, runID: "run-f", analysisType: .update, status: .failed))
            }
            XCTFail("a failed run without an error message must be refused")
        } catch let error as DatabaseError {
            XCTAssertEqual(error.resultCode, .constraintCheck)
        }
    }

    func testJobRunsRecordStartFinishAndInterruption() async throws {
        let id = try await database.pool.write { try $0.jobRuns.start(job: "backup", scheduledFor: nil) }
        clock.advance(by: 5)
        try await database.pool.write { try $0.jobRuns.finish(id: id, result: .success, error: nil) }
        _ = try await database.pool.write { try $0.jobRuns.start(job: "backup", scheduledFor: nil) }
        let interrupted = try await database.pool.write { try $0.jobRuns.markInterrupted() }
        XCTAssertEqual(interrupted, 1)
        let lastSuccess = try await database.pool.read { try $0.jobRuns.latest(job: "backup", result: .success) }
        XCTAssertEqual(lastSuccess?.id, id)
        XCTAssertEqual(lastSuccess.flatMap { $0.finishedAt?.timeIntervalSince($0.startedAt) }, 5)
    }
}
