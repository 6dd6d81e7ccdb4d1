/// Telegram's MarkdownV2: every one of `_ * [ ] ( ) ~ ` > # + - = | { } . !` and the backslash
/// itself must be preceded by a backslash in ordinary text, or Telegram refuses the message
/// ("can't parse entities").
public enum MarkdownV2 {
    static let reserved: Set<Character> = ["_", "*", "[", "]", "(", ")", "~", "`", ">", "#", "+", "-", "=", "|", "{", "}", ".", "!", "\\"]

    /// `text` as literal MarkdownV2 text of at most `limit` characters after escaping (Telegram
    /// refuses messages over 4,096): a longer text is cut before an escape could be split, and
    /// ends with an ellipsis.
    public static func escape(_ text: String, limit: Int) -> String {
        let escaped = escape(text)
        guard escaped.count > limit else { return escaped }
        var cut = String(escaped.prefix(limit - 1))
        // A trailing backslash would escape the ellipsis instead of the character it was for.
        var trailing = 0
        for character in cut.reversed() { if character == "\\" { trailing += 1 } else { break } }
        if trailing % 2 == 1 { cut.removeLast() }
        return cut + "…"
    }

    /// `text` as literal MarkdownV2 text.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for character in text {
            if reserved.contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
