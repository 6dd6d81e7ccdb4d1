import FoundationEssentials
@testable import Pipeline
import Storage
import Support
import TestSupport
import Synchronization

/// A loopback fake of Gamma (`/gamma/...`) and the CLOB (`/clob/...`) speaking their wire format,
/// serving the bundled fixtures. Tests can resolve a market (as the CLOB reports it) mid-test.
final class FakePolymarket: Sendable {
    let server: LoopbackHTTPServer
    /// condition id → winning outcome, applied on top of the fixtures.
    let resolutions = Resolutions()

    final class Resolutions: Sendable {
        let map = Mutex<[String: String]>([:])
        func withLock<T: Sendable>(_ body: @Sendable (inout [String: String]) -> T) -> T { map.withLock { body(&$0) } }
    }

    init(directory: String = repositoryRoot + "/data/fixtures") throws {
        func load(_ file: String) throws -> JSONValue {
            try JSONValue.parse(Array(FileManager.default.contents(atPath: directory + "/" + file)!))
        }
        let events = try load("gamma-events.json").arrayValue ?? []
        let books = try load("clob-books.json").objectValue ?? [:]
        let histories = try load("clob-prices-history.json").objectValue ?? [:]
        let clob = try load("clob-markets.json").objectValue ?? [:]
        let resolutions = self.resolutions
        server = try LoopbackHTTPServer { request in
            let q = request.query
            func json(_ value: JSONValue) -> LoopbackHTTPServer.Reply { LoopbackHTTPServer.Reply(body: value.serialized()) }
            let notFound = LoopbackHTTPServer.Reply.json("{\"error\":\"not found\"}", status: 404)
            switch request.path {
            case "/gamma/events":
                guard q["closed"] != nil else { return .json("{\"error\":\"closed is required by this fake\"}", status: 400) }
                let closed = q["closed"] == "true"
                var list = events.filter { ($0["closed"] == .bool(true)) == closed }
                if let tag = q["tag_id"] { list = list.filter { ($0["tags"]?.arrayValue ?? []).contains { $0["id"] == .string(tag) } } }
                list.sort { ($0["volume24hr"]?.numberValue ?? 0) > ($1["volume24hr"]?.numberValue ?? 0) }
                let offset = Int(q["offset"] ?? "0") ?? 0, limit = Int(q["limit"] ?? "20") ?? 20
                if offset > list.count { return .json("{\"error\":\"offset too large\"}") }
                return json(.array(Array(list.dropFirst(offset).prefix(limit))))
            case let path where path.hasPrefix("/gamma/events/"):
                let id = String(path.dropFirst("/gamma/events/".count))
                return events.first { $0["id"] == .string(id) }.map(json) ?? notFound
            case "/gamma/markets":
                let ids = Set(request.queryValues("condition_ids"))
                let closed = q["closed"] == "true"
                var found: [JSONValue] = []
                for event in events {
                    for market in event["markets"]?.arrayValue ?? [] {
                        guard let id = market["conditionId"]?.stringValue, ids.contains(id) else { continue }
                        var members = market.objectValue!
                        if resolutions.withLock({ $0[id] }) != nil { members["closed"] = .bool(true) }
                        if (members["closed"] == .bool(true)) == closed { found.append(.object(members)) }
                    }
                }
                return json(.array(found))
            case "/clob/book":
                return books[q["token_id"] ?? ""].map(json) ?? .json("{\"error\":\"No orderbook exists for the requested token id\"}", status: 404)
            case "/clob/prices-history":
                return json(histories[q["market"] ?? ""] ?? .object(["history": .array([])]))
            case let path where path.hasPrefix("/clob/markets/"):
                let id = String(path.dropFirst("/clob/markets/".count))
                guard var market = clob[id]?.objectValue else { return notFound }
                if let winner = resolutions.withLock({ $0[id] }) {
                    market["closed"] = .bool(true)
                    market["tokens"] = .array((market["tokens"]?.arrayValue ?? []).map { token in
                        var t = token.objectValue!
                        let won = t["outcome"] == .string(winner)
                        t["winner"] = .bool(won)
                        t["price"] = .number(won ? 1 : 0)
                        return .object(t)
                    })
                }
                return json(.object(market))
            default:
                return notFound
            }
        }
    }

    var gammaURL: String { server.baseURL + "/gamma" }
    var clobURL: String { server.baseURL + "/clob" }

    /// A live-API client pointed at this fake.
    func api(pageSize: Int = 100) -> PolymarketAPI {
        PolymarketAPI(network: NetworkClient(settings: NetworkSettings(threads: 2, retry: HTTPRetryPolicy(maxAttempts: 2, initialBackoff: 0.01))),
                      gammaURL: gammaURL, clobURL: clobURL, pageSize: pageSize)
    }

    func resolve(_ conditionID: String, winner: String) { resolutions.withLock { $0[conditionID] = winner } }
    func stop() { server.stop() }
}

extension LoopbackHTTPServer.Request {
    /// Every value of a repeated query parameter, in order.
    func queryValues(_ name: String) -> [String] {
        rawQuery.split(separator: "&").compactMap { pair in
            let kv = pair.split(separator: "=", maxSplits: 1)
            return kv.count == 2 && kv[0] == name ? (String(kv[1]).removingPercentEncoding ?? String(kv[1])) : nil
        }
    }
}
