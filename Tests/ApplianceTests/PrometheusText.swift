import XCTest

/// Checks Prometheus text exposition the way a Prometheus server reads it.
enum PrometheusText {
    /// Fails unless every histogram in `text` has non-decreasing `_bucket` values in `le` order,
    /// ends with `le="+Inf"`, and that last bucket equals its `_count`. Returns the histograms seen.
    @discardableResult
    static func assertHistogramsAreCumulative(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        var buckets: [String: [(bound: Double, value: Double)]] = [:]
        var counts: [String: Double] = [:]
        for sample in text.split(separator: "\n") where !sample.hasPrefix("#") {
            let parts = sample.split(separator: " ")
            guard parts.count >= 2, let value = Double(parts[parts.count - 1]) else { continue }
            let series = String(parts[0])
            let name = String(series.prefix { $0 != "{" })
            // Labels other than `le` tell series of one family apart.
            let labels = series.drop { $0 != "{" }
            let others = labels.split(separator: ",").filter { !$0.contains("le=\"") }.joined(separator: ",")
            if name.hasSuffix("_bucket"), let range = labels.range(of: "le=\"") {
                let bound = labels[range.upperBound...].prefix { $0 != "\"" }
                let key = String(name.dropLast(7)) + others
                buckets[key, default: []].append((bound == "+Inf" ? .infinity : Double(bound) ?? .nan, value))
            } else if name.hasSuffix("_count") {
                counts[String(name.dropLast(6)) + others.replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "{", with: "")] = value
            }
        }
        for (key, series) in buckets {
            let values = series.map(\.value)
            XCTAssertEqual(values, values.sorted(), "\(key): buckets must be cumulative", file: file, line: line)
            XCTAssertEqual(series.map(\.bound), series.map(\.bound).sorted(), "\(key): bounds in order", file: file, line: line)
            XCTAssertEqual(series.last?.bound, .infinity, "\(key) ends at +Inf", file: file, line: line)
            let countKey = key.replacingOccurrences(of: "}", with: "").replacingOccurrences(of: "{", with: "")
            XCTAssertEqual(series.last?.value, counts[countKey], "\(key): the +Inf bucket equals _count", file: file, line: line)
        }
        return buckets.keys.sorted()
    }
}
