/// Replaces configured secrets in text. Secrets shorter than 4 characters are ignored (they would
/// redact ordinary words and are refused by configuration validation anyway).
public struct Redactor: Sendable {
    let secrets: [String]

    public init(secrets: [String]) {
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count > $1.count }
    }

    /// `text` with every secret replaced by `[REDACTED]`.
    public func redact(_ text: String) -> String {
        guard !secrets.isEmpty else { return text }
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.split(separator: secret, omittingEmptySubsequences: false).joined(separator: "[REDACTED]")
        }
        return result
    }
}
