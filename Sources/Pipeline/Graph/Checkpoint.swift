import FoundationEssentials
import Storage
import Support
import Synchronization

/// The state of a run between supersteps, in LangGraph's checkpoint shape (version 4):
/// `{v, id, ts, channel_values, channel_versions, versions_seen, updated_channels}`.
struct Checkpoint: Sendable {
    var id: String
    var parentID: String?
    var timestamp: Date
    /// -1 for the input checkpoint, then 0, 1, ... after each superstep.
    var step: Int
    var values: [String: JSONValue]
    var versions: [String: Int]
    var seen: [String: [String: Int]]
    var updatedChannels: [String]

    /// The row to store; `source` is LangGraph's `input`, `loop` or `update`.
    func row(thread: String, graph: String, source: String) -> CheckpointRow {
        let body: JSONValue = .object([
            "v": .number(4),
            "id": .string(id),
            "ts": .string(Timestamp.format(timestamp)),
            "channel_values": .object(values),
            "channel_versions": .object(versions.mapValues { .number(Double($0)) }),
            "versions_seen": .object(seen.mapValues { .object($0.mapValues { .number(Double($0)) }) }),
            "updated_channels": .array(updatedChannels.map(JSONValue.string)),
        ])
        let metadata: JSONValue = .object([
            "source": .string(source),
            "step": .number(Double(step)),
            "parents": .object([:]),
            "run_id": .string(thread),
            "graph": .string(graph),
        ])
        return CheckpointRow(threadID: thread, checkpointID: id, parentID: parentID,
                             checkpoint: body.serialized(), metadata: metadata.serialized())
    }

    /// Reads a stored row back.
    init(row: CheckpointRow) throws {
        guard let body = try? JSONValue.parse(row.checkpoint).objectValue,
              let metadata = try? JSONValue.parse(row.metadata).objectValue,
              let step = metadata["step"]?.numberValue else {
            throw GraphError.corruptCheckpoint("checkpoint \(row.checkpointID) of thread \(row.threadID)")
        }
        id = row.checkpointID
        parentID = row.parentID
        timestamp = body["ts"]?.stringValue.flatMap(Timestamp.parse) ?? Date(timeIntervalSince1970: 0)
        self.step = Int(step)
        values = body["channel_values"]?.objectValue ?? [:]
        versions = (body["channel_versions"]?.objectValue ?? [:]).compactMapValues { $0.numberValue.map { Int($0) } }
        seen = (body["versions_seen"]?.objectValue ?? [:]).mapValues {
            ($0.objectValue ?? [:]).compactMapValues { $0.numberValue.map { Int($0) } }
        }
        updatedChannels = (body["updated_channels"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    init(id: String, parentID: String?, timestamp: Date, step: Int, values: [String: JSONValue],
         versions: [String: Int], seen: [String: [String: Int]], updatedChannels: [String]) {
        self.id = id
        self.parentID = parentID
        self.timestamp = timestamp
        self.step = step
        self.values = values
        self.versions = versions
        self.seen = seen
        self.updatedChannels = updatedChannels
    }
}

/// Time-ordered checkpoint ids in UUID version 6 form (as LangGraph uses): the leading hex digits
/// are a 100 ns timestamp, so the largest id of a thread is its latest checkpoint. Ids from one
/// process strictly increase, and a new id is always greater than the `after` id it follows, even
/// if the wall clock stepped back between processes.
enum CheckpointID {
    private static let last = Mutex<UInt64>(0)
    /// 100 ns intervals between 1582-10-15 (the UUID epoch) and 1970-01-01.
    private static let gregorianOffset: UInt64 = 0x01B2_1DD2_1381_4000

    static func next(after previous: String? = nil) -> String {
        let now = UInt64(max(0, Date().timeIntervalSince1970) * 10_000_000) + gregorianOffset
        let floor = previous.flatMap(timestamp(of:)).map { $0 + 1 } ?? 0
        let ticks = last.withLock { last -> UInt64 in
            last = max(now, last + 1, floor)
            return last
        }
        var random = SystemRandomNumberGenerator()
        let clockSequence = UInt16.random(in: 0...0x3FFF, using: &random) | 0x8000
        let node = UInt64.random(in: 0...0xFFFF_FFFF_FFFF, using: &random)
        return hex(ticks >> 28, 8) + "-" + hex((ticks >> 12) & 0xFFFF, 4) + "-" + hex(0x6000 | (ticks & 0xFFF), 4)
            + "-" + hex(UInt64(clockSequence), 4) + "-" + hex(node, 12)
    }

    /// The timestamp inside an id made by `next`, nil for other text.
    static func timestamp(of id: String) -> UInt64? {
        let parts = id.split(separator: "-")
        guard parts.count == 5, parts[0].count == 8, parts[1].count == 4, parts[2].count == 4,
              let high = UInt64(parts[0], radix: 16), let middle = UInt64(parts[1], radix: 16),
              let low = UInt64(parts[2], radix: 16) else { return nil }
        return high << 28 | middle << 12 | (low & 0xFFF)
    }

    private static func hex(_ value: UInt64, _ width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

/// A task's deterministic id: the same node at the same checkpoint always has the same id, which
/// is what lets resume match saved writes to tasks and makes re-putting writes idempotent.
enum TaskID {
    static func make(thread: String, checkpointID: String, node: String) -> String {
        var hasher = SHA256()
        for (index, part) in [thread, checkpointID, node].enumerated() {
            if index > 0 { hasher.update([0]) }
            hasher.update(Array(part.utf8))
        }
        let digest = hasher.finalize()
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in digest.prefix(16).enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// LangGraph's task path for a node triggered by edges.
    static func path(node: String) -> String { "~__pregel_pull, " + node }
}
