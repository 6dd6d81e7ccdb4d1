import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// The track-record verbs end to end on the offline sample set: `serve --offline`, then
/// `track-record`, `backtest`, `replay` and `export`, with their bad inputs.
final class TrackRecordEndToEndTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func run(_ arguments: [String]) -> (status: Int32, output: String) {
        guard let child = try? Subprocess(arguments: [binary] + arguments + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                          mergeErrors: true) else { return (-1, "could not start") }
        let output = child.readAll()
        return (child.wait(), output)
    }

    func json(_ arguments: [String]) throws -> JSONValue {
        let result = run(arguments + ["--json"])
        XCTAssertEqual(result.status, 0, result.output)
        return try JSONValue.parse(Array(result.output.utf8))
    }

    /// Runs `serve --offline` until its first cycle finished, checks the HTTP twins, stops it.
    func serveOneOfflineCycle() async throws {
        let server = try Subprocess(arguments: [binary, "serve", "--offline", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    mergeErrors: true)
        var port: Int?
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("\"msg\":\"tradewizard ready\""), let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }) {
                port = Int(field.filter(\.isNumber))
            }
            if line.contains("analysis cycle finished") { break }
        }
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: try XCTUnwrap(port, log.joined(separator: "\n")))
        let sample = try JSONValue.parse(try await client.send(method: "GET", path: "/api/track-record?data=sample").body)
        XCTAssertEqual(sample["data"], "sample")
        XCTAssertGreaterThan(sample["trades"]?.arrayValue?.count ?? 0, 0, "the offline cycle's actionable recommendations are simulated")
        let live = try JSONValue.parse(try await client.send(method: "GET", path: "/api/track-record").body)
        XCTAssertEqual(live["data"], "live")
        XCTAssertEqual(live["trades"]?.arrayValue?.count, 0, "sample data never counts as live")
        let bad = try await client.send(method: "GET", path: "/api/track-record?since=yesterday")
        XCTAssertEqual(bad.status, 400)
        let csv = try await client.send(method: "GET", path: "/api/export/recommendations?data=sample&limit=2")
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(String(decoding: csv.body, as: UTF8.self).hasPrefix("id,condition_id,question,"))
        XCTAssertNotNil(csv.headers.first { $0.key.lowercased() == "x-next-after" }, "a full page says where the next one starts")
        let unknown = try await client.send(method: "GET", path: "/api/export/everything")
        XCTAssertEqual(unknown.status, 404)
        let xml = try await client.send(method: "GET", path: "/api/export/signals?format=xml")
        XCTAssertEqual(xml.status, 400)
        server.signal(SIGTERM)
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)
    }

    func testOfflineTrackRecordBacktestReplayAndExport() async throws {
        try await serveOneOfflineCycle()
        let record = try json(["track-record", "--sample"])
        XCTAssertEqual(record["data"], "sample")
        let trades = try XCTUnwrap(record["trades"]?.arrayValue)
        XCTAssertFalse(trades.isEmpty)
        // The sample histories end before today: a recommendation made now has no later price, and says so.
        XCTAssertTrue(trades.allSatisfy { $0["note"]?.stringValue?.contains("no price points") == true }, "\(trades)")

        let backtest = try json(["backtest", "--sample", "--no-stop", "--fee-rate", "0", "--stake", "50"])
        XCTAssertEqual(backtest["backtest"]?["rules"]?["useStopLoss"], .bool(false))
        XCTAssertEqual(backtest["backtest"]?["rules"]?["stakeUSD"], .number(50))
        XCTAssertEqual(backtest["live"]?["rules"]?["feeRate"], .number(0.04))

        let replay = try json(["replay", "--sample", "--from", "2026-09-01", "--to", "2026-11-01", "--every", "5d"])
        XCTAssertEqual(replay["replay"]?["status"], "done")
        XCTAssertGreaterThan(replay["replay"]?["runs"]?.numberValue ?? 0, 0)
        XCTAssertEqual(replay["trackRecord"]?["data"], "replay")
        XCTAssertGreaterThan(replay["trackRecord"]?["forecasts"]?["resolvedMarkets"]?.numberValue ?? 0, 0)
        let replayed = try json(["track-record", "--replay", "latest", "--count", "all"])
        XCTAssertEqual(replayed["replay"], replay["replay"]?["id"])
        XCTAssertEqual(replayed["forecasts"]?["analysesScored"], replay["replay"]?["runs"])
        let listed = run(["replay", "--list"])
        XCTAssertTrue(listed.output.contains("[SAMPLE DATA]"), listed.output)
        // The live record is untouched by the replay.
        XCTAssertEqual(try json(["track-record"])["forecasts"]?["analysesScored"], .number(0))

        let out = directory + "/trades.csv"
        let exported = run(["export", "trades", "--sample", "--out", out])
        XCTAssertEqual(exported.status, 0, exported.output)
        let text = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, trades.count + 1)
        XCTAssertFalse(FileSystem.exists(out + ".partial"))
        let lines = run(["export", "agent-signals", "--sample", "--format", "jsonl"])
        XCTAssertEqual(lines.status, 0)
        XCTAssertTrue(lines.output.split(separator: "\n").allSatisfy { (try? JSONValue.parse(Array($0.utf8))) != nil })
    }

    func testBadInputIsRefusedWithTheValidChoicesAndAnEmptyPeriodIsHonest() throws {
        let refusals: [([String], String)] = [
            (["export", "everything"], "recommendations, trades, analyses, agent-signals, signals, positions"),
            (["export", "signals", "--format", "xml"], "csv, json, jsonl"),
            (["track-record", "--since", "2026-13-01"], "YYYY-MM-DD"),
            (["track-record", "--since", "2026-11-02", "--until", "2026-11-01"], "--since is after --until"),
            (["track-record", "--count", "some"], "first or all"),
            (["backtest", "--fee-rate", "2"], "--fee-rate takes a number"),
            (["backtest", "--stop", "--no-stop"], "cannot be combined"),
            (["replay", "--to", "2026-11-01"], "--from and --to are required"),
            (["replay", "--from", "2026-11-01", "--to", "2026-11-02", "--every", "soon"], "--every takes a duration"),
            (["replay", "--from", "2026-11-01", "--to", "2026-11-02", "--agents", "llm"], "needs a configured LLM provider"),
            (["replay", "--from", "2030-11-01", "--to", "2030-11-02"], "in the future"),
            (["track-record", "--replay", "nope"], "no replay nope"),
        ]
        for (arguments, message) in refusals {
            let result = run(arguments)
            XCTAssertEqual(result.status, 2, "\(arguments): \(result.output)")
            XCTAssertTrue(result.output.contains(message), "\(arguments): \(result.output)")
        }
        XCTAssertFalse(FileSystem.exists(directory + "/data/replays"), "a refused replay creates nothing")
        // An empty period: zeros where there is nothing to count, no rates at all.
        _ = run(["migrate"])
        let empty = try json(["track-record", "--since", "2030-01-01"])
        XCTAssertEqual(empty["forecasts"]?["analysesScored"], .number(0))
        XCTAssertEqual(empty["hitRate"]?["rate"], nil)
        XCTAssertEqual(empty["portfolio"]?["winRate"], nil)
        XCTAssertFalse(empty["notes"]?.arrayValue?.isEmpty ?? true)
        let text = run(["track-record", "--since", "2030-01-01"])
        XCTAssertTrue(text.output.contains("win rate -"), text.output)
    }
}
