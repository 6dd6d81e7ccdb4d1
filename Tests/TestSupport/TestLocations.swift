import FoundationEssentials
import Glibc
import Support
#if canImport(XCTest)
import XCTest
#endif

/// Where tests find the repository and the shared samples, and where they make scratch space.
public enum TestLocations {
    /// The repository root, from this file's path (`Tests/TestSupport/` is two levels down).
    public static let repositoryRoot: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }()

    /// The real Polymarket captures beside the repository (`../shared/fixtures/polymarket`).
    public static let sharedPolymarketFixtures = repositoryRoot + "/../shared/fixtures/polymarket"

    /// Reads one shared Polymarket capture. When `../shared` is absent (a fresh clone on its own)
    /// the calling test is skipped with `XCTSkip` and the reason, so it is reported, never
    /// silently passed; with `REQUIRE_SHARED_SAMPLES=1` (CI) the absence is a failure instead.
    public static func sharedFixture(_ name: String) throws -> [UInt8] {
        let path = sharedPolymarketFixtures + "/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            try requireShared("the real Polymarket capture \(name) is not at \(path) (../shared is not beside the repository)")
            throw SystemError(.notFound, "missing \(path)")
        }
        return Array(data)
    }

    /// Skips (or, under `REQUIRE_SHARED_SAMPLES=1`, fails) the calling test with `reason`.
    public static func requireShared(_ reason: String) throws {
        if getenv("REQUIRE_SHARED_SAMPLES").map({ String(cString: $0) }) == "1" {
            throw SystemError(.notFound, reason + "; REQUIRE_SHARED_SAMPLES=1 makes this a failure")
        }
        throw skip(reason)
    }

    /// `XCTSkip` with `reason` (a plain error in builds without XCTest, such as a static release
    /// build of every target).
    static func skip(_ reason: String) -> any Error {
        #if canImport(XCTest)
        return XCTSkip(reason)
        #else
        return SystemError(.notFound, reason)
        #endif
    }
}

extension TestLocations {
    /// The Python of `.build/langgraph-venv` when LangGraph's `SqliteSaver` imports there (`.ci/run`
    /// installs it from PyPI); otherwise the calling test is skipped with `XCTSkip` and the reason.
    public static func langGraphPython() throws -> String {
        let python = repositoryRoot + "/.build/langgraph-venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python),
              let probe = try? Subprocess(arguments: [python, "-c", "import langgraph.checkpoint.sqlite"], mergeErrors: true),
              probe.wait() == 0 else {
            throw skip("langgraph-checkpoint-sqlite is not installed in .build/langgraph-venv (.ci/run installs it from PyPI)")
        }
        return python
    }
}

/// A fresh private directory under /tmp for one test; remove it with `removeDirectory`.
public func makeTemporaryDirectory() throws -> String {
    var template = Array("/tmp/tradewizard-test-XXXXXX".utf8CString)
    guard let result = mkdtemp(&template) else { throw SystemError.lastCall("mkdtemp failed") }
    return String(cString: result)
}

/// Removes a test directory and everything in it; errors are ignored.
public func removeDirectory(_ path: String) {
    _ = try? FileManager.default.removeItem(atPath: path)
}

extension TestLocations {
    /// The Python of `.build/ci-venv` when `module` imports there (`.ci/run` installs aiosmtpd,
    /// selenium and prometheus-client into it from PyPI); otherwise the calling test is skipped.
    public static func ciPython(with module: String) throws -> String {
        let python = repositoryRoot + "/.build/ci-venv/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python),
              let probe = try? Subprocess(arguments: [python, "-c", "import \(module)"], mergeErrors: true),
              probe.wait() == 0 else {
            throw skip("\(module) is not installed in .build/ci-venv (.ci/run installs it from PyPI)")
        }
        return python
    }
}
