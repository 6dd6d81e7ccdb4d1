import FoundationEssentials
import Glibc
@testable import Storage
import XCTest

/// A fresh private directory per test, removed afterwards.
func makeTemporaryDirectory(_ function: String = #function) throws -> String {
    var template = Array("/tmp/tradewizard-test-XXXXXX".utf8CString)
    guard let result = mkdtemp(&template) else { throw StorageError(.io, "mkdtemp failed") }
    return String(cString: result)
}

func removeDirectory(_ path: String) {
    _ = try? FileManager.default.removeItem(atPath: path)
}

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
