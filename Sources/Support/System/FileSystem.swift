import FoundationEssentials
import Glibc

/// Small POSIX file helpers for files that are *not* the live database (backups, manifests,
/// directories). The live database file is only ever touched through SQLite.
public enum FileSystem {
    /// Creates `path` (and parents) with mode 0700 if missing, and tightens it to 0700.
    public static func makePrivateDirectory(_ path: String) throws {
        if !isDirectory(path) {
            let parent = directoryName(path)
            if parent != path && parent != "." && parent != "/" && !isDirectory(parent) {
                try makePrivateDirectory(parent)
            }
            guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw posixError("cannot create directory \(path)") }
        }
        guard chmod(path, 0o700) == 0 else { throw posixError("cannot set permissions of \(path)") }
    }

    /// True when `path` exists and is a directory.
    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// True when `path` exists.
    public static func exists(_ path: String) -> Bool {
        access(path, F_OK) == 0
    }

    /// Size of a file in bytes.
    public static func size(_ path: String) throws -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw posixError("cannot read size of \(path)") }
        return Int64(info.st_size)
    }

    /// Flushes a file's or directory's contents and metadata to stable storage.
    public static func fsync(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("cannot open \(path) to sync it") }
        defer { close(descriptor) }
        guard Glibc.fsync(descriptor) == 0 else { throw posixError("cannot sync \(path)") }
    }

    /// Renames atomically within one file system, then syncs the directory so the rename is durable.
    public static func durableRename(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else { throw posixError("cannot rename \(source) to \(destination)") }
        try fsync(path: directoryName(destination))
    }

    /// Writes `data` to `path` atomically and durably (temporary file, fsync, rename, fsync dir), mode 0600.
    public static func writeAtomically(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw posixError("cannot create \(temporary)") }
        var written = 0
        let ok: Bool = data.withUnsafeBytes { buffer in
            while written < buffer.count {
                let result = write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if result < 0 { if errno == EINTR { continue }; return false }
                written += result
            }
            return Glibc.fsync(descriptor) == 0
        }
        close(descriptor)
        guard ok else {
            unlink(temporary)
            throw posixError("cannot write \(temporary)")
        }
        try durableRename(temporary, to: path)
    }

    /// Reads a whole (small) file. Never call this on the live database.
    public static func read(_ path: String) throws -> Data {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError.lastCall("cannot read \(path)") }
        defer { close(descriptor) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 { if errno == EINTR { continue }; throw posixError("cannot read \(path)") }
            if count == 0 { return data }
            data.append(contentsOf: buffer[0..<count])
        }
    }

    /// SHA-256 of a file's bytes, streamed. Never call this on the live database.
    public static func sha256(ofFile path: String) throws -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw posixError("cannot open \(path)") }
        defer { close(descriptor) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { if errno == EINTR { continue }; throw posixError("cannot read \(path)") }
            if count == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return hasher.finalize().hexString
    }

    /// Bytes available to an unprivileged user on the file system holding `path`.
    public static func freeBytes(at path: String) throws -> Int64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { throw posixError("cannot read free space of \(path)") }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// Removes a file; a missing file is not an error.
    public static func remove(_ path: String) throws {
        if unlink(path) != 0 && errno != ENOENT { throw posixError("cannot remove \(path)") }
    }

    /// Names of the entries of a directory.
    public static func contents(of directory: String) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    }

    /// The directory part of a path ("." when there is none).
    public static func directoryName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of a path.
    public static func baseName(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    static func posixError(_ message: String) -> SystemError {
        SystemError.lastCall(message)
    }
}
