import FoundationEssentials
@testable import Storage
import Support
import TestSupport
import XCTest

/// The stored price series, and exports of stored rows.
final class PriceHistoryAndExportTests: XCTestCase {
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

    func testOverlappingSeriesAreStoredOncePerTokenAndTimeAndBadPointsAreSkipped() async throws {
        let added = try await database.pool.write { db -> [Int] in
            let first = try db.priceHistory.append(tokenID: "yes", [PricePoint(t: 100, p: 0.4), PricePoint(t: 200, p: 0.5)])
            // 200 again with another price (the first answer stays), 300 new, and three bad points.
            let second = try db.priceHistory.append(tokenID: "yes", [PricePoint(t: 200, p: 0.9), PricePoint(t: 300, p: 0.6),
                                                                      PricePoint(t: 400, p: 1.5), PricePoint(t: 500, p: .nan), PricePoint(t: .infinity, p: 0.5)])
            return [first, second]
        }
        XCTAssertEqual(added, [2, 1])
        let points = try await database.pool.read { try $0.priceHistory.points(tokenID: "yes") }
        XCTAssertEqual(points, [PricePoint(t: 100, p: 0.4), PricePoint(t: 200, p: 0.5), PricePoint(t: 300, p: 0.6)])
        let window = try await database.pool.read { try $0.priceHistory.points(tokenID: "yes", from: 150, through: 250) }
        XCTAssertEqual(window, [PricePoint(t: 200, p: 0.5)])
        let latest = try await database.pool.read { try $0.priceHistory.latestTime(tokenID: "yes") }
        XCTAssertEqual(latest, 300)
    }

    func testTheWholeTableScanHandsOverEachWantedSeriesWholeAndSkipsTheOthers() async throws {
        try await database.pool.write { db in
            for (token, base) in [("a", 0.1), ("b", 0.2), ("c", 0.3), ("d", 0.4)] {
                try db.priceHistory.append(tokenID: token, (1...3).map { PricePoint(t: Double($0 * 100), p: base + Double($0) / 100) })
            }
        }
        let (order, seen) = try await database.pool.read { db -> ([String], [String: [PricePoint]]) in
            var seen: [String: [PricePoint]] = [:]
            var order: [String] = []
            try db.priceHistory.forEachSeries(["a", "c", "d", "missing"]) { token, series in
                order.append(token)
                seen[token] = series
            }
            return (order, seen)
        }
        XCTAssertEqual(order, ["a", "c", "d"], "once each, in key order; b is not wanted and missing has no points")
        for token in order {
            let expected = try await database.pool.read { try $0.priceHistory.points(tokenID: token) }
            XCTAssertEqual(seen[token], expected, token)
        }
    }

    func testRetentionKeepsTheSeriesOfRecommendedMarkets() async throws {
        let now = clock.now()
        let old = now.addingTimeInterval(-400 * 86_400).timeIntervalSince1970
        let pruned = try await database.pool.write { db -> Int in
            var recommended = Market(conditionID: "0xrec", question: "Recommended?")
            recommended.clobTokenIDs = ["rec-yes", "rec-no"]
            let stored = try db.markets.upsert(recommended)
            var watched = Market(conditionID: "0xwatch", question: "Watched?")
            watched.clobTokenIDs = ["watch-yes", "watch-no"]
            try db.markets.upsert(watched)
            _ = try db.recommendations.insert(Recommendation(marketID: stored.id, runID: "run", direction: .longYes, fairProbability: 0.6,
                                                             marketProbability: 0.5, marketEdge: 0.1, expectedValue: 20, confidence: .moderate))
            for token in ["rec-yes", "watch-yes"] {
                try db.priceHistory.append(tokenID: token, [PricePoint(t: old, p: 0.5), PricePoint(t: now.timeIntervalSince1970, p: 0.5)])
            }
            return try db.priceHistory.prune(olderThan: now.addingTimeInterval(-365 * 86_400))
        }
        XCTAssertEqual(pruned, 1)
        let kept = try await database.pool.read { db in [try db.priceHistory.points(tokenID: "rec-yes").count, try db.priceHistory.points(tokenID: "watch-yes").count] }
        XCTAssertEqual(kept, [2, 1])
    }

    func exportText(_ format: ExportFormat, kind: ExportKind = .recommendations, scope: ExportScope = ExportScope()) async throws -> String {
        try await database.pool.read { db in
            var bytes: [UInt8] = []
            try Exporter.run(db, kind: kind, format: format, scope: scope) { bytes += $0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    func storeHostileRecommendation() async throws {
        try await database.pool.write { db in
            var market = Market(conditionID: "0xcsv", question: "=HYPERLINK(\"http://evil\",\"click\"), \"quoted\"\nnext line ✓")
            market.marketProbability = 0.5
            let stored = try db.markets.upsert(market)
            var r = Recommendation(marketID: stored.id, runID: "run-1", direction: .longNo, fairProbability: 0.3, marketProbability: 0.45,
                                   marketEdge: 0.15, expectedValue: -12.5, confidence: .high)
            r.explanation = "+1 and -2 and @sum"
            r.coreThesis = "plain"
            _ = try db.recommendations.insert(r)
        }
    }

    func testCSVFollowsRFC4180AndNeutralisesFormulasButNotNumbers() async throws {
        try await storeHostileRecommendation()
        let csv = try await exportText(.csv)
        let lines = csv.components(separatedBy: "\r\n")
        XCTAssertTrue(lines[0].hasPrefix("id,condition_id,question,run_id,direction,"))
        // The formula is quoted and prefixed with ', the embedded quotes doubled, the newline kept inside the quotes.
        XCTAssertTrue(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\"), \"\"quoted\"\"\nnext line ✓\""), csv)
        XCTAssertTrue(csv.contains(",\"'+1 and -2 and @sum\","), csv)
        // A negative number stays a number.
        XCTAssertTrue(csv.contains(",-12.5,"), csv)
        XCTAssertTrue(csv.hasSuffix("\r\n"))
        // One header and one record (the record's newline is inside quotes).
        XCTAssertEqual(csv.components(separatedBy: "\r\n").count, 3)
    }

    func testJSONAndJSONLinesAreValidAndKeepTextExactly() async throws {
        try await storeHostileRecommendation()
        let json = try JSONValue.parse(Array(try await exportText(.json).utf8))
        let rows = try XCTUnwrap(json.arrayValue)
        XCTAssertEqual(rows.count, 1)
        XCTAssertEqual(rows[0]["question"]?.stringValue, "=HYPERLINK(\"http://evil\",\"click\"), \"quoted\"\nnext line ✓")
        XCTAssertEqual(rows[0]["expected_value"]?.numberValue, -12.5)
        let lines = try await exportText(.jsonl).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertNoThrow(try JSONValue.parse(Array(lines[0].utf8)))
    }

    func testAnEmptyExportStillNamesItsColumnsAndPagesEndCleanly() async throws {
        let csv = try await exportText(.csv, kind: .positions)
        XCTAssertEqual(csv, "id,symbol,side,quantity,entry_price,entry_signal_id,opened_at,status,exit_price,exit_signal_id,closed_at,realized_pnl\r\n")
        let emptyJSON = try await exportText(.json, kind: .signals)
        XCTAssertEqual(emptyJSON, "[]\n")
        // Sample rows never appear in a live export and vice versa.
        try await storeHostileRecommendation()
        let sampleOnly = try await exportText(.jsonl, scope: ExportScope(sample: true))
        XCTAssertEqual(sampleOnly, "")
    }
}
