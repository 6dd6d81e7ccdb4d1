import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Runs the real `tradewizard` binary as a child process on a temporary data directory.
final class EndToEndTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { _ = try? FileManager.default.removeItem(atPath: directory) }


    /// Starts `serve` on a free port and returns the process and its port.
    func startServer(environment: [String: String] = [:], logLevel: String = "info") throws -> (Subprocess, Int) {
        guard FileSystem.exists(binary) else { throw StorageError(.notFound, "the tradewizard binary is missing beside the tests; run swift build") }
        let server = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0",
                                                "--log-level", logLevel, "--env-file", "/dev/null"],
                                    environment: environment, mergeErrors: true)
        while let line = server.readLine() {
            if line.contains("\"msg\":\"tradewizard ready\""),
               let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }),
               let port = Int(field.filter(\.isNumber)) {
                return (server, port)
            }
        }
        throw StorageError(.io, "server exited before it was ready")
    }

    func testAFullRunNeverLogsAConfiguredSecret() async throws {
        let secrets = [
            "OPENAI_API_KEY": "sk-openai-0123456789abcdef",
            "ANTHROPIC_API_KEY": "sk-ant-0123456789abcdef",
            "GOOGLE_API_KEY": "AIza-google-0123456789",
            "WEBHOOK_SECRET": "whsec-0123456789abcdef",
            "TRADEWIZARD_ADMIN_TOKEN": "admin-token-0123456789abcdef",
        ]
        let (server, port) = try startServer(environment: secrets, logLevel: "trace")
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        _ = try await client.send(method: "GET", path: "/health")
        _ = try await client.send(method: "GET", path: "/metrics")
        let backup = try await client.send(method: "POST", path: "/admin/backup",
                                           headers: ["Authorization": "Bearer \(secrets["TRADEWIZARD_ADMIN_TOKEN"]!)"])
        XCTAssertEqual(backup.status, 200)
        let wrong = try await client.send(method: "POST", path: "/admin/backup", headers: ["Authorization": "Bearer \(secrets["OPENAI_API_KEY"]!)"])
        XCTAssertEqual(wrong.status, 401)
        server.signal(SIGTERM)
        let output = server.readAll()
        XCTAssertEqual(server.wait(), 0)
        XCTAssertTrue(output.contains("stopped cleanly"))
        for (name, secret) in secrets {
            XCTAssertFalse(output.contains(secret), "\(name) appeared in the log")
        }
        let manifests = FileSystem.contents(of: directory + "/data/backups").filter { $0.hasSuffix(".manifest.json") }
        XCTAssertEqual(manifests.count, 1)
        for manifest in manifests {
            let text = String(decoding: try FileSystem.read(directory + "/data/backups/" + manifest), as: UTF8.self)
            for secret in secrets.values { XCTAssertFalse(text.contains(secret)) }
        }
    }

    func testServeRefusesAnInvalidConfigurationListingEveryProblem() throws {
        guard FileSystem.exists(binary) else { throw StorageError(.notFound, "the tradewizard binary is missing beside the tests; run swift build") }
        let process = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                     environment: ["HEALTH_CHECK_PORT": "99999", "MAX_MARKETS_PER_CYCLE": "-1", "LOG_LEVEL": "chatty"],
                                     mergeErrors: true)
        let output = process.readAll()
        XCTAssertEqual(process.wait(), 2)
        XCTAssertTrue(output.contains("3 problem(s)"), output)
        for key in ["HEALTH_CHECK_PORT", "MAX_MARKETS_PER_CYCLE", "LOG_LEVEL"] { XCTAssertTrue(output.contains(key), key) }
        XCTAssertFalse(FileSystem.exists(directory + "/data/tradewizard.db"), "a refused start changes nothing")
    }

    func testSIGTERMStopsCleanlyAndASecondServerIsRefused() async throws {
        let (server, port) = try startServer()
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        let ready = try await client.send(method: "GET", path: "/readyz")
        XCTAssertEqual(ready.status, 200)

        let second = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    mergeErrors: true)
        let secondOutput = second.readAll()
        XCTAssertEqual(second.wait(), 1)
        XCTAssertTrue(secondOutput.contains("another tradewizard process (pid \(server.pid))"), secondOutput)

        let start = MonotonicInstant.now()
        server.signal(SIGTERM)
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)
        XCTAssertLessThan(start.secondsElapsed(), 5)

        // A clean stop leaves every commit in tradewizard.db itself: the WAL is checkpointed and truncated.
        var info = stat()
        let walBytes = stat(directory + "/data/tradewizard.db-wal", &info) == 0 ? Int64(info.st_size) : 0
        XCTAssertEqual(walBytes, 0)
        let copy = try makeTemporaryDirectory()
        defer { removeDirectory(copy) }
        try FileManager.default.copyItem(atPath: directory + "/data/tradewizard.db", toPath: copy + "/only.db")
        let database = try Database(path: copy + "/only.db")
        XCTAssertEqual(try database.scalar("SELECT count(*) FROM schema_migrations", as: Int.self), Schema.latestVersion,
                       "the .db file alone has the tables")
    }

    func testNextScheduledRunIsTheNextAnalysisCycleAndEveryJobIsListed() async throws {
        let (server, port) = try startServer(environment: ["TRADEWIZARD_OFFLINE": "1", "TRADEWIZARD_WAL_MAINTENANCE_MINUTES": "5"])
        defer { server.signal(SIGTERM); _ = server.readAll(); server.wait() }
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        var health = JSONValue.null
        for _ in 0..<50 {
            health = try JSONValue.parse(try await client.send(method: "GET", path: "/health").body)
            // After the start-up cycle ran, its next run is an interval away.
            if health["scheduler"]?["jobs"]?["analysis-cycle"]?["lastResult"]?.stringValue != nil { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let jobs = try XCTUnwrap(health["scheduler"]?["jobs"]?.objectValue)
        let cycle = try XCTUnwrap(jobs["analysis-cycle"]?["nextRun"]?.stringValue)
        XCTAssertEqual(health["nextScheduledRun"]?.stringValue, cycle, "the next analysis cycle, as in the original")
        let earliest = try XCTUnwrap(jobs.values.compactMap { $0["nextRun"]?.stringValue }.min())
        XCTAssertLessThan(earliest, cycle, "another job (WAL maintenance) runs sooner and must not be shown as the next run: \(jobs)")
    }

    func testMetricsFollowThePrometheusTextFormat() async throws {
        let (server, port) = try startServer()
        defer { server.signal(SIGTERM); _ = server.readAll(); server.wait() }
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        _ = try await client.send(method: "GET", path: "/nope")
        let response = try await client.send(method: "GET", path: "/metrics")
        XCTAssertEqual(response.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        var declared = Set<String>()
        for line in response.text.split(separator: "\n") {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                XCTAssertEqual(parts.count, 4, String(line))
                XCTAssertTrue(["counter", "gauge", "histogram"].contains(String(parts[3])))
                declared.insert(String(parts[2]))
                continue
            }
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let family = ["_bucket", "_sum", "_count"].reduce(name) { $0.hasSuffix($1) && declared.contains(String($0.dropLast($1.count))) ? String($0.dropLast($1.count)) : $0 }
            XCTAssertTrue(declared.contains(family), "sample without TYPE: \(line)")
            let value = line.split(separator: " ").last.map(String.init) ?? ""
            XCTAssertTrue(Double(value) != nil || ["+Inf", "-Inf", "NaN"].contains(value), String(line))
        }
        XCTAssertTrue(response.text.contains("tradewizard_http_requests_total{method=\"GET\",route=\"unmatched\",status=\"404\"} 1"))
        XCTAssertTrue(response.text.contains("tradewizard_http_request_duration_seconds_bucket{le=\"+Inf\"}"))
    }

    func testBackupVerifyAndBackupsVerbsWorkBesideARunningServer() async throws {
        let (server, _) = try startServer()
        defer { server.signal(SIGTERM); _ = server.readAll(); server.wait() }
        let backup = try Subprocess(arguments: [binary, "backup", "--data-dir", directory + "/data", "--env-file", "/dev/null", "--json"], mergeErrors: true)
        let output = backup.readAll()
        XCTAssertEqual(backup.wait(), 0, output)
        XCTAssertTrue(output.contains("\"verified\" : true"), output)
        let verify = try Subprocess(arguments: [binary, "verify", "--data-dir", directory + "/data", "--env-file", "/dev/null"], mergeErrors: true)
        XCTAssertTrue(verify.readAll().hasSuffix(": OK"))
        XCTAssertEqual(verify.wait(), 0)
        let restore = try Subprocess(arguments: [binary, "restore", Backup.list(in: directory + "/data/backups")[0].path,
                                                 "--data-dir", directory + "/data", "--env-file", "/dev/null"], mergeErrors: true)
        XCTAssertTrue(restore.readAll().contains("another tradewizard process"))
        XCTAssertEqual(restore.wait(), 1)
    }

    func testUnknownVerbsAndOptionsExitWithUsageErrors() throws {
        guard FileSystem.exists(binary) else { throw StorageError(.notFound, "the tradewizard binary is missing beside the tests; run swift build") }
        let verb = try Subprocess(arguments: [binary, "frobnicate"], mergeErrors: true)
        _ = verb.readAll()
        XCTAssertEqual(verb.wait(), 2)
        let option = try Subprocess(arguments: [binary, "backup", "--nope"], mergeErrors: true)
        XCTAssertTrue(option.readAll().contains("unknown option --nope"))
        XCTAssertEqual(option.wait(), 2)
        let help = try Subprocess(arguments: [binary, "restore", "--help"], mergeErrors: true)
        XCTAssertTrue(help.readAll().contains("Usage: tradewizard restore <file>"))
        XCTAssertEqual(help.wait(), 0)
    }

    /// Runs a verb with stdout only (stderr discarded), as a script would read it.
    func verb(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let child = try Subprocess(arguments: [binary] + arguments + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                   environment: environment)
        let output = child.readAll()
        return (child.wait(), output)
    }

    func testVerbsTellTheTruthExitTwoOnBadConfigurationAndAnswerJSONErrorsUnderJSON() async throws {
        let invalid = try verb(["config", "check"], environment: ["SIGNAL_MAX_LAG_SECONDS": "600", "SIGNAL_DEDUP_TTL_SECONDS": "60"])
        XCTAssertEqual(invalid.status, 2, "config check exits 2 on an invalid configuration, as serve does")
        XCTAssertTrue(invalid.output.contains("SIGNAL_DEDUP_TTL_SECONDS"), invalid.output)

        let (migrateStatus, migrated) = try verb(["migrate", "--json"])
        XCTAssertEqual(migrateStatus, 0, migrated)
        XCTAssertEqual(try JSONValue.parse(Array(migrated.utf8))["version"], .number(Double(Schema.latestVersion)))

        // Each failing --json verb prints one JSON error object on standard output.
        for arguments in [["health", "--json", "--port", "1"], ["history", "0xunknown", "--json"], ["checkpoints", "show", "no-such-thread", "--json"]] {
            let (status, output) = try verb(arguments)
            XCTAssertNotEqual(status, 0, arguments.joined(separator: " "))
            let answer = try JSONValue.parse(Array(output.utf8))
            XCTAssertNotNil(answer["error"]?["code"]?.stringValue, "\(arguments): \(output)")
            XCTAssertFalse(answer["error"]?["message"]?.stringValue?.isEmpty ?? true, output)
        }

        let analysed = try verb(["analyze", try XCTUnwrap(try FixtureMarketSource(directory: root + "/data/fixtures").allMarkets.first { $0.question.contains("recession") }).conditionID,
                                 "--offline"], environment: ["TRADEWIZARD_FIXTURES_DIR": root + "/data/fixtures"])
        XCTAssertEqual(analysed.status, 0, analysed.output)
        let (marketsStatus, markets) = try verb(["markets"])
        XCTAssertEqual(marketsStatus, 0)
        let lines = markets.split(separator: "\n")
        XCTAssertTrue(lines.first?.contains("CONDITION ID") == true, markets)
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.contains("0x") && !$0.contains("…") }, "full condition ids: \(markets)")
    }
}

