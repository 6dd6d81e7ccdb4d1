import FoundationEssentials
import Storage
import Support
import TestSupport
import XCTest

extension XCTestCase {
    /// The `tradewizard` binary built beside the test bundle.
    var binary: String { FileSystem.directoryName(Subprocess.currentExecutable) + "/tradewizard" }

    /// The repository's root directory (for `data/fixtures`).
    var root: String {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }
}
