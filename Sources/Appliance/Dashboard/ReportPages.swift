import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// The track record page.
enum TrackRecordPages {
    /// Trades listed on the page, newest first (the JSON twin and `export trades` have them all).
    static let shownTrades = 100
    static let tradeHeaders = ["Recommended (UTC)", "Market", "Action", "Status", "Entry", "Exit", "P&L", "Fees", "Days", "Gaps"]

    static func tradeCells(_ t: SimulatedTrade) -> [HTML] {
        let pnlClass = t.pnlUSD > 0 ? "good" : t.pnlUSD < 0 ? "bad" : ""
        return ["\(DashboardLayout.time(t.recommendedAt))", "<a href=\"/markets/\(HTML.queryValue(t.conditionID))\">\(t.question)</a>",
                "\(t.direction.rawValue)", "\(t.status.rawValue)",
                "\(t.entryPrice.map { Format.decimal($0, 3) } ?? "-")", "\((t.exitPrice ?? t.markPrice).map { Format.decimal($0, 3) } ?? "-")",
                "<span class=\"\(pnlClass)\">\(DashboardLayout.money(t.pnlUSD))</span>", "\(DashboardLayout.money(t.feesUSD))",
                "\(DashboardLayout.number(t.daysHeld, 1))", "\(t.gapCount)"]
    }

    static func interval(_ f: SkillFigures) -> String {
        guard let low = f.skillLow, let high = f.skillHigh else { return "-" }
        return "[\(Format.decimal(low, 3)), \(Format.decimal(high, 3))]"
    }

    static func skillLine(_ f: SkillFigures) -> String {
        guard let brier = f.brier, let market = f.brierMarket else { return "no resolved forecasts" }
        var line = "Brier \(Format.decimal(brier, 3)) vs market \(Format.decimal(market, 3))"
        if let skill = f.skill { line += ", skill \(Format.decimal(skill, 3))" }
        if let low = f.skillLow, let high = f.skillHigh { line += " [\(Format.decimal(low, 3)), \(Format.decimal(high, 3))] 95 %" }
        return line
    }

    static func page(_ context: DashboardContext, cache: TrackRecordCache, replay name: String?) async throws -> HTTPResponse {
        let rules = context.configuration.tradeRules
        let sample = context.sample, pool = context.pool, now = context.now
        let replays = ReplayDirectory(context.configuration.dataDirectory)
        let known = (try? replays.list()) ?? []
        // Resolved from the list just read (each listing opens every replay's database).
        let replay = try name.map { name -> ReplayInfo in
            guard let found = name == "latest" ? known.last : known.first(where: { $0.id == name }) else {
                throw HTTPError.notFound(name == "latest" ? "there is no replay yet: run `tradewizard replay`" : "no replay \(name)")
            }
            return found
        }
        let record: TrackRecord
        if let replay {
            // A replay lives in its own file: opened read-only on a reader thread of the pool.
            record = try await cache.record("replay:" + replay.id, now: now) {
                try await pool.read { _ in
                    let database = try replays.openReadOnly(replay)
                    return try TrackRecordBuilder.build(database, scope: TrackRecordScope(sample: replay.data == "sample"), rules: rules, now: now,
                                                        replay: replay.id)
                }
            }
        } else {
            record = try await cache.record(sample ? "sample" : "live", now: now) {
                try await pool.read { try TrackRecordBuilder.build($0, scope: TrackRecordScope(sample: sample), rules: rules, now: now) }
            }
        }
        let choices: [HTML] = ([("", sample ? "the sample markets' own analyses" : "live analyses")] + known.reversed().prefix(10).map {
            ($0.id, "\($0.id) (\($0.data), \($0.runs) runs, \(String(Timestamp.format($0.from).prefix(10))) to \(String(Timestamp.format($0.to).prefix(10))))")
        }).map { id, label in
            id == (replay?.id ?? "") ? "<li aria-current=\"true\"><strong>\(label)</strong></li>"
                : "<li><a href=\"/track-record\(id.isEmpty ? "" : "?replay=" + HTML.queryValue(id))\">\(label)</a></li>"
        }
        let f = record.forecasts
        let bins = f.overall.bins.filter { $0.count > 0 }
        let reliability = SVGChart.line(
            title: "Reliability diagram",
            summary: bins.isEmpty ? "No resolved forecasts yet, so no reliability diagram."
                : "Predicted against observed frequency in \(bins.count) bins: " + bins.map { "\(Format.decimal($0.lower, 1))–\(Format.decimal($0.upper, 1)): \($0.count) forecasts, mean \(Format.decimal($0.meanForecast ?? 0, 2)), observed \(Format.decimal($0.observedFrequency ?? 0, 2))" }.joined(separator: "; ") + ". The dashed diagonal is perfect calibration.",
            series: [ChartSeries(points: [(x: 0, y: 0), (x: 1, y: 1)], style: "diagonal"),
                     ChartSeries(points: bins.map { (x: $0.meanForecast ?? 0, y: $0.observedFrequency ?? 0) }, style: "observed", dots: true)],
            xRange: 0...1, yRange: 0...1, timeAxis: false)
        let curve = record.portfolio.equityCurve
        let values = curve.map(\.value)
        let low = min(values.min() ?? 0, 0), high = max(values.max() ?? 0, 1)
        let equity = SVGChart.line(
            title: "Equity curve of the simulated trades",
            summary: curve.count < 2 ? "No closed simulated trade yet."
                : "Realised P&L after each of \(curve.count - 1) exits, ending at \(DashboardLayout.money(values.last)); maximum drawdown \(DashboardLayout.money(record.portfolio.maxDrawdownUSD)).",
            series: [ChartSeries(points: curve.map { (x: $0.time.timeIntervalSince1970, y: $0.value) }, style: "equity")],
            xRange: (curve.first?.time.timeIntervalSince1970 ?? 0)...max((curve.last?.time.timeIntervalSince1970 ?? 1), (curve.first?.time.timeIntervalSince1970 ?? 0) + 1),
            yRange: low...high, yFormat: { DashboardLayout.money($0) })
        func groupRows(_ groups: [GroupSkill]) -> [[HTML]] {
            groups.map { ["\($0.name)", "\($0.figures.count)", "\(DashboardLayout.number($0.figures.brier))", "\(DashboardLayout.number($0.figures.brierMarket))",
                          "\(DashboardLayout.number($0.figures.skill))", "\(interval($0.figures))"] }
        }
        let p = record.portfolio
        let notes: [HTML] = record.notes.map { "<li>\($0)</li>" }
        let body: HTML = """
        <nav aria-label="Data set"><p>Figures of:</p><ul>\(choices)</ul></nav>
        <p>\(record.data == "sample" ? "Sample data" : "Live markets only")\(replay.map { ", replay \($0.id) (re-run as of past times, no look-ahead)" } ?? ""); the first analysis of each resolved market counts; built \(DashboardLayout.time(record.generatedAt)) UTC (at most once a minute).</p>
        <section aria-labelledby="skill"><h2 id="skill">Forecast skill against the market</h2>
        <p>\(f.resolvedMarkets) resolved markets, \(f.analysesScored) analyses scored.</p>
        <ul><li>Ours: \(skillLine(f.overall))</li><li>Blended with the market: \(skillLine(f.blended)) (weight now \(Format.decimal(f.blend.weight, 2)), \(f.blend.resolved) of \(f.blend.enough) markets)</li>
        <li>Hit rate over trades only (NO_TRADE never counts): \(record.hitRate.rate.map { "\(Format.percent($0)) of \(record.hitRate.trades)" } ?? "no resolved trades")</li></ul>
        \(reliability)
        \(DashboardLayout.table(caption: "Skill per agent (BSS = 1 − Brier ours / Brier market)", headers: ["Agent", "Forecasts", "Brier", "Brier market", "Skill", "95 % interval"], rows: groupRows(f.byAgent), empty: "No agent has a resolved forecast yet."))
        \(DashboardLayout.table(caption: "Skill per event type", headers: ["Event type", "Forecasts", "Brier", "Brier market", "Skill", "95 % interval"], rows: groupRows(f.byEventType), empty: "No event type has a resolved forecast yet."))
        </section>
        <section aria-labelledby="portfolio"><h2 id="portfolio">Simulated trades</h2>
        <p>\(p.filled) filled (\(p.closed) closed, \(p.open) open), wins \(p.wins), losses \(p.losses); realised \(DashboardLayout.money(p.realizedPnLUSD)), open marked \(DashboardLayout.money(p.unrealizedPnLUSD)), fees \(DashboardLayout.money(p.feesUSD)); mean P&amp;L per $100 \(DashboardLayout.money(p.meanPnLPer100)), win rate \(DashboardLayout.percent(p.winRate)), profit factor \(DashboardLayout.number(p.profitFactor, 2)), peak capital locked \(DashboardLayout.money(p.peakCapitalLockedUSD)).</p>
        \(equity)
        \(DashboardLayout.table(caption: record.trades.count > shownTrades ? "The \(shownTrades) newest of \(record.trades.count) simulated trades (all of them: /api/track-record, or tradewizard export trades)" : "Every simulated trade",
                                headers: tradeHeaders, rows: record.trades.suffix(shownTrades).reversed().map(tradeCells), empty: "No actionable recommendation yet: no simulated trades."))
        </section>
        <section aria-labelledby="rules"><h2 id="rules">The rules</h2><ul>
        <li>LONG_YES buys YES at the market price; LONG_NO buys NO at 1 − price. Stake \(DashboardLayout.money(rules.stakeUSD)) per trade.</li>
        <li>Fill at the first price inside the entry zone within \(Format.decimal(rules.fillWindowHours, 0)) h, else not filled.</li>
        <li>Exit at the first price at or above the target zone's lower bound and above the fill, or at or below the stop loss\(rules.useStopLoss ? "" : " (stops off)"); otherwise at resolution (1 or 0); otherwise open, marked to the last price.</li>
        <li>Taker fee shares × \(Format.decimal(rules.feeRate, 3)) × p × (1 − p) on the fill and on a target or stop sale; none at resolution.</li>
        <li>Gaps of more than \(Format.decimal(rules.gapHours, 0)) h in a trade's price history are listed, never interpolated.</li></ul>
        \(notes.isEmpty ? "" : "<ul class=\"muted\">\(notes)</ul>" as HTML)</section>
        """
        let json = replay.map { "/api/track-record?replay=\(HTML.queryValue($0.id))" } ?? "/api/track-record\(sample ? "?data=sample" : "")"
        return context.page("Track record", path: "/track-record", json: json, body: body)
    }
}

/// Signals and paper positions; operations.
enum OperationsPages {
    static func signals(_ context: DashboardContext) async throws -> HTTPResponse {
        let (signals, open, closed, realized) = try await context.pool.read { database in
            (try database.signals.list(limit: 100), try database.signals.openPositions(), try database.signals.closedPositions(),
             try database.signals.realizedPnl())
        }
        var total = 0.0
        let curve: [(x: Double, y: Double)] = closed.compactMap { position in
            guard let at = position.closedAt else { return nil }
            total += position.realizedPnl ?? 0
            return (x: at.timeIntervalSince1970, y: total)
        }
        let values = [0.0] + curve.map(\.y)
        let equity: HTML = curve.count < 2 ? "<p class=\"empty\">Fewer than two closed paper positions: no equity curve yet.</p>" : SVGChart.line(
            title: "Realised P&L of the paper positions",
            summary: "Cumulative realised P&L after each of the \(curve.count) newest closed positions, ending at \(DashboardLayout.money(curve.last?.y)).",
            series: [ChartSeries(points: curve, style: "equity")], xRange: curve.first!.x...max(curve.last!.x, curve.first!.x + 1),
            yRange: min(values.min()!, 0)...max(values.max()!, 1), yFormat: { DashboardLayout.money($0) })
        let closedRows: [[HTML]] = closed.suffix(50).reversed().map { p in
            ["\(p.symbol)", "\(p.side.rawValue)", "\(Format.decimal(p.quantity, 4))", "\(Format.decimal(p.entryPrice, 2))",
             "\(DashboardLayout.number(p.exitPrice, 2))", "\(DashboardLayout.time(p.openedAt))", "\(DashboardLayout.time(p.closedAt))",
             "\(DashboardLayout.money(p.realizedPnl))"]
        }
        let signalRows: [[HTML]] = signals.map { s in
            ["\(DashboardLayout.time(s.receivedAt))", "\(s.source)", "\(s.symbol)", "\(s.direction)", "\(DashboardLayout.number(s.price, 2))",
             "\(s.action ?? "-")", "\(s.rule ?? "")", "\(s.reasons.joined(separator: "; "))"]
        }
        let positionRows: [[HTML]] = open.map { p in
            ["\(p.symbol)", "\(p.side.rawValue)", "\(Format.decimal(p.quantity, 4))", "\(Format.decimal(p.entryPrice, 2))", "\(DashboardLayout.time(p.openedAt))",
             "\(DashboardLayout.money(p.exposure))"]
        }
        let body: HTML = """
        <p>Realised P&amp;L of closed paper positions: \(DashboardLayout.money(realized)).</p>
        \(DashboardLayout.table(caption: "Open paper positions", headers: ["Symbol", "Side", "Quantity", "Entry", "Opened (UTC)", "Exposure"], rows: positionRows, empty: "No open paper position."))
        \(equity)
        \(DashboardLayout.table(caption: "The 50 newest closed paper positions", headers: ["Symbol", "Side", "Quantity", "Entry", "Exit", "Opened (UTC)", "Closed (UTC)", "Realised P&L"], rows: closedRows, empty: "No closed paper position."))
        \(DashboardLayout.table(caption: "The 100 newest webhook signals with their decisions", headers: ["Received (UTC)", "Source", "Symbol", "Direction", "Price", "Decision", "Rule", "Reasons"], rows: signalRows, empty: "No webhook signal received yet."))
        """
        return context.page("Signals and positions", path: "/signals", json: "/metrics/positions", body: body)
    }

    /// `refusals`: the HTTP server's refusals since start, by reason.
    static func operations(_ context: DashboardContext, refusals: [String: Int]) async throws -> HTTPResponse {
        let health = context.health.snapshot
        let days = (0..<14).reversed().map { String(Timestamp.format(context.now.addingTimeInterval(-Double($0) * 86_400)).prefix(10)) }
        let backupsPath = context.configuration.dataDirectory.backupsPath
        let (runs, spend, totals, errors, alerts) = try await context.pool.read { database in
            (try database.jobRuns.list(limit: 30), try days.map { (label: String($0.suffix(5)), value: try database.llmCalls.spend(day: $0).costUSD) },
             try database.llmCalls.totalsByProviderAndNode(), try database.signals.errorCounts(), try database.alerts.list(limit: 20))
        }
        let channels = context.configuration.alerts.routing.channels.map(\.name)
        let alertRows: [[HTML]] = alerts.map { d in
            ["\(DashboardLayout.time(d.createdAt))", "\(d.channel)", "\(d.event)", "\(d.status.rawValue)", "\(d.attempts)",
             "\(String(d.text.prefix(120)))", "\(d.lastError.map { String($0.prefix(120)) } ?? "")"]
        }
        let refusalRows: [[HTML]] = refusals.filter { $0.value > 0 }.sorted { $0.value > $1.value }.map { ["\($0.key)", "\($0.value)"] }
        let errorRows: [[HTML]] = errors.sorted { $0.value > $1.value }.map { ["\($0.key)", "\($0.value)"] }
        let backups = Backup.list(in: backupsPath)
        let jobRows: [[HTML]] = health.nextRuns.keys.sorted().map { job in
            ["\(job)", "\(health.lastJobResults[job] ?? "-")", "\(DashboardLayout.time(health.nextRuns[job]))"]
        }
        let runRows: [[HTML]] = runs.map { run in
            ["\(run.job)", "\(DashboardLayout.time(run.startedAt))", "\(DashboardLayout.time(run.finishedAt))", "\(run.result.rawValue)", "\(run.error ?? "")"]
        }
        let backupRows: [[HTML]] = backups.reversed().prefix(20).map { entry in
            let verified: String = entry.lastVerification.map { $0.problems.isEmpty ? "verified \($0.verifiedAt.prefix(16))" : "FAILED: \($0.problems.joined(separator: "; "))" } ?? "not verified"
            return ["\(entry.file)", "\(Format.decimal(Double(entry.byteSize) / 1_048_576, 1)) MB", "\(entry.manifest?.createdAt.prefix(16).description ?? "-")", "\(verified)"]
        }
        let totalRows: [[HTML]] = totals.map { ["\($0.provider)", "\($0.node)", "\($0.spend.calls)", "\(DashboardLayout.money($0.spend.costUSD))"] }
        let body: HTML = """
        <section aria-labelledby="jobs"><h2 id="jobs">Scheduler</h2>
        \(DashboardLayout.table(caption: "Jobs with their last result and next run", headers: ["Job", "Last result", "Next run (UTC)"], rows: jobRows, empty: "The scheduler has not ticked yet."))
        \(DashboardLayout.table(caption: "The 30 newest job runs", headers: ["Job", "Started", "Finished", "Result", "Error"], rows: runRows, empty: "No job has run yet."))</section>
        <section aria-labelledby="backups"><h2 id="backups">Backups</h2><p>\(context.form(action: "/operations/backup", button: "Back up now"))</p>
        \(DashboardLayout.table(caption: "Newest backups", headers: ["File", "Size", "Created (UTC)", "Verification"], rows: backupRows, empty: "No backup yet."))</section>
        <section aria-labelledby="spend"><h2 id="spend">LLM spend</h2>
        \(SVGChart.bars(title: "LLM spend per day", summary: "Dollars spent on model calls on each of the last 14 days (UTC): " + spend.map { "\($0.label) \(DashboardLayout.money($0.value))" }.joined(separator: ", ") + ".", values: spend, format: { DashboardLayout.money($0) }))
        \(DashboardLayout.table(caption: "Spend by provider and agent, all time", headers: ["Provider", "Agent", "Calls", "Cost"], rows: totalRows, empty: "No model call has been paid."))</section>
        <section aria-labelledby="alerts"><h2 id="alerts">Alerts</h2>
        <p>\(channels.isEmpty ? "No alert channel is configured (ALERT_* settings; see the README's Alerts section)." : "Channels: " + channels.joined(separator: ", ") + ".")</p>
        \(DashboardLayout.table(caption: "The 20 newest alert deliveries", headers: ["Created (UTC)", "Channel", "Event", "Status", "Attempts", "Text", "Last error"], rows: alertRows, empty: "The outbox is empty."))</section>
        <section aria-labelledby="refusals"><h2 id="refusals">Refusals and errors</h2>
        \(DashboardLayout.table(caption: "Requests the HTTP server refused since it started, by reason", headers: ["Reason", "Count"], rows: refusalRows, empty: "No request refused since start."))
        \(DashboardLayout.table(caption: "Webhook bodies that could not be processed, by error code (all time)", headers: ["Code", "Count"], rows: errorRows, empty: "No unprocessable webhook body."))</section>
        """
        return context.page("Operations", path: "/operations", json: "/health", body: body)
    }
}

/// The chart snapshots: every market's gallery, and the newest across markets.
enum ChartPages {
    static func gallery(_ context: DashboardContext, conditionID: String?) async throws -> HTTPResponse {
        let found = try await context.pool.read { database -> (Market?, [(ChartSnapshot, Market?, Recommendation?)])? in
            var market: Market?
            if let conditionID {
                guard let found = try database.markets.find(conditionID: conditionID) else { return nil }
                market = found
            }
            let snapshots = try database.chartSnapshots.list(marketID: market?.id, limit: 60)
            return (market, try snapshots.map { ($0, try market ?? database.markets.find(id: $0.marketID), try database.recommendations.find(id: $0.recommendationID)) })
        }
        guard let (market, snapshots) = found else { throw HTTPError.notFound("no stored market with that condition id") }
        let figures: [HTML] = snapshots.map { snapshot, market, recommendation in
            let action = recommendation?.direction.rawValue ?? "recommendation"
            return """
            <figure class="chart"><img src="/charts/\(snapshot.id)" width="640" height="240" loading="lazy" alt="\(action) on \(market?.question ?? "a market") at \(DashboardLayout.time(snapshot.createdAt)) UTC: the price chart as it stood then (\(snapshot.points) points)">
            <figcaption>\(MarketPages.marketLink(market)) — \(action) at \(DashboardLayout.time(snapshot.createdAt)) UTC, \(snapshot.points) points, \(snapshot.bytes) bytes</figcaption></figure>
            """
        }
        let retention = Format.decimal(context.configuration.chartSnapshotRetentionDays, 0)
        let body: HTML = """
        <p>The market's chart as it stood when each recommendation was made, kept \(retention) days (CHART_SNAPSHOT_RETENTION_DAYS). Newest first, at most 60.</p>
        \(figures.isEmpty ? "<p class=\"empty\">No chart snapshot yet: they are made after each analysis cycle.</p>" as HTML : HTML(raw: figures.map(\.text).joined()))
        """
        let title = market.map { "Charts: \($0.question)" } ?? "Chart snapshots"
        let json = "/api/charts" + (market.map { "?market=\(HTML.queryValue($0.conditionID))" } ?? "")
        return context.page(title, path: "/charts", json: json, body: body)
    }

    /// One snapshot's SVG. It is our own drawing (every text in it escaped), served as an image:
    /// its inner stylesheet is allowed, script never.
    static func svg(_ pool: DatabasePool, id: String) async throws -> HTTPResponse {
        guard let number = Int64(id), let svg = try await pool.read({ try $0.chartSnapshots.svg(id: number) }) else {
            throw HTTPError.notFound("no chart snapshot \(id)")
        }
        return HTTPResponse(status: 200, headers: [("Content-Type", "image/svg+xml; charset=utf-8"),
                                                   ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'"),
                                                   ("X-Content-Type-Options", "nosniff"), ("Cache-Control", "private, max-age=86400")],
                            body: Array(svg.utf8))
    }
}
