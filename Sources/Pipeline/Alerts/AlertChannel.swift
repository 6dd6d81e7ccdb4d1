import FoundationEssentials
import Storage
import Support

/// One configured alert destination and its wire format.
public struct AlertChannel: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// Our own JSON webhook, signed with HMAC-SHA256.
        case webhook
        /// Slack-compatible incoming webhooks (Slack, Mattermost, Discord's `/slack` endpoint).
        case slack
        /// Discord webhooks.
        case discord
        /// Telegram Bot API `sendMessage`.
        case telegram
        /// Mail through an SMTP server (`smtp://` with STARTTLS, or `smtps://`).
        case email
    }

    /// The channel's name in routes and the outbox (`webhook`, `slack`, `discord`, `telegram`).
    public var name: String
    public var kind: Kind
    /// Where messages go (Telegram: the API base URL; the bot token is separate).
    public var url: String
    /// Webhook: the HMAC key. Telegram: the bot token.
    public var secret: String?
    /// Telegram: the chat id.
    public var chatID: String?
    /// Alerts below this severity are not sent here.
    public var minimumSeverity: AlertSeverity = .info
    /// Email: the sender and the recipients.
    public var mailFrom: String?
    public var mailTo: [String] = []

    public init(name: String, kind: Kind, url: String, secret: String? = nil, chatID: String? = nil, minimumSeverity: AlertSeverity = .info) {
        self.name = name
        self.kind = kind
        self.url = url
        self.secret = secret
        self.chatID = chatID
        self.minimumSeverity = minimumSeverity
    }

    /// What one send did.
    public enum Outcome: Sendable, Equatable {
        case sent(response: String)
        /// The provider asked us to wait (429): try again after `seconds`, not counted as a failure of the message.
        case wait(seconds: Double, response: String)
        /// Failed; `permanent` when sending again cannot help (a 4xx other than 429).
        case failed(error: String, permanent: Bool)
    }

    /// The request delivering `text` for `delivery` at `now` (unix seconds in the signature).
    public func request(_ delivery: AlertDelivery, text: String, now: Date) -> NetworkRequest {
        switch kind {
        case .webhook:
            let body = JSONValue.object([
                "id": .string(delivery.idempotencyKey), "event": .string(delivery.event), "severity": .string(delivery.severity.rawValue),
                "time": .string(Timestamp.format(delivery.createdAt)), "text": .string(text), "data": delivery.data,
            ]).serialized()
            var headers = ["Content-Type": "application/json", "X-TradeWizard-Event": delivery.event, "Idempotency-Key": delivery.idempotencyKey]
            if let secret { headers["X-TradeWizard-Signature"] = Self.signature(secret: secret, body: body, time: Int64(now.timeIntervalSince1970)) }
            return NetworkRequest(method: "POST", url: url, headers: headers, body: body, timeout: 10)
        case .slack:
            return NetworkRequest(method: "POST", url: url, headers: ["Content-Type": "application/json"],
                                  body: JSONValue.object(["text": .string(text)]).serialized(), timeout: 10)
        case .discord:
            // Discord refuses content over 2,000 characters; no mentions are ever pinged.
            let content = text.count > 2_000 ? String(text.prefix(1_997)) + "…" : text
            return NetworkRequest(method: "POST", url: url, headers: ["Content-Type": "application/json"],
                                  body: JSONValue.object(["content": .string(content), "allowed_mentions": .object(["parse": .array([])])]).serialized(),
                                  timeout: 10)
        case .email:
            let subject = "[TradeWizard] \(delivery.severity.rawValue): \(delivery.event)"
            let lines = [
                "From: TradeWizard <\(mailFrom ?? "")>", "To: " + mailTo.joined(separator: ", "), "Subject: \(subject)",
                "Date: \(Self.mailDate(now))", "Message-ID: <\(delivery.idempotencyKey)@tradewizard>", "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "X-TradeWizard-Event: \(delivery.event)", "",
            ] + text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var request = NetworkRequest(method: "POST", url: url, body: Array((lines.joined(separator: "\r\n") + "\r\n").utf8), timeout: 30)
            request.mail = MailEnvelope(from: mailFrom ?? "", recipients: mailTo)
            return request
        case .telegram:
            let escaped = MarkdownV2.escape(text, limit: 4_096)
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            return NetworkRequest(method: "POST", url: "\(base)/bot\(secret ?? "")/sendMessage", headers: ["Content-Type": "application/json"],
                                  body: JSONValue.object(["chat_id": .string(chatID ?? ""), "text": .string(escaped),
                                                          "parse_mode": .string("MarkdownV2"), "disable_web_page_preview": .bool(true)]).serialized(),
                                  timeout: 10)
        }
    }

    /// RFC 5322 date in UTC: `Fri, 04 Dec 2026 15:54:00 +0000`.
    static func mailDate(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        let iso = Timestamp.format(date) // YYYY-MM-DDTHH:MM:SS.sssZ
        let parts = iso.split(separator: "T")
        let ymd = parts[0].split(separator: "-")
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let month = months[(Int(ymd[1]) ?? 1) - 1]
        return "\(weekday), \(ymd[2]) \(month) \(ymd[0]) \(parts[1].prefix(8)) +0000"
    }

    /// `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
    public static func signature(secret: String, body: [UInt8], time: Int64) -> String {
        "t=\(time),v1=" + HMACSHA256.authenticationCode(key: Array(secret.utf8), message: Array("\(time).".utf8) + body).hexString
    }

    /// `text` with this channel's secrets (a bot token, a webhook URL that is itself the
    /// credential) replaced, for logs and the stored last error.
    public func redact(_ text: String) -> String {
        var out = text
        if kind == .slack || kind == .discord || kind == .email { out = out.replacing(url, with: "[redacted URL]") }
        if kind == .telegram, let secret, !secret.isEmpty { out = out.replacing(secret, with: "[redacted]") }
        return out
    }

    /// Reads the provider's answer: each one says success and "wait" its own way.
    public func outcome(_ response: NetworkResponse, now: Date) -> Outcome {
        let text = String(response.text.prefix(500))
        let body = try? JSONValue.parse(response.body)
        if response.status == 429 {
            // Telegram: parameters.retry_after; Discord: retry_after (seconds, fractional); others: Retry-After.
            let asked = body?["parameters"]?["retry_after"]?.numberValue ?? body?["retry_after"]?.numberValue ?? response.retryAfter(now: now)
            return .wait(seconds: min(3_600, max(1, asked ?? 30)), response: text)
        }
        switch kind {
        case .telegram:
            if body?["ok"] == .bool(true), (200..<300).contains(response.status) { return .sent(response: text) }
            if let retry = body?["parameters"]?["retry_after"]?.numberValue { return .wait(seconds: min(3_600, max(1, retry)), response: text) }
        case .slack:
            // Slack answers 200 "ok"; its errors are plain strings (invalid_payload, no_text, channel_not_found…).
            if response.status == 200 { return .sent(response: text) }
        case .discord, .webhook:
            if (200..<300).contains(response.status) { return .sent(response: text.isEmpty ? "HTTP \(response.status)" : text) }
        case .email:
            // libcurl succeeds only when the server took the message; its final reply is 250.
            if (200..<300).contains(response.status) { return .sent(response: "SMTP \(response.status)") }
            return .failed(error: "SMTP \(response.status)", permanent: response.status >= 500)
        }
        let permanent = (400..<500).contains(response.status) && response.status != 408
        return .failed(error: redact("HTTP \(response.status): \(text)"), permanent: permanent)
    }
}
