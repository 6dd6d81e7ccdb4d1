import Glibc

/// Bytes written to a file descriptor whole (short writes retried): standard output, or a file
/// written beside its final name and renamed into place by `commit()`, so a failed or interrupted
/// write never leaves a half file under the final name.
public final class OutputFile {
    private let descriptor: Int32
    private let path: String?
    private let partialPath: String?

    /// Standard output.
    public static func standardOutput() -> OutputFile { OutputFile(descriptor: 1, path: nil, partial: nil) }

    /// `path`, written as `path.partial` until `commit()`. Throws when it cannot be created.
    public static func create(_ path: String) throws -> OutputFile {
        let partial = path + ".partial"
        let descriptor = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw FileSystem.posixError("cannot create \(partial)") }
        return OutputFile(descriptor: descriptor, path: path, partial: partial)
    }

    private init(descriptor: Int32, path: String?, partial: String?) {
        self.descriptor = descriptor
        self.path = path
        self.partialPath = partial
    }

    /// Writes every byte; throws on an I/O error (a full disk, a closed pipe).
    public func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { throw FileSystem.posixError("cannot write \(path ?? "standard output")") }
            offset += written
        }
    }

    /// For a file: syncs, closes and renames it to its final name.
    public func commit() throws {
        guard let path, let partialPath else { return }
        guard fsync(descriptor) == 0 else { throw FileSystem.posixError("cannot sync \(partialPath)") }
        close(descriptor)
        try FileSystem.durableRename(partialPath, to: path)
    }

    /// For a file: closes and deletes the partial file.
    public func discard() {
        guard let partialPath else { return }
        close(descriptor)
        unlink(partialPath)
    }
}
