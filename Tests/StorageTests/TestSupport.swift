import FoundationEssentials
import Glibc
@testable import Storage
import Support
import TestSupport
import XCTest

/// Writes a line to stdout unbuffered, so a parent sees it even if this process is killed next.
func writeLineUnbuffered(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    var offset = 0
    while offset < bytes.count {
        let written = bytes[offset...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
        if written <= 0 { if errno == EINTR { continue }; return }
        offset += written
    }
}

/// A minimal migration set for tests that need a table to write into.
let testTableSQL = "CREATE TABLE items (id INTEGER PRIMARY KEY, writer INTEGER NOT NULL, payload TEXT NOT NULL);"
