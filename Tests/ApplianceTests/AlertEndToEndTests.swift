import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Alerts through the real binary: facts written with their alerts, a receiver that was down
/// during a crash still gets every alert after the restart, once per idempotency key.
final class AlertEndToEndTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    static let secret = "alert-e2e-secret-0123456789"

    func serve(_ environment: [String: String]) throws -> (Subprocess, [String]) {
        let server = try Subprocess(arguments: [binary, "serve", "--offline", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: environment, mergeErrors: true)
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("\"msg\":\"tradewizard ready\"") { return (server, log) }
        }
        throw SystemError(.io, "serve exited before it was ready: \(log.joined(separator: "\n"))")
    }

    func testAReadOnlyVerbOnADatabaseNotYetMigratedSaysToMigrateInsteadOfFailingOnAMissingTable() async throws {
        let old = try await AppDatabase.open(DataDirectory(path: directory + "/data"), migrations: Array(Schema.migrations.prefix(9)))
        old.close()
        func run(_ arguments: [String]) -> (Int32, String) {
            guard let child = try? Subprocess(arguments: [binary] + arguments + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                              mergeErrors: true) else { return (-1, "") }
            let output = child.readAll()
            return (child.wait(), output)
        }
        let listed = run(["alerts"])
        XCTAssertEqual(listed.0, 1)
        XCTAssertTrue(listed.1.contains("schema version 9") && listed.1.contains("tradewizard migrate"), listed.1)
        XCTAssertFalse(listed.1.contains("no such table"), listed.1)
        XCTAssertEqual(run(["migrate"]).0, 0)
        XCTAssertEqual(run(["alerts"]).0, 0, "after the migration the verb works")
    }

    func testAlertsOfACrashedRunReachAReceiverThatWasDownOncePerKeyAfterTheRestart() async throws {
        // First run: the receiver is down (nothing listens on port 9); the cycle's facts and alerts are written.
        let down = ["ALERT_WEBHOOK_URL": "http://127.0.0.1:9/alerts", "ALERT_WEBHOOK_SECRET": Self.secret]
        let (first, startLog) = try serve(down)
        var log = startLog
        while let line = first.readLine() {
            log.append(line)
            if line.contains("analysis cycle finished") { break }
        }
        // Let the sender try (and fail) once, then crash.
        try await Task.sleep(nanoseconds: 1_500_000_000)
        first.signal(SIGKILL)
        _ = first.readAll()
        _ = first.wait()
        XCTAssertFalse(log.contains { $0.contains(Self.secret) }, "the secret is never logged")

        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        let (actionable, alerts) = try await database.pool.read { db in
            (try db.scalar("SELECT count(*) FROM recommendations WHERE direction != 'NO_TRADE'", as: Int.self) ?? 0,
             try db.scalar("SELECT count(*) FROM alerts WHERE event = 'recommendation.actionable'", as: Int.self) ?? 0)
        }
        database.close()
        XCTAssertGreaterThan(actionable, 0, "the sample set's first cycle makes actionable recommendations")
        XCTAssertEqual(alerts, actionable, "each actionable recommendation has its alert, written with it")

        // Second run: the receiver is up.
        let receiver = try LoopbackHTTPServer { _ in .json("{}", status: 200) }
        let (second, _) = try serve(["ALERT_WEBHOOK_URL": receiver.baseURL + "/alerts", "ALERT_WEBHOOK_SECRET": Self.secret])
        var keys: [String] = []
        for _ in 0..<300 {
            keys = receiver.requests.compactMap { try? JSONValue.parse($0.body) }.filter { $0["event"] == "recommendation.actionable" }.compactMap { $0["id"]?.stringValue }
            if Set(keys).count >= actionable { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        second.signal(SIGTERM)
        _ = second.readAll()
        XCTAssertEqual(second.wait(), 0)
        XCTAssertEqual(Set(keys).count, actionable, "every alert arrived: \(keys)")
        XCTAssertEqual(keys.count, Set(keys).count, "and none twice (the failed attempt never reached the receiver)")
        for request in receiver.requests {
            let body = try JSONValue.parse(request.body)
            if body["event"] == "recommendation.actionable" {
                XCTAssertTrue(body["text"]?.stringValue?.hasPrefix("[SAMPLE DATA]") == true, "sample facts say so: \(body)")
            }
            XCTAssertNotNil(request.headers.first { $0.key.lowercased() == "x-tradewizard-signature" })
        }
    }
}
