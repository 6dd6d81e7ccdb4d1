import FoundationEssentials
import Storage
import Support

/// How a channel combines the updates written to it in one superstep. Updates are applied in a
/// fixed order (by node name, then by each node's write order), so results are deterministic.
public enum Reducer: String, Sendable, Codable {
    /// The last update wins.
    case lastValue
    /// Lists: each update (a list, or a single value) is appended.
    case append
    /// Dictionaries: each update's keys replace the same keys; other keys stay.
    case merge
    /// Internal: a fan-in barrier — the set of finished predecessors; `null` resets it.
    case barrier

    /// The value after applying `update` to `current` (nil when the channel is still empty).
    public func apply(_ current: JSONValue?, _ update: JSONValue) throws -> JSONValue {
        switch self {
        case .lastValue:
            return update
        case .append:
            var list = current?.arrayValue ?? []
            if let items = update.arrayValue { list.append(contentsOf: items) } else { list.append(update) }
            return .array(list)
        case .merge:
            guard let members = update.objectValue else {
                throw GraphError.invalidUpdate("a merge channel takes objects, got \(update)")
            }
            var merged = current?.objectValue ?? [:]
            for (key, value) in members { merged[key] = value }
            return .object(merged)
        case .barrier:
            if update == .null { return .array([]) }
            let names = Set((current?.arrayValue ?? []).compactMap(\.stringValue)).union([update.stringValue].compactMap { $0 })
            return .array(names.sorted().map(JSONValue.string))
        }
    }
}

/// The values of a graph's channels as a node sees them.
public struct GraphState: Sendable, Equatable {
    /// Channel name → current value (absent when never written).
    public let values: [String: JSONValue]

    public init(_ values: [String: JSONValue]) { self.values = values }

    /// The raw value of a channel.
    public subscript(_ channel: String) -> JSONValue? { values[channel] }

    /// A channel's value decoded as `T`; nil when the channel is empty or null.
    public func decode<T: Decodable>(_ type: T.Type, _ channel: String) throws -> T? {
        guard let value = values[channel], value != .null else { return nil }
        return try JSONCoding.decode(T.self, from: value.serialized())
    }

    /// The entries of the built-in `errors` channel.
    public var errors: [NodeErrorEntry] { (try? decode([NodeErrorEntry].self, GraphChannels.errors)) ?? [] }
}

/// A node's partial update: channel name → value to reduce into that channel.
public struct StateUpdate: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        values = Dictionary(elements, uniquingKeysWith: { _, last in last })
    }

    /// Sets `channel` to `value` encoded as JSON.
    public mutating func set(_ channel: String, _ value: some Encodable) throws {
        values[channel] = try JSONValue.parse(try JSONCoding.encode(value))
    }
}

/// An entry of the built-in `errors` channel: a node that failed under the `continue` policy.
public struct NodeErrorEntry: Codable, Sendable, Equatable {
    public var node: String
    public var message: String
    public var attempts: Int
    public var step: Int
}

/// Names the engine reserves.
public enum GraphChannels {
    /// The built-in append channel that collects `NodeErrorEntry` values.
    public static let errors = "errors"
    /// LangGraph's special error write (index -1).
    static let errorWrite = "__error__"
    /// Marker for a task that finished without writing anything, so resume knows it ran.
    static let noWrites = "__no_writes__"
    static func trigger(_ node: String) -> String { "branch:to:" + node }
    static func join(_ predecessors: [String], _ node: String) -> String {
        "join:" + predecessors.sorted().joined(separator: "+") + ":" + node
    }
}
