/// Malformed JSON text: where the parser stopped (`offset`, a byte index into the input) and why.
/// The input itself is never part of the error, so it can be logged without leaking a body.
public struct JSONError: Error, CustomStringConvertible, Sendable {
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "malformed JSON at byte \(offset): \(reason)" }
}
