import FoundationEssentials
import Glibc
import HTTPServer
import Support
import TestSupport
import XCTest

/// Every route family answers a bad request with the one error body shape
/// `{"error":{"code":"…","message":"…"}}`, through the real binary.
final class ErrorShapeTests: XCTestCase {
    var directory = ""
    override func setUpWithError() throws { directory = try makeTemporaryDirectory() }
    override func tearDown() { removeDirectory(directory) }

    func testEveryRouteFamilyAnswersABadRequestWithTheOneErrorShape() async throws {
        let server = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: ["TRADEWIZARD_OFFLINE": "1", "WEBHOOK_TOKEN": "webhook-token-0123456789",
                                                  "TRADEWIZARD_ADMIN_TOKEN": "admin-token-0123456789abcdef"], mergeErrors: true)
        defer { server.signal(SIGKILL); _ = server.wait() }
        var port: Int?
        while port == nil, let line = server.readLine() {
            if line.contains("\"msg\":\"tradewizard ready\""), let field = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }) {
                port = Int(field.filter(\.isNumber))
            }
        }
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: try XCTUnwrap(port))
        let now = Int(Date().timeIntervalSince1970)
        let cases: [(family: String, method: String, path: String, headers: [String: String], body: String, status: Int, code: String)] = [
            ("unknown path", "GET", "/nowhere", [:], "", 404, "not_found"),
            ("health, wrong method", "POST", "/health", [:], "", 405, "method_not_allowed"),
            ("metrics, wrong method", "POST", "/metrics", [:], "", 405, "method_not_allowed"),
            ("api, bad limit", "GET", "/api/markets?limit=0", [:], "", 400, "invalid_limit"),
            ("api, bad cursor", "GET", "/api/markets?cursor=garbage", [:], "", 400, "invalid_cursor"),
            ("api, unknown market", "GET", "/api/markets/0xnothing", [:], "", 404, "not_found"),
            ("admin, no token", "POST", "/trigger", [:], "{}", 401, "unauthorized"),
            ("admin, bad body", "POST", "/trigger", ["Authorization": "Bearer admin-token-0123456789abcdef"], "[]", 400, "invalid_body"),
            ("admin backup, wrong token", "POST", "/admin/backup", ["Authorization": "Bearer nope-nope-nope"], "", 401, "unauthorized"),
            ("webhook, no credentials", "POST", "/webhook", [:], "{\"symbol\":\"SPY\"}", 401, "unauthorized"),
            ("webhook, wrong token", "POST", "/webhook/wrong-token", [:], "{\"symbol\":\"SPY\"}", 401, "unauthorized"),
            ("webhook, malformed", "POST", "/webhook/webhook-token-0123456789", [:], "{not json", 400, "malformed_body"),
            ("webhook, invalid field", "POST", "/webhook/webhook-token-0123456789", [:],
             "{\"symbol\":\"SPY\",\"direction\":\"sideways\",\"timestamp\":\(now)}", 422, "unknown_direction"),
            ("webhook metrics, wrong method", "POST", "/metrics/signals", [:], "", 405, "method_not_allowed"),
        ]
        for item in cases {
            let response = try await client.send(method: item.method, path: item.path, headers: item.headers, body: Array(item.body.utf8))
            XCTAssertEqual(response.status, item.status, "\(item.family): \(response.text)")
            let body = try JSONValue.parse(response.body)
            XCTAssertEqual(body["error"]?["code"]?.stringValue, item.code, "\(item.family): \(response.text)")
            XCTAssertNotNil(body["error"]?["message"]?.stringValue, "\(item.family): \(response.text)")
            XCTAssertEqual(body["error"]?.objectValue?.keys.sorted(), ["code", "message"], "\(item.family): \(response.text)")
        }
        // A protocol-level refusal (before any route) has the same shape.
        let raw = try LoopbackHTTPClient.connectTo(host: "127.0.0.1", port: try XCTUnwrap(port), timeout: 3)
        defer { close(raw) }
        let request = Array("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(raw, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(raw, &buffer, buffer.count, 0)
            if count <= 0 { break }
            received += buffer[0..<count]
        }
        let response = try LoopbackHTTPClient.parse(received)
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(try JSONValue.parse(response.body)["error"]?["code"]?.stringValue, "invalid_content_length")
    }
}
