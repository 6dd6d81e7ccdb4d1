import FoundationEssentials
import Pipeline
import Support

/// One line of a chart: points in data units, drawn with a CSS class.
struct ChartSeries: Sendable {
    var points: [(x: Double, y: Double)]
    var style: String
    /// Dots at every point instead of a line.
    var dots = false
}

/// A shaded horizontal band (an entry or target zone) over `x` (nil: the whole width).
struct ChartBand: Sendable {
    var y: ClosedRange<Double>
    var x: ClosedRange<Double>?
    var style: String
    var label: String
}

/// A vertical rule (x only) or a dot (x and y) with a label shown as its tooltip.
struct ChartMarker: Sendable {
    var x: Double
    var y: Double?
    var style: String
    var label: String
}

/// Charts rendered server-side as inline SVG: no script, no external resource. Every chart has a
/// `<title>` and a text summary (`<desc>` and a caption) so it is readable without sight, and is
/// downsampled to its pixel width (each pixel column keeps its first, lowest, highest and last
/// point), so a chart's size depends on its width, not on the length of the history.
enum SVGChart {
    static let width = 640.0, height = 240.0
    static let left = 44.0, right = 8.0, top = 10.0, bottom = 24.0

    /// A line chart of `series` over `xRange` × `yRange`, with bands and markers; x is epoch
    /// seconds when `timeAxis`, else plain numbers.
    static func line(title: String, summary: String, series: [ChartSeries], xRange: ClosedRange<Double>, yRange: ClosedRange<Double>,
                     bands: [ChartBand] = [], markers: [ChartMarker] = [], timeAxis: Bool = true, standalone: Bool = false,
                     yFormat: (Double) -> String = { Format.decimal($0, 2) }) -> HTML {
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let xSpan = max(xRange.upperBound - xRange.lowerBound, 1e-9), ySpan = max(yRange.upperBound - yRange.lowerBound, 1e-9)
        func px(_ x: Double) -> Double { left + (x - xRange.lowerBound) / xSpan * plotWidth }
        func py(_ y: Double) -> Double { top + (1 - (min(max(y, yRange.lowerBound), yRange.upperBound) - yRange.lowerBound) / ySpan) * plotHeight }
        func n(_ value: Double) -> String { Format.decimal(value, 1) }

        var parts: [HTML] = []
        for step in 0...4 {
            let y = yRange.lowerBound + ySpan * Double(step) / 4
            parts.append("<line class=\"grid\" x1=\"\(n(left))\" x2=\"\(n(width - right))\" y1=\"\(n(py(y)))\" y2=\"\(n(py(y)))\"/><text class=\"axis\" x=\"\(n(left - 4))\" y=\"\(n(py(y) + 4))\" text-anchor=\"end\">\(yFormat(y))</text>")
        }
        for step in 0...3 {
            let x = xRange.lowerBound + xSpan * Double(step) / 3
            let label = timeAxis ? String(Timestamp.format(Date(timeIntervalSince1970: x)).prefix(10)) : Format.decimal(x, 2)
            let anchor = step == 0 ? "start" : step == 3 ? "end" : "middle"
            parts.append("<text class=\"axis\" x=\"\(n(px(x)))\" y=\"\(n(height - 6))\" text-anchor=\"\(anchor)\">\(label)</text>")
        }
        for band in bands {
            let x0 = px(max(band.x?.lowerBound ?? xRange.lowerBound, xRange.lowerBound)), x1 = px(min(band.x?.upperBound ?? xRange.upperBound, xRange.upperBound))
            let y0 = py(band.y.upperBound), y1 = py(band.y.lowerBound)
            parts.append("<rect class=\"\(band.style)\" x=\"\(n(x0))\" y=\"\(n(y0))\" width=\"\(n(max(1, x1 - x0)))\" height=\"\(n(max(1, y1 - y0)))\"><title>\(band.label)</title></rect>")
        }
        for line in series {
            let points = downsample(line.points.filter { xRange.contains($0.x) }, columns: Int(plotWidth), xRange: xRange)
            if line.dots {
                for point in points {
                    parts.append("<circle class=\"\(line.style)\" cx=\"\(n(px(point.x)))\" cy=\"\(n(py(point.y)))\" r=\"3\"/>")
                }
            } else if !points.isEmpty {
                let path = points.map { "\(n(px($0.x))),\(n(py($0.y)))" }.joined(separator: " ")
                parts.append("<polyline class=\"\(line.style)\" points=\"\(HTML(raw: path))\"/>")
            }
        }
        for marker in markers where xRange.contains(marker.x) {
            if let y = marker.y {
                parts.append("<circle class=\"\(marker.style)\" cx=\"\(n(px(marker.x)))\" cy=\"\(n(py(y)))\" r=\"4\"><title>\(marker.label)</title></circle>")
            } else {
                parts.append("<line class=\"\(marker.style)\" x1=\"\(n(px(marker.x)))\" x2=\"\(n(px(marker.x)))\" y1=\"\(n(top))\" y2=\"\(n(height - bottom))\"><title>\(marker.label)</title></line>")
            }
        }
        if standalone { return document(title: title, summary: summary, body: parts) }
        return frame(title: title, summary: summary, viewBox: "0 0 \(Int(width)) \(Int(height))", body: parts)
    }

    /// A chart as an SVG file of its own (`tradewizard chart`, stored snapshots): the namespace,
    /// a light stylesheet inside, a white background, the title and the summary.
    static func document(title: String, summary: String, body: [HTML]) -> HTML {
        """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" width="\(Int(width))" height="\(Int(height))" role="img"><title>\(title)</title><desc>\(summary)</desc><style>\(HTML(raw: standaloneStyle))</style><rect width="100%" height="100%" fill="#fff"/>\(body)</svg>
        """
    }

    static let standaloneStyle = """
    text.axis{font:11px sans-serif;fill:#5c6670}.grid{stroke:#d0d7de}.price{fill:none;stroke:#0b5cad;stroke-width:1.6}\
    .consensus{fill:none;stroke:#1a7f37;stroke-width:1.4;stroke-dasharray:4 3}.band{fill:#1a7f3718}.entry{fill:#2e7d3226}\
    .target{fill:#0b5cad22}.stop{stroke:#c62828;stroke-width:1.5;stroke-dasharray:5 3}.rec{stroke:#5c6670}.fill{fill:#1a7f37}.exit{fill:#c62828}
    """

    /// A small line without axes (a 7-day price in a table row).
    static func sparkline(_ points: [(x: Double, y: Double)], title: String) -> HTML {
        let w = 120.0, h = 28.0
        guard let first = points.first, let last = points.last, last.x > first.x else {
            return "<span class=\"muted\">no history</span>"
        }
        let low = points.map(\.y).min()!, high = points.map(\.y).max()!
        let span = max(high - low, 0.01)
        // Whole numbers in a viewBox ten times the size: no decimal formatting per point (the
        // markets table draws fifty of these).
        var path = ""
        for point in downsample(points, columns: Int(w) / 2, xRange: first.x...last.x) {
            if !path.isEmpty { path += " " }
            path += String(Int(((point.x - first.x) / (last.x - first.x) * w * 10).rounded()))
            path += ","
            path += String(Int(((2 + (1 - (point.y - low) / span) * (h - 4)) * 10).rounded()))
        }
        return "<svg class=\"spark\" role=\"img\" viewBox=\"0 0 \(Int(w * 10)) \(Int(h * 10))\" width=\"\(Int(w))\" height=\"\(Int(h))\"><title>\(title)</title><polyline class=\"price\" points=\"\(HTML(raw: path))\"/></svg>"
    }

    /// Vertical bars of `values` (label, value ≥ 0).
    static func bars(title: String, summary: String, values: [(label: String, value: Double)], format: (Double) -> String) -> HTML {
        let plotHeight = height - top - bottom
        let maximum = max(values.map(\.value).max() ?? 0, 1e-9)
        let slot = (width - left - right) / Double(max(values.count, 1))
        var parts: [HTML] = []
        for (index, item) in values.enumerated() {
            let barHeight = item.value / maximum * plotHeight
            let x = left + Double(index) * slot
            parts.append("<rect class=\"bar\" x=\"\(Format.decimal(x + slot * 0.15, 1))\" y=\"\(Format.decimal(top + plotHeight - barHeight, 1))\" width=\"\(Format.decimal(slot * 0.7, 1))\" height=\"\(Format.decimal(max(barHeight, 0.5), 1))\"><title>\(item.label): \(format(item.value))</title></rect>")
            if values.count <= 14 || index % max(1, values.count / 7) == 0 {
                parts.append("<text class=\"axis\" x=\"\(Format.decimal(x + slot / 2, 1))\" y=\"\(Format.decimal(height - 6, 1))\" text-anchor=\"middle\">\(item.label)</text>")
            }
        }
        parts.append("<text class=\"axis\" x=\"\(Format.decimal(left - 4, 1))\" y=\"\(Format.decimal(top + 8, 1))\" text-anchor=\"end\">\(format(maximum))</text>")
        return frame(title: title, summary: summary, viewBox: "0 0 \(Int(width)) \(Int(height))", body: parts)
    }

    static func frame(title: String, summary: String, viewBox: String, body: [HTML]) -> HTML {
        """
        <figure class="chart"><svg role="img" viewBox="\(viewBox)" preserveAspectRatio="xMidYMid meet" aria-label="\(title)"><title>\(title)</title><desc>\(summary)</desc>\(body)</svg><figcaption>\(summary)</figcaption></figure>
        """
    }

    /// At most four points per pixel column (first, lowest, highest, last, in time order), so
    /// spikes survive and the output is bounded by the width.
    static func downsample(_ points: [(x: Double, y: Double)], columns: Int, xRange: ClosedRange<Double>) -> [(x: Double, y: Double)] {
        guard points.count > columns * 4, columns > 0 else { return points }
        let span = max(xRange.upperBound - xRange.lowerBound, 1e-9)
        var out: [(x: Double, y: Double)] = []
        out.reserveCapacity(columns * 4)
        var bucket: [(x: Double, y: Double)] = []
        var current = -1
        func flush() {
            guard let first = bucket.first, let last = bucket.last else { return }
            let low = bucket.min { $0.y < $1.y }!, high = bucket.max { $0.y < $1.y }!
            var kept = [first, low, high, last].sorted { $0.x < $1.x }
            kept = kept.enumerated().filter { index, point in index == 0 || point.x != kept[index - 1].x || point.y != kept[index - 1].y }.map(\.element)
            out += kept
            bucket.removeAll(keepingCapacity: true)
        }
        for point in points {
            let column = min(columns - 1, Int((point.x - xRange.lowerBound) / span * Double(columns)))
            if column != current { flush(); current = column }
            bucket.append(point)
        }
        flush()
        return out
    }
}
