import FoundationEssentials
import Glibc
@testable import Pipeline
import Storage
import Support
import Synchronization
import TestSupport
import XCTest

/// The alert outbox and its channels, against loopback fakes that answer as the providers do.
final class AlertTests: XCTestCase {
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

    func sender(_ channels: [AlertChannel], routes: [String: [String]] = [:], rate: Int = 20, giveUp: Double = 86_400) -> AlertSender {
        var settings = AlertSender.Settings()
        settings.ratePerMinute = rate
        settings.giveUpAfter = giveUp
        let client = NetworkClient(settings: NetworkSettings(timeout: 5, threads: 1, retry: HTTPRetryPolicy(maxAttempts: 1)), clock: clock)
        return AlertSender(pool: database.pool, client: client, routing: AlertRouting(channels: channels, routes: routes), clock: clock,
                           logger: .disabled, settings: settings)
    }

    func enqueue(_ alerts: [NewAlert]) async throws {
        try await database.pool.write { db in for alert in alerts { try db.alerts.enqueue(alert) } }
    }

    func deliveries() async throws -> [AlertDelivery] { try await database.pool.read { try $0.alerts.list(limit: 100_000) } }

    func testMarkdownV2EscapesEveryReservedCharacterAndNothingElse() {
        let reserved = "_*[]()~`>#+-=|{}.!\\"
        XCTAssertEqual(MarkdownV2.escape(reserved), reserved.map { "\\\($0)" }.joined())
        XCTAssertEqual(MarkdownV2.escape("Will Trump win? 55% (YES) — 2028."), "Will Trump win? 55% \\(YES\\) — 2028\\.")
        XCTAssertEqual(MarkdownV2.escape("plain words 123 é ü"), "plain words 123 é ü")
        // Telegram's 4,096-character limit holds after escaping, and no escape is split.
        let long = MarkdownV2.escape(String(repeating: ".", count: 5_000), limit: 4_096)
        XCTAssertLessThanOrEqual(long.count, 4_096)
        XCTAssertTrue(long.hasSuffix("\\.…"), String(long.suffix(6)))
    }

    func testTheGenericWebhookIsSignedOverTimeAndBodyAndCarriesTheIdempotencyKey() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{}", status: 202) }
        let secret = "alert-secret-0123456789"
        try await enqueue([NewAlert(event: "position.opened", severity: .info, text: "opened SPY", data: .object(["symbol": "SPY"]))])
        let pass = try await sender([AlertChannel(name: "webhook", kind: .webhook, url: server.baseURL + "/hook", secret: secret)]).runOnce()
        XCTAssertEqual(pass.sent, 1)
        let request = try XCTUnwrap(server.requests.first)
        let header = try XCTUnwrap(request.headers.first { $0.key.lowercased() == "x-tradewizard-signature" }?.value)
        let parts = Dictionary(uniqueKeysWithValues: header.split(separator: ",").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }.map { ($0[0], $0[1]) })
        let t = try XCTUnwrap(parts["t"])
        XCTAssertEqual(t, "1795000000", "the signature's time is the send time, in unix seconds")
        let expected = HMACSHA256.authenticationCode(key: Array(secret.utf8), message: Array("\(t).".utf8) + request.body).hexString
        XCTAssertEqual(parts["v1"], expected, "v1 is the hex HMAC-SHA256 of \"<t>.<raw body>\"")
        XCTAssertEqual(request.headers.first { $0.key.lowercased() == "x-tradewizard-event" }?.value, "position.opened")
        let body = try JSONValue.parse(request.body)
        let stored = try await deliveries()
        XCTAssertEqual(body["id"]?.stringValue, stored[0].idempotencyKey)
        XCTAssertEqual(body["event"], "position.opened")
        XCTAssertEqual(body["severity"], "info")
        XCTAssertEqual(body["text"], "opened SPY")
        XCTAssertEqual(body["data"]?["symbol"], "SPY")
        XCTAssertNotNil(body["time"]?.stringValue.flatMap(Timestamp.parse))
        XCTAssertEqual(stored[0].status, .sent)
        let again = try await sender([AlertChannel(name: "webhook", kind: .webhook, url: server.baseURL + "/hook", secret: secret)]).runOnce()
        XCTAssertEqual(again.sent, 0, "a sent alert is not sent again")
    }

    func testOurOwnWebhookIntakeAcceptsTheAlertSignatureSchemeWithinFiveMinutesOnly() {
        let credentials = WebhookCredentials(hmacSecret: "shared-secret-0123456789", token: nil)
        let body = Array(#"{"symbol":"SPY","direction":"call","price":500}"#.utf8)
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let signed = AlertChannel.signature(secret: "shared-secret-0123456789", body: body, time: 1_795_000_000)
        XCTAssertEqual(credentials.authenticate(body: body, signature: nil, pathToken: nil, timestamped: signed, now: now), .hmac)
        XCTAssertEqual(credentials.authenticate(body: body, signature: nil, pathToken: nil, timestamped: signed, now: now.addingTimeInterval(299)), .hmac)
        XCTAssertNil(credentials.authenticate(body: body, signature: nil, pathToken: nil, timestamped: signed, now: now.addingTimeInterval(301)),
                     "a replay after five minutes is refused")
        XCTAssertNil(credentials.authenticate(body: body + [32], signature: nil, pathToken: nil, timestamped: signed, now: now), "a changed body")
        let otherTime = signed.replacingOccurrences(of: "t=1795000000", with: "t=1795000001")
        XCTAssertNil(credentials.authenticate(body: body, signature: nil, pathToken: nil, timestamped: otherTime, now: now), "the time is signed too")
        XCTAssertNil(credentials.authenticate(body: body, signature: nil, pathToken: nil, timestamped: "t=abc,v1=00", now: now))
    }

    func testTelegramGetsEscapedMarkdownV2AndIts429RetryAfterIsWaitedWithoutCountingAFailure() async throws {
        let calls = Mutex(0)
        let server = try LoopbackHTTPServer { _ in
            let n = calls.withLock { $0 += 1; return $0 }
            return n == 1 ? .json(#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}"#, status: 429)
                : .json(#"{"ok":true,"result":{"message_id":7}}"#)
        }
        let telegram = AlertChannel(name: "telegram", kind: .telegram, url: server.baseURL, secret: "123:ABC", chatID: "-1001")
        try await enqueue([NewAlert(event: "recommendation.actionable", severity: .info, text: "LONG_YES on \"Will [X] win?\" edge +7.1 pts (EV $24.94).")])
        let first = try await sender([telegram]).runOnce()
        XCTAssertEqual(first.waiting, 1)
        var stored = try await deliveries()
        XCTAssertEqual(stored[0].status, .pending)
        XCTAssertEqual(stored[0].attempts, 0, "a 429 is the provider's pace, not a failure of the message")
        XCTAssertEqual(stored[0].nextAttemptAt, clock.now().addingTimeInterval(5))
        clock.advance(by: 4)
        let value1 = try await sender([telegram]).runOnce().sent
        XCTAssertEqual(value1, 0, "not before the wait asked for")
        clock.advance(by: 2)
        let value2 = try await sender([telegram]).runOnce().sent
        XCTAssertEqual(value2, 1)
        let request = try XCTUnwrap(server.requests.last)
        XCTAssertEqual(request.path, "/bot123:ABC/sendMessage")
        let body = try JSONValue.parse(request.body)
        XCTAssertEqual(body["chat_id"], "-1001")
        XCTAssertEqual(body["parse_mode"], "MarkdownV2")
        XCTAssertEqual(body["text"]?.stringValue, #"LONG\_YES on "Will \[X\] win?" edge \+7\.1 pts \(EV $24\.94\)\."#)
        stored = try await deliveries()
        XCTAssertEqual(stored[0].status, .sent)
    }

    func testSlackTakesTextAndDiscordContentAndDiscordsFractional429IsWaited() async throws {
        let slack = try LoopbackHTTPServer { _ in LoopbackHTTPServer.Reply(status: 200, headers: ["Content-Type": "text/plain"], body: Array("ok".utf8)) }
        let discordCalls = Mutex(0)
        let discord = try LoopbackHTTPServer { _ in
            let n = discordCalls.withLock { $0 += 1; return $0 }
            return n == 1 ? .json(#"{"message":"You are being rate limited.","retry_after":1.5,"global":false}"#, status: 429)
                : LoopbackHTTPServer.Reply(status: 204, headers: [:], body: [])
        }
        let channels = [AlertChannel(name: "slack", kind: .slack, url: slack.baseURL + "/services/T/B/X"),
                        AlertChannel(name: "discord", kind: .discord, url: discord.baseURL + "/api/webhooks/1/abc")]
        try await enqueue([NewAlert(event: "analysis.failed", severity: .warning, text: "Analysis of \"X\" failed: timeout")])
        let pass = try await sender(channels).runOnce()
        XCTAssertEqual(pass.sent, 1)
        XCTAssertEqual(pass.waiting, 1)
        XCTAssertEqual(try JSONValue.parse(slack.requests[0].body)["text"], "Analysis of \"X\" failed: timeout")
        let first = try JSONValue.parse(discord.requests[0].body)
        XCTAssertEqual(first["content"], "Analysis of \"X\" failed: timeout")
        XCTAssertEqual(first["allowed_mentions"]?["parse"]?.arrayValue?.count, 0, "no @everyone from a market question")
        let waiting = try await deliveries().first { $0.channel == "discord" }
        XCTAssertEqual(waiting?.nextAttemptAt, clock.now().addingTimeInterval(1.5))
        clock.advance(by: 2)
        let value3 = try await sender(channels).runOnce().sent
        XCTAssertEqual(value3, 1)
        let value4 = try await deliveries().filter { $0.status == .sent }.count
        XCTAssertEqual(value4, 2)
    }

    func testAFlappingHealthStateBecomesOneMessageWithACount() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{}") }
        var alerts: [NewAlert] = []
        for index in 0..<50 { alerts.append(AlertEvents.health(from: index % 2 == 0 ? "healthy" : "degraded", to: index % 2 == 0 ? "degraded" : "healthy", reasons: ["disk"])) }
        try await enqueue(alerts)
        let pass = try await sender([AlertChannel(name: "webhook", kind: .webhook, url: server.baseURL, secret: "alert-secret-0123456789")]).runOnce()
        XCTAssertEqual(pass.sent, 1)
        XCTAssertEqual(pass.coalesced, 49)
        XCTAssertEqual(server.requests.count, 1)
        let text = try JSONValue.parse(server.requests[0].body)["text"]?.stringValue ?? ""
        XCTAssertTrue(text.hasPrefix("Recovered") && text.contains("49 earlier change(s)"), "the newest state, with the count: \(text)")
    }

    func testABurstOfTenThousandEventsBecomesAtMostTheChannelsRatePerMinute() async throws {
        let server = try LoopbackHTTPServer { _ in .json("{}") }
        try await enqueue((0..<10_000).map { AlertEvents.opened(symbol: "S\($0)", side: "long", quantity: 1, price: Double($0)) })
        let channel = AlertChannel(name: "webhook", kind: .webhook, url: server.baseURL, secret: "alert-secret-0123456789")
        let alerts = sender([channel], rate: 5)
        let pass = try await alerts.runOnce()
        XCTAssertEqual(server.requests.count, 5, "four alerts and one summary of the rest")
        XCTAssertEqual(pass.sent, 5)
        XCTAssertEqual(pass.coalesced, 9_995)
        let summary = try JSONValue.parse(server.requests[4].body)["text"]?.stringValue ?? ""
        XCTAssertTrue(summary.hasPrefix("9996 more alert(s)") && summary.contains("9996 × position.opened"), summary)
        let value5 = try await alerts.runOnce().sent
        XCTAssertEqual(value5, 0, "nothing left, and the minute's budget is spent anyway")
        let counts = try await database.pool.read { try $0.alerts.counts() }
        XCTAssertEqual(counts.reduce(0) { $0 + $1.count }, 10_000, "every event is accounted for")
    }

    func testFailuresBackOffExponentiallyThenAreGivenUpAtTheirAge() async throws {
        let server = try LoopbackHTTPServer { _ in .json(#"{"error":"down"}"#, status: 503) }
        try await enqueue([NewAlert(event: "backup.failed", severity: .critical, text: "Backup failed: disk full")])
        let channel = AlertChannel(name: "webhook", kind: .webhook, url: server.baseURL, secret: "alert-secret-0123456789")
        var waits: [Double] = []
        for _ in 0..<4 {
            let before = clock.now()
            let value6 = try await sender([channel], giveUp: 3_600).runOnce().waiting
            XCTAssertEqual(value6, 1)
            let stored = try await deliveries()[0]
            waits.append(stored.nextAttemptAt.timeIntervalSince(before))
            clock.set(stored.nextAttemptAt)
        }
        XCTAssertEqual(waits, [5, 10, 20, 40], "5 s, doubling")
        let failing = try await database.pool.read { try $0.alerts.failingSince() }
        XCTAssertNotNil(failing["webhook"], "a failing channel is visible to /health")
        clock.advance(by: 3_600)
        let value7 = try await sender([channel], giveUp: 3_600).runOnce().failed
        XCTAssertEqual(value7, 1)
        let value8 = try await deliveries()[0].status
        XCTAssertEqual(value8, .failed)
        let value9 = try await sender([channel], giveUp: 3_600).runOnce().waiting
        XCTAssertEqual(value9, 0, "a given-up alert is not retried")
    }

    func testEmailGoesThroughARealSMTPServerAsOneWellFormedMessage() async throws {
        let python = try TestLocations.ciPython(with: "aiosmtpd")
        let received = directory + "/mail.jsonl"
        let sink = try Subprocess(arguments: [python, TestLocations.repositoryRoot + "/Tests/interop/smtp_sink.py", received], mergeErrors: true)
        defer { sink.signal(SIGKILL); _ = sink.wait() }
        let port = try XCTUnwrap(sink.readLine().flatMap { Int($0.trimmed()) }, "the sink printed its port")
        var channel = AlertChannel(name: "email", kind: .email, url: "smtp://127.0.0.1:\(port)")
        channel.mailFrom = "alerts@tradewizard.test"
        channel.mailTo = ["ops@example.test", "second@example.test"]
        try await enqueue([NewAlert(event: "backup.failed", severity: .critical, text: "Backup failed: disk full\n.\nline after a lone dot")])
        let pass = try await sender([channel]).runOnce()
        let afterPass = try await deliveries()
        XCTAssertEqual(pass.sent, 1, "\(afterPass)")
        let line = try XCTUnwrap(String(contentsOfFile: received, encoding: .utf8).split(separator: "\n").first)
        let mail = try JSONValue.parse(Array(line.utf8))
        XCTAssertEqual(mail["from"], "alerts@tradewizard.test")
        XCTAssertEqual(mail["to"]?.arrayValue?.compactMap(\.stringValue), ["ops@example.test", "second@example.test"])
        let content = mail["content"]?.stringValue ?? ""
        XCTAssertTrue(content.contains("Subject: [TradeWizard] critical: backup.failed"), content)
        XCTAssertTrue(content.contains("Message-ID: <alert-1-email@tradewizard>"), "the idempotency key names the message")
        XCTAssertTrue(content.contains("Date: Wed, 18 Nov 2026 11:06:40 +0000"), "RFC 5322 date of the send time (checked against Python's strftime): \(content)")
        XCTAssertTrue(content.contains("Backup failed: disk full"), content)
        XCTAssertTrue(content.contains("\n.\n") || content.contains("\r\n.\r\n"), "a lone dot survives (dot-stuffing), not the end of the message: \(content)")
        XCTAssertTrue(content.contains("line after a lone dot"), content)
        let stored = try await deliveries()
        XCTAssertEqual(stored[0].status, .sent)
    }

    func testAChannelsSecretNeverReachesTheStoredError() async throws {
        try await enqueue([NewAlert(event: "analysis.failed", severity: .warning, text: "x")])
        let channels = [AlertChannel(name: "telegram", kind: .telegram, url: "http://127.0.0.1:9", secret: "999:SECRET-BOT-TOKEN", chatID: "1"),
                        AlertChannel(name: "slack", kind: .slack, url: "http://127.0.0.1:9/services/SECRET/PATH")]
        _ = try await sender(channels).runOnce()
        let stored = try await deliveries()
        XCTAssertEqual(stored.count, 2)
        for delivery in stored {
            let error = delivery.lastError ?? ""
            XCTAssertFalse(error.isEmpty, "the refused connection is recorded")
            XCTAssertFalse(error.contains("SECRET"), error)
        }
    }

    func testAnAlertIsWrittenOnlyWithItsFactAndRoutedByEventAndSeverity() async throws {
        struct Rollback: Error {}
        do {
            try await database.pool.write { db in
                try db.alerts.enqueue(NewAlert(event: "position.opened", severity: .info, text: "never"))
                throw Rollback()
            }
        } catch is Rollback {}
        let value10 = try await database.pool.read { try $0.alerts.unrouted() }.count
        XCTAssertEqual(value10, 0, "a rolled-back fact leaves no alert")

        let routing = AlertRouting(channels: [AlertChannel(name: "webhook", kind: .webhook, url: "http://127.0.0.1:9"),
                                              AlertChannel(name: "telegram", kind: .telegram, url: "http://127.0.0.1:9", minimumSeverity: .critical)],
                                   routes: ["position.opened": ["telegram"]])
        XCTAssertEqual(routing.channels(for: "analysis.failed", severity: .warning), ["webhook"], "telegram takes critical only")
        XCTAssertEqual(routing.channels(for: "backup.failed", severity: .critical), ["webhook", "telegram"])
        XCTAssertEqual(routing.channels(for: "position.opened", severity: .critical), ["telegram"], "the route names the channels")
        let wildcard = AlertRouting(channels: routing.channels, routes: ["*": ["webhook"]])
        XCTAssertEqual(wildcard.channels(for: "analysis.failed", severity: .warning), ["webhook"])
        XCTAssertEqual(wildcard.channels(for: "signal.accepted", severity: .info), [], "an event off by default needs its own route, * is not enough")
        XCTAssertFalse(wildcard.routes("signal.rejected"))
        XCTAssertTrue(AlertRouting(channels: routing.channels, routes: ["signal.rejected": ["webhook"]]).routes("signal.rejected"))
    }
}
