import Support

/// Reads a market's resolution source from its description when Gamma's `resolutionSource` field
/// is empty — as it is for almost every real market, whose rules name the source in prose:
/// "The resolution source for this market will be official information from …", "… according
/// to the Associated Press …", "… as reported by …".
public enum ResolutionSourceText {
    /// The phrases that introduce a source, strongest first, lowercased.
    static let introducers = [
        "resolution source for this market will be ", "resolution source for this market is ",
        "resolution source will be ", "resolution source is ",
        "according to ", "as reported by ", "as published by ",
    ]

    /// The named source (at most 120 characters, up to the end of its sentence or clause), or nil
    /// when the description names none.
    public static func named(in description: String?) -> String? {
        guard let description, !description.isEmpty else { return nil }
        let lower = description.lowercased()
        for introducer in introducers {
            guard let range = lower.firstRange(of: introducer) else { continue }
            // Same offsets in the original text (lowercasing ASCII-only phrases keeps lengths for them;
            // fall back to the lowercased text when the lengths differ).
            let text = lower.count == description.count ? description : lower
            let start = text.index(text.startIndex, offsetBy: lower.distance(from: lower.startIndex, to: range.upperBound))
            var source = String(text[start...].prefix { !".;\n".contains($0) }.prefix(120))
            for clauseEnd in [", however", ", but", " however"] {
                if let cut = source.firstRange(of: clauseEnd) { source = String(source[..<cut.lowerBound]) }
            }
            source = source.trimmed()
            if source.count >= 3 { return source }
        }
        return nil
    }
}
