import FoundationEssentials
import Glibc
import Pipeline
import Support
import Synchronization

/// One updating progress line on standard error — done/total, rate and time left — for long
/// commands (`replay`, `backtest`, `export`, `backup`). Silent when standard error is not a
/// terminal or when the command prints JSON, so scripts and logs never see it.
final class Progress: Sendable {
    private struct State {
        var done = 0
        var lastDraw = 0.0
    }
    let label: String
    let total: Int
    let enabled: Bool
    private let started = MonotonicInstant.now()
    private let state = Mutex(State())

    /// `total` 0 means unknown (only the count and rate are shown).
    init(label: String, total: Int, enabled: Bool = true) {
        self.label = label
        self.total = total
        self.enabled = enabled && isatty(2) == 1
    }

    /// Counts `count` more items done; redraws at most five times a second.
    func advance(by count: Int = 1) {
        guard enabled else { return }
        let line: String? = state.withLock { state in
            state.done += count
            let elapsed = started.secondsElapsed()
            guard elapsed - state.lastDraw >= 0.2 else { return nil }
            state.lastDraw = elapsed
            return render(done: state.done, elapsed: elapsed)
        }
        if let line { LogSink.standardError.write("\r\u{1B}[2K" + line) }
    }

    /// Clears the line (call once at the end).
    func finish() {
        guard enabled else { return }
        LogSink.standardError.write("\r\u{1B}[2K")
    }

    func render(done: Int, elapsed: Double) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        var line = "\(label): \(done)" + (total > 0 ? "/\(total)" : "") + ", \(Format.decimal(rate, 0))/s"
        if total > 0, rate > 0, done < total { line += ", \(Format.decimal(Double(total - done) / rate, 0)) s left" }
        return line
    }
}
