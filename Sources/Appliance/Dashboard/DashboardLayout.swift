import FoundationEssentials
import HTTPServer
import Pipeline
import Support

/// The frame of every dashboard page: landmarks, navigation, the sample-data banner, and the
/// security headers every page carries.
enum DashboardLayout {
    static let navigation: [(path: String, label: String)] = [
        ("/", "Overview"), ("/markets", "Markets"), ("/track-record", "Track record"), ("/signals", "Signals"), ("/charts", "Charts"), ("/operations", "Operations"),
    ]

    /// Headers of every dashboard answer: no script but our own file (there is none inline), no
    /// framing, no sniffing, no referrer to other sites, never cached (pages hold private data).
    static let securityHeaders: [(name: String, value: String)] = [
        ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("X-Frame-Options", "DENY"),
        ("Cache-Control", "no-store"),
    ]

    /// A whole page. `sample` shows the banner; `json` names the page's JSON twin.
    static func page(title: String, path: String, sample: Bool, json: String?, refresh: Int? = nil, loggedIn: Bool, csrf: String,
                     body: HTML) -> HTTPResponse {
        let links: [HTML] = navigation.map { item in
            let current = item.path == path || (item.path != "/" && path.hasPrefix(item.path))
            return "<li><a href=\"\(item.path)\"\(current ? HTML(raw: " aria-current=\"page\"") : "")>\(item.label)</a></li>"
        }
        let banner: HTML = sample
            ? "<p class=\"banner\" role=\"status\"><strong>SAMPLE DATA</strong> — offline sample markets built into the binary, not real markets. Nothing here is a real price or a real recommendation.</p>"
            : ""
        let logout: HTML = loggedIn
            ? "<form method=\"post\" action=\"/logout\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"\(csrf)\"><button type=\"submit\">Log out</button></form>"
            : ""
        let twin: HTML = json.map { "<p class=\"muted\">This page as JSON: <a href=\"\($0)\">\($0)</a></p>" } ?? ""
        let meta: HTML = refresh.map { "<meta http-equiv=\"refresh\" content=\"\($0)\">" } ?? ""
        let html: HTML = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\(meta)
        <title>\(title) — TradeWizard</title><link rel="icon" href="data:,"><link rel="stylesheet" href="/dashboard.css"></head>
        <body><header><a class="brand" href="/">TradeWizard</a><nav aria-label="Main"><ul>\(links)</ul></nav>\(logout)</header>
        \(banner)<main id="main"><h1>\(title)</h1>
        \(body)
        \(twin)</main><footer class="muted">tradewizard \(Version.current)</footer></body></html>
        """
        return respond(html)
    }

    static func respond(_ html: HTML, status: Int = 200, extra: [(name: String, value: String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8")] + securityHeaders + extra, body: Array(html.text.utf8))
    }

    /// A table with a caption and column headers; `rows` are already cells.
    static func table(caption: String, headers: [String], rows: [[HTML]], empty: String) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(empty)</p>" }
        let head: [HTML] = headers.map { "<th scope=\"col\">\($0)</th>" }
        let body: [HTML] = rows.map { cells in "<tr>\(cells.map { "<td>\($0)</td>" as HTML })</tr>" }
        return "<div class=\"scroll\"><table><caption>\(caption)</caption><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>"
    }

    static func money(_ value: Double?) -> String {
        guard let value else { return "-" }
        return (value < 0 ? "-$" : "$") + Format.decimal(abs(value), 2)
    }
    static func percent(_ value: Double?) -> String { value.map(Format.percent) ?? "-" }
    static func number(_ value: Double?, _ places: Int = 3) -> String { value.map { Format.decimal($0, places) } ?? "-" }
    static func time(_ value: Date?) -> String {
        guard let value else { return "-" }
        return String(Timestamp.format(value).prefix(16)).replacing("T", with: " ")
    }

    /// The stylesheet (`/dashboard.css`): light and dark by `prefers-color-scheme`, readable at 360 px.
    static let stylesheet = """
    :root{--bg:#fff;--fg:#1b1f24;--muted:#5c6670;--line:#d0d7de;--accent:#0b5cad;--good:#1a7f37;--bad:#c62828;--zone:#2e7d3226;--target:#0b5cad22;--panel:#f6f8fa;--warn:#fff4ce}
    @media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9aa6b2;--line:#30363d;--accent:#58a6ff;--good:#3fb950;--bad:#f85149;--zone:#3fb95033;--target:#58a6ff33;--panel:#161b22;--warn:#3d2e00}}
    *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
    header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;padding:.5rem 1rem;border-bottom:1px solid var(--line)}
    .brand{font-weight:700;color:var(--fg);text-decoration:none}nav ul{display:flex;flex-wrap:wrap;gap:.25rem .9rem;list-style:none;margin:0;padding:0}
    a{color:var(--accent)}a[aria-current]{font-weight:700;text-decoration:none}main{padding:0 1rem 1rem;max-width:1100px}
    h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}.muted,.empty{color:var(--muted)}
    .banner{margin:0;padding:.5rem 1rem;background:var(--warn);border-bottom:1px solid var(--line)}
    .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:.9rem}caption{text-align:left;font-weight:600;padding:.3rem 0}
    th,td{padding:.3rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}th{background:var(--panel)}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:.6rem}.card{border:1px solid var(--line);border-radius:6px;padding:.6rem;background:var(--panel)}
    .card b{display:block;font-size:1.15rem}.healthy,.good{color:var(--good)}.degraded{color:#b26a00}.unhealthy,.bad{color:var(--bad)}
    figure.chart{margin:.5rem 0;max-width:720px}figure.chart svg{width:100%;height:auto}figcaption{font-size:.85rem;color:var(--muted)}
    svg text.axis{font-size:11px;fill:var(--muted)}svg .grid{stroke:var(--line);stroke-width:1}
    svg .price{fill:none;stroke:var(--accent);stroke-width:1.6}svg .consensus{fill:none;stroke:var(--good);stroke-width:1.4;stroke-dasharray:4 3}
    svg .equity{fill:none;stroke:var(--good);stroke-width:1.8}svg .diagonal{fill:none;stroke:var(--muted);stroke-dasharray:3 3}
    svg .band{fill:var(--zone);opacity:.45}svg .entry{fill:var(--zone)}svg .target{fill:var(--target)}svg .stop{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:5 3}
    svg .rec{stroke:var(--muted);stroke-width:1}svg .fill{fill:var(--good)}svg .exit{fill:var(--bad)}svg .observed{fill:var(--accent)}
    svg .agent{fill:var(--accent);opacity:.8}svg .marketdot{fill:var(--bad)}svg .bar{fill:var(--accent)}svg.spark{vertical-align:middle}svg.spark .price{stroke-width:16}
    form.inline{display:inline}button,input,select{font:inherit;padding:.25rem .6rem}label{margin-right:.4rem}
    .filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin:.5rem 0}
    """
}
