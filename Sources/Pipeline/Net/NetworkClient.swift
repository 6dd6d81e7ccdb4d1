import FoundationEssentials
import Storage
import Support

/// When the network client tries a request again.
public struct HTTPRetryPolicy: Sendable, Equatable {
    /// Attempts in total (1 = no retry).
    public var maxAttempts: Int
    /// Backoff before the second attempt, in seconds; doubled each time up to `maxBackoff`.
    public var initialBackoff: Double
    public var maxBackoff: Double
    /// A `Retry-After` longer than this is not waited for: the call fails at once.
    public var maxRetryAfter: Double

    public init(maxAttempts: Int = 4, initialBackoff: Double = 0.5, maxBackoff: Double = 30, maxRetryAfter: Double = 60) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = max(0, initialBackoff)
        self.maxBackoff = max(0, maxBackoff)
        self.maxRetryAfter = max(0, maxRetryAfter)
    }

    /// The wait after failed attempt `attempt` (1, 2, …): exponential, with "equal jitter" — half
    /// the step fixed, half drawn from `unit` (0…1) — so clients that failed together spread out.
    public func backoff(afterAttempt attempt: Int, unit: Double) -> Double {
        let step = min(maxBackoff, initialBackoff * Double(1 << min(attempt - 1, 30)))
        return step / 2 + step / 2 * min(1, max(0, unit))
    }
}

/// Settings of the network client.
public struct NetworkSettings: Sendable {
    /// Sent with every request; Polymarket's CDN refuses requests without one.
    public var userAgent: String
    public var connectTimeout: Double
    /// Default seconds for a whole exchange.
    public var timeout: Double
    public var maxResponseBytes: Int
    /// Threads (and so concurrent exchanges and kept connections) of the transport.
    public var threads: Int
    public var retry: HTTPRetryPolicy
    public var breakerFailureThreshold: Int
    public var breakerOpenSeconds: Double

    public init(userAgent: String = "tradewizard/1.0 (+https://github.com/tradewizard)", connectTimeout: Double = 5,
                timeout: Double = 20, maxResponseBytes: Int = 32 << 20, threads: Int = 4,
                retry: HTTPRetryPolicy = HTTPRetryPolicy(), breakerFailureThreshold: Int = 5, breakerOpenSeconds: Double = 60) {
        self.userAgent = userAgent
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.threads = threads
        self.retry = retry
        self.breakerFailureThreshold = breakerFailureThreshold
        self.breakerOpenSeconds = breakerOpenSeconds
    }
}

/// The appliance's HTTP client: libcurl underneath, a token bucket per rate-limit key, a circuit
/// breaker per origin, and retries with exponential backoff and jitter on timeouts, transport
/// failures, 429 (honouring `Retry-After`) and 5xx. Other statuses are returned to the caller
/// unretried. Waiting happens with `Task.sleep` (or the injected sleeper), never by blocking.
public final class NetworkClient: Sendable {
    public let settings: NetworkSettings
    let transport: CurlTransport
    let limiter = RateLimiter()
    public let breaker: CircuitBreaker
    private let monotonic: @Sendable () -> Double
    private let sleep: @Sendable (Double) async throws -> Void
    private let unitRandom: @Sendable () -> Double
    private let wallClock: any WallClock
    /// Retries (notice) and circuit trips (warning) are logged here, where they happen.
    let logger: Logger

    /// `sleep` and `unitRandom` are injectable so tests can observe waits without sleeping.
    public init(settings: NetworkSettings = NetworkSettings(), clock: any WallClock = SystemWallClock(), logger: Logger = .disabled,
                monotonic: @escaping @Sendable () -> Double = { Double(MonotonicInstant.now().nanoseconds) / 1e9 },
                sleep: @escaping @Sendable (Double) async throws -> Void = { try await Task.sleep(nanoseconds: UInt64(max(0, $0) * 1e9)) },
                unitRandom: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.settings = settings
        transport = CurlTransport(settings: .init(userAgent: settings.userAgent, connectTimeout: settings.connectTimeout,
                                                  timeout: settings.timeout, maxResponseBytes: settings.maxResponseBytes),
                                  threads: settings.threads)
        breaker = CircuitBreaker(failureThreshold: settings.breakerFailureThreshold, openSeconds: settings.breakerOpenSeconds)
        self.wallClock = clock
        self.monotonic = monotonic
        self.sleep = sleep
        self.unitRandom = unitRandom
        self.logger = logger
    }

    private func failed(_ origin: String) {
        if breaker.recordFailure(origin, now: monotonic()) {
            logger.warning("circuit opened: requests to this origin are refused for a while",
                           ["origin": origin, "seconds": settings.breakerOpenSeconds])
        }
    }

    private func retrying(_ origin: String, attempt: Int, reason: String, wait: Double) {
        logger.notice("retrying a request", ["origin": origin, "attempt": attempt + 1, "reason": reason,
                                             "waitSeconds": (wait * 1000).rounded() / 1000])
    }

    /// Sends `request` once: no retry, no circuit breaker, every status returned (callers that
    /// keep their own durable retry schedule, like the alert outbox, read 429s themselves).
    public func sendOnce(_ request: NetworkRequest) async throws -> NetworkResponse {
        try await transport.send(request)
    }

    /// Sends `request`, retrying transient failures. Returns the response for any status other
    /// than 429 and 5xx; throws `NetworkError` when retries are exhausted, the circuit is open, or
    /// the wait a server asks for is longer than the policy allows.
    public func send(_ request: NetworkRequest) async throws -> NetworkResponse {
        let origin = request.origin
        let retry = settings.retry
        var attempt = 0
        while true {
            attempt += 1
            if let wait = breaker.admit(origin, now: monotonic()) {
                throw NetworkError.circuitOpen(origin: origin, retryInSeconds: wait)
            }
            if let (key, limit) = request.rateLimit {
                let wait = limiter.reserve(key: key, limit: limit, now: monotonic())
                if wait > 0 { try await sleep(wait) }
            }
            let response: NetworkResponse
            do {
                response = try await transport.send(request)
            } catch let error as NetworkError where error.isTransient {
                failed(origin)
                guard attempt < retry.maxAttempts, !breaker.isOpen(origin) else { throw error }
                let wait = retry.backoff(afterAttempt: attempt, unit: unitRandom())
                retrying(origin, attempt: attempt, reason: String(describing: error), wait: wait)
                try await sleep(wait)
                continue
            }
            var wait: Double?
            switch response.status {
            case 429:
                if let asked = response.retryAfter(now: wallClock.now()) {
                    guard asked <= retry.maxRetryAfter else { throw NetworkError.status(429, url: request.url, body: response.text) }
                    wait = asked
                }
            case 500...599:
                failed(origin)
            default:
                breaker.recordSuccess(origin)
                return response
            }
            let failure = NetworkError.status(response.status, url: request.url, body: response.text)
            guard attempt < retry.maxAttempts, !breaker.isOpen(origin) else { throw failure }
            let pause = max(wait ?? 0, retry.backoff(afterAttempt: attempt, unit: unitRandom()))
            retrying(origin, attempt: attempt, reason: "status \(response.status)", wait: pause)
            try await sleep(pause)
        }
    }

    /// GET `url` and return the body of a 2xx answer; any other final status throws `NetworkError.status`.
    public func get(_ url: String, rateLimit: (key: String, limit: RateLimit)? = nil) async throws -> [UInt8] {
        let response = try await send(NetworkRequest(url: url, rateLimit: rateLimit))
        guard (200..<300).contains(response.status) else {
            throw NetworkError.status(response.status, url: url, body: response.text)
        }
        return response.body
    }
}
