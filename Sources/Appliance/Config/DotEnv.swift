import Storage
import Support

/// Parses `.env` text: `KEY=value` lines, optional `export `, `#` comments, single- or
/// double-quoted values (double quotes understand `\n`, `\"`, `\\`). Returns the pairs and a
/// problem per line it cannot read (by line number, never echoing the value).
enum DotEnv {
    static func parse(_ text: String) -> (values: [String: String], problems: [String]) {
        var values: [String: String] = [:]
        var problems: [String] = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmed()
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmed() }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(".env line \(offset + 1): expected KEY=value")
                continue
            }
            let key = line[..<equals].trimmed()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }), !(key.first?.isNumber ?? true) else {
                problems.append(".env line \(offset + 1): invalid variable name")
                continue
            }
            var value = line[line.index(after: equals)...].trimmed()
            if value.hasPrefix("\"") {
                guard value.count >= 2, value.hasSuffix("\"") else {
                    problems.append(".env line \(offset + 1): unterminated double quote")
                    continue
                }
                value = unescape(String(value.dropFirst().dropLast()))
            } else if value.hasPrefix("'") {
                guard value.count >= 2, value.hasSuffix("'") else {
                    problems.append(".env line \(offset + 1): unterminated single quote")
                    continue
                }
                value = String(value.dropFirst().dropLast())
            } else if let comment = value.split(separator: " #", maxSplits: 1, omittingEmptySubsequences: false).first,
                      comment.count < value.count {
                value = comment.trimmed()
            }
            values[key] = value
        }
        return (values, problems)
    }

    private static func unescape(_ text: String) -> String {
        var out = ""
        var escaping = false
        for character in text {
            if escaping {
                switch character {
                case "n": out.append("\n")
                case "t": out.append("\t")
                default: out.append(character)
                }
                escaping = false
            } else if character == "\\" {
                escaping = true
            } else {
                out.append(character)
            }
        }
        return out
    }
}
