@testable import Pipeline
import Support
import TestSupport
import XCTest

final class CurlRuntimeTests: XCTestCase {
    func testLinkedLibcurlSpeaksTLSAndGzip() {
        XCTAssertNotEqual(CurlRuntime.version, "unknown")
        XCTAssertTrue(CurlRuntime.supportsTLS, "Polymarket and LLM APIs are https only")
        XCTAssertTrue(CurlRuntime.supportsGzip)
    }
}
