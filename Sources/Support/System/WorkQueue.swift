import Glibc

/// A blocking FIFO shared by producer tasks and dedicated consumer threads (mutex + condition).
///
/// Consumers block in `takeBatch` on their own OS threads, never on the Swift cooperative pool.
public final class WorkQueue<Job>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false

    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
        condition.deallocate()
    }

    /// Adds a job; false (and the job is not queued) once the queue is closed.
    @discardableResult
    public func push(_ job: Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        jobs.append(job)
        pthread_cond_signal(condition)
        return true
    }

    /// Waits for at least one job and takes up to `limit` of them; nil when closed and drained.
    public func takeBatch(limit: Int) -> [Job]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == jobs.count && !closed {
            pthread_cond_wait(condition, mutex)
        }
        guard head < jobs.count else { return nil }
        let end = min(jobs.count, head + limit)
        let batch = Array(jobs[head..<end])
        head = end
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            head = 0
        } else if head > 1024 {
            jobs.removeFirst(head)
            head = 0
        }
        return batch
    }

    /// Stops accepting jobs and wakes every waiting consumer; queued jobs are still handed out.
    public func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }
}

/// Starts a joinable OS thread (1 MiB stack) running `body`; join it with `pthread_join`.
public func startThread(_ body: @escaping @Sendable () -> Void) -> pthread_t {
    final class Box { let body: @Sendable () -> Void; init(_ b: @escaping @Sendable () -> Void) { body = b } }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    pthread_attr_setstacksize(&attributes, 1 << 20)
    let result = pthread_create(&thread, &attributes, { context in
        let box = Unmanaged<AnyObject>.fromOpaque(context!).takeRetainedValue()
        // The cast cannot fail: the context was made from a Box just above.
        (box as! Box).body()
        return nil
    }, context)
    pthread_attr_destroy(&attributes)
    precondition(result == 0, "pthread_create failed with \(result)")
    return thread
}

/// Runs blocking `body` on a fresh OS thread and resumes the caller with its result, so blocking
/// work (backups, file hashing) never holds a thread of the cooperative pool.
public func runBlocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = startThread {
            continuation.resume(with: Result { try body() })
        }
        pthread_detach(thread)
    }
}
