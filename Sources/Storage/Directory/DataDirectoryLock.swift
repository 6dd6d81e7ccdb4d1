import FoundationEssentials
import Glibc
import Support

/// An exclusive `flock` on `tradewizard.lock` that admits one writer process per data directory.
///
/// The lock is held until `release()` or deinit, and released by the kernel if the process dies.
/// The holder's pid is written into the file so the refusal can name it.
public final class DataDirectoryLock: @unchecked Sendable {
    private var descriptor: Int32
    /// The lock file.
    public let path: String

    private init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    /// Takes the lock without waiting. Throws `StorageError` `.dataDirectoryLocked` naming the
    /// holder's pid when another process has it.
    public static func acquire(_ directory: DataDirectory) throws -> DataDirectoryLock {
        let path = directory.lockPath
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw SystemError.lastCall("cannot open lock file \(path)") }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(descriptor, &buffer, 32, 0)
            close(descriptor)
            guard reason == EWOULDBLOCK else { throw SystemError(.io, "cannot lock \(path): \(String(cString: strerror(reason)))", errno: reason) }
            let pid = count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self).trimmed() : "unknown"
            throw StorageError(.dataDirectoryLocked,
                               "another tradewizard process (pid \(pid)) is using \(directory.path); stop it first")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pwrite(descriptor, pid, pid.count, 0)
        return DataDirectoryLock(descriptor: descriptor, path: path)
    }

    /// Releases the lock (idempotent).
    public func release() {
        guard descriptor >= 0 else { return }
        flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
