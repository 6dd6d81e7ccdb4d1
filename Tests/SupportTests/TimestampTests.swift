import FoundationEssentials
@testable import Support
import XCTest

final class TimestampTests: XCTestCase {
    func testFormatsUTCWithMillisecondsAndParsesItBack() {
        let date = Date(timeIntervalSince1970: 1_795_281_234.567)
        let text = Timestamp.format(date)
        XCTAssertEqual(text, "2026-11-21T17:13:54.567Z")
        XCTAssertEqual(Timestamp.parse(text)!.timeIntervalSince1970, 1_795_281_234.567, accuracy: 0.0005)
    }

    func testFormatsDatesBeforeTheEpochAndLeapDays() {
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59.000Z")
        XCTAssertEqual(Timestamp.format(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29T00:00:00.000Z")
    }

    func testParsesOffsetsSpacesAndLongFractions() {
        XCTAssertEqual(Timestamp.parse("2026-06-12 20:41:49+00")?.timeIntervalSince1970, 1_781_296_909)
        XCTAssertEqual(Timestamp.parse("2026-04-23T22:32:51.276002Z")!.timeIntervalSince1970, 1_776_983_571.276002, accuracy: 1e-5)
        XCTAssertEqual(Timestamp.parse("2026-01-01T01:00:00+01:00")?.timeIntervalSince1970, 1_767_225_600)
    }

    func testRejectsMalformedText() {
        for bad in ["", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-01", "2026-01-01T00:00:00Zjunk", "yesterday"] {
            XCTAssertNil(Timestamp.parse(bad), bad)
        }
    }

    func testCompactFormIsUsedForBackupNames() {
        XCTAssertEqual(Timestamp.compact(Date(timeIntervalSince1970: 1_795_281_234.567)), "20261121-171354Z")
    }
}
