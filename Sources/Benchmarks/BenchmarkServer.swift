import Pipeline
import FoundationEssentials
import Glibc
import HTTPServer
import Storage
import Support

/// A `tradewizard serve` child process for benchmarks: started on a free port, ready when this returns.
///
/// The child gets a clean environment (no inherited keys, provider settings or live mode): it runs
/// offline on the sample markets with `environment` added, so a measurement never reaches the
/// network and never starts an LLM call.
public struct BenchmarkServer {
    public let process: Subprocess
    public let port: Int
    /// Milliseconds from spawn to the first 200 from `/readyz`.
    public let coldStartMilliseconds: Double

    public static func start(directory: String, environment: [String: String] = [:]) async throws -> BenchmarkServer {
        let start = MonotonicInstant.now()
        let server = try Subprocess(arguments: [Subprocess.currentExecutable, "serve", "--data-dir", directory + "/data", "--port", "0",
                                                "--log-level", "info", "--log-format", "json", "--env-file", "/dev/null"],
                                    environment: Self.environment(adding: environment), inheritEnvironment: false)
        var port: Int?
        while port == nil, let line = server.readLine() {
            if line.contains("\"msg\":\"tradewizard ready\""), let range = line.split(separator: ",").first(where: { $0.hasPrefix("\"port\":") }) {
                port = Int(range.dropFirst(7).filter(\.isNumber))
            }
        }
        guard let port else { throw BenchmarkError("the server did not report its port") }
        let client = LoopbackHTTPClient(host: "127.0.0.1", port: port)
        while (try? await client.send(method: "GET", path: "/readyz"))?.status != 200 {
            guard start.secondsElapsed() < 10 else { throw BenchmarkError("the server did not become ready in 10 s") }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
        return BenchmarkServer(process: server, port: port, coldStartMilliseconds: start.secondsElapsed() * 1000)
    }

    /// The child's whole environment: the process search path, offline mode, a per-peer
    /// connection cap that lets the one local load generator open every connection, then `extra`.
    static func environment(adding extra: [String: String]) -> [String: String] {
        var environment = ["TRADEWIZARD_OFFLINE": "1", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin",
                           "TRADEWIZARD_MAX_CONNECTIONS_PER_PEER": "4096"]
        for (key, value) in extra { environment[key] = value }
        return environment
    }

    /// SIGTERM, drain the output, wait; returns the exit status.
    public func stop() -> Int32 {
        process.signal(SIGTERM)
        _ = process.readAll()
        return process.wait()
    }
}
