import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// What the agents say about real markets, read from the captures in `../shared/fixtures/polymarket/`
/// (skipped visibly when they are absent): the resolution source named in the rules, and which
/// kind of order book a market has.
final class RealMarketTests: XCTestCase {
    /// Every market object (a `conditionId` with a `description`) in every capture.
    func realMarkets() throws -> [JSONValue] {
        var markets: [JSONValue] = []
        func walk(_ value: JSONValue) {
            if let object = value.objectValue {
                if object["conditionId"] != nil, object["description"] != nil { markets.append(value) }
                object.values.forEach(walk)
            } else if let array = value.arrayValue {
                array.forEach(walk)
            }
        }
        for file in ["gamma-events-politics-2026-01.json", "gamma-event-negrisk.json", "gamma-markets-list.json", "gamma-market.json",
                     "gamma-market-resolved.json", "gamma-market-closed-legacy.json"] {
            walk(try JSONValue.parse(try TestLocations.sharedFixture(file)))
        }
        return markets
    }

    func testTheResolutionSourceIsReadFromTheRulesWhenTheFieldIsEmpty() throws {
        let markets = try realMarkets()
        let empty = markets.filter { ($0["resolutionSource"]?.stringValue ?? "").isEmpty }
        XCTAssertGreaterThan(empty.count, 50, "the captures are mostly markets with an empty resolutionSource")
        let named = empty.compactMap { ResolutionSourceText.named(in: $0["description"]?.stringValue) }
        XCTAssertGreaterThanOrEqual(Double(named.count) / Double(empty.count), 0.95, "\(named.count) of \(empty.count) named")
        XCTAssertTrue(named.allSatisfy { (3...120).contains($0.count) }, "\(named)")
        for market in empty.prefix(20) {
            let snapshot = MarketSnapshot(market: try GammaMarket(wire: market), event: nil)
            XCTAssertEqual(snapshot.resolutionSource, ResolutionSourceText.named(in: market["description"]?.stringValue))
        }
    }

    func testNamedSourcesAreCutAtTheirClause() {
        XCTAssertEqual(ResolutionSourceText.named(in: "Resolves Yes if so. The resolution source for this market will be official information from the Government of Ukraine, however a consensus of credible reporting will also be used."),
                       "official information from the Government of Ukraine")
        XCTAssertEqual(ResolutionSourceText.named(in: "Yes if the AP calls it, according to the Associated Press; otherwise No."), "the Associated Press")
        XCTAssertNil(ResolutionSourceText.named(in: "Resolves at the sole discretion of the committee."))
        XCTAssertNil(ResolutionSourceText.named(in: nil))
    }

    func testTheMicrostructureAgentSaysWhichKindOfBookItSaw() throws {
        let market = try GammaMarket(wire: JSONValue.parse(Array(#"{"conditionId":"0xabc","question":"Q?","outcomePrices":"[\"0.42\",\"0.58\"]","clobTokenIds":"[\"1\",\"2\"]","liquidity":"20000"}"#.utf8)))
        let snapshot = MarketSnapshot(market: market, event: nil)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        func drivers(_ book: OrderBook?) throws -> (MarketBriefing.BookShape, AgentOutput) {
            let briefing = try BriefingBuilder.build(snapshot: snapshot, book: book, history: [], now: now)
            return (briefing.bookShape, OfflineAgents.microstructure.evaluate(briefing))
        }
        let (noneShape, none) = try drivers(nil)
        XCTAssertEqual(noneShape, .none)
        XCTAssertFalse(none.keyDrivers.joined().contains("midpoint"), "\(none.keyDrivers)")
        XCTAssertTrue(none.keyDrivers.first?.hasPrefix("No order book") == true)
        let (oneShape, one) = try drivers(OrderBook(bids: [PriceLevel(price: 0.40, size: 100)], asks: []))
        XCTAssertEqual(oneShape, .oneSided)
        XCTAssertTrue(one.keyDrivers.first?.contains("bids only") == true, "\(one.keyDrivers)")
        XCTAssertTrue(one.riskFactors.contains("One-sided book: no asks"))
        let (twoShape, two) = try drivers(OrderBook(bids: [PriceLevel(price: 0.40, size: 100)], asks: [PriceLevel(price: 0.44, size: 100)]))
        XCTAssertEqual(twoShape, .twoSided)
        XCTAssertTrue(two.keyDrivers.contains("Book midpoint 42.0%") || two.keyDrivers.contains { $0.hasPrefix("Book midpoint") }, "\(two.keyDrivers)")
    }

    func testOpennessIsDecidedPerMarketAndAPassedEndDateOnAnOpenMarketIsAWarning() throws {
        // A rolling event whose own end date (its first deadline) has passed, with one leg still
        // trading past its own end date, one trading with a later date, and one that stopped.
        let now = Date(timeIntervalSince1970: 1_795_000_000) // 2026-11-18
        func leg(_ id: String, end: String, accepting: Bool) -> String {
            #"{"id":"\#(id)","conditionId":"0x\#(id)","question":"X by \#(end)?","outcomePrices":"[\"0.30\",\"0.70\"]","clobTokenIds":"[\"\#(id)1\",\"\#(id)2\"]","liquidity":"50000","volume24hr":1000,"active":true,"closed":false,"acceptingOrders":\#(accepting),"endDate":"\#(end)T00:00:00Z"}"#
        }
        let text = #"[{"id":"e1","title":"X by …?","endDate":"2026-06-30T00:00:00Z","closed":false,"markets":["# + [leg("a", end: "2026-06-30", accepting: true), leg("b", end: "2027-03-31", accepting: true), leg("c", end: "2026-09-30", accepting: false)].joined(separator: ",") + "]}]"
        let events = try XCTUnwrap(try GammaDecoder.events(Array(text.utf8))).events
        let candidates = MarketDiscovery.candidates(events: events, settings: DiscoverySettings(), now: now)
        XCTAssertEqual(candidates.map(\.snapshot.conditionID).sorted(), ["0xa", "0xb"], "the event's passed end date drops no open leg; the stopped one is out")
        let stale = try XCTUnwrap(candidates.first { $0.snapshot.conditionID == "0xa" })
        let briefing = try BriefingBuilder.build(snapshot: stale.snapshot, book: nil, history: [], now: now)
        XCTAssertEqual(briefing.warnings?.count, 1, "a warning, not a refusal")
        XCTAssertNil(briefing.daysToExpiry)
        var stopped = stale.snapshot
        stopped.acceptingOrders = false
        XCTAssertThrowsError(try BriefingBuilder.build(snapshot: stopped, book: nil, history: [], now: now))
    }

    func testRealPoliticsEventsAreClassifiedFromTagsTitlesAndQuestions() throws {
        let capture = try TestLocations.sharedFixture("gamma-events-politics-2026-01.json") // skips visibly when absent
        let events = try XCTUnwrap(try GammaDecoder.events(capture)).events
        XCTAssertEqual(events.count, 20)
        var types: [String: String] = [:]
        for event in events {
            let market = try XCTUnwrap(event.markets.first)
            types[event.title ?? ""] = BriefingBuilder.eventType(for: MarketSnapshot(market: market, event: event))
        }
        let other = types.filter { $0.value == "other" }
        XCTAssertLessThanOrEqual(other.count, 1, "was 10 of 20: \(other.keys.sorted())")
        XCTAssertEqual(types["How much revenue will the U.S. raise from tariffs in 2025?"], "policy")
        XCTAssertEqual(types["How much spending will DOGE cut in 2025?"], "policy")
        XCTAssertEqual(types["Mike Johnson out as Speaker by...?"], "policy")
        XCTAssertEqual(types["Trump cabinet member out by...?"], "policy")
        XCTAssertEqual(types["Ukraine election called by...?"], "election")
        XCTAssertEqual(types["China x India military clash by...?"], "geopolitical")
        XCTAssertEqual(types["Rojas guilty in Texas illegal abortion case?"], "court")
    }
}

