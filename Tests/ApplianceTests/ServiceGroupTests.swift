import FoundationEssentials
@testable import Appliance
@testable import HTTPServer
import Support
import Synchronization
import TestSupport
import XCTest

/// What the process does with its services: start in order, stop in reverse, and end (non-zero)
/// when one of them dies.
final class ServiceGroupTests: XCTestCase {
    /// Records the order of starts and stops.
    final class Journal: Sendable {
        private let entries = Mutex<[String]>([])
        func add(_ entry: String) { entries.withLock { $0.append(entry) } }
        var all: [String] { entries.withLock { $0 } }
    }

    struct Recorded: Service {
        let name: String
        let journal: Journal
        func start() async throws { journal.add("start \(name)") }
        func stop(deadline: UInt64) async { journal.add("stop \(name)") }
    }

    func server() -> HTTPServer {
        var configuration = HTTPServerConfiguration()
        configuration.threads = 2
        return HTTPServer(configuration: configuration, router: Router([Route(.get, "/x", .immediate { _ in .text("x") })]),
                          observer: Metrics(), logger: Logger(level: .critical, sink: .memory()))
    }

    func testADyingEventLoopStopsEveryServiceInReverseAndTheProcessExitsNonZero() async throws {
        let journal = Journal()
        let logs = LogSink.memory()
        let http = server()
        let group = ServiceGroup(services: [Recorded(name: "database", journal: journal), HTTPService(server: http, ready: ReadinessFlag()),
                                            Recorded(name: "after", journal: journal)],
                                 logger: Logger(level: .info, sink: logs))
        try await group.start()
        let port = try XCTUnwrap(http.boundPort)
        let first = try await LoopbackHTTPClient(host: "127.0.0.1", port: port).send(method: "GET", path: "/x")
        XCTAssertEqual(first.status, 200)
        Task {
            try? await Task.sleep(nanoseconds: 50_000_000)
            http.injectLoopFailure(index: 1, reason: "injected by the test")
        }
        let outcome = await group.run(until: { try? await Task.sleep(nanoseconds: 60_000_000_000); return 15 }, shutdownSeconds: 2)
        guard case .serviceDied(let name, let reason) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(name, "http")
        XCTAssertTrue(reason.contains("event loop 1 stopped unexpectedly: injected by the test"), reason)
        XCTAssertEqual(journal.all, ["start database", "start after", "stop after", "stop database"])
        XCTAssertEqual(ServeCommand.exitCode(for: outcome), .failure)
        XCTAssertTrue(logs.lines.contains { $0.contains("service stopped unexpectedly") && $0.contains("\"service\":\"http\"") && $0.contains("\"level\":\"critical\"") },
                      logs.lines.joined())
        let after = try? await LoopbackHTTPClient(host: "127.0.0.1", port: port, timeoutSeconds: 1).send(method: "GET", path: "/x")
        XCTAssertNil(after, "the server no longer listens")
    }

    func testAStopSignalStopsEveryServiceInReverseAndTheProcessExitsZero() async throws {
        let journal = Journal()
        let http = server()
        let group = ServiceGroup(services: [Recorded(name: "a", journal: journal), HTTPService(server: http, ready: ReadinessFlag()),
                                            Recorded(name: "b", journal: journal)],
                                 logger: Logger(level: .critical, sink: .memory()))
        try await group.start()
        let outcome = await group.run(until: { 15 }, shutdownSeconds: 2)
        XCTAssertEqual(outcome, .stopped(signal: 15))
        XCTAssertEqual(journal.all, ["start a", "start b", "stop b", "stop a"])
        XCTAssertEqual(ServeCommand.exitCode(for: outcome), .ok)
    }

    func testAServiceThatFailsToStartStopsThoseStartedBeforeIt() async throws {
        struct Failing: Service {
            let name = "failing"
            func start() async throws { throw SystemError(.io, "no") }
            func stop(deadline: UInt64) async {}
        }
        let journal = Journal()
        let group = ServiceGroup(services: [Recorded(name: "a", journal: journal), Recorded(name: "b", journal: journal), Failing(),
                                            Recorded(name: "never", journal: journal)],
                                 logger: Logger(level: .critical, sink: .memory()))
        do {
            try await group.start()
            XCTFail("the start must fail")
        } catch {}
        XCTAssertEqual(journal.all, ["start a", "start b", "stop b", "stop a"])
    }
}
