import FoundationEssentials
import Glibc
import Support

/// `tradewizard bench memory`: the resident memory of an idle `serve`, offline on the sample
/// markets, after its first analysis cycle (the steady state of an appliance between cycles).
public enum MemoryBenchmark {
    public struct Report: Encodable, Sendable {
        /// VmRSS once the first cycle finished and `settleSeconds` passed, in bytes.
        public var idleResidentBytes: Int
        /// VmHWM: the peak, in bytes.
        public var peakResidentBytes: Int
        public var threads: Int
        public var settleSeconds: Double
        /// The target: 20 MB, counted as the other figures here are, in units of 1024² bytes.
        public var targetBytes: Int
        /// Kernel-reported `Rss` per mapping, largest first (the top ten), in kB.
        public var largestMappings: [Mapping]
    }

    public struct Mapping: Encodable, Sendable {
        public var kilobytes: Int
        public var name: String
    }

    public static func run(directory: String, settleSeconds: Double = 2, progress: (String) -> Void) async throws -> Report {
        progress("starting tradewizard serve offline")
        let server = try await BenchmarkServer.start(directory: directory)
        let started = MonotonicInstant.now()
        while let line = server.process.readLine() {
            if line.contains("analysis cycle finished") { break }
            guard started.secondsElapsed() < 60 else { throw BenchmarkError("no analysis cycle within 60 s") }
        }
        progress("first cycle finished; idle for \(settleSeconds) s")
        try await Task.sleep(nanoseconds: UInt64(settleSeconds * 1e9))
        let pid = server.process.pid
        let report = Report(idleResidentBytes: ProcessResources.statusBytes(pid: pid, field: "VmRSS:"),
                            peakResidentBytes: ProcessResources.statusBytes(pid: pid, field: "VmHWM:"),
                            threads: ProcessResources.statusNumber(pid: pid, field: "Threads:"), settleSeconds: settleSeconds,
                            targetBytes: 20 * 1_048_576, largestMappings: mappings(pid: pid))
        _ = server.stop()
        return report
    }

    /// `Rss` summed by mapped file (anonymous memory as `[anonymous]`), the ten largest.
    static func mappings(pid: pid_t) -> [Mapping] {
        guard let data = try? FileSystem.read("/proc/\(pid)/smaps") else { return [] }
        var totals: [String: Int] = [:]
        var current = "[anonymous]"
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), fields.count >= 5, first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                current = fields.count >= 6 ? String(fields[5...].joined(separator: " ")) : "[anonymous]"
            } else if fields.first == "Rss:", fields.count >= 2, let kilobytes = Int(fields[1]) {
                totals[current, default: 0] += kilobytes
            }
        }
        return totals.sorted { $0.value > $1.value }.prefix(10).map { Mapping(kilobytes: $0.value, name: $0.key) }
    }

    /// The report as lines for people.
    public static func summary(_ report: Report) -> [String] {
        let verdict = report.idleResidentBytes < report.targetBytes ? "under" : "OVER"
        return ["idle RSS after the first offline cycle: \(formatBytes(Int64(report.idleResidentBytes))) (\(verdict) the 20 MB target), peak \(formatBytes(Int64(report.peakResidentBytes))), \(report.threads) threads"]
            + report.largestMappings.map { "  \(String($0.kilobytes).leftPadded(to: 6, with: " ")) kB  \($0.name)" }
    }
}
