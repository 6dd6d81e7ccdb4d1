import FoundationEssentials
import Glibc
@testable import Storage
import XCTest

/// A fresh private directory per test, removed afterwards.
func makeTemporaryDirectory(_ function: String = #function) throws -> String {
    var template = Array("/tmp/tradewizard-test-XXXXXX".utf8CString)
    guard let result = mkdtemp(&template) else { throw StorageError(.io, "mkdtemp failed") }
    return String(cString: result)
}

func removeDirectory(_ path: String) {
    _ = try? FileManager.default.removeItem(atPath: path)
}

/// A child process with its stdout on a pipe.
final class ChildProcess {
    let pid: pid_t
    private let stdoutReader: Int32
    private var buffer: [UInt8] = []

    /// Starts `arguments[0]` with `arguments` and extra environment entries.
    init(arguments: [String], environment: [String: String]) throws {
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else { throw StorageError(.io, "pipe failed") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
        posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
        var merged = ProcessInfo.processInfo.environment
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
        close(pipeEnds[1])
        guard status == 0 else {
            close(pipeEnds[0])
            throw StorageError(.io, "posix_spawn failed: \(status)")
        }
        pid = child
        stdoutReader = pipeEnds[0]
    }

    /// Reads the next complete line of stdout; nil at end of output.
    func readLine() -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = read(stdoutReader, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                // A partial last line (the child died mid-write) is not a complete acknowledgement.
                return nil
            }
            buffer += chunk[0..<count]
        }
    }

    func kill(_ signal: Int32 = SIGKILL) { Glibc.kill(pid, signal) }

    /// Waits for exit; returns the raw wait status.
    @discardableResult
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdoutReader)
        return status
    }
}

/// Writes a line to stdout unbuffered, so a parent sees it even if this process is killed next.
func writeLineUnbuffered(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if written <= 0 { if errno == EINTR { continue }; return }
        offset += written
    }
}

/// The path of the running test binary, to start it again as a child.
var testExecutablePath: String {
    var buffer = [CChar](repeating: 0, count: 4096)
    let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
    return String(decoding: buffer[0..<max(0, count)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// A minimal migration set for tests that need a table to write into.
let testTableSQL = "CREATE TABLE items (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload TEXT NOT NULL);"
