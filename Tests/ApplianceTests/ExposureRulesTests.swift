import FoundationEssentials
@testable import Appliance
import HTTPServer
import Support
import XCTest

/// Who may reach admin routes and the webhook: the rules a same-host proxy, a cross-site page and
/// a sender outside the allowlist run into.
final class ExposureRulesTests: XCTestCase {
    func request(_ headers: [(String, String)], remote: String = "127.0.0.1", loopback: Bool = true) -> HTTPRequest {
        HTTPRequest(method: .post, path: "/trigger", headers: [("host", "127.0.0.1:3000")] + headers.map { ($0.0.lowercased(), $0.1) },
                    body: Array(#"{"conditionId":"0x1"}"#.utf8), remoteAddress: remote, isLoopback: loopback)
    }

    func status(_ authentication: AdminAuthentication, _ request: HTTPRequest) -> Int {
        do { try authentication.check(request); return 200 } catch let error as HTTPError { return error.status } catch { return -1 }
    }

    func testWithoutATokenOnlyAPlainlyLocalRequestIsAdmin() {
        let open = AdminAuthentication(token: nil)
        XCTAssertEqual(status(open, request([("Content-Type", "application/json")])), 200, "curl or the CLI on this machine")
        XCTAssertEqual(status(open, request([("Origin", "http://127.0.0.1:3000")])), 200, "the appliance's own page")
        XCTAssertEqual(status(open, request([], remote: "203.0.113.9", loopback: false)), 401)
        for forwarding in ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Forwarded-Proto"] {
            XCTAssertEqual(status(open, request([(forwarding, "203.0.113.9")])), 401, "a proxy on this host relays \(forwarding)")
        }
        XCTAssertEqual(status(open, request([("Origin", "https://evil.example")])), 401, "a cross-site page")
        XCTAssertEqual(status(open, request([("Origin", "null")])), 401, "an opaque origin")
        XCTAssertEqual(status(open, request([("Referer", "http://localhost:8080/page")])), 401, "another origin on this host")
        XCTAssertEqual(status(open, request([("Referer", "http://127.0.0.1:3000/markets")])), 200)
    }

    func testFormContentTypesAreRefusedWithOrWithoutAToken() {
        let token = "admin-token-0123456789abcdef"
        for authentication in [AdminAuthentication(token: nil), AdminAuthentication(token: token)] {
            for type in ["application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain;charset=UTF-8", "TEXT/PLAIN"] {
                XCTAssertEqual(status(authentication, request([("Content-Type", type), ("Authorization", "Bearer \(token)")])), 415, type)
            }
        }
        XCTAssertEqual(status(AdminAuthentication(token: token), request([("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")])), 200)
        XCTAssertEqual(status(AdminAuthentication(token: token), request([("Authorization", "Bearer \(token)"), ("X-Forwarded-For", "203.0.113.9")])), 200,
                       "with a token, a proxied request is judged by the token")
    }

    func testTheSenderAllowlistUsesTheSocketPeerUnlessATrustedProxyNamesTheClient() async throws {
        let tradingView = try AddressSet.parse("tradingview").get()
        let proxies = try AddressSet.parse("127.0.0.1, 10.0.0.0/8").get()
        let allowlist = SenderAllowlist(allowed: tradingView, trustedProxies: proxies)
        func answer(remote: String, forwardedFor: String?) async -> Int {
            var headers: [(name: String, value: String)] = []
            if let forwardedFor { headers.append(("x-forwarded-for", forwardedFor)) }
            let request = HTTPRequest(method: .post, path: "/webhook", headers: headers, remoteAddress: remote, isLoopback: remote == "127.0.0.1")
            do { return try await allowlist.respond(to: request, next: ClosureResponder { _ in HTTPResponse(status: 200) }).status }
            catch let error as HTTPError { return error.status } catch { return -1 }
        }
        let direct = await answer(remote: "52.89.214.238", forwardedFor: nil)
        XCTAssertEqual(direct, 200, "TradingView straight to the socket")
        let mapped = await answer(remote: "::ffff:34.212.75.30", forwardedFor: nil)
        XCTAssertEqual(mapped, 200, "an IPv4-mapped peer on a dual-stack socket")
        let stranger = await answer(remote: "198.51.100.7", forwardedFor: "52.89.214.238")
        XCTAssertEqual(stranger, 403, "an untrusted peer cannot claim an address")
        let proxied = await answer(remote: "127.0.0.1", forwardedFor: "52.32.178.7")
        XCTAssertEqual(proxied, 200, "the trusted proxy names TradingView")
        let spoofed = await answer(remote: "127.0.0.1", forwardedFor: "52.32.178.7, 198.51.100.7")
        XCTAssertEqual(spoofed, 403, "the right-most untrusted entry is the client; what it wrote to its left proves nothing")
        let chained = await answer(remote: "127.0.0.1", forwardedFor: "54.218.53.128, 10.1.2.3")
        XCTAssertEqual(chained, 200, "a chain of trusted proxies is skipped")
        let proxyItself = await answer(remote: "127.0.0.1", forwardedFor: nil)
        XCTAssertEqual(proxyItself, 403)
        let junk = await answer(remote: "127.0.0.1", forwardedFor: "unknown")
        XCTAssertEqual(junk, 403)
    }

    func testAddressListsParseAddressesRangesAndPresetsAndNameTheBadEntry() throws {
        let set = try AddressSet.parse("192.0.2.0/24, 2001:DB8::/32, 198.51.100.7").get()
        XCTAssertTrue(set.contains("192.0.2.200"))
        XCTAssertFalse(set.contains("192.0.3.1"))
        XCTAssertTrue(set.contains("2001:db8:0:1::5"))
        XCTAssertFalse(set.contains("2001:db9::1"))
        XCTAssertTrue(set.contains("198.51.100.7"))
        XCTAssertFalse(set.contains("198.51.100.8"))
        XCTAssertFalse(set.contains("not an address"))
        for bad in ["300.1.1.1", "10.0.0.0/33", "trading-view", "10.0.0.1/x"] {
            guard case .failure(let error) = AddressSet.parse(bad) else { XCTFail(bad); continue }
            XCTAssertTrue(error.description.contains(bad.split(separator: ",")[0]), error.description)
        }
    }
}
