import Pipeline
import FoundationEssentials
import Glibc
import Storage
import Support

/// Starts `tradewizard serve` as a child process on a temporary data directory and measures it:
/// cold start to `/readyz`, idle RSS, then `GET /health` under `wrk` (keep-alive connections),
/// peak RSS, and the time a SIGTERM takes to stop it.
public enum HTTPBenchmark {
    public struct Report: Encodable {
        public var coldStartMilliseconds: Double
        public var idleResidentBytes: Int
        public var connections: Int
        public var seconds: Double
        public var requestsPerSecond: Double
        public var p50Milliseconds: Double
        public var p99Milliseconds: Double
        public var peakResidentBytes: Int
        public var stopMilliseconds: Double
        public var exitStatus: Int32
    }

    public static func run(directory: String, seconds: Double, connections: Int, progress: (String) -> Void) async throws -> Report {
        guard let wrk = Subprocess.which("wrk") else {
            throw BenchmarkError("wrk is not installed (apt-get install wrk)")
        }
        progress("starting tradewizard serve")
        let benchmarkServer = try await BenchmarkServer.start(directory: directory)
        let (server, port, coldStart) = (benchmarkServer.process, benchmarkServer.port, benchmarkServer.coldStartMilliseconds)
        try await Task.sleep(nanoseconds: 500_000_000)
        let idle = ProcessResources.statusBytes(pid: server.pid, field: "VmRSS:")
        progress("wrk: \(connections) connections for \(Int(seconds)) s against GET /health")
        let load = try Subprocess(arguments: [wrk, "-t2", "-c\(connections)", "-d\(Int(seconds))s", "--latency", "http://127.0.0.1:\(port)/health"])
        let output = load.readAll()
        load.wait()
        let peak = ProcessResources.statusBytes(pid: server.pid, field: "VmHWM:")
        let stopStart = MonotonicInstant.now()
        let status = benchmarkServer.stop()
        return Report(coldStartMilliseconds: coldStart, idleResidentBytes: idle, connections: connections, seconds: seconds,
                      requestsPerSecond: parseRate(output), p50Milliseconds: parseLatency(output, "50%"),
                      p99Milliseconds: parseLatency(output, "99%"), peakResidentBytes: peak,
                      stopMilliseconds: stopStart.secondsElapsed() * 1000, exitStatus: status)
    }

    /// The report as lines for people.
    public static func summary(_ report: Report) -> [String] {
        ["cold start to /readyz: \(Int(report.coldStartMilliseconds)) ms",
         "idle RSS: \(formatBytes(Int64(report.idleResidentBytes)))",
         "GET /health, \(report.connections) keep-alive connections: \(Int(report.requestsPerSecond)) requests/s, p50 \(report.p50Milliseconds) ms, p99 \(report.p99Milliseconds) ms",
         "peak RSS under load: \(formatBytes(Int64(report.peakResidentBytes)))",
         "SIGTERM to exit: \(Int(report.stopMilliseconds)) ms (exit status \(report.exitStatus))"]
    }

    /// `Requests/sec:  12345.67` from wrk's output.
    public static func parseRate(_ output: String) -> Double {
        for line in output.split(separator: "\n") where line.hasPrefix("Requests/sec:") {
            return Double(line.dropFirst(13).trimmed()) ?? 0
        }
        return 0
    }

    /// A latency percentile line (`    99%  1.23ms`) in milliseconds.
    public static func parseLatency(_ output: String, _ label: String) -> Double {
        for line in output.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2, parts[0] == label else { continue }
            let value = String(parts[1])
            let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000)]
            for (suffix, factor) in units where value.hasSuffix(suffix) {
                return (Double(value.dropLast(suffix.count)) ?? 0) * factor
            }
        }
        return 0
    }
}
