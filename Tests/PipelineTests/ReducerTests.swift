@testable import Pipeline
import Storage
import Support
import TestSupport
import XCTest

/// Reducer laws, checked on generated inputs (a seeded generator, so failures reproduce).
final class ReducerTests: XCTestCase {
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func randomValue(_ generator: inout SeededGenerator, depth: Int = 0) -> JSONValue {
        switch Int.random(in: 0..<(depth > 1 ? 4 : 6), using: &generator) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .number(Double(Int.random(in: -1000...1000, using: &generator)) / 8)
        case 3: return .string(String(Int.random(in: 0...99, using: &generator)))
        case 4: return .array((0..<Int.random(in: 0...3, using: &generator)).map { _ in randomValue(&generator, depth: depth + 1) })
        default:
            return .object(Dictionary((0..<Int.random(in: 0...3, using: &generator)).map { _ in
                ("k\(Int.random(in: 0...4, using: &generator))", randomValue(&generator, depth: depth + 1))
            }, uniquingKeysWith: { $1 }))
        }
    }

    func randomList(_ generator: inout SeededGenerator) -> JSONValue {
        .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in randomValue(&generator) })
    }

    func testAppendIsAssociativeAndKeepsWriteOrder() throws {
        var generator = SeededGenerator(state: 42)
        for _ in 0..<500 {
            let (a, b, c) = (randomList(&generator), randomList(&generator), randomList(&generator))
            let left = try Reducer.append.apply(try Reducer.append.apply(a, b), c)
            let combined = try Reducer.append.apply(b, c)
            let right = try Reducer.append.apply(a, combined)
            XCTAssertEqual(left, right)
            XCTAssertEqual(left.arrayValue, (a.arrayValue ?? []) + (b.arrayValue ?? []) + (c.arrayValue ?? []))
        }
        XCTAssertEqual(try Reducer.append.apply(nil, .string("x")), .array([.string("x")]), "a single value is appended as one element")
    }

    func testMergeKeepsOtherKeysAndLaterWritesWin() throws {
        var generator = SeededGenerator(state: 7)
        for _ in 0..<500 {
            guard case .object(let a) = randomValue(&generator, depth: 0) else { continue }
            guard case .object(let b) = randomValue(&generator, depth: 0) else { continue }
            let merged = try XCTUnwrap(try Reducer.merge.apply(.object(a), .object(b)).objectValue)
            XCTAssertEqual(Set(merged.keys), Set(a.keys).union(b.keys))
            for (key, value) in merged { XCTAssertEqual(value, b[key] ?? a[key]) }
        }
        XCTAssertThrowsError(try Reducer.merge.apply(nil, .number(1)), "a merge channel refuses non-objects")
    }

    func testLastValueReturnsTheLastWrite() throws {
        var generator = SeededGenerator(state: 99)
        for _ in 0..<200 {
            let writes = (0..<Int.random(in: 1...5, using: &generator)).map { _ in randomValue(&generator) }
            var value: JSONValue? = nil
            for write in writes { value = try Reducer.lastValue.apply(value, write) }
            XCTAssertEqual(value, writes.last)
        }
    }

    func testStepAppliesWritesInNodeNameOrderWhateverTheFinishOrder() async throws {
        let test = try await TestDatabase()
        defer { test.remove() }
        var graph = StateGraph(name: "order")
        graph.channel("log", .append)
        let names = ["delta", "alpha", "charlie", "bravo"]
        for (index, name) in names.enumerated() {
            graph.node(name) { _, _ in
                try await Task.sleep(for: .milliseconds(5 * (names.count - index)))
                return ["log": .string(name)]
            }
            graph.edge(StateGraph.start, name)
        }
        let outcome = try await graph.compile().invoke(thread: "t-order", input: [:], checkpointer: test.checkpointer)
        XCTAssertEqual(outcome.state["log"], .array(names.sorted().map(JSONValue.string)))
    }

    func testSerializedJSONParsesBackToTheSameValue() throws {
        var generator = SeededGenerator(state: 3)
        for _ in 0..<500 {
            let value = randomValue(&generator)
            XCTAssertEqual(try JSONValue.parse(value.serialized()), value)
        }
        XCTAssertEqual(String(decoding: JSONValue.string("a\"b\\c\n\u{1}").serialized(), as: UTF8.self), #""a\"b\\c\n\u0001""#)
        XCTAssertEqual(String(decoding: JSONValue.number(.nan).serialized(), as: UTF8.self), "null")
    }
}
