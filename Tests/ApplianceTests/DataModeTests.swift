import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Sample data never passes for real data: live mode has no fallback (Polymarket unreachable →
/// degraded, nothing written), and offline mode works from any directory on the samples built
/// into the binary, marking everything made from them.
final class DataModeTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    /// Starts `serve` from `/tmp` (not the repository), returning it and its port.
    func serve(_ environment: [String: String]) throws -> (Subprocess, Int, [String]) {
        let command = "cd /tmp && exec '\(binary)' serve --data-dir '\(directory)/data' --port 0 --env-file /dev/null"
        let server = try Subprocess(arguments: ["/bin/sh", "-c", command], environment: environment, mergeErrors: true)
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("\"msg\":\"tradewizard ready\""),
               let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }), let port = Int(field.filter(\.isNumber)) {
                return (server, port, log)
            }
        }
        throw SystemError(.io, "serve exited before it was ready: \(log.joined(separator: "\n"))")
    }

    func counts() async throws -> [String: Int] {
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        return try await database.pool.read { database in
            var counts: [String: Int] = [:]
            for table in ["markets", "recommendations", "analysis_history", "agent_signals"] {
                counts[table] = try database.scalar("SELECT count(*) FROM \(table)", as: Int.self) ?? -1
            }
            counts["sample"] = try database.scalar("SELECT count(*) FROM markets WHERE sample = 1", as: Int.self) ?? -1
            return counts
        }
    }

    func testLiveModeWithPolymarketUnreachableIsDegradedAndWritesNothing() async throws {
        // A port nothing listens on: connection refused, as with no network.
        let (server, port, _) = try serve(["POLYMARKET_GAMMA_API_URL": "http://127.0.0.1:9", "POLYMARKET_CLOB_API_URL": "http://127.0.0.1:9"])
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        var health = JSONValue.null
        for _ in 0..<100 {
            health = try JSONValue.parse(try await client.send(method: "GET", path: "/health").body)
            if health["reasons"]?.arrayValue?.contains(where: { $0.stringValue?.hasPrefix("polymarket: unreachable") == true }) == true { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        XCTAssertEqual(health["status"], "degraded", "\(health)")
        XCTAssertTrue(health["reasons"]?.arrayValue?.contains { $0.stringValue?.contains("nothing is analysed") == true } == true, "\(health)")
        server.signal(SIGTERM)
        let log = server.readAll()
        XCTAssertEqual(server.wait(), 0)
        XCTAssertFalse(log.contains("\"source\":\"sample\""), "no silent fallback to the samples")
        let stored = try await counts()
        XCTAssertEqual(stored["markets"], 0, "\(stored)")
        XCTAssertEqual(stored["recommendations"], 0)
        XCTAssertEqual(stored["analysis_history"], 0)
    }

    func testOfflineServeFromAnyDirectoryAnalysesTheBuiltInSamplesAndMarksThem() async throws {
        let (server, port, startLog) = try serve(["TRADEWIZARD_OFFLINE": "1"])
        XCTAssertTrue(startLog.contains { $0.contains("SAMPLE DATA") && $0.contains("\"level\":\"warning\"") }, "the start says sample data")
        var log = startLog
        while let line = server.readLine() {
            log.append(line)
            if line.contains("analysis cycle finished") { break }
        }
        XCTAssertTrue(log.last?.contains("\"source\":\"sample\"") == true, log.joined(separator: "\n"))
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let live = try JSONValue.parse(try await client.send(method: "GET", path: "/api/stats").body)
        XCTAssertEqual(live["data"], "live")
        XCTAssertEqual(live["overall"]?["trades"], .number(0), "sample analyses never count in the live track record")
        server.signal(SIGTERM)
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)
        let stored = try await counts()
        XCTAssertGreaterThan(stored["recommendations"] ?? 0, 0, "\(stored)")
        XCTAssertEqual(stored["sample"], stored["markets"], "every market made from the samples is marked: \(stored)")

        let listed = try Subprocess(arguments: [binary, "recommendations", "--data-dir", directory + "/data", "--env-file", "/dev/null"])
        let output = listed.readAll()
        XCTAssertEqual(listed.wait(), 0)
        XCTAssertTrue(output.split(separator: "\n").allSatisfy { $0.contains("[SAMPLE DATA]") }, output)
        // The samples carry structure the agents see by their own math (stale last trades far from
        // the book): a newcomer's first offline cycle shows a trade each way and a pass.
        for action in ["LONG_YES", "LONG_NO", "NO_TRADE"] {
            XCTAssertTrue(output.contains(action), "the first offline cycle has a \(action): \(output)")
        }
    }

    func testTheBuiltInSamplesAreTheFilesInDataFixtures() throws {
        let directory = root + "/data/fixtures"
        for file in FixtureMarketSource.files {
            let onDisk = try XCTUnwrap(FileManager.default.contents(atPath: directory + "/" + file), file)
            let embedded = try XCTUnwrap(SampleMarketData.files[file], file)
            XCTAssertEqual(try JSONValue.parse(Array(onDisk)), try JSONValue.parse(Array(embedded.utf8)),
                           "\(file): run python3 Scripts/embed-samples.py after changing data/fixtures")
        }
        XCTAssertEqual(try FixtureMarketSource.builtIn().allMarkets.count, try FixtureMarketSource(directory: directory).allMarkets.count)
    }
}
