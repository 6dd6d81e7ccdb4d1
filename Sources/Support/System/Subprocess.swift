import FoundationEssentials
import Glibc

/// A child process with its standard output on a pipe. Benchmarks and tests start the appliance
/// binary (or the test binary itself, for crash tests) this way.
public final class Subprocess: @unchecked Sendable {
    public let pid: pid_t
    private let reader: Int32
    private var buffer: [UInt8] = []

    /// Starts `arguments[0]` (a path) with `arguments` and the current environment plus
    /// `environment` (only `environment` when `inheritEnvironment` is false); standard error joins
    /// standard output when `mergeErrors`.
    public init(arguments: [String], environment: [String: String] = [:], inheritEnvironment: Bool = true,
                mergeErrors: Bool = false) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SystemError.lastCall("pipe() failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        if mergeErrors { posix_spawn_file_actions_adddup2(&actions, ends[1], 2) }
        posix_spawn_file_actions_addclose(&actions, ends[0])
        var merged = inheritEnvironment ? ProcessInfo.processInfo.environment : [:]
        for (key, value) in environment { merged[key] = value }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
            posix_spawn_file_actions_destroy(&actions)
        }
        var child = pid_t()
        let status = posix_spawn(&child, arguments[0], &actions, nil, argv, envp)
        close(ends[1])
        guard status == 0 else {
            close(ends[0])
            throw SystemError(status == ENOENT ? .notFound : .io, "cannot start \(arguments[0]): \(String(cString: strerror(status)))", errno: status)
        }
        pid = child
        reader = ends[0]
    }

    /// The next complete line of output; nil at end of output.
    public func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(reader, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return nil }
            buffer += chunk[0..<count]
        }
    }

    /// Everything left on standard output.
    public func readAll() -> String {
        var lines: [String] = []
        while let line = readLine() { lines.append(line) }
        return lines.joined(separator: "\n")
    }

    public func signal(_ number: Int32) { kill(pid, number) }

    /// Waits for the child; returns its exit status (128+signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(reader)
        let signalled = status & 0x7f
        return signalled == 0 ? (status >> 8) & 0xff : 128 + signalled
    }

    /// Path of the running executable.
    public static var currentExecutable: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return cText(Array(buffer[0..<max(0, count)]))
    }

    /// Finds an executable on PATH.
    public static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { access($0, X_OK) == 0 }
    }
}

/// A NUL-terminated C buffer as a String.
public func cText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
