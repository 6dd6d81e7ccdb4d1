import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// The market monitor through the real binary, offline on the bundled fixtures.
final class AnalysisEndToEndTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { _ = try? FileManager.default.removeItem(atPath: directory) }

    var environment: [String: String] { ["TRADEWIZARD_OFFLINE": "1", "TRADEWIZARD_FIXTURES_DIR": root + "/data/fixtures"] }

    func run(_ arguments: [String]) -> (status: Int32, output: String) {
        guard let child = try? Subprocess(arguments: [binary] + arguments + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                          environment: environment, mergeErrors: true) else { return (-1, "could not start") }
        let output = child.readAll()
        return (child.wait(), output)
    }

    func testServeAnalysesTheFixturesAtStartAndTriggerAnalysesOneMarket() async throws {
        let server = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: environment, mergeErrors: true)
        var port: Int?
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("\"msg\":\"tradewizard ready\""),
               let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }) { port = Int(field.filter(\.isNumber)) }
            if line.contains("analysis cycle finished") { break }
        }
        let cycleLine = try XCTUnwrap(log.last { $0.contains("analysis cycle finished") }, log.joined(separator: "\n"))
        XCTAssertTrue(cycleLine.contains("\"analysed\":\"3\""), cycleLine)
        XCTAssertTrue(cycleLine.contains("\"source\":\"sample\""), cycleLine)
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: try XCTUnwrap(port))

        let recommendations = try await client.send(method: "GET", path: "/api/recommendations")
        XCTAssertEqual(try JSONValue.parse(recommendations.body)["items"]?.arrayValue?.count, 3, recommendations.text)

        let source = try FixtureMarketSource(directory: root + "/data/fixtures")
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("recession in 2027") })
        let triggered = try await client.send(method: "POST", path: "/trigger", headers: ["Content-Type": "application/json"],
                                              body: Array("{\"conditionId\":\"\(market.conditionID)\"}".utf8))
        XCTAssertEqual(triggered.status, 200, triggered.text)
        let report = try JSONValue.parse(triggered.body)
        XCTAssertEqual(report["status"], .string("success"))
        XCTAssertNotNil(report["recommendation"]?["direction"]?.stringValue)
        XCTAssertEqual(report["signals"]?.arrayValue?.count, 7)

        let missing = try await client.send(method: "POST", path: "/trigger", body: Array("{\"conditionId\":\"0xnothing\"}".utf8))
        XCTAssertEqual(missing.status, 404)
        let bad = try await client.send(method: "POST", path: "/trigger", body: Array("{}".utf8))
        XCTAssertEqual(bad.status, 400)
        let closed = try XCTUnwrap(source.allMarkets.first { $0.closed == true })
        let refused = try await client.send(method: "POST", path: "/trigger", body: Array("{\"conditionId\":\"\(closed.conditionID)\"}".utf8))
        XCTAssertEqual(refused.status, 409, refused.text)

        let stats = try await client.send(method: "GET", path: "/api/stats")
        XCTAssertEqual(stats.status, 200)
        XCTAssertEqual(try JSONValue.parse(stats.body)["overall"]?["trades"], .number(0))

        server.signal(SIGTERM)
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)

        let listed = run(["recommendations"])
        XCTAssertEqual(listed.status, 0, listed.output)
        XCTAssertTrue(listed.output.contains("US recession in 2027?"), listed.output)
        let history = run(["history", market.conditionID])
        XCTAssertEqual(history.status, 0, history.output)
        XCTAssertTrue(history.output.contains("manual") && history.output.contains("success"), history.output)
        XCTAssertEqual(run(["markets", "--limit", "5"]).status, 0)
        XCTAssertEqual(run(["stats"]).status, 0)
        XCTAssertEqual(run(["history", "0xnothing"]).status, 1)
        XCTAssertEqual(run(["markets", "--status", "weird"]).status, 2)
    }

    func testAnalyzePrintsTheRecommendationTheWayTheOriginalCLIDid() throws {
        let source = try FixtureMarketSource(directory: root + "/data/fixtures")
        let market = try XCTUnwrap(source.allMarkets.first { $0.question.contains("recession in 2027") })
        let analysed = run(["analyze", market.conditionID])
        XCTAssertEqual(analysed.status, 0, analysed.output)
        for label in ["Action", "EV per $100", "Win probability", "Entry zone", "Target zone", "Stop loss", "Liquidity risk",
                      "Summary:", "Catalysts:", "Failure scenarios:", "Market probability", "Consensus probability", "Edge", "Band", "Agents:",
                      "market_microstructure", "tail_risk"] {
            XCTAssertTrue(analysed.output.contains(label), "missing \(label):\n\(analysed.output)")
        }
        XCTAssertTrue(analysed.output.contains("Action            NO_TRADE — edge"), "a NO_TRADE names the rule that decided it:\n\(analysed.output)")
        let json = run(["analyze", market.conditionID, "--json"])
        XCTAssertEqual(json.status, 0, json.output)
        let report = try JSONValue.parse(Array(json.output.utf8))
        XCTAssertEqual(report["conditionID"], .string(market.conditionID))
        XCTAssertTrue(report["noTradeReason"]?.stringValue?.contains("below the +5.0 pts minimum") == true, json.output)
        XCTAssertEqual(run(["analyze"]).status, 2)
        XCTAssertEqual(run(["analyze", "0xnothing"]).status, 1)
    }
}
