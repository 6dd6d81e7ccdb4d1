import Pipeline
import FoundationEssentials
import Glibc
import Storage
import Support

/// `tradewizard bench webhook --connections 1,16,64`: signed JSON signals over loopback keep-alive
/// connections to a `serve` child process (`synchronous=FULL`), driven by wrk. Each request is a
/// new signal (unique id), so every acceptance is a durable commit.
public enum WebhookBenchmark {
    public struct Result: Codable, Sendable {
        public var connections: Int
        public var seconds: Double
        public var accepted: Int
        public var failed: Int
        public var signalsPerSecond: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
    }

    static let secret = "bench-webhook-secret-0123456789"

    public static func run(directory: String, connectionCounts: [Int], seconds: Double, progress: (String) -> Void) async throws -> [Result] {
        progress("starting tradewizard serve (synchronous=FULL)")
        let server = try await BenchmarkServer.start(directory: directory, environment: [
            "WEBHOOK_SECRET": secret, "SIGNAL_ENFORCE_MARKET_HOURS": "false", "TRADEWIZARD_SYNCHRONOUS": "full",
        ])
        defer { _ = server.stop() }
        var results: [Result] = []
        for connections in connectionCounts {
            progress("\(connections) keep-alive connections for \(Int(seconds)) s")
            results.append(try await measure(port: server.port, directory: directory, connections: connections, seconds: seconds, round: results.count))
        }
        return results
    }

    /// Drives `POST /webhook` with wrk, each request a distinct signed signal read from a file the
    /// Lua script cycles through; accepted signals are counted in the database afterwards.
    public static func measure(port: Int, directory: String, connections: Int, seconds: Double, round: Int) async throws -> Result {
        guard let wrk = Subprocess.which("wrk") else { throw BenchmarkError("wrk is not installed (apt-get install wrk)") }
        let count = Int(max(20_000, 16_000 * seconds))
        var lines: [UInt8] = []
        lines.reserveCapacity(count * 300)
        let now = Int(Date().timeIntervalSince1970)
        for index in 0..<count {
            let body = signalBody(id: "r\(round)-\(index)", symbol: "SYM\(index % 50)", timestamp: now)
            lines += Array(HMACSHA256.authenticationCode(key: Array(secret.utf8), message: body).hexString.utf8)
            lines.append(UInt8(ascii: " "))
            lines += body
            lines.append(UInt8(ascii: "\n"))
        }
        let requestsPath = directory + "/requests-\(round).txt"
        let scriptPath = directory + "/webhook.lua"
        try FileSystem.writeAtomically(Data(lines), to: requestsPath)
        try FileSystem.writeAtomically(Data(luaScript.utf8), to: scriptPath)
        let before = try acceptedSignals(directory: directory)
        let threads = min(2, connections)
        let load = try Subprocess(arguments: [wrk, "-t\(threads)", "-c\(connections)", "-d\(Int(seconds))s", "--latency",
                                              "-s", scriptPath, "http://127.0.0.1:\(port)/webhook", "--", requestsPath, String(threads)])
        let output = load.readAll()
        guard load.wait() == 0 else { throw BenchmarkError("wrk failed: \(output)") }
        let accepted = try acceptedSignals(directory: directory) - before
        let requests = HTTPBenchmark.parseRate(output) * seconds
        return Result(connections: connections, seconds: seconds, accepted: accepted, failed: max(0, Int(requests) - accepted),
                      signalsPerSecond: Double(accepted) / seconds,
                      p50Milliseconds: HTTPBenchmark.parseLatency(output, "50%"), p99Milliseconds: HTTPBenchmark.parseLatency(output, "99%"))
    }

    public static func acceptedSignals(directory: String) throws -> Int {
        var configuration = DatabaseConfiguration()
        configuration.readOnly = true
        let database = try Database(path: directory + "/data/tradewizard.db", configuration: configuration)
        return try database.scalar("SELECT count(*) FROM signals", as: Int.self) ?? 0
    }

    /// wrk script: each thread takes every n-th line (signature, space, body) of the file and cycles through them.
    static let luaScript = """
        local lines = {}
        local position = 0
        local threads = 0
        function setup(thread)
            thread:set("id", threads)
            threads = threads + 1
        end
        function init(args)
            local step = tonumber(args[2])
            local number = 0
            for line in io.lines(args[1]) do
                if number % step == id then table.insert(lines, line) end
                number = number + 1
            end
        end
        function request()
            position = position % #lines + 1
            local line = lines[position]
            local space = line:find(" ")
            return wrk.format("POST", "/webhook", {["Content-Type"] = "application/json",
                ["X-Signature"] = "sha256=" .. line:sub(1, space - 1)}, line:sub(space + 1))
        end
        """

    /// One signal's JSON body.
    public static func signalBody(id: String, symbol: String, timestamp: Int) -> [UInt8] {
        Array(#"{"source":"bench","symbol":"\#(symbol)","direction":"CALL","timeframe":"1m","price":101.5,"id":"\#(id)","timestamp":\#(timestamp),"metadata":{"score":0.8,"confidence":0.7}}"#.utf8)
    }

}
