import FoundationEssentials
import Glibc
@testable import Appliance
import HTTPServer
import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// The dashboard through the real binary and real sockets: login, sessions, CSRF, security
/// headers, and stored text rendered inert.
final class DashboardTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    static let token = "dashboard-admin-token-0123456789abcdef"

    func serve(_ environment: [String: String]) throws -> (Subprocess, LoopbackHTTPClient) {
        let server = try Subprocess(arguments: [binary, "serve", "--offline", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: environment, mergeErrors: true)
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("\"msg\":\"tradewizard ready\""),
               let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }), let port = Int(field.filter(\.isNumber)) {
                return (server, LoopbackHTTPClient(host: "127.0.0.1", port: port))
            }
        }
        throw SystemError(.io, "serve exited before it was ready: \(log.joined(separator: "\n"))")
    }

    func header(_ response: LoopbackHTTPClient.Response, _ name: String) -> String? {
        response.headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }

    func csrf(in page: String) -> String? {
        guard let range = page.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(page[range.upperBound...].prefix { $0 != "\"" })
    }

    func form(_ fields: [String: String]) -> (headers: [String: String], body: [UInt8]) {
        let text = fields.map { "\($0.key)=\(HTML.queryValue($0.value))" }.joined(separator: "&")
        return (["Content-Type": "application/x-www-form-urlencoded"], Array(text.utf8))
    }

    func testWithATokenEveryPageNeedsALoginFormsNeedTheirCSRFTokenAndLogoutEndsTheSession() async throws {
        let (server, client) = try serve(["TRADEWIZARD_ADMIN_TOKEN": Self.token])
        defer { server.signal(SIGTERM); _ = server.readAll(); _ = server.wait() }

        for path in ["/", "/markets", "/track-record", "/signals", "/operations"] {
            let anonymous = try await client.send(method: "GET", path: path)
            XCTAssertEqual(anonymous.status, 303, path)
            XCTAssertEqual(header(anonymous, "location"), "/login", path)
        }
        let api = try await client.send(method: "GET", path: "/api/charts")
        XCTAssertEqual(api.status, 401, "the dashboard's JSON routes refuse in JSON, no redirect")
        XCTAssertEqual(try JSONValue.parse(api.body)["error"]?["code"], "unauthorized")
        let wrong = form(["token": "not-the-token"])
        let refused = try await client.send(method: "POST", path: "/login", headers: wrong.headers, body: wrong.body)
        XCTAssertEqual(refused.status, 401)
        XCTAssertNil(header(refused, "set-cookie"), "no session for a wrong token")

        let right = form(["token": Self.token])
        let login = try await client.send(method: "POST", path: "/login", headers: right.headers, body: right.body)
        XCTAssertEqual(login.status, 303)
        let cookie = try XCTUnwrap(header(login, "set-cookie"))
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Max-Age="), cookie)
        XCTAssertFalse(cookie.contains("Secure"), "plain HTTP on loopback: no Secure flag (it would never be sent back)")
        let session = ["Cookie": String(cookie.prefix { $0 != ";" })]

        let overview = try await client.send(method: "GET", path: "/", headers: session)
        XCTAssertEqual(overview.status, 200, overview.text)
        XCTAssertTrue(overview.text.contains("SAMPLE DATA"), "offline data carries the banner")
        XCTAssertTrue(header(overview, "content-security-policy")?.contains("frame-ancestors 'none'") == true)
        XCTAssertFalse(header(overview, "content-security-policy")?.contains("script-src") == true, "no script source is allowed at all")
        XCTAssertEqual(header(overview, "x-content-type-options"), "nosniff")
        XCTAssertNotNil(header(overview, "referrer-policy"))
        XCTAssertFalse(overview.text.contains("<script"), "the pages carry no script")
        let token = try XCTUnwrap(csrf(in: overview.text))

        // A forged form (no token, or another token) changes nothing.
        let backups = directory + "/data/backups"
        let before = Backup.list(in: backups).count
        for fields in [[:], ["csrf": "forged"]] {
            let forged = form(fields)
            let answer = try await client.send(method: "POST", path: "/operations/backup", headers: session.merging(forged.headers) { a, _ in a }, body: forged.body)
            XCTAssertEqual(answer.status, 403, answer.text)
        }
        let crossSite = form(["csrf": token])
        let fromElsewhere = try await client.send(method: "POST", path: "/operations/backup",
                                                  headers: session.merging(crossSite.headers) { a, _ in a }.merging(["Origin": "http://evil.example"]) { a, _ in a },
                                                  body: crossSite.body)
        XCTAssertEqual(fromElsewhere.status, 403, "a cross-site form is refused even with a token")
        XCTAssertEqual(Backup.list(in: backups).count, before, "no refused form made a backup")
        let good = form(["csrf": token])
        let backup = try await client.send(method: "POST", path: "/operations/backup", headers: session.merging(good.headers) { a, _ in a }, body: good.body)
        XCTAssertEqual(backup.status, 303, backup.text)
        XCTAssertEqual(Backup.list(in: backups).count, before + 1)

        let logout = try await client.send(method: "POST", path: "/logout", headers: session.merging(good.headers) { a, _ in a }, body: good.body)
        XCTAssertEqual(logout.status, 303)
        let after = try await client.send(method: "GET", path: "/", headers: session)
        XCTAssertEqual(after.status, 303, "the session is gone on the server, not only in the browser")
    }

    func testStoredMarkupFromMarketsAgentsAndThesesIsRenderedInertOnEveryPage() async throws {
        let payload = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>"
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        let conditionID = "0xfeed"
        try await database.pool.write { db in
            var market = Market(conditionID: conditionID, question: "Will \(payload) happen?")
            market.eventTitle = payload
            market.eventType = payload
            market.marketProbability = 0.4
            market.clobTokenIDs = ["token-xss"]
            market = try db.markets.upsert(market)
            try db.priceHistory.append(tokenID: "token-xss", (0..<48).map { PricePoint(t: Date().timeIntervalSince1970 - Double(48 - $0) * 3_600, p: 0.4) })
            var recommendation = Recommendation(marketID: market.id, runID: "run-xss", direction: .longYes, fairProbability: 0.5,
                                                marketProbability: 0.4, marketEdge: 0.1, expectedValue: 25, confidence: .moderate)
            recommendation.coreThesis = payload
            recommendation.entryZoneMin = 0.38
            recommendation.entryZoneMax = 0.42
            let stored = try db.recommendations.insert(recommendation)
            var signal = AgentSignal(marketID: market.id, runID: "run-xss", agentName: payload, agentType: "offline",
                                     fairProbability: 0.5, confidence: 0.5, direction: .yes)
            signal.recommendationID = stored.id
            signal.keyDrivers = [payload]
            _ = try db.agentSignals.insert(signal)
        }
        database.close()

        let (server, client) = try serve([:])
        defer { server.signal(SIGTERM); _ = server.readAll(); _ = server.wait() }
        var pages = ["/", "/markets", "/markets/\(conditionID)", "/track-record", "/signals", "/operations"]
        pages.append("/markets?type=\(HTML.queryValue(payload))")
        for path in pages {
            let page = try await client.send(method: "GET", path: path)
            XCTAssertEqual(page.status, 200, "\(path): \(page.text)")
            XCTAssertFalse(page.text.contains("<script"), path)
            XCTAssertFalse(page.text.contains("<img"), path)
            XCTAssertEqual(page.text.components(separatedBy: "onerror=").count, page.text.components(separatedBy: "&lt;img src=x onerror=").count,
                           "\(path): every onerror= is inside escaped text, never an attribute")
        }
        let detail = try await client.send(method: "GET", path: "/markets/\(conditionID)")
        XCTAssertTrue(detail.text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the text is shown, escaped")
        XCTAssertTrue(detail.text.contains("<polyline class=\"price\""), "the price chart is drawn")

        // The snapshot job (run at start) draws the market's chart; its SVG is as inert as the pages.
        var listed = JSONValue.null
        for _ in 0..<100 {
            listed = try JSONValue.parse(try await client.send(method: "GET", path: "/api/charts?market=\(conditionID)").body)
            if listed.arrayValue?.isEmpty == false { break }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        let id = try XCTUnwrap(listed.arrayValue?.first?["id"]?.numberValue, "a snapshot of the recommendation: \(listed)")
        let svg = try await client.send(method: "GET", path: "/charts/\(Int(id))")
        XCTAssertEqual(header(svg, "content-type")?.hasPrefix("image/svg+xml"), true)
        XCTAssertTrue(header(svg, "content-security-policy")?.contains("default-src 'none'") == true, "no script in a served SVG")
        XCTAssertFalse(svg.text.contains("<script") || svg.text.contains("<img"), svg.text)
        for path in ["/charts", "/markets/\(conditionID)/charts"] {
            let gallery = try await client.send(method: "GET", path: path)
            XCTAssertEqual(gallery.status, 200, path)
            XCTAssertTrue(gallery.text.contains("<img src=\"/charts/\(Int(id))\""), path)
            XCTAssertFalse(gallery.text.contains("<script") || gallery.text.contains("<img src=x"), path)
        }
    }

    func testAChartSnapshotShowsOnlyWhatWasKnownWhenTheRecommendationWasMadeAndIsKeptForItsRetention() async throws {
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        defer { database.close() }
        let made = Date(timeIntervalSince1970: 1_790_000_000)
        try await database.pool.write { db in
            var market = Market(conditionID: "0xsnap", question: "Snapshot <b>market</b>?")
            market.clobTokenIDs = ["snap-yes"]
            market = try db.markets.upsert(market)
            // Ten points before the recommendation at 0.40, then five after it at 0.99 (the future).
            let before = (1...10).map { PricePoint(t: made.timeIntervalSince1970 - Double(11 - $0) * 3_600, p: 0.40) }
            let after = (1...5).map { PricePoint(t: made.timeIntervalSince1970 + Double($0) * 3_600, p: 0.99) }
            try db.priceHistory.append(tokenID: "snap-yes", before + after)
            // Inserted with its own time (the store stamps "now").
            try db.execute("INSERT INTO recommendations (market_id, run_id, direction, fair_probability, market_probability, market_edge, expected_value, confidence, entry_zone_min, entry_zone_max, created_at) VALUES (?, 'run-snap', 'LONG_YES', 0.5, 0.4, 0.1, 25, 'moderate', 0.38, 0.42, ?)",
                           [market.id, made])
        }
        let later = made.addingTimeInterval(86_400)
        let first = try await ChartSnapshots.run(pool: database.pool, rules: TradeRules(), retentionDays: 60, now: later)
        XCTAssertEqual(first.made, 1)
        let again = try await ChartSnapshots.run(pool: database.pool, rules: TradeRules(), retentionDays: 60, now: later)
        XCTAssertEqual(again.made, 0, "one snapshot per recommendation")
        let snapshot = try await database.pool.read { try $0.chartSnapshots.list().first }
        XCTAssertEqual(snapshot?.points, 10, "the five later points are not in the picture")
        let svg = try await database.pool.read { try $0.chartSnapshots.svg(id: snapshot!.id) } ?? ""
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), svg)
        XCTAssertTrue(svg.contains("Snapshot &lt;b&gt;market&lt;/b&gt;?"), "the question is escaped in the stored SVG")
        let polyline = svg.components(separatedBy: "<polyline class=\"price\" points=\"").dropFirst().first?.prefix { $0 != "\"" } ?? ""
        XCTAssertEqual(polyline.split(separator: " ").count, 10, String(polyline))
        let pruned = try await ChartSnapshots.run(pool: database.pool, rules: TradeRules(), retentionDays: 60, now: made.addingTimeInterval(61 * 86_400))
        XCTAssertEqual(pruned.pruned, 1, "past the retention the snapshot goes")
        XCTAssertEqual(pruned.made, 0, "and is not drawn again")
    }

    func testTheChartVerbWritesAStandaloneSVGAndRefusesBadDays() async throws {
        let (server, _) = try serve([:])
        var log: [String] = []
        while let line = server.readLine() {
            log.append(line)
            if line.contains("analysis cycle finished") { break }
        }
        server.signal(SIGTERM)
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)
        let database = try await AppDatabase.open(DataDirectory(path: directory + "/data"))
        let conditionID = try await database.pool.read { try $0.scalar("SELECT m.condition_id FROM markets m JOIN recommendations r ON r.market_id = m.id LIMIT 1", as: String.self) }
        database.close()
        let market = try XCTUnwrap(conditionID)
        func chart(_ extra: [String]) -> (Int32, String) {
            guard let child = try? Subprocess(arguments: [binary, "chart", market] + extra + ["--data-dir", directory + "/data", "--env-file", "/dev/null"],
                                              mergeErrors: true) else { return (-1, "") }
            let output = child.readAll()
            return (child.wait(), output)
        }
        let out = directory + "/chart.svg"
        XCTAssertEqual(chart(["--out", out, "--days", "60"]).0, 0)
        let svg = try String(contentsOfFile: out, encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("<polyline class=\"price\""), svg)
        XCTAssertEqual(chart(["--days", "0"]).0, 2)
        XCTAssertEqual(chart(["--days", "ten"]).0, 2)
    }

    func testWithoutATokenOnlyPlainlyLocalRequestsSeeTheDashboard() async throws {
        let (server, client) = try serve([:])
        defer { server.signal(SIGTERM); _ = server.readAll(); _ = server.wait() }
        let local = try await client.send(method: "GET", path: "/markets")
        XCTAssertEqual(local.status, 200)
        let forwarded = try await client.send(method: "GET", path: "/markets", headers: ["X-Forwarded-For": "203.0.113.9"])
        XCTAssertEqual(forwarded.status, 403, "a proxy on this host would make every client local")
        let crossSite = try await client.send(method: "GET", path: "/", headers: ["Referer": "http://evil.example/page"])
        XCTAssertEqual(crossSite.status, 403)
        let missing = try await client.send(method: "GET", path: "/markets/0xnope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertTrue(header(missing, "content-type")?.hasPrefix("text/html") == true)
    }

    func testChartsAreDownsampledToTheirWidthKeepingExtremes() {
        let points = (0..<100_000).map { (x: Double($0), y: $0 == 50_000 ? 0.99 : 0.5) }
        let kept = SVGChart.downsample(points, columns: 600, xRange: 0...99_999)
        XCTAssertLessThanOrEqual(kept.count, 2_400)
        XCTAssertTrue(kept.contains { $0.y == 0.99 }, "a one-point spike survives")
        let chart = SVGChart.line(title: "t", summary: "s", series: [ChartSeries(points: points, style: "price")], xRange: 0...99_999, yRange: 0...1)
        XCTAssertLessThan(chart.text.utf8.count, 50_000, "a chart stays under 50 KB however long the history")
    }
}
