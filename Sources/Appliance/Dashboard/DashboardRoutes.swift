import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// The dashboard: server-rendered pages (`/`, `/markets`, `/markets/<conditionId>`,
/// `/track-record`, `/signals`, `/operations`), the login form, and the two state-changing forms
/// (analyse a market now, back up now). Every page has a JSON twin among the API routes.
enum DashboardRoutes {
    static func routes(database: AppDatabase, health: HealthMonitor, metrics: Metrics, analysis: AnalysisServices, configuration: Configuration,
                       clock: any WallClock, logger: Logger) -> [Route] {
        let sessions = DashboardSessions()
        let access = DashboardAccess(token: configuration.adminToken, sessions: sessions, trustedProxies: configuration.trustedProxies)
        let pool = database.pool
        let trackRecords = TrackRecordCache()
        let tables = FragmentCache(maxAge: 10)

        /// A page or form behind the access rule: a caller without access is sent to the login
        /// form (with a token configured) or refused (local-only without one). Pages answer errors
        /// as HTML pages; the JSON routes among them (`/api/…`) keep the one JSON error shape.
        func guarded(_ method: HTTPMethod, _ pattern: String,
                     _ body: @escaping @Sendable (HTTPRequest, DashboardContext, DashboardAccess.Caller) async throws -> HTTPResponse) -> Route {
            let api = pattern.hasPrefix("/api/")
            return Route(method, pattern, .task { request in
                let now = clock.now()
                guard let caller = access.caller(request, now: now) else {
                    if api { throw AdminAuthentication.refusal }
                    if access.token != nil {
                        return DashboardLayout.respond("", status: 303, extra: [("Location", "/login")])
                    }
                    return errorPage(403, "The dashboard answers only local requests when no TRADEWIZARD_ADMIN_TOKEN is set: open it on this machine, through an SSH tunnel, or set a token and log in.")
                }
                var loggedIn = false
                if case .session = caller { loggedIn = true }
                let context = DashboardContext(pool: pool, health: health, configuration: configuration, now: now, csrf: caller.csrf, loggedIn: loggedIn)
                do {
                    if method == .post { _ = try access.checkForm(request, caller: caller) }
                    return try await body(request, context, caller)
                } catch let error as HTTPError where !api {
                    return errorPage(error.status, error.message)
                }
            })
        }

        return [
            Route(.get, "/dashboard.css", .immediate { _ in
                HTTPResponse(status: 200, headers: [("Content-Type", "text/css; charset=utf-8"), ("Cache-Control", "max-age=3600")] + DashboardLayout.securityHeaders.filter { $0.name != "Cache-Control" },
                             body: Array(DashboardLayout.stylesheet.utf8))
            }),
            Route(.get, "/login", .task { request in loginPage(access: access, request: request, message: nil, status: 200) }),
            Route(.post, "/login", .task { request in
                guard let token = access.token else { return DashboardLayout.respond("", status: 303, extra: [("Location", "/")]) }
                let now = clock.now()
                let peer = request.clientAddress(trustedProxies: configuration.trustedProxies)
                if sessions.throttled(peer: peer, now: now) {
                    return loginPage(access: access, request: request, message: "Too many failed attempts; wait a minute.", status: 429)
                }
                let presented = request.formFields["token"] ?? ""
                guard AdminAuthentication.isSameOrigin(request), constantTimeEquals(Array(presented.utf8), Array(token.utf8)) else {
                    sessions.failed(peer: peer, now: now)
                    logger.warning("dashboard login refused", ["peer": peer])
                    return loginPage(access: access, request: request, message: "That token is not the admin token.", status: 401)
                }
                let session = sessions.create(now: now)
                var cookie = "\(DashboardAccess.cookie)=\(session.id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(DashboardSessions.lifetime))"
                if access.overTLS(request) { cookie += "; Secure" }
                logger.notice("dashboard login", ["peer": peer])
                return DashboardLayout.respond("", status: 303, extra: [("Location", "/"), ("Set-Cookie", cookie)])
            }),
            guarded(.post, "/logout") { request, _, caller in
                if case .session(let session) = caller { sessions.revoke(session.id) }
                return DashboardLayout.respond("", status: 303, extra: [("Location", "/login"),
                    ("Set-Cookie", "\(DashboardAccess.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")])
            },
            guarded(.get, "/") { _, context, _ in try await MarketPages.overview(context) },
            guarded(.get, "/markets") { request, context, _ in try await MarketPages.markets(context, query: request.query, cache: tables) },
            guarded(.get, "/markets/{conditionId}") { request, context, _ in
                try await MarketPages.market(context, conditionID: request.pathParameters["conditionId"] ?? "")
            },
            guarded(.post, "/markets/{conditionId}/analyze") { request, _, _ in
                let conditionID = request.pathParameters["conditionId"] ?? ""
                guard configuration.enableManualTriggers else {
                    throw HTTPError(403, code: "triggers_disabled", message: "manual triggers are disabled (ENABLE_MANUAL_TRIGGERS=false)")
                }
                do {
                    let report = try await analysis.analyze(conditionID: conditionID)
                    logger.info("manual analysis from the dashboard", ["conditionId": conditionID, "run": report.runID, "status": report.status.rawValue])
                } catch let error as AnalysisError {
                    throw HTTPError(analysisError: error)
                } catch let error as NetworkError {
                    throw HTTPError(502, code: "market_data_unavailable", message: "market data could not be fetched: \(error)")
                }
                return DashboardLayout.respond("", status: 303, extra: [("Location", "/markets/\(HTML.queryValue(conditionID))")])
            },
            guarded(.get, "/charts") { _, context, _ in try await ChartPages.gallery(context, conditionID: nil) },
            guarded(.get, "/markets/{conditionId}/charts") { request, context, _ in
                try await ChartPages.gallery(context, conditionID: request.pathParameters["conditionId"] ?? "")
            },
            guarded(.get, "/charts/{id}") { request, _, _ in try await ChartPages.svg(pool, id: request.pathParameters["id"] ?? "") },
            guarded(.get, "/api/charts") { request, _, _ in
                let conditionID = request.query["market"]
                let snapshots = try await pool.read { database -> [ChartSnapshot]? in
                    guard let conditionID else { return try database.chartSnapshots.list(limit: 500) }
                    guard let market = try database.markets.find(conditionID: conditionID) else { return nil }
                    return try database.chartSnapshots.list(marketID: market.id, limit: 500)
                }
                guard let snapshots else { throw HTTPError.notFound("no stored market with that condition id") }
                var response = HTTPResponse.json(snapshots)
                response.headers += DashboardLayout.securityHeaders
                return response
            },
            guarded(.get, "/track-record") { request, context, _ in try await TrackRecordPages.page(context, cache: trackRecords, replay: request.query["replay"]) },
            guarded(.get, "/signals") { _, context, _ in try await OperationsPages.signals(context) },
            guarded(.get, "/operations") { _, context, _ in try await OperationsPages.operations(context, refusals: metrics.refusalCounts()) },
            guarded(.post, "/operations/backup") { _, _, _ in
                do {
                    _ = try await BackupOperation.run(database: database, configuration: configuration, logger: logger)
                } catch let error as StorageError {
                    throw HTTPError(500, code: error.code.rawValue, message: "the backup failed: \(error.message)")
                }
                return DashboardLayout.respond("", status: 303, extra: [("Location", "/operations")])
            },
            guarded(.get, "/api/checkpoints/{thread}") { request, _, _ in
                let thread = request.pathParameters["thread"] ?? ""
                struct Listing: Encodable {
                    var run: GraphRun?
                    var checkpoints: [Entry]
                    struct Entry: Encodable { var checkpointId: String; var parentId: String?; var metadata: JSONValue }
                }
                let listing = try await pool.read { database in
                    Listing(run: try database.checkpoints.run(thread: thread),
                            checkpoints: try database.checkpoints.list(thread: thread, limit: 200).map {
                                Listing.Entry(checkpointId: $0.checkpointID, parentId: $0.parentID, metadata: (try? JSONValue.parse($0.metadata)) ?? .null)
                            })
                }
                guard listing.run != nil || !listing.checkpoints.isEmpty else { throw HTTPError.notFound("no run or checkpoints for that thread") }
                var response = HTTPResponse.json(listing)
                response.headers += DashboardLayout.securityHeaders
                return response
            },
        ]
    }

    static func loginPage(access: DashboardAccess, request: HTTPRequest, message: String?, status: Int) -> HTTPResponse {
        let form: HTML = access.token == nil
            ? "<p>No <code>TRADEWIZARD_ADMIN_TOKEN</code> is set, so the dashboard answers requests from this machine only, without a login. <a href=\"/\">Open it</a>.</p>"
            : """
            \(message.map { "<p class=\"bad\" role=\"alert\">\($0)</p>" as HTML } ?? "")
            <form method="post" action="/login"><p><label for="token">Admin token</label>
            <input id="token" name="token" type="password" autocomplete="current-password" required></p><p><button type="submit">Log in</button></p></form>
            """
        let html: HTML = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Log in — TradeWizard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard.css"></head>
        <body><header><span class="brand">TradeWizard</span></header><main id="main"><h1>Log in</h1>\(form)</main></body></html>
        """
        return DashboardLayout.respond(html, status: status)
    }

    static func errorPage(_ status: Int, _ message: String) -> HTTPResponse {
        let html: HTML = """
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Error \(status) — TradeWizard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard.css"></head>
        <body><header><a class="brand" href="/">TradeWizard</a></header><main id="main"><h1>Error \(status)</h1><p>\(message)</p></main></body></html>
        """
        return DashboardLayout.respond(html, status: status)
    }
}
