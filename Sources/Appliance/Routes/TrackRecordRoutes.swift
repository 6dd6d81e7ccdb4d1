import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// `GET /api/track-record` (the figures `tradewizard track-record --json` prints) and the admin
/// `GET /api/export/<kind>` (a page of an export: the server answers whole bodies, so a large
/// export is read page by page with `after`, or streamed by the CLI).
enum TrackRecordRoutes {
    /// Rows per export page at most, and by default.
    static let maximumExportPage = 100_000
    static let defaultExportPage = 10_000

    static func routes(database: AppDatabase, configuration: Configuration) -> [Route] {
        let pool = database.pool
        let exports = Route(.get, "/api/export/{kind}", .task { request in
            let name = request.pathParameters["kind"] ?? ""
            guard let kind = ExportKind(rawValue: name) else {
                throw HTTPError(404, code: "unknown_export", message: "no export \(name); kinds: \(ExportKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let format = ExportFormat(rawValue: request.query["format"] ?? "csv") else {
                throw HTTPError.badRequest("invalid_format", "format must be csv, json or jsonl")
            }
            let period = try scope(request)
            var page = ExportScope(sample: period.sample, since: period.since, until: period.until, limit: defaultExportPage)
            if let text = request.query["limit"] {
                guard let limit = Int(text), (1...maximumExportPage).contains(limit) else {
                    throw HTTPError.badRequest("invalid_limit", "limit must be a whole number from 1 to \(maximumExportPage)")
                }
                page.limit = limit
            }
            if let text = request.query["after"] {
                guard let after = Int64(text) else { throw HTTPError.badRequest("invalid_after", "after must be a row id from X-Next-After") }
                page.after = after
            }
            let rules = configuration.tradeRules
            let chosen = page
            let (body, next) = try await pool.read { database -> ([UInt8], Int64?) in
                var bytes: [UInt8] = []
                if kind == .trades {
                    _ = try ExportCommand.write(kind, format: format, database: database, scope: period, rules: rules) { bytes += $0 }
                    return (bytes, nil)
                }
                let result = try Exporter.run(database, kind: kind, format: format, scope: chosen) { bytes += $0 }
                return (bytes, result.rows == chosen.limit ? result.lastID : nil)
            }
            let types: [ExportFormat: String] = [.csv: "text/csv; charset=utf-8; header=present", .json: "application/json", .jsonl: "application/jsonl"]
            var headers = [("Content-Type", types[format]!),
                           ("Content-Disposition", "attachment; filename=\"\(kind.rawValue).\(format.rawValue)\"")]
            if let next { headers.append(("X-Next-After", String(next))) }
            return HTTPResponse(status: 200, headers: headers, body: body)
        })
        return [
            Route(.get, "/api/track-record", .task { request in
                let period = try scope(request)
                guard let counting = ForecastCounting(rawValue: request.query["count"] ?? "first") else {
                    throw HTTPError.badRequest("invalid_count", "count must be first or all")
                }
                let rules = configuration.tradeRules
                let includeTrades = request.query["trades"] != "false"
                let replay = try request.query["replay"].map { try replayInfo($0, configuration: configuration) }
                return .json(try await pool.read { database in
                    var record: TrackRecord
                    if let replay {
                        var scope = period
                        scope.sample = replay.data == "sample"
                        record = try TrackRecordBuilder.build(try ReplayDirectory(configuration.dataDirectory).openReadOnly(replay), scope: scope,
                                                              rules: rules, counting: counting, now: Date(), replay: replay.id)
                    } else {
                        record = try TrackRecordBuilder.build(database, scope: period, rules: rules, counting: counting, now: Date())
                    }
                    if !includeTrades { record.trades = [] }
                    return record
                })
            }),
        ] + [exports].behind([AdminAuthentication(token: configuration.adminToken)])
    }

    /// The replay named `name` (its id, or `latest`) in the data directory; 404 when there is none.
    static func replayInfo(_ name: String, configuration: Configuration) throws -> ReplayInfo {
        guard let found = try? ReplayDirectory(configuration.dataDirectory).resolve(name) else {
            throw HTTPError(404, code: "unknown_replay", message: name == "latest" ? "there is no replay yet: run `tradewizard replay`" : "no replay \(name)")
        }
        return found
    }

    /// `data` (live or sample), `since` and `until` of a request.
    static func scope(_ request: HTTPRequest) throws -> TrackRecordScope {
        let data = request.query["data"] ?? "live"
        guard data == "live" || data == "sample" else { throw HTTPError.badRequest("invalid_data", "data must be live or sample") }
        do {
            let since = try request.query["since"].map { try TrackRecordOptions.date($0, endOfDay: false) }
            let until = try request.query["until"].map { try TrackRecordOptions.date($0, endOfDay: true) }
            if let since, let until, since > until { throw UsageError("since is after until") }
            return TrackRecordScope(sample: data == "sample", since: since, until: until)
        } catch let error as UsageError {
            throw HTTPError.badRequest("invalid_period", error.description)
        }
    }
}
