import Dispatch
import Glibc
import Support

/// Waits for SIGTERM or SIGINT without a global handler: the signals are ignored for default
/// handling and observed through Dispatch sources.
final class SignalWaiter: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let queue = DispatchQueue(label: "tradewizard.signals")

    /// Suspends until SIGTERM or SIGINT arrives; returns its number.
    func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            queue.sync {
                var resumed = false
                for signalNumber in [SIGTERM, SIGINT] {
                    signal(signalNumber, SIG_IGN)
                    let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: queue)
                    source.setEventHandler {
                        guard !resumed else { return }
                        resumed = true
                        continuation.resume(returning: signalNumber)
                    }
                    source.resume()
                    sources.append(source)
                }
            }
        }
    }
}
