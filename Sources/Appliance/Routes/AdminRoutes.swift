import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// Admin routes: `POST /trigger` (manual analysis; answers with the stored result, after any
/// analysis of the same market already running) and `POST /admin/backup`.
enum AdminRoutes {
    static func routes(database: AppDatabase, analysis: AnalysisServices, configuration: Configuration, logger: Logger) -> [Route] {
        return [
            Route(.post, "/trigger", .task { request in
                guard configuration.enableManualTriggers else {
                    throw HTTPError(403, code: "triggers_disabled", message: "manual triggers are disabled (ENABLE_MANUAL_TRIGGERS=false)")
                }
                struct Body: Decodable { var conditionId: String }
                guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)), !body.conditionId.isEmpty else {
                    throw HTTPError.badRequest("invalid_body", "expected a JSON object with a non-empty conditionId")
                }
                do {
                    let report = try await analysis.analyze(conditionID: body.conditionId)
                    logger.info("manual analysis", ["conditionId": body.conditionId, "run": report.runID, "status": report.status.rawValue])
                    guard report.status != .failed else {
                        // The run happened and failed: not a 200; the stored report rides along.
                        let stored = (try? JSONValue.parse(JSONCoding.encode(report))) ?? .null
                        throw HTTPError(500, code: "analysis_failed", message: report.errorMessage ?? "the analysis failed", details: ["report": stored])
                    }
                    return .json(report)
                } catch let error as AnalysisError {
                    throw HTTPError(analysisError: error)
                } catch let error as NetworkError {
                    throw HTTPError(502, code: "market_data_unavailable", message: "market data could not be fetched: \(error)")
                }
            }),
            Route(.post, "/admin/backup", .task { request in
                do {
                    return .json(try await BackupOperation.run(database: database, configuration: configuration, logger: logger))
                } catch let error as StorageError {
                    throw HTTPError(500, code: error.code.rawValue, message: error.message)
                }
            }),
            Route(.post, "/admin/digest", .task { request in
                struct Body: Decodable { var day: String? }
                let body = request.body.isEmpty ? Body(day: nil) : try? JSONDecoder().decode(Body.self, from: Data(request.body))
                guard let body, body.day.map({ $0.count == 10 && Timestamp.parse($0 + "T00:00:00Z") != nil }) ?? true else {
                    throw HTTPError.badRequest("invalid_body", "expected no body, or a JSON object with day as YYYY-MM-DD")
                }
                guard configuration.alerts.isEnabled else {
                    throw HTTPError(409, code: "alerts_disabled", message: "no alert channel is configured")
                }
                let now = database.clock.now()
                let day = body.day ?? Digest.yesterday(now)
                try await database.pool.write { database in
                    _ = try database.alerts.enqueue(try Digest.build(database, day: day, configuration: configuration, now: now).alert)
                }
                return .json(["queued": day])
            }),
        ].behind([AdminAuthentication(token: configuration.adminToken)])
    }
}

extension HTTPError {
    /// The HTTP answer to an analysis that was not run: 404 for an unknown market or run, 409 for
    /// a closed or resolved one.
    init(analysisError error: AnalysisError) {
        switch error {
        case .marketNotFound: self.init(404, code: "market_not_found", message: error.description)
        case .runNotFound: self.init(404, code: "run_not_found", message: error.description)
        case .marketClosed: self.init(409, code: "market_closed", message: error.description)
        case .marketResolved: self.init(409, code: "market_resolved", message: error.description)
        }
    }
}
