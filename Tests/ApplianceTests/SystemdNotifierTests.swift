import FoundationEssentials
import Glibc
@testable import Appliance
import Storage
import Support
import TestSupport
import XCTest

final class SystemdNotifierTests: XCTestCase {
    func testServeSendsReadyToTheNotifySocketAndStoppingOnSIGTERM() throws {
        let directory = try makeTemporaryDirectory()
        defer { _ = try? FileManager.default.removeItem(atPath: directory) }
        let socketPath = directory + "/notify.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(socketPath.utf8)) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(bound, 0)
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))

        let binary = FileSystem.directoryName(Subprocess.currentExecutable) + "/tradewizard"
        let server = try Subprocess(arguments: [binary, "serve", "--data-dir", directory + "/data", "--port", "0", "--env-file", "/dev/null"],
                                    environment: ["NOTIFY_SOCKET": socketPath], mergeErrors: true)
        func receive() -> String {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(listener, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[0..<count], as: UTF8.self) : ""
        }
        let ready = receive()
        XCTAssertTrue(ready.hasPrefix("READY=1\n"), ready)
        XCTAssertTrue(ready.contains("STATUS=serving on 127.0.0.1:"), ready)
        server.signal(SIGTERM)
        XCTAssertTrue(receive().hasPrefix("STOPPING=1"))
        _ = server.readAll()
        XCTAssertEqual(server.wait(), 0)
    }
}
