/// Telegram's MarkdownV2: every one of `_ * [ ] ( ) ~ ` > # + - = | { } . !` and the backslash
/// itself must be preceded by a backslash in ordinary text, or Telegram refuses the message
/// ("can't parse entities").
public enum MarkdownV2 {
    static let reserved: Set<Character> = ["_", "*", "[", "]", "(", ")", "~", "`", ">", "#", "+", "-", "=", "|", "{", "}", ".", "!", "\\"]

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
