import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Real Polymarket responses, read in place from `../shared/fixtures/polymarket/` (skipped
/// visibly when `../shared` is absent).
func sharedFixture(_ name: String) throws -> [UInt8] { try TestLocations.sharedFixture(name) }

let repositoryRoot = TestLocations.repositoryRoot

final class PolymarketDecodingTests: XCTestCase {
    func testMarketsListDecodesStringEncodedArraysAndMixedNumbers() throws {
        let body = try sharedFixture("gamma-markets-list.json")
        let (markets, skipped) = try XCTUnwrap(try GammaDecoder.markets(body))
        XCTAssertEqual(markets.count, 3)
        XCTAssertEqual(skipped, 0)
        for market in markets {
            XCTAssertTrue(market.conditionID.hasPrefix("0x"))
            XCTAssertEqual(market.outcomes.count, 2)
            XCTAssertEqual(market.outcomePrices.count, 2)
            XCTAssertEqual(market.outcomePrices.reduce(0, +), 1, accuracy: 0.02)
            XCTAssertEqual(market.clobTokenIDs.count, 2)
            for token in market.clobTokenIDs {
                XCTAssertTrue((76...78).contains(token.count), "token ids are 76–78 digit strings: \(token)")
                XCTAssertTrue(token.allSatisfy(\.isNumber))
            }
            XCTAssertNotNil(market.volume)
            XCTAssertNotNil(market.liquidity)
            XCTAssertNotNil(market.endDate)
            XCTAssertNotNil(market.eventID, "the nested events[] gives the event id")
        }
    }

    func testSingleMarketDecodesDatesInEveryShape() throws {
        let market = try GammaDecoder.market(try sharedFixture("gamma-market.json"))
        XCTAssertEqual(market.id, "2063134")
        XCTAssertEqual(market.conditionID, "0x7d0aaf81bbd3fd73b6a1651cce08a452c0cbf9c0cbb4520ce0f981065b639d88")
        XCTAssertEqual(market.outcomes, ["Yes", "No"])
        XCTAssertEqual(market.outcomePrices, [0.01, 0.99])
        XCTAssertEqual(market.liquidity ?? 0, 16085.17368, accuracy: 1e-6)
        XCTAssertEqual(market.volume24h ?? 0, 519.5252869999999, accuracy: 1e-9)
        XCTAssertEqual(market.endDate, WireDate.parse("2026-06-01"))
        XCTAssertEqual(market.startDate?.timeIntervalSince1970 ?? 0, WireDate.parse("2026-04-27T21:55:14Z")!.timeIntervalSince1970 + 0.576, accuracy: 1e-3)
        XCTAssertEqual(market.createdAt?.timeIntervalSince1970 ?? 0, WireDate.parse("2026-04-23T22:32:51Z")!.timeIntervalSince1970 + 0.276002, accuracy: 1e-5)
        XCTAssertNil(market.resolutionSource, "\"\" means no value")
        XCTAssertEqual(market.acceptingOrders, true)
        XCTAssertEqual(market.negRisk, true)
        XCTAssertEqual(market.oneWeekPriceChange ?? 0, 0.007, accuracy: 1e-12)
        XCTAssertEqual(market.umaResolutionStatuses, [])
    }

    func testNegRiskEventKeepsEveryMarketAndPlaceholdersWithoutPrices() throws {
        let body = try sharedFixture("gamma-event-negrisk.json")
        let (events, skipped) = try XCTUnwrap(try GammaDecoder.events(body))
        XCTAssertEqual(skipped, 0)
        let event = try XCTUnwrap(events.first)
        XCTAssertEqual(event.id, "35908")
        XCTAssertEqual(event.markets.count + event.skippedMarkets, 39)
        XCTAssertEqual(event.negRisk, true)
        XCTAssertFalse(event.tags.isEmpty)
        XCTAssertNotNil(event.volume, "event volumes are JSON numbers")
        XCTAssertTrue(event.markets.allSatisfy { $0.eventID == "35908" })
        let placeholders = event.markets.filter { $0.outcomePrices.isEmpty }
        XCTAssertFalse(placeholders.isEmpty, "placeholder legs have no outcomePrices")
        let priced = event.markets.filter { $0.active == true && !$0.outcomePrices.isEmpty }
        XCTAssertGreaterThan(priced.count, 10)
    }

    func testResolvedMarketShowsItsWinnerThroughPricesAndUMAStatus() throws {
        let market = try GammaDecoder.market(try sharedFixture("gamma-market-resolved.json"))
        XCTAssertEqual(market.closed, true)
        XCTAssertEqual(market.outcomePrices, [0, 1])
        XCTAssertEqual(market.umaResolutionStatus, "resolved")
        XCTAssertEqual(market.umaResolutionStatuses, ["proposed", "resolved"])
        XCTAssertNotNil(market.closedTime, "the `YYYY-MM-DD HH:MM:SS+00` shape")
        XCTAssertNil(market.volume24h)
        XCTAssertEqual(MarketResolution.winner(clob: nil, gamma: market), "No")
    }

    func testLegacyClosedMarketWithZeroPricesHasNoWinner() throws {
        let market = try GammaDecoder.market(try sharedFixture("gamma-market-closed-legacy.json"))
        XCTAssertEqual(market.closed, true)
        XCTAssertEqual(market.outcomePrices, [0, 0])
        XCTAssertNil(MarketResolution.winner(clob: nil, gamma: market))
    }

    func testOrderBookBestLevelsAreTheLastElements() throws {
        let body = try sharedFixture("clob-book.json")
        let book = try OrderBook(wire: body)
        XCTAssertEqual(book.bids.count, 41)
        XCTAssertEqual(book.asks.count, 45)
        XCTAssertEqual(book.bestBid, book.bids.last?.price)
        XCTAssertEqual(book.bestAsk, book.asks.last?.price)
        XCTAssertLessThan(book.bestBid!, book.bestAsk!)
        XCTAssertEqual(book.lastTradePrice, 0.43)
        XCTAssertEqual(book.tokenID?.count, 77)
        XCTAssertNotNil(book.timestamp)
    }

    func testPriceHistoryIgnoresTheRecordersExtraKey() throws {
        let history = try ClobDecoder.priceHistory(try sharedFixture("clob-prices-history.json"))
        XCTAssertEqual(history.count, 12)
        XCTAssertEqual(history, history.sorted { $0.t < $1.t })
        XCTAssertTrue(history.allSatisfy { (0...1).contains($0.p) })
    }

    func testClobResolvedMarketNamesTheWinningToken() throws {
        let market = try ClobDecoder.market(try sharedFixture("clob-market-resolved.json"))
        XCTAssertTrue(market.closed)
        XCTAssertEqual(market.tokens.count, 2)
        XCTAssertEqual(market.tokens.filter(\.winner).count, 1)
        let winner = try XCTUnwrap(market.tokens.first(where: \.winner))
        XCTAssertEqual(MarketResolution.winner(clob: market, gamma: nil), winner.outcome)
        XCTAssertEqual(winner.price, 1)
    }

    func testEveryRealFixtureDecodes() throws {
        let directory = TestLocations.sharedPolymarketFixtures
        if !FileManager.default.fileExists(atPath: directory) { try TestLocations.requireShared("no real Polymarket captures at \(directory)") }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }
        XCTAssertGreaterThanOrEqual(files.count, 8)
        for file in files {
            let body = try sharedFixture(file)
            switch file {
            case _ where file.hasPrefix("gamma-event"): XCTAssertNotNil(try GammaDecoder.events(body), file)
            case _ where file.hasPrefix("gamma-markets-list"): XCTAssertNotNil(try GammaDecoder.markets(body), file)
            case _ where file.hasPrefix("gamma-market"): XCTAssertNoThrow(try GammaDecoder.market(body), file)
            case _ where file.hasPrefix("clob-book"): XCTAssertNoThrow(try OrderBook(wire: body), file)
            case _ where file.hasPrefix("clob-prices-history"): XCTAssertNoThrow(try ClobDecoder.priceHistory(body), file)
            case _ where file.hasPrefix("clob-market"): XCTAssertNoThrow(try ClobDecoder.market(body), file)
            default: XCTFail("no decoder for \(file)")
            }
        }
    }

    // Edge cases the real samples do not all show.

    func testAbsentNullAndEmptyValuesAllMeanNoValue() throws {
        let body = Array("""
            {"id": 7, "conditionId": "0xabc", "question": "Q?", "liquidity": "", "liquidityNum": null, "volume": "12.5",
             "outcomes": null, "outcomePrices": "", "clobTokenIds": "not json", "endDate": "", "active": "true",
             "competitive": "0.4", "unknownKey": {"nested": [1, 2]}}
            """.utf8)
        let market = try GammaDecoder.market(body)
        XCTAssertEqual(market.id, "7", "numeric ids become text")
        XCTAssertNil(market.liquidity)
        XCTAssertEqual(market.volume, 12.5)
        XCTAssertEqual(market.outcomes, [])
        XCTAssertEqual(market.outcomePrices, [])
        XCTAssertEqual(market.clobTokenIDs, [])
        XCTAssertNil(market.endDate)
        XCTAssertEqual(market.active, true)
        XCTAssertEqual(market.competitive, 0.4)
    }

    func testPlainArraysAreAcceptedWhereStringsAreUsual() throws {
        let body = Array("""
            {"conditionId": "0x1", "question": "Q?", "outcomes": ["Yes", "No"], "outcomePrices": [0.3, 0.7],
             "clobTokenIds": ["123456789012345678901234567890123456789012345678901234567890123456789012345678", "2"]}
            """.utf8)
        let market = try GammaDecoder.market(body)
        XCTAssertEqual(market.outcomePrices, [0.3, 0.7])
        XCTAssertEqual(market.clobTokenIDs.first?.count, 78)
    }

    func testMarketWithoutConditionIDIsRefused() {
        XCTAssertThrowsError(try GammaDecoder.market(Array("{\"id\":\"1\",\"question\":\"Q\"}".utf8)))
        XCTAssertThrowsError(try GammaDecoder.market(Array("[1,2]".utf8)))
        XCTAssertThrowsError(try GammaDecoder.market(Array("{not json".utf8)))
    }

    func testOffsetTooLargeArrivesAsAnErrorObjectAndEndsPaging() throws {
        XCTAssertNil(try GammaDecoder.events(Array("{\"error\":\"offset too large\"}".utf8)))
        XCTAssertThrowsError(try GammaDecoder.events(Array("{\"error\":\"internal\"}".utf8)))
    }

    func testDatesInEveryShapePolymarketSends() {
        let midnight = Date(timeIntervalSince1970: 1_780_272_000) // 2026-06-01T00:00:00Z
        XCTAssertEqual(WireDate.parse("2026-06-01T00:00:00Z"), midnight)
        XCTAssertEqual(WireDate.parse("2026-06-01"), midnight)
        XCTAssertEqual(WireDate.parse("2026-06-01 00:00:00+00"), midnight)
        XCTAssertEqual(WireDate.parse("2026-06-01T00:00:00.500Z")?.timeIntervalSince1970, midnight.timeIntervalSince1970 + 0.5)
        XCTAssertEqual(WireDate.parse("2026-06-01T00:00:00.250000Z")?.timeIntervalSince1970, midnight.timeIntervalSince1970 + 0.25)
        XCTAssertEqual(WireDate.parse("2026-06-01 02:00:00.064+02")?.timeIntervalSince1970 ?? 0, midnight.timeIntervalSince1970 + 0.064, accuracy: 1e-6)
        XCTAssertNil(WireDate.parse("June 1"))
        XCTAssertNil(WireDate.parse("2026-13-01"))
    }

    func testMidpointAcceptsBothKeys() throws {
        XCTAssertEqual(try ClobDecoder.midpoint(Array("{\"mid\":\"0.425\"}".utf8)), 0.425)
        XCTAssertEqual(try ClobDecoder.midpoint(Array("{\"mid_price\":0.5}".utf8)), 0.5)
        XCTAssertThrowsError(try ClobDecoder.midpoint(Array("{}".utf8)))
    }

    func testOneSidedBookHasNoSpread() throws {
        let book = try OrderBook(wire: Array("{\"bids\":[],\"asks\":[{\"price\":\"0.6\",\"size\":\"10\"}],\"last_trade_price\":\"\"}".utf8))
        XCTAssertNil(book.bestBid)
        XCTAssertEqual(book.bestAsk, 0.6)
        XCTAssertNil(book.spread)
        XCTAssertNil(book.lastTradePrice)
    }

    func testBundledFixturesHoldARealisticSet() throws {
        let source = try FixtureMarketSource(directory: repositoryRoot + "/data/fixtures")
        XCTAssertGreaterThanOrEqual(source.allMarkets.count, 40)
        XCTAssertGreaterThanOrEqual(source.events.count, 10)
        let resolved = source.allMarkets.filter { market in
            MarketResolution.winner(clob: source.clobMarkets[market.conditionID], gamma: market) != nil
        }
        XCTAssertGreaterThanOrEqual(resolved.count, 3)
        for market in source.allMarkets where market.closed != true && !market.clobTokenIDs.isEmpty {
            XCTAssertNotNil(source.books[market.clobTokenIDs[0]], "a book for \(market.question)")
            XCTAssertFalse(source.histories[market.clobTokenIDs[0], default: []].isEmpty)
        }
    }
}
