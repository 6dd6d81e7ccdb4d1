import FoundationEssentials
import HTTPServer
import Pipeline
import Storage
import Support

/// `POST /webhook` and `POST /webhook/{token}` (signal intake), and the signal metrics:
/// `GET /metrics/signals`, `/metrics/positions`, `/metrics/latency`.
enum WebhookRoutes {
    static func routes(intake: SignalIntake, database: AppDatabase, latency: LatencyRecorder, logger: Logger) -> [Route] {
        let receive: @Sendable (HTTPRequest) async throws -> HTTPResponse = { request in
            let started = MonotonicInstant.now()
            let result = await intake.handle(WebhookRequest(body: request.body, signature: request.header("x-signature"),
                                                            pathToken: request.pathParameters["token"],
                                                            remoteAddress: request.remoteAddress))
            switch result.outcome {
            case .accepted:
                latency.record(intakeSeconds: started.secondsElapsed(), decisionSeconds: result.decisionSeconds)
            case .unavailable:
                logger.error("webhook intake failed", ["error": result.body.error ?? "", "message": result.body.message])
            case .rejected:
                logger.info("webhook signal rejected", ["code": result.body.error ?? "", "remote": request.remoteAddress])
            case .unauthorized:
                logger.warning("webhook request without valid credentials", ["remote": request.remoteAddress])
            case .duplicate:
                break
            }
            return HTTPResponse(status: result.httpStatus, headers: [("content-type", "application/json")], body: result.body.json)
        }
        return [
            Route(.post, "/webhook", .task(receive)),
            Route(.post, "/webhook/{token}", .task(receive)),
            Route(.get, "/metrics/signals", .task { _ in
                .json(try await database.pool.read { try SignalReport.read($0) }.signals)
            }),
            Route(.get, "/metrics/positions", .task { _ in
                .json(try await database.pool.read { try SignalReport.read($0) }.positions)
            }),
            Route(.get, "/metrics/latency", .task { _ in
                let (intake, decision) = latency.percentiles()
                struct Body: Encodable { var intake: LatencyRecorder.Percentiles; var decision: LatencyRecorder.Percentiles; var window: String }
                return .json(Body(intake: intake, decision: decision, window: "newest 10000 accepted signals since the process started"))
            }),
        ]
    }
}
