import CLinux
import Glibc
import Support
import Synchronization

/// Routing a parsed request: the router's answer, immediate handlers on the loop thread, task
/// handlers as Swift tasks whose responses come back through the mailbox.
extension EventLoop {
    func dispatch(_ connection: Connection, _ head: RequestHead, body: [UInt8]) {
        connection.requestStarted = MonotonicInstant.now().nanoseconds
        let keepAlive = head.keepAlive && shutdownDeadline.load(ordering: .relaxed) == 0
        let includeBody = head.method != .head
        let (path, query) = HTTPRequestParser.splitTarget(head.target)
        var request = HTTPRequest(method: head.method, path: path, query: query, headers: head.headers, body: body,
                                  remoteAddress: connection.remoteAddress, isLoopback: connection.isLoopback)
        switch server.router.match(head.method, path: path) {
        case .notFound:
            complete(connection, HTTPError.notFound().response, keepAlive: keepAlive, includeBody: includeBody,
                     route: "unmatched", method: head.method)
        case .methodNotAllowed(let allowed):
            let allow = Set(allowed.map(\.rawValue) + (allowed.contains(.get) ? ["HEAD"] : [])).sorted().joined(separator: ", ")
            let error = HTTPError(405, code: RefusalReason.methodNotAllowed.rawValue, message: "this path accepts \(allow)",
                                  headers: [("Allow", allow)])
            complete(connection, error.response, keepAlive: keepAlive, includeBody: includeBody, route: "unmatched", method: head.method)
        case .found(let route, let parameters):
            request.pathParameters = parameters
            request.route = route.pattern
            switch route.handler {
            case .immediate(let handler):
                complete(connection, handler(request), keepAlive: keepAlive, includeBody: includeBody, route: route.pattern, method: head.method)
            case .task(let handler):
                connection.phase = .awaiting
                let id = connection.id
                let logger = server.logger
                let pattern = route.pattern
                let method = head.method
                let sendableRequest = request
                Task { [self] in
                    let response: HTTPResponse
                    do {
                        response = try await handler(sendableRequest)
                    } catch let error as HTTPError {
                        response = error.response
                    } catch {
                        logger.error("request failed", ["route": pattern, "error": "\(error)"])
                        response = HTTPError.internalError.response
                    }
                    deliver(Delivery(connection: id, response: response, keepAlive: keepAlive, includeBody: includeBody,
                                     route: pattern, method: method))
                }
            }
        }
    }

    /// Queues a routed response and records it.
    func complete(_ connection: Connection, _ response: HTTPResponse, keepAlive: Bool, includeBody: Bool,
                          route: String, method: HTTPMethod) {
        let seconds = Double(MonotonicInstant.now().nanoseconds &- connection.requestStarted) / 1e9
        server.observer.requestCompleted(route: route, method: method, status: response.status, seconds: seconds)
        if response.status == 401 { server.observer.refused(.unauthorized) }
        // A request that was in flight when shutdown began is answered with Connection: close.
        let keepAlive = keepAlive && shutdownDeadline.load(ordering: .relaxed) == 0
        connection.queue(response, keepAlive: keepAlive, includeBody: includeBody)
        connection.closeAfterWrite = !keepAlive
        connection.phase = .writing
        connection.deadline = MonotonicInstant.now().nanoseconds + nanoseconds(server.configuration.writeTimeout)
    }

}
