import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Storage
import Support
import TestSupport
import Synchronization
import XCTest

/// The webhook through the real binary: acknowledged signals survive SIGKILL; metrics and CLI.
final class WebhookEndToEndTests: XCTestCase {
    static let secret = "whsec-e2e-0123456789"
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { _ = try? FileManager.default.removeItem(atPath: directory) }


    func startServer() throws -> (Subprocess, Int) {
        let server = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: ["WEBHOOK_SECRET": Self.secret, "SIGNAL_ENFORCE_MARKET_HOURS": "false"], mergeErrors: true)
        while let line = server.readLine() {
            if line.contains("\"msg\":\"tradewizard ready\""),
               let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }), let port = Int(field.filter(\.isNumber)) {
                return (server, port)
            }
        }
        throw StorageError(.io, "server exited before it was ready")
    }

    static func signed(id: String, symbol: String = "SPY") -> (body: [UInt8], headers: [String: String]) {
        let body = Array(#"{"source":"bot","symbol":"\#(symbol)","direction":"CALL","price":100,"id":"\#(id)","timestamp":\#(Int(Date().timeIntervalSince1970))}"#.utf8)
        let signature = HMACSHA256.authenticationCode(key: Array(secret.utf8), message: body).hexString
        return (body, ["Content-Type": "application/json", "X-Signature": "sha256=" + signature])
    }

    func testEveryAcknowledgedSignalSurvivesSIGKILLDuringABurst() async throws {
        let (server, port) = try startServer()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let acknowledged = Acknowledgements()
        let killAfter = Int.random(in: 200...600)
        await withTaskGroup(of: Void.self) { group in
            for sender in 0..<8 {
                group.addTask {
                    for index in 0..<125 {
                        let (body, headers) = Self.signed(id: "burst-\(sender)-\(index)", symbol: "S\(sender)")
                        guard let response = try? await client.send(method: "POST", path: "/webhook", headers: headers, body: body) else { return }
                        guard response.status == 200, let reply = try? JSONValue.parse(response.body),
                              reply["status"] == .string("ACCEPTED"), let id = reply["correlation_id"]?.stringValue else { continue }
                        let count = acknowledged.add(id)
                        if count == killAfter { server.signal(SIGKILL) }
                    }
                }
            }
        }
        server.signal(SIGKILL) // in case the senders gave up before the kill point: fail, never hang
        server.wait()
        let acked = acknowledged.all
        XCTAssertGreaterThanOrEqual(acked.count, killAfter)
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let stored = Set(try await database.pool.read { try $0.query("SELECT correlation_id FROM signals").map { try $0.get("correlation_id", as: String.self) } })
        let missing = Set(acked).subtracting(stored)
        XCTAssertTrue(missing.isEmpty, "\(missing.count) of \(acked.count) acknowledged signals were lost")
        let decisions = try await database.pool.read { try $0.scalar("SELECT count(*) FROM decisions", as: Int.self) }
        XCTAssertEqual(decisions, stored.count, "every stored signal has its decision (same transaction)")
    }

    func testSignalMetricsHealthAndTheCommandLineReportWhatHappened() async throws {
        let (server, port) = try startServer()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let (body, headers) = Self.signed(id: "one")
        let first = try await client.send(method: "POST", path: "/webhook", headers: headers, body: body)
        XCTAssertEqual(first.status, 200)
        let duplicate = try await client.send(method: "POST", path: "/webhook", headers: headers, body: body)
        XCTAssertEqual(try JSONValue.parse(duplicate.body)["status"], .string("DUPLICATE"))
        let bad = Self.signed(id: "two")
        var tampered = bad.body
        // Change one digit (to a different one, whatever the timestamp happens to be).
        let index = tampered.lastIndex { (48...57).contains($0) }!
        tampered[index] = tampered[index] == UInt8(ascii: "7") ? UInt8(ascii: "8") : UInt8(ascii: "7")
        let tamperedResponse = try await client.send(method: "POST", path: "/webhook", headers: bad.headers, body: tampered)
        XCTAssertEqual(tamperedResponse.status, 401)
        let wrongToken = try await client.send(method: "POST", path: "/webhook/not-the-token", body: body)
        XCTAssertEqual(wrongToken.status, 401)

        let signals = try JSONValue.parse(try await client.send(method: "GET", path: "/metrics/signals").body)
        XCTAssertEqual(signals["accepted"], .number(1))
        XCTAssertEqual(signals["duplicates"], .number(1))
        XCTAssertEqual(signals["rejected"], .number(0), "unauthenticated requests are not even counted as rows")
        let positions = try JSONValue.parse(try await client.send(method: "GET", path: "/metrics/positions").body)
        XCTAssertEqual(positions["open"], .number(1))
        XCTAssertEqual(positions["exposure"], .number(1_000))
        let latency = try JSONValue.parse(try await client.send(method: "GET", path: "/metrics/latency").body)
        XCTAssertEqual(latency["intake"]?["count"], .number(1))
        let prometheus = try await client.send(method: "GET", path: "/metrics").text
        XCTAssertTrue(prometheus.contains(#"tradewizard_signals_total{outcome="duplicate"} 1"#), prometheus)
        XCTAssertTrue(prometheus.contains("tradewizard_positions_open 1"))
        let histograms = PrometheusText.assertHistogramsAreCumulative(prometheus)
        XCTAssertTrue(histograms.contains("tradewizard_db_commit_duration_seconds"), "\(histograms)")
        let health = try JSONValue.parse(try await client.send(method: "GET", path: "/health").body)
        XCTAssertNotNil(health["components"]?["signals"]?["lastHour"])

        server.signal(SIGTERM)
        let log = server.readAll()
        XCTAssertEqual(server.wait(), 0)
        XCTAssertFalse(log.contains(Self.secret))

        let listed = try Subprocess(arguments: [binary, "signals", "--since", "1h", "--data-dir", directory + "/data", "--env-file", "/dev/null"], mergeErrors: true)
        let output = listed.readAll()
        XCTAssertEqual(listed.wait(), 0, output)
        XCTAssertTrue(output.contains("SPY") && output.contains("ENTER"), output)
        let open = try Subprocess(arguments: [binary, "positions", "--data-dir", directory + "/data", "--env-file", "/dev/null"], mergeErrors: true)
        let positionsOutput = open.readAll()
        XCTAssertEqual(open.wait(), 0, positionsOutput)
        XCTAssertTrue(positionsOutput.contains("1 open, exposure 1000.0"), positionsOutput)
    }
}

/// Correlation ids of acknowledged signals, shared by the sending tasks.
final class Acknowledgements: Sendable {
    private let ids = Mutex<[String]>([])
    func add(_ id: String) -> Int { ids.withLock { $0.append(id); return $0.count } }
    var all: [String] { ids.withLock { $0 } }
}
