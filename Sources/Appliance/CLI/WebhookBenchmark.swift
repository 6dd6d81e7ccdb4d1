import FoundationEssentials
import Glibc
import Storage
import Synchronization

/// `tradewizard bench webhook --connections 1,16,64`: signed JSON signals over loopback keep-alive
/// connections to a `serve` child process (`synchronous=FULL`), one client thread per connection.
/// Each request is a new signal (unique id), so every answer is a durable commit.
enum WebhookBenchmark {
    struct Result: Codable, Sendable {
        var connections: Int
        var seconds: Double
        var accepted: Int
        var failed: Int
        var signalsPerSecond: Double
        var p50Milliseconds: Double
        var p99Milliseconds: Double
    }

    static let secret = "bench-webhook-secret-0123456789"

    static func run(directory: String, connectionCounts: [Int], seconds: Double, progress: (String) -> Void) async throws -> [Result] {
        progress("starting tradewizard serve (synchronous=FULL)")
        let server = try await BenchmarkServer.start(directory: directory, environment: [
            "WEBHOOK_SECRET": secret, "SIGNAL_ENFORCE_MARKET_HOURS": "false", "TRADEWIZARD_SYNCHRONOUS": "full",
        ])
        defer { _ = server.stop() }
        var results: [Result] = []
        for connections in connectionCounts {
            progress("\(connections) keep-alive connections for \(Int(seconds)) s")
            results.append(try await measure(port: server.port, connections: connections, seconds: seconds, round: results.count))
        }
        return results
    }

    static func measure(port: Int, connections: Int, seconds: Double, round: Int) async throws -> Result {
        let collected = Samples()
        let deadline = MonotonicInstant.now().nanoseconds + UInt64(seconds * 1e9)
        let started = MonotonicInstant.now()
        let threads = (0..<connections).map { client in
            startThread {
                var latencies: [Double] = []
                var failed = 0
                defer { collected.add(latencies, failed: failed) }
                guard let connection = try? KeepAliveConnection(port: port) else { failed += 1; return }
                defer { close(connection.descriptor) }
                var sequence = 0
                while MonotonicInstant.now().nanoseconds < deadline {
                    sequence += 1
                    let request = signedRequest(id: "r\(round)-c\(client)-\(sequence)", symbol: "SYM\(client % 50)")
                    let begin = MonotonicInstant.now()
                    guard let (status, body) = connection.exchange(request) else { failed += 1; return }
                    if status == 200 && body.contains("\"ACCEPTED\"") { latencies.append(begin.secondsElapsed()) } else { failed += 1 }
                }
            }
        }
        try await runBlocking { for thread in threads { pthread_join(thread, nil) } }
        let elapsed = started.secondsElapsed()
        let (latencies, failed) = collected.snapshot
        let sorted = latencies.sorted()
        return Result(connections: connections, seconds: elapsed, accepted: sorted.count, failed: failed,
                      signalsPerSecond: Double(sorted.count) / elapsed,
                      p50Milliseconds: StorageBenchmark.percentile(sorted, 0.50) * 1000,
                      p99Milliseconds: StorageBenchmark.percentile(sorted, 0.99) * 1000)
    }

    /// A complete HTTP/1.1 request with an HMAC-signed JSON signal.
    static func signedRequest(id: String, symbol: String) -> [UInt8] {
        let body = Array(#"{"source":"bench","symbol":"\#(symbol)","direction":"CALL","timeframe":"1m","price":101.5,"id":"\#(id)","timestamp":\#(Int(Date().timeIntervalSince1970)),"metadata":{"score":0.8,"confidence":0.7}}"#.utf8)
        let signature = HMACSHA256.authenticationCode(key: Array(secret.utf8), message: body).hexString
        let head = "POST /webhook HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Signature: sha256=\(signature)\r\nContent-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// Per-thread results, merged.
    final class Samples: Sendable {
        private let state = Mutex<([Double], Int)>(([], 0))
        func add(_ latencies: [Double], failed: Int) { state.withLock { $0.0 += latencies; $0.1 += failed } }
        var snapshot: ([Double], Int) { state.withLock { $0 } }
    }
}

/// A blocking keep-alive HTTP/1.1 client connection for the benchmark (Content-Length bodies only).
final class KeepAliveConnection {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int) throws {
        descriptor = try LoopbackHTTPClient.connectTo(host: "127.0.0.1", port: port, timeout: 10)
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends a request and reads one response: (status, body text), or nil on a broken connection.
    func exchange(_ request: [UInt8]) -> (Int, String)? {
        var sent = 0
        while sent < request.count {
            let written = request[sent...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard written > 0 else { return nil }
            sent += written
        }
        while true {
            if let end = headerEnd() {
                let head = String(decoding: buffer[..<end], as: UTF8.self)
                let status = Int(head.split(separator: " ").dropFirst().first ?? "") ?? 0
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmed()) } ?? 0
                if buffer.count >= end + 4 + length {
                    let body = String(decoding: buffer[(end + 4)..<(end + 4 + length)], as: UTF8.self)
                    buffer.removeFirst(end + 4 + length)
                    return (status, body)
                }
            }
            var chunk = [UInt8](repeating: 0, count: 16_384)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return nil }
            buffer += chunk[0..<count]
        }
    }

    private func headerEnd() -> Int? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4) where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return index
        }
        return nil
    }
}
