import FoundationEssentials
import Storage

/// Admin routes: `POST /trigger` (manual analysis) and `POST /admin/backup`.
enum AdminRoutes {
    static func routes(database: AppDatabase, configuration: Configuration, logger: Logger) -> [Route] {
        let authorization = AdminAuthorization(token: configuration.adminToken)
        return [
            Route(.post, "/trigger", .task { request in
                try authorization.check(request)
                guard configuration.enableManualTriggers else {
                    throw HTTPError(403, code: "triggers_disabled", message: "manual triggers are disabled (ENABLE_MANUAL_TRIGGERS=false)")
                }
                struct Body: Decodable { var conditionId: String }
                guard let body = try? JSONDecoder().decode(Body.self, from: Data(request.body)), !body.conditionId.isEmpty else {
                    throw HTTPError.badRequest("invalid_body", "expected a JSON object with a non-empty conditionId")
                }
                throw HTTPError(503, code: "analysis_unavailable", message: "this build has no analysis pipeline yet; nothing was queued")
            }),
            Route(.post, "/admin/backup", .task { request in
                try authorization.check(request)
                do {
                    return .json(try await BackupOperation.run(database: database, configuration: configuration, logger: logger))
                } catch let error as StorageError {
                    throw HTTPError(500, code: error.code.rawValue, message: error.message)
                }
            }),
        ]
    }
}
