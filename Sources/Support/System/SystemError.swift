import Glibc

/// A failure of an operating-system call made by the support floor (files, pipes, child
/// processes). `code` is stable for callers to switch on; `message` names the path or program and
/// ends with the system's own reason; `errno` is the raw value when one was set.
public struct SystemError: Error, CustomStringConvertible, Sendable {
    /// Stable identifiers of system failures.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A file, directory or program was not there.
        public static let notFound = Code(rawValue: "not_found")
        /// Any other failed call (permissions, a full disk, a broken pipe).
        public static let io = Code(rawValue: "io")
    }

    public let code: Code
    public let message: String
    public let errno: Int32?

    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    /// An error for the call that just failed: `errno` decides the code (`ENOENT` is `.notFound`).
    public static func lastCall(_ message: String) -> SystemError {
        let number = Glibc.errno
        return SystemError(number == ENOENT ? .notFound : .io, "\(message): \(String(cString: strerror(number)))", errno: number)
    }

    public var description: String { message }
}
