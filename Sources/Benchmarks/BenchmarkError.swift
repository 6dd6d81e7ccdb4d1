import Support
import Storage
import Pipeline
import HTTPServer

/// A benchmark that could not run or measure (a missing tool, a server that did not start).
public struct BenchmarkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// An HTTP observer that keeps nothing: the benchmarks' own fake servers are not measured.
struct DiscardingObserver: HTTPServerObserver {
    func requestCompleted(route: String, method: HTTPMethod, status: Int, seconds: Double) {}
    func refused(_ reason: RefusalReason) {}
    func connectionsChanged(open: Int) {}
}
