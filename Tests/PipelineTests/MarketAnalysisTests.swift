import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// The analysis pipeline end to end on a real database: discovery, selection, the graph,
/// persistence, refresh and outcome scoring — from the bundled fixtures and from a loopback fake
/// of Gamma/CLOB speaking the wire format.
final class MarketAnalysisTests: XCTestCase {
    /// 2026-11-21T12:00:00Z: the fixtures' open markets end later.
    static let now = Date(timeIntervalSince1970: 1_795_262_400)

    func fixtures() throws -> FixtureMarketSource { try FixtureMarketSource(directory: repositoryRoot + "/data/fixtures") }

    func analyzer(_ test: TestDatabase, clock: ManualWallClock, source: any MarketDataSource) throws -> MarketAnalyzer {
        try MarketAnalyzer(pool: test.database.pool, clock: clock, source: { source })
    }

    func testDiscoveryFiltersAsTheOriginalDidAndKeepsEvergreenThinMarkets() async throws {
        let source = try fixtures()
        let events = try await source.trendingEvents(EventQuery(limit: 100))
        let candidates = MarketDiscovery.candidates(events: events, settings: DiscoverySettings(), now: Self.now)
        let questions = Set(candidates.map(\.snapshot.question))
        XCTAssertTrue(questions.contains("US recession in 2027?"), "economy is evergreen: $3.2k liquidity passes the $1k floor")
        XCTAssertFalse(questions.contains("Will Reform UK lead every national poll in January 2027?"), "$2.1k is below $5k")
        XCTAssertFalse(questions.contains("Will the UK rejoin the EU by 2027?"), "1% is outside 5–95%")
        XCTAssertFalse(questions.contains("Will there be a UK general election in 2027?"), "not accepting orders")
        XCTAssertFalse(questions.contains("Will Bitcoin reach $150,000 in 2027?"), "not tagged politics")
        XCTAssertFalse(candidates.contains { $0.snapshot.closed }, "closed events are dropped")
        XCTAssertEqual(candidates.map(\.trendingScore), candidates.map(\.trendingScore).sorted(by: >))
        XCTAssertTrue(candidates.allSatisfy { (0...10).contains($0.trendingScore) })
        let recession = try XCTUnwrap(candidates.first { $0.snapshot.question == "US recession in 2027?" })
        XCTAssertEqual(recession.snapshot.siblings, [], "markets of a non-exclusive event are not legs that must sum to 1")
        let vance = try XCTUnwrap(candidates.first { $0.snapshot.question.contains("JD Vance") })
        XCTAssertEqual(vance.snapshot.siblings.count, 6, "the other priced legs of the negRisk event")
    }

    func testSelectionSkipsRecentlyAnalysedMarketsAndTakesOnePerEvent() throws {
        func candidate(_ id: String, event: String, score: Double) throws -> Candidate {
            let market = try GammaMarket(wire: JSONValue.parse(Array("{\"conditionId\":\"\(id)\",\"question\":\"\(id)?\"}".utf8)))
            var snapshot = MarketSnapshot(market: market, event: nil)
            snapshot.eventID = event
            return Candidate(snapshot: snapshot, trendingScore: score)
        }
        let candidates = [try candidate("a", event: "e1", score: 9), try candidate("b", event: "e1", score: 8),
                          try candidate("c", event: "e2", score: 7), try candidate("d", event: "e3", score: 6),
                          try candidate("e", event: "e4", score: 5)]
        let settings = DiscoverySettings(maxMarketsPerCycle: 3, updateIntervalHours: 24)
        let picked = MarketDiscovery.select(candidates, lastAnalyzed: ["c": Self.now.addingTimeInterval(-3_600),
                                                                       "d": Self.now.addingTimeInterval(-30 * 3_600)],
                                            settings: settings, now: Self.now)
        XCTAssertEqual(picked.map(\.snapshot.conditionID), ["a", "d", "e"])
    }

    func testOfflineCycleStoresRecommendationsAndTheNextCyclePicksOtherMarkets() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let cycle = AnalysisCycle(analyzer: try analyzer(test, clock: clock, source: try fixtures()),
                                  settings: DiscoverySettings(maxMarketsPerCycle: 3))
        let first = try await cycle.run()
        XCTAssertEqual(first.analysed, 3)
        XCTAssertEqual(first.source, "sample")
        let (recommendations, history, markets) = try await test.database.pool.read { database in
            (try database.recommendations.list().items, try database.analysisHistory.list().items, try database.markets.list(page: PageRequest(limit: 500)).items)
        }
        XCTAssertEqual(history.count, 3)
        XCTAssertEqual(recommendations.count, first.recommendations)
        XCTAssertGreaterThan(recommendations.count, 0)
        XCTAssertTrue(history.allSatisfy { $0.source == "sample" && $0.analysisType == .initial && $0.agentsUsed.count == 7 })
        let analysed = markets.filter { $0.lastAnalyzedAt != nil }
        XCTAssertEqual(analysed.count, 3)
        XCTAssertEqual(Set(analysed.compactMap(\.eventID)).count, 3, "one market per event")
        XCTAssertGreaterThan(markets.count, 20, "every candidate is stored with its score")
        XCTAssertTrue(markets.contains { $0.trendingScore > 0 })

        let second = try await cycle.run()
        XCTAssertEqual(second.analysed, 3)
        let secondRuns = try await test.database.pool.read { try $0.analysisHistory.list().items }
        let firstIDs = Set(history.map(\.marketID))
        XCTAssertTrue(secondRuns.prefix(3).allSatisfy { !firstIDs.contains($0.marketID) }, "markets analysed within the interval are skipped")

        clock.advance(by: 25 * 3_600)
        let third = try await cycle.run()
        XCTAssertEqual(third.analysed, 3)
    }

    /// Counts every insert and update of a `markets` row, by condition id (a trigger in the test database).
    func countMarketWrites(_ test: TestDatabase) async throws {
        try await test.database.pool.write { database in
            try database.execute("CREATE TABLE market_writes (condition_id TEXT NOT NULL)")
            try database.execute("CREATE TRIGGER count_market_inserts AFTER INSERT ON markets BEGIN INSERT INTO market_writes VALUES (new.condition_id); END")
            try database.execute("CREATE TRIGGER count_market_updates AFTER UPDATE ON markets BEGIN INSERT INTO market_writes VALUES (new.condition_id); END")
        }
    }

    func marketWrites(_ test: TestDatabase) async throws -> [String: Int] {
        try await test.database.pool.read { database in
            var counts: [String: Int] = [:]
            for row in try database.query("SELECT condition_id, count(*) AS n FROM market_writes GROUP BY condition_id") {
                counts[try row.get("condition_id")] = try row.get("n")
            }
            return counts
        }
    }

    func testAnAnalysisWritesItsMarketRowOnceAndACycleOncePerMarket() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        try await countMarketWrites(test)
        let analyzer = try analyzer(test, clock: clock, source: try fixtures())
        let summary = try await AnalysisCycle(analyzer: analyzer, settings: DiscoverySettings(maxMarketsPerCycle: 3)).run()
        XCTAssertEqual(summary.analysed, 3)
        let afterCycle = try await marketWrites(test)
        XCTAssertFalse(afterCycle.isEmpty)
        XCTAssertEqual(Set(afterCycle.values), [1], "every market, picked or only discovered, is written once per cycle: \(afterCycle)")

        let firstRun = try await test.database.pool.read { try $0.analysisHistory.list().items.first }
        let market = try XCTUnwrap(firstRun)
        let storedRow = try await test.database.pool.read { try $0.markets.find(id: market.marketID) }
        let stored = try XCTUnwrap(storedRow)
        let source = try fixtures()
        let event = try await stored.eventID.asyncMap { try await source.event(id: $0) } ?? nil
        let freshMarket = try await source.market(conditionID: stored.conditionID)
        let fresh = try XCTUnwrap(freshMarket)
        clock.advance(by: 60)
        let report = try await analyzer.analyze(MarketSnapshot(market: fresh, event: event), type: .manual)
        XCTAssertNotEqual(report.status, .failed)
        let afterManual = try await marketWrites(test)
        XCTAssertEqual(afterManual[stored.conditionID], 2, "a manual analysis writes its market once more, in its persistence step")
        let analysedAt = try await test.database.pool.read { try $0.markets.find(id: market.marketID)?.lastAnalyzedAt }
        XCTAssertEqual(analysedAt, clock.now(), "the one write carries the analysis time")
    }

    func testAResolvedMarketIsRefusedWithATypedErrorAndNothingIsWritten() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        let events = try await source.trendingEvents(EventQuery(limit: 100))
        let candidate = try XCTUnwrap(MarketDiscovery.candidates(events: events, settings: DiscoverySettings(), now: Self.now).first)
        try await test.database.pool.write { database in
            var record = candidate.snapshot.marketRecord(trendingScore: 1, eventType: "politics")
            record.status = .resolved
            record.resolvedOutcome = "Yes"
            try database.markets.upsert(record)
        }
        try await countMarketWrites(test)
        do {
            _ = try await analyzer(test, clock: clock, source: source).analyze(candidate.snapshot, type: .manual)
            XCTFail("a resolved market must be refused")
        } catch let error as AnalysisError {
            XCTAssertEqual(error, .marketResolved(conditionID: candidate.snapshot.conditionID))
        }
        let writes = try await marketWrites(test)
        XCTAssertEqual(writes, [:])
        let runs = try await test.database.pool.read { try $0.analysisHistory.list().items }
        XCTAssertEqual(runs.count, 0)
    }

    func testAnAgentSeesItsOwnLastThreeSignals() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        let analyzer = try analyzer(test, clock: clock, source: source)
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("JD Vance") })
        let snapshot = MarketSnapshot(market: market, event: source.events.first { $0.id == market.eventID })
        for _ in 0..<5 {
            _ = try await analyzer.analyze(snapshot, type: .manual)
            clock.advance(by: 60)
        }
        let signals = try await test.database.pool.read { database in
            try database.agentSignals.recent(marketID: try database.markets.find(conditionID: market.conditionID)!.id, agentName: "momentum", limit: 1)
        }
        XCTAssertEqual(signals.first?.metadata["previousFairProbabilities"]?.arrayValue?.count, 3)
        XCTAssertTrue(signals.first?.keyDrivers.contains { $0.hasPrefix("Memory:") } ?? false)
    }

    func testInvalidBriefingEndsTheRunWithARecordedFailureAndNoRecommendation() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        var market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("JD Vance") })
        market.outcomePrices = []
        let report = try await analyzer(test, clock: clock, source: source).analyze(MarketSnapshot(market: market, event: nil), type: .manual)
        XCTAssertEqual(report.status, .failed)
        XCTAssertTrue(report.errorMessage?.contains("no outcome prices") ?? false, report.errorMessage ?? "")
        XCTAssertNil(report.recommendation)
        let count = try await test.database.pool.read { try $0.recommendations.list().items.count }
        XCTAssertEqual(count, 0)
    }

    func testDisagreementAboveThresholdIsAFailedConsensusWithSignalsKept() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        let split = [0.1, 0.9].enumerated().map { index, p in
            OfflineAgent(name: "split_\(index)", kind: .mvp) { _ in
                AgentOutput(agent: "split_\(index)", kind: .mvp, fairProbability: p, confidence: 0.5, direction: p > 0.5 ? .yes : .no, keyDrivers: [])
            }
        }
        let graph = try AnalysisGraph.make(source: { source }, pool: test.database.pool, clock: clock, agents: split)
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("Government shutdown") })
        let snapshot = MarketSnapshot(market: market, event: nil)
        try await test.database.pool.write { try $0.markets.upsert(snapshot.marketRecord(trendingScore: 1, eventType: "other")) }
        var input = StateUpdate()
        try input.set(AnalysisChannel.request, AnalysisRequest(runID: "split-run", analysisType: .manual, snapshot: snapshot, source: "fixtures", startedAt: Self.now))
        let outcome = try await graph.invoke(thread: "split-run", input: input, checkpointer: test.checkpointer)
        XCTAssertFalse(outcome.executedNodes.contains("recommendation"))
        let (run, recommendation, signals) = try await test.database.pool.read { database in
            (try database.analysisHistory.find(runID: "split-run"), try database.recommendations.find(runID: "split-run"),
             try database.agentSignals.forRun("split-run"))
        }
        XCTAssertEqual(run?.status, .failed)
        XCTAssertTrue(run?.errorMessage?.hasPrefix("consensus failed: disagreement index 0.400") ?? false, run?.errorMessage ?? "")
        XCTAssertNil(recommendation)
        XCTAssertEqual(signals.count, 2)
    }

    func testTheLiveClientAgainstALoopbackFakeTakesTheSamePath() async throws {
        let fake = try FakePolymarket()
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let api = fake.api(pageSize: 5)
        let summary = try await AnalysisCycle(analyzer: try analyzer(test, clock: clock, source: api),
                                              settings: DiscoverySettings(maxMarketsPerCycle: 2)).run()
        XCTAssertEqual(summary.source, "polymarket")
        XCTAssertEqual(summary.analysed, 2)
        XCTAssertEqual(summary.recommendations + summary.failed, 2)
        let offline = try await AnalysisCycle(analyzer: try analyzer(try await TestDatabase(clock: clock), clock: clock, source: try fixtures()),
                                              settings: DiscoverySettings(maxMarketsPerCycle: 2)).run()
        XCTAssertEqual(summary.candidates, offline.candidates, "the fake and the fixture source see the same markets")
        let eventRequests = fake.server.requests.filter { $0.path == "/gamma/events" }
        XCTAssertGreaterThan(eventRequests.count, 1, "pages of 5 until a short page")
        XCTAssertTrue(eventRequests.allSatisfy { $0.query["closed"] == "false" && $0.query["order"] == "volume24hr" && $0.query["tag_id"] == "2" })
        XCTAssertTrue(fake.server.requests.contains { $0.path == "/clob/book" })
        XCTAssertTrue(fake.server.requests.allSatisfy { $0.headers["user-agent"]?.hasPrefix("tradewizard") ?? false })
    }

    func testRefreshResolvesMarketsAndScoresTheirRecommendations() async throws {
        let fake = try FakePolymarket()
        defer { fake.stop() }
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let api = fake.api()
        _ = try await AnalysisCycle(analyzer: try analyzer(test, clock: clock, source: api), settings: DiscoverySettings(maxMarketsPerCycle: 4)).run()
        let recommended = try await test.database.pool.read { database in
            try database.recommendations.list().items.map { ($0, try database.markets.find(id: $0.marketID)!) }
        }
        XCTAssertFalse(recommended.isEmpty)
        for (_, market) in recommended { fake.resolve(market.conditionID, winner: "Yes") }
        let refresher = MarketRefresher(pool: test.database.pool, clock: clock, source: { api })
        let summary = try await refresher.refresh()
        XCTAssertEqual(summary.resolved, Set(recommended.map(\.1.conditionID)).count)
        XCTAssertEqual(summary.scored, recommended.count)
        let (outcomes, stats, resolved) = try await test.database.pool.read { database in
            (try recommended.flatMap { try database.outcomes.forMarket($0.1.id) }, try database.outcomes.stats(),
             try database.markets.count(status: .resolved))
        }
        XCTAssertEqual(resolved, summary.resolved)
        for (recommendation, _) in recommended {
            let outcome = try XCTUnwrap(outcomes.first { $0.recommendationID == recommendation.id })
            XCTAssertEqual(outcome, OutcomeScoring.score(recommendation, winningOutcome: "Yes", yesWon: true).with(id: outcome.id, scoredAt: outcome.scoredAt))
        }
        XCTAssertEqual(stats.overall.trades + stats.overall.noTrades, recommended.count)
        XCTAssertEqual(stats.agents.count, 7)
        XCTAssertTrue(stats.agents.allSatisfy { $0.signals > 0 && (0...1).contains($0.brier) })
        let again = try await refresher.refresh()
        XCTAssertEqual(again.scored, 0, "resolved markets are no longer refreshed or scored twice")
        // Each analysis stored the series it saw; the refresh asked only for what came after it, hourly.
        let stored = try await test.database.pool.read { database in
            try recommended.map { try database.priceHistory.points(tokenID: $0.1.clobTokenIDs[0]).count }
        }
        XCTAssertTrue(stored.allSatisfy { $0 > 0 }, "\(stored)")
        let appends = fake.server.requests.filter { $0.path == "/clob/prices-history" && $0.query["startTs"] != nil }
        XCTAssertFalse(appends.isEmpty)
        XCTAssertTrue(appends.allSatisfy { $0.query["fidelity"] == "60" && $0.query["interval"] == nil && $0.query["endTs"] != nil })
        // The track record reads the same rows: every resolved market's first analysis, every actionable recommendation.
        let record = try await test.database.pool.read { try TrackRecordBuilder.build($0, scope: TrackRecordScope(), now: clock.now()) }
        XCTAssertEqual(record.forecasts.resolvedMarkets, summary.resolved)
        XCTAssertEqual(record.trades.count, recommended.filter { $0.0.direction != .noTrade }.count)
        XCTAssertEqual(record.forecasts.byAgent.count, 7)
    }

    func testTwoAnalysesOfOneMarketNeverOverlap() async throws {
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        let analyzer = try analyzer(test, clock: clock, source: source)
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("ceasefire") })
        let snapshot = MarketSnapshot(market: market, event: nil)
        async let a = analyzer.analyze(snapshot, type: .manual)
        async let b = analyzer.analyze(snapshot, type: .manual)
        let (first, second) = try await (a, b)
        XCTAssertNotEqual(first.runID, second.runID)
        let runs = try await test.database.pool.read { try $0.checkpoints.runs(status: .done, limit: 10) }
        let spans = runs.map { ($0.startedAt, $0.finishedAt!) }.sorted { $0.0 < $1.0 }
        XCTAssertEqual(spans.count, 2)
        XCTAssertLessThanOrEqual(spans[0].1, spans[1].0, "the second run started after the first finished")
    }

    func testLangGraphsSqliteSaverListsAnAnalysisRun() async throws {
        let python = try TestLocations.langGraphPython()
        let clock = ManualWallClock(Self.now)
        let test = try await TestDatabase(clock: clock)
        defer { test.remove() }
        let source = try fixtures()
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("JD Vance") })
        let report = try await analyzer(test, clock: clock, source: source).analyze(MarketSnapshot(market: market, event: nil), type: .manual)
        test.close()
        let child = try Subprocess(arguments: [python, repositoryRoot + "/Tests/interop/langgraph_list.py",
                                               test.directory + "/data/tradewizard.db", report.runID], mergeErrors: true)
        let output = child.readAll()
        XCTAssertEqual(child.wait(), 0, output)
        let seen = try JSONValue.parse(Array(output.utf8))
        XCTAssertEqual(seen["graph"], .string(AnalysisGraph.name))
        XCTAssertGreaterThanOrEqual(seen["ids"]?.arrayValue?.count ?? 0, 9, "input + one checkpoint per superstep")
        XCTAssertTrue(seen["channels"]?.arrayValue?.contains(.string("result")) ?? false)
    }
}

extension RecommendationOutcome {
    func with(id: Int64, scoredAt: Date) -> RecommendationOutcome {
        var copy = self
        copy.id = id
        copy.scoredAt = scoredAt
        return copy
    }
}
