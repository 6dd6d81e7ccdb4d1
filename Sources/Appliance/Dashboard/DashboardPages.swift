import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// What every page renderer gets: the database to read, health, the configuration, now, and the
/// caller's CSRF token for its forms.
struct DashboardContext: Sendable {
    let pool: DatabasePool
    let health: HealthMonitor
    let configuration: Configuration
    let now: Date
    let csrf: String
    let loggedIn: Bool

    /// Whether the data shown is the offline sample set (the banner, and which track record).
    var sample: Bool { configuration.offline }

    func page(_ title: String, path: String, json: String?, refresh: Int? = nil, body: HTML) -> HTTPResponse {
        DashboardLayout.page(title: title, path: path, sample: sample, json: json, refresh: refresh, loggedIn: loggedIn, csrf: csrf, body: body)
    }

    func form(action: String, button: String, fields: [(String, String)] = []) -> HTML {
        let hidden: [HTML] = fields.map { "<input type=\"hidden\" name=\"\($0.0)\" value=\"\($0.1)\">" }
        return "<form method=\"post\" action=\"\(action)\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\">\(hidden)<button type=\"submit\">\(button)</button></form>"
    }
}

/// The overview, the markets table and a market's page.
enum MarketPages {
    static func overview(_ context: DashboardContext) async throws -> HTTPResponse {
        let health = context.health.snapshot
        let day = String(Timestamp.format(context.now).prefix(10))
        let (recommendations, positions, spend, realized) = try await context.pool.read { database in
            let recent = try database.recommendations.list(page: PageRequest(limit: 10)).items
            let rows = try recent.map { ($0, try database.markets.find(id: $0.marketID)) }
            return (rows, try database.signals.openPositions(), try database.llmCalls.spend(day: day), try database.signals.realizedPnl())
        }
        func card(_ label: String, _ value: HTML, _ note: String = "") -> HTML {
            "<div class=\"card\">\(label)<b>\(value)</b><span class=\"muted\">\(note)</span></div>"
        }
        let budget = context.configuration.llm.maxCostPerDay
        var cards: [HTML] = [
            card("Health", "<span class=\"\(health.status.rawValue)\">\(health.status.rawValue)</span>", health.reasons.joined(separator: "; ")),
            card("Last analysis", "\(DashboardLayout.time(health.lastAnalysisAt))"),
            card("Next analysis cycle", "\(DashboardLayout.time(health.nextRuns["analysis cycle"]))"),
            card("LLM spend today", "\(DashboardLayout.money(spend.costUSD))", budget.map { "of \(DashboardLayout.money($0)) budget" } ?? "no daily budget"),
            card("Last backup", "\(DashboardLayout.time(health.lastBackupAt))",
                 health.lastBackupVerified.map { $0 ? "verified" : "verification failed" } ?? "none yet"),
            card("Open paper positions", "\(positions.count)", "exposure \(DashboardLayout.money(positions.reduce(0) { $0 + $1.exposure })), realised P&L \(DashboardLayout.money(realized))"),
        ]
        for (api, usage) in health.quota.sorted(by: { $0.key < $1.key }) {
            cards.append(card("Quota \(api)", "\(usage.used) / \(usage.limit)", "today (UTC)"))
        }
        let rows: [[HTML]] = recommendations.map { recommendation, market in
            [HTML(stringLiteral: DashboardLayout.time(recommendation.createdAt)), marketLink(market),
             "\(recommendation.direction.rawValue)", "\(Format.points(recommendation.marketEdge))",
             "\(DashboardLayout.money(recommendation.expectedValue))"]
        }
        let body: HTML = """
        <section aria-labelledby="status"><h2 id="status">Status</h2><div class="cards">\(cards)</div></section>
        <section aria-labelledby="newest"><h2 id="newest">Newest recommendations</h2>
        \(DashboardLayout.table(caption: "The ten newest recommendations", headers: ["Time (UTC)", "Market", "Action", "Edge", "EV per $100"], rows: rows, empty: "No recommendation yet: the first analysis cycle has not finished."))
        </section>
        """
        return context.page("Overview", path: "/", json: "/health", refresh: 60, body: body)
    }

    static func marketLink(_ market: Market?) -> HTML {
        guard let market else { return "<span class=\"muted\">unknown market</span>" }
        return "<a href=\"/markets/\(HTML.queryValue(market.conditionID))\">\(market.question)</a>\(market.isSample ? HTML(raw: " <span class=\"muted\">[sample]</span>") : "")"
    }

    /// The markets page; its table is rendered at most every `FragmentCache.maxAge` per query.
    static func markets(_ context: DashboardContext, query: [String: String], cache: FragmentCache) async throws -> HTTPResponse {
        let status = try query["status"].flatMap { $0.isEmpty ? nil : $0 }.map { value -> MarketStatus in
            guard let status = MarketStatus(rawValue: value) else { throw HTTPError.badRequest("invalid_status", "status must be active, closed or resolved") }
            return status
        }
        let type = query["type"].flatMap { $0.isEmpty ? nil : $0 }
        let cursor = query["cursor"].flatMap { $0.isEmpty ? nil : $0 }
        let key = "\(status?.rawValue ?? "")|\(type ?? "")|\(cursor ?? "")"
        let body = try await cache.fragment(key, now: context.now) {
            try await marketsTable(context, status: status, type: type, cursor: cursor)
        }
        return context.page("Markets", path: "/markets", json: "/api/markets", body: body)
    }

    static func marketsTable(_ context: DashboardContext, status: MarketStatus?, type: String?, cursor: String?) async throws -> HTML {
        let (page, extras) = try await context.pool.read { database in
            let page = try database.markets.list(status: status, page: PageRequest(limit: 50, cursor: cursor))
            let extras = try page.items.map { market -> ([(x: Double, y: Double)], Recommendation?) in
                // The seven days up to the newest stored point (now, for a live market being refreshed).
                let points = try market.clobTokenIDs.first.map { token in
                    try database.priceHistory.latestTime(tokenID: token).map { try database.priceHistory.points(tokenID: token, from: $0 - 7 * 86_400) } ?? []
                } ?? []
                return (points.map { (x: $0.t, y: $0.p) }, try database.recommendations.latest(marketID: market.id))
            }
            return (page, extras)
        }
        let rows: [[HTML]] = zip(page.items, extras).filter { type == nil || $0.0.eventType == type }.map { market, extra in
            [marketLink(market), "\(DashboardLayout.percent(market.marketProbability))",
             SVGChart.sparkline(extra.0, title: "YES price over the last 7 days of history"),
             "\(DashboardLayout.money(market.volume24h))", "\(DashboardLayout.money(market.liquidity))",
             "\(market.eventType)", "\(market.status.rawValue)", "\(DashboardLayout.time(market.lastAnalyzedAt))",
             "\(extra.1?.direction.rawValue ?? "-")"]
        }
        let statuses: [HTML] = ([""] + MarketStatus.allCases.map(\.rawValue)).map { value in
            "<option value=\"\(value)\"\(value == (status?.rawValue ?? "") ? HTML(raw: " selected") : "")>\(value.isEmpty ? "any" : value)</option>"
        }
        let next: HTML = page.nextCursor.map { cursor in
            "<p><a rel=\"next\" href=\"/markets?status=\(HTML.queryValue(status?.rawValue ?? ""))&amp;type=\(HTML.queryValue(type ?? ""))&amp;cursor=\(HTML.queryValue(cursor))\">Next page</a></p>"
        } ?? ""
        let body: HTML = """
        <form method="get" action="/markets" class="filters"><label for="status">Status</label><select id="status" name="status">\(statuses)</select>
        <label for="type">Event type</label><input id="type" name="type" value="\(type ?? "")" size="12" placeholder="any"><button type="submit">Filter</button></form>
        \(DashboardLayout.table(caption: "Markets by trending score (50 a page; the event-type filter applies within the page)", headers: ["Market", "YES price", "7 days", "Volume 24 h", "Liquidity", "Event type", "Status", "Last analysis", "Action"], rows: rows, empty: "No stored market matches."))
        \(next)
        """
        return body
    }

    static func market(_ context: DashboardContext, conditionID: String) async throws -> HTTPResponse {
        let rules = context.configuration.tradeRules
        let now = context.now.timeIntervalSince1970
        let found = try await context.pool.read { database -> (Market, [PricePoint], [Recommendation], [AnalysisRun], [AgentSignal], [SimulatedTrade], JSONValue)? in
            guard let market = try database.markets.find(conditionID: conditionID) else { return nil }
            let history = try market.clobTokenIDs.first.map { try database.priceHistory.points(tokenID: $0) } ?? []
            let recommendations = try database.recommendations.list(marketID: market.id, page: PageRequest(limit: 100)).items
            let runs = try database.analysisHistory.list(marketID: market.id, page: PageRequest(limit: 100)).items
            let agents = try recommendations.first.map { try database.agentSignals.forRun($0.runID) } ?? []
            let rows = try database.trackRecord.trades(TrackRecordScope(sample: market.isSample), marketID: market.id)
            let trades = rows.map { TradeSimulator.simulate($0, history: history, rules: rules, now: now) }
            // The latest run's final channel values: its theses and cross-examination live there.
            let channels = try runs.first.flatMap { try database.checkpoints.latest(thread: $0.runID) }
                .flatMap { try? JSONValue.parse($0.checkpoint)["channel_values"] } ?? .null
            return (market, history, recommendations, runs, agents, trades, channels)
        }
        guard let (market, history, recommendations, runs, agents, trades, channels) = found else { throw HTTPError.notFound("no stored market with that condition id") }
        let priceChart = MarketChart.render(market: market, history: history, recommendations: recommendations, runs: runs, trades: trades, rules: rules, now: now)
        let latestPrice = recommendations.first?.marketProbability ?? market.marketProbability ?? 0.5
        let dotPlot = SVGChart.line(
            title: "Agents' fair probabilities in the latest analysis",
            summary: agents.isEmpty ? "No agent signals stored for the latest analysis."
                : agents.map { "\($0.agentName) \(Format.percent($0.fairProbability)) (confidence \(Format.decimal($0.confidence, 2)))" }.joined(separator: ", ") + "; market \(Format.percent(latestPrice)).",
            series: [ChartSeries(points: agents.enumerated().map { (x: Double($0.offset + 1), y: $0.element.fairProbability) }, style: "agent", dots: true)],
            xRange: 0...Double(agents.count + 1), yRange: 0...1,
            markers: [ChartMarker(x: 0.0001, y: latestPrice, style: "marketdot", label: "market price \(Format.percent(latestPrice))")], timeAxis: false)
        let agentRows: [[HTML]] = agents.map { ["\($0.agentName)", "\(Format.percent($0.fairProbability))", "\(Format.decimal($0.confidence, 2))", "\($0.direction.rawValue)", "\($0.keyDrivers.prefix(3).joined(separator: "; "))"] }
        let recommendationRows: [[HTML]] = recommendations.map { r in
            ["\(DashboardLayout.time(r.createdAt))", "\(r.direction.rawValue)", "\(Format.percent(r.marketProbability))",
             "\(Format.percent(r.consensusProbability ?? r.fairProbability))", "\(Format.points(r.marketEdge))", "\(DashboardLayout.money(r.expectedValue))",
             "\(range(r.entryZoneMin, r.entryZoneMax))", "\(range(r.targetZoneMin, r.targetZoneMax))", "\(DashboardLayout.number(r.stopLoss))",
             "\(r.coreThesis ?? r.explanation ?? "")"]
        }
        let runRows: [[HTML]] = runs.map { run in
            ["\(DashboardLayout.time(run.createdAt))", "\(run.status.rawValue)", "\(Format.decimal(Double(run.durationMilliseconds) / 1000, 1)) s",
             "\(DashboardLayout.money(run.costUSD))", "\(run.source ?? "-")", "\(run.errorMessage ?? "")",
             "<a href=\"/api/checkpoints/\(HTML.queryValue(run.runID))\">\(run.runID)</a>"]
        }
        let tradeRows: [[HTML]] = trades.map(TrackRecordPages.tradeCells)
        let trigger: HTML = context.configuration.enableManualTriggers && market.status == .active
            ? "<p>\(context.form(action: "/markets/\(HTML.queryValue(market.conditionID))/analyze", button: "Analyse now"))</p>" : ""
        let body: HTML = """
        <p><strong>\(market.question)</strong> — \(market.eventTitle ?? market.eventType), status \(market.status.rawValue)\(market.resolvedOutcome.map { ", resolved \($0)" } ?? ""), YES \(DashboardLayout.percent(market.marketProbability))\(market.isSample ? HTML(raw: " <span class=\"muted\">[sample]</span>") : "")</p>
        \(trigger)
        <section aria-labelledby="chart"><h2 id="chart">Price and recommendations</h2>\(priceChart)
        <p><a href="/markets/\(HTML.queryValue(market.conditionID))/charts">The chart as it stood at each recommendation</a></p></section>
        <section aria-labelledby="agents"><h2 id="agents">Agents in the latest analysis</h2>\(dotPlot)
        \(DashboardLayout.table(caption: "Agent signals of the latest analysis", headers: ["Agent", "Fair probability", "Confidence", "Direction", "Key drivers"], rows: agentRows, empty: "No agent signals."))</section>
        \(AnalysisDetail.section(run: runs.first, channels: channels))
        <section aria-labelledby="recs"><h2 id="recs">Recommendations</h2>
        \(DashboardLayout.table(caption: "Every recommendation on this market, newest first", headers: ["Time (UTC)", "Action", "Market", "Consensus", "Edge", "EV per $100", "Entry", "Target", "Stop", "Thesis"], rows: recommendationRows, empty: "Not analysed yet."))</section>
        <section aria-labelledby="trades"><h2 id="trades">Simulated trades</h2>
        \(DashboardLayout.table(caption: "Simulated trades under the track record's rules", headers: TrackRecordPages.tradeHeaders, rows: tradeRows, empty: "No actionable recommendation on this market."))</section>
        <section aria-labelledby="runs"><h2 id="runs">Analysis runs</h2>
        \(DashboardLayout.table(caption: "Every analysis run, newest first", headers: ["Time (UTC)", "Status", "Duration", "Cost", "Source", "Error", "Checkpoints"], rows: runRows, empty: "No runs."))</section>
        """
        return context.page(market.question, path: "/markets", json: "/api/markets/\(HTML.queryValue(market.conditionID))", body: body)
    }

    static func range(_ low: Double?, _ high: Double?) -> String {
        guard let low, let high else { return "-" }
        return "\(Format.decimal(low, 3))–\(Format.decimal(high, 3))"
    }
}
