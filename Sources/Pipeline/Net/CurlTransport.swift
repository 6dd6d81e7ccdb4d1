import CCurl
import FoundationEssentials
import Glibc
import Storage
import Support

/// Performs HTTP exchanges with libcurl on dedicated threads, so a slow server never holds a
/// thread of the cooperative pool. Each thread keeps one easy handle for its whole life, and
/// with it libcurl's connection cache, so connections to the same host are reused.
/// TLS peer and host verification stay on; responses are decompressed (gzip, deflate); libcurl
/// honours the `http_proxy`, `https_proxy` and `no_proxy` variables. Cancelling the calling task
/// aborts its transfer within libcurl's progress interval (about a second at most) with
/// `CancellationError`.
final class CurlTransport: Sendable {
    struct Settings: Sendable {
        var userAgent: String
        var connectTimeout: Double
        var timeout: Double
        var maxResponseBytes: Int
    }

    private struct Job: @unchecked Sendable {
        let request: NetworkRequest
        let continuation: CheckedContinuation<NetworkResponse, any Error>
        let cancelled: AtomicFlag
    }

    let settings: Settings
    private let queue = WorkQueue<Job>()

    /// Starts `threads` transfer threads. libcurl is loaded (and each thread's handle made) with
    /// the first request, not here; if it cannot be loaded, every request fails with
    /// `NetworkError.transport` naming why.
    init(settings: Settings, threads: Int) {
        self.settings = settings
        for _ in 0..<max(1, threads) {
            let queue = self.queue
            let thread = startThread {
                var handle: UnsafeMutableRawPointer?
                while let batch = queue.takeBatch(limit: 1) {
                    for job in batch {
                        if handle == nil { handle = tradewizard_curl_easy_init() }
                        guard let handle else {
                            let reason = tradewizard_curl_load_error().map { String(cString: $0) } ?? "curl_easy_init failed"
                            job.continuation.resume(throwing: NetworkError.transport(url: job.request.url, detail: reason))
                            continue
                        }
                        job.continuation.resume(with: Result {
                            if job.cancelled.isSet { throw CancellationError() }
                            return try Self.perform(job.request, on: handle, settings: settings, cancelled: job.cancelled)
                        })
                    }
                }
                // A thread that never made a handle leaves libcurl unloaded: loading it on the way out
                // (as the process exits) raced the TLS libraries' exit handlers and crashed.
                if let handle { tradewizard_curl_easy_cleanup(handle) }
            }
            pthread_detach(thread)
        }
    }

    deinit { queue.close() }

    /// Sends the request once (no retries) and returns whatever status the server answered.
    func send(_ request: NetworkRequest) async throws -> NetworkResponse {
        let cancelled = AtomicFlag()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if !queue.push(Job(request: request, continuation: continuation, cancelled: cancelled)) {
                    continuation.resume(throwing: NetworkError.transport(url: request.url, detail: "the client is shut down"))
                }
            }
        } onCancel: {
            cancelled.set(true)
        }
    }

    /// Collects the response while libcurl runs.
    private final class Sink {
        var body: [UInt8] = []
        var headers: [String: String] = [:]
        let limit: Int
        var overflowed = false
        /// An SMTP upload: the message, and how much of it libcurl has read.
        var upload: [UInt8] = []
        var uploaded = 0
        let cancelled: AtomicFlag
        init(limit: Int, cancelled: AtomicFlag) { self.limit = limit; self.cancelled = cancelled }
    }

    private static func perform(_ request: NetworkRequest, on handle: UnsafeMutableRawPointer, settings: Settings,
                                cancelled: AtomicFlag) throws -> NetworkResponse {
        tradewizard_curl_easy_reset(handle)
        let sink = Sink(limit: settings.maxResponseBytes, cancelled: cancelled)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        func set(_ option: CURLoption, _ value: Int) { _ = tradewizard_curl_setopt_long(handle, option, value) }
        func set(_ option: CURLoption, _ text: String) { _ = text.withCString { tradewizard_curl_setopt_pointer(handle, option, $0) } }

        set(CURLOPT_URL, request.url)
        set(CURLOPT_NOSIGNAL, 1)
        set(CURLOPT_USERAGENT, request.headers["User-Agent"] ?? settings.userAgent)
        set(CURLOPT_ACCEPT_ENCODING, "")
        set(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout * 1000))
        set(CURLOPT_TIMEOUT_MS, Int((request.timeout ?? settings.timeout) * 1000))
        set(CURLOPT_SSL_VERIFYPEER, 1)
        set(CURLOPT_SSL_VERIFYHOST, 2)
        set(CURLOPT_FOLLOWLOCATION, 1)
        set(CURLOPT_MAXREDIRS, 5)
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = tradewizard_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard sink.body.count + length <= sink.limit else { sink.overflowed = true; return 0 }
            data.map { sink.body.append(contentsOf: UnsafeRawBufferPointer(start: $0, count: length)) }
            return length
        }
        set(CURLOPT_NOPROGRESS, 0)
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_XFERINFODATA, context)
        _ = tradewizard_curl_setopt_progress(handle) { context, _, _, _, _ in
            Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue().cancelled.isSet ? 1 : 0
        }
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        _ = tradewizard_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let length = size * count
            guard let data else { return length }
            let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
            if line.hasPrefix("HTTP/") {
                sink.headers = [:] // a new response (after a redirect or 100 Continue)
            } else if let colon = line.firstIndex(of: ":") {
                sink.headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmed()
            }
            return length
        }

        if let mail = request.mail {
            return try Self.mail(request, envelope: mail, on: handle, sink: sink, context: context)
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for (name, value) in request.headers where name.lowercased() != "user-agent" {
            list = tradewizard_curl_slist_append(list, "\(name): \(value)")
        }
        if request.body != nil && request.headers.keys.contains(where: { $0.lowercased() == "expect" }) == false {
            list = tradewizard_curl_slist_append(list, "Expect:") // no 100-continue round trip for small bodies
        }
        defer { tradewizard_curl_slist_free_all(list) }
        if let list { _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list) }

        let body = request.body ?? []
        let code: CURLcode = body.withUnsafeBufferPointer { buffer in
            switch request.method.uppercased() {
            case "GET": set(CURLOPT_HTTPGET, 1)
            case "HEAD": set(CURLOPT_NOBODY, 1)
            case "POST":
                set(CURLOPT_POST, 1)
            default: set(CURLOPT_CUSTOMREQUEST, request.method.uppercased())
            }
            if request.body != nil {
                _ = tradewizard_curl_setopt_off(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(buffer.count))
                _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, buffer.baseAddress ?? UnsafePointer<UInt8>(bitPattern: 1))
            }
            return tradewizard_curl_easy_perform(handle)
        }
        // The callbacks were given a context that dies with this call.
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, nil)
        try Self.check(code, request: request, sink: sink, settings: settings)
        var status = 0
        _ = tradewizard_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return NetworkResponse(status: status, headers: sink.headers, body: sink.body)
    }

    /// Sends `request.body` as a mail: STARTTLS is required unless the server is on this machine
    /// (`smtps://` is TLS from the start); credentials come from the URL (`smtp://user:pass@host`).
    /// The response's status is the server's final SMTP code (250).
    private static func mail(_ request: NetworkRequest, envelope: MailEnvelope, on handle: UnsafeMutableRawPointer, sink: Sink,
                             context: UnsafeMutableRawPointer) throws -> NetworkResponse {
        func set(_ option: CURLoption, _ value: Int) { _ = tradewizard_curl_setopt_long(handle, option, value) }
        _ = "<\(envelope.from)>".withCString { tradewizard_curl_setopt_pointer(handle, CURLOPT_MAIL_FROM, $0) }
        var recipients: UnsafeMutablePointer<curl_slist>?
        for recipient in envelope.recipients { recipients = tradewizard_curl_slist_append(recipients, "<\(recipient)>") }
        defer { tradewizard_curl_slist_free_all(recipients) }
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, recipients)
        set(CURLOPT_USE_SSL, Int(LocalHost.isLocal(url: request.url) ? CURLUSESSL_TRY.rawValue : CURLUSESSL_ALL.rawValue))
        sink.upload = request.body ?? []
        set(CURLOPT_UPLOAD, 1)
        _ = tradewizard_curl_setopt_off(handle, CURLOPT_INFILESIZE_LARGE, curl_off_t(sink.upload.count))
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_READDATA, context)
        _ = tradewizard_curl_setopt_callback(handle, CURLOPT_READFUNCTION) { buffer, size, count, context in
            let sink = Unmanaged<Sink>.fromOpaque(context!).takeUnretainedValue()
            let length = min(size * count, sink.upload.count - sink.uploaded)
            guard length > 0, let buffer else { return 0 }
            sink.upload.withUnsafeBytes { bytes in
                UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + sink.uploaded, byteCount: length)
            }
            sink.uploaded += length
            return length
        }
        let code = tradewizard_curl_easy_perform(handle)
        _ = tradewizard_curl_setopt_pointer(handle, CURLOPT_MAIL_RCPT, nil)
        try check(code, request: request, sink: sink, settings: Settings(userAgent: "", connectTimeout: 0, timeout: 0, maxResponseBytes: 0))
        var status = 0
        _ = tradewizard_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return NetworkResponse(status: status, headers: [:], body: sink.body)
    }

    /// Maps a libcurl result to the client's errors.
    private static func check(_ code: CURLcode, request: NetworkRequest, sink: Sink, settings: Settings) throws {
        let cancelled = sink.cancelled
        guard code == CURLE_OK else {
            let detail = String(cString: tradewizard_curl_easy_strerror(code))
            switch code {
            case CURLE_ABORTED_BY_CALLBACK where cancelled.isSet:
                throw CancellationError()
            case CURLE_WRITE_ERROR where sink.overflowed:
                throw NetworkError.responseTooLarge(url: request.url, limit: settings.maxResponseBytes)
            case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
                throw NetworkError.unreachable(origin: request.origin, detail: detail)
            case CURLE_OPERATION_TIMEDOUT:
                throw NetworkError.timedOut(url: request.url)
            default:
                throw NetworkError.transport(url: request.url, detail: detail)
            }
        }
    }
}
