import FoundationEssentials
import Pipeline
import Storage
import Support

/// The reasoning of a market's latest analysis: the consensus numbers (from the run's stored
/// detail), the bull and bear theses and the cross-examination (from its final checkpoint).
enum AnalysisDetail {
    static func section(run: AnalysisRun?, channels: JSONValue) -> HTML {
        guard let run else { return "" }
        func number(_ value: JSONValue?, _ places: Int = 3) -> String { value?.numberValue.map { Format.decimal($0, places) } ?? "-" }
        let consensus = run.detail["consensus"] ?? .null
        var facts: [(String, String)] = [
            ("Consensus probability", number(consensus["probability"])),
            ("Band", "\(number(consensus["bandLower"]))–\(number(consensus["bandUpper"]))"),
            ("Disagreement index", number(consensus["disagreementIndex"])),
            ("Regime", consensus["regime"]?.stringValue ?? "-"),
            ("Signals", number(consensus["signalCount"], 0)),
            ("Alignment", number(run.detail["alignment"])),
            ("Fused confidence", number(run.detail["fusedConfidence"])),
        ]
        if let reason = run.detail["noTradeReason"]?.stringValue { facts.append(("Why no trade", reason)) }
        let factRows: [HTML] = facts.map { "<tr><th scope=\"row\">\($0.0)</th><td>\($0.1)</td></tr>" }
        var parts: [HTML] = ["<div class=\"scroll\"><table><caption>Consensus of the analysis of \(DashboardLayout.time(run.createdAt)) UTC</caption><tbody>\(factRows)</tbody></table></div>"]

        let theses = channels["theses"] ?? .null
        let thesisRows: [[HTML]] = ["bull", "bear"].compactMap { side in
            guard let thesis = theses[side], thesis != .null else { return nil }
            let drivers = (thesis["drivers"]?.arrayValue ?? []).compactMap(\.stringValue)
            return ["\(side)", "\(thesis["summary"]?.stringValue ?? "")", "\(number(thesis["probability"]))", "\(number(thesis["strength"]))",
                    "\(drivers.joined(separator: "; "))"]
        }
        parts.append(DashboardLayout.table(caption: "The theses", headers: ["Side", "Summary", "Probability", "Strength", "Drivers"], rows: thesisRows,
                                           empty: "No theses kept for this run (its checkpoints were pruned, or it failed before them)."))
        let examination = channels["examination"] ?? .null
        let tests = ["evidence", "causality", "timing", "liquidity", "tailRisk"]
        let examinationRows: [[HTML]] = examination == .null ? [] : tests.map { test in
            ["\(test)", "\(number(examination["bull"]?[test], 2))", "\(number(examination["bear"]?[test], 2))"]
        }
        let stronger = examination["stronger"]?.stringValue.map { " (stronger case: \($0))" } ?? ""
        parts.append(DashboardLayout.table(caption: "Cross-examination: each thesis's score per test, −1 to 1\(stronger)", headers: ["Test", "Bull", "Bear"],
                                           rows: examinationRows, empty: "No cross-examination kept for this run."))
        return "<section aria-labelledby=\"reasoning\"><h2 id=\"reasoning\">Reasoning of the latest analysis</h2>\(parts)</section>"
    }
}
