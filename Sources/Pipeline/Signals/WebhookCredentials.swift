import FoundationEssentials
import Support

/// How a webhook sender proved it may send signals; stored with each signal.
public enum WebhookAuthentication: String, Sendable, Equatable {
    /// `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` with `WEBHOOK_SECRET`.
    case hmac
    /// `POST /webhook/<WEBHOOK_TOKEN>`.
    case pathToken = "path_token"
    /// A `secret` field in the body equal to `WEBHOOK_TOKEN` (TradingView alerts that cannot sign).
    case bodySecret = "body_secret"
}

/// The credentials the webhook accepts, and the one check of a request against them. Every
/// comparison is constant-time. A request carrying a signature is judged by it alone; otherwise a
/// path token, otherwise a body secret.
public struct WebhookCredentials: Sendable {
    /// Key for `x-signature` HMAC-SHA256 of the raw body.
    public var hmacSecret: String?
    /// Token for `POST /webhook/<token>` or a `secret` body field.
    public var token: String?

    public init(hmacSecret: String?, token: String?) {
        self.hmacSecret = hmacSecret
        self.token = token
    }

    /// False when neither credential is set: the webhook is then disabled.
    public var isConfigured: Bool { hmacSecret != nil || token != nil }

    /// Seconds a timestamped signature (`X-TradeWizard-Signature`) may be off the server's clock.
    public static let timestampTolerance: Double = 300

    /// The method that authenticated the request, or nil when none did. `timestamped` is an
    /// `X-TradeWizard-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` — the
    /// scheme the appliance's own alerts are signed with — judged against `now`.
    public func authenticate(body: [UInt8], signature: String?, pathToken: String?, timestamped: String? = nil,
                             now: Date = Date()) -> WebhookAuthentication? {
        if let timestamped {
            guard let secret = hmacSecret else { return nil }
            var fields: [String: String] = [:]
            for part in timestamped.split(separator: ",") {
                let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmed() }
                if pair.count == 2 { fields[pair[0]] = pair[1] }
            }
            guard let t = fields["t"], t.allSatisfy(\.isNumber), t.count <= 12, let seconds = Double(t),
                  abs(now.timeIntervalSince1970 - seconds) <= Self.timestampTolerance, let presented = fields["v1"]?.lowercased() else { return nil }
            let expected = HMACSHA256.authenticationCode(key: Array(secret.utf8), message: Array("\(t).".utf8) + body).hexString
            return constantTimeEquals(Array(presented.utf8), Array(expected.utf8)) ? .hmac : nil
        }
        if let signature {
            guard let secret = hmacSecret else { return nil }
            var hex = signature.trimmed().lowercased()
            if hex.hasPrefix("sha256=") { hex.removeFirst(7) }
            let expected = HMACSHA256.authenticationCode(key: Array(secret.utf8), message: body).hexString
            return constantTimeEquals(Array(hex.utf8), Array(expected.utf8)) ? .hmac : nil
        }
        guard let token else { return nil }
        if let pathToken {
            return constantTimeEquals(Array(pathToken.utf8), Array(token.utf8)) ? .pathToken : nil
        }
        if let secret = (try? SignalBody.decode(body))?.secret {
            return constantTimeEquals(Array(secret.utf8), Array(token.utf8)) ? .bodySecret : nil
        }
        return nil
    }
}
