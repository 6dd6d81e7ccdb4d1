import FoundationEssentials
import Storage
import Support

/// The shape of a structured answer: a small subset of JSON Schema that every provider can
/// enforce. One value serves four purposes: the schema sent to OpenAI and Anthropic (every
/// property required, no extra properties, no numeric or length limits — the subset all of them
/// accept), Gemini's dialect of it, our own validation of the answer (which does check the
/// limits), and a deterministic sample answer for fakes and benchmarks.
public indirect enum OutputSchema: Sendable, Equatable {
    case object([(name: String, schema: OutputSchema)], description: String? = nil)
    case array(OutputSchema, minItems: Int = 0, maxItems: Int? = nil, description: String? = nil)
    case number(minimum: Double? = nil, maximum: Double? = nil, description: String? = nil)
    case string(enumeration: [String]? = nil, description: String? = nil)
    case boolean(description: String? = nil)

    public static func == (lhs: OutputSchema, rhs: OutputSchema) -> Bool {
        lhs.jsonSchema(strict: false) == rhs.jsonSchema(strict: false)
    }

    private var description: String? {
        switch self {
        case .object(_, let d), .array(_, _, _, let d), .number(_, _, let d), .string(_, let d), .boolean(let d): d
        }
    }

    /// The limits this node enforces, in words (`from 0 to 1`, `2 to 5 items`); nil without limits.
    var boundsText: String? {
        switch self {
        case .number(let minimum, let maximum, _):
            switch (minimum, maximum) {
            case (let low?, let high?): return "a number from \(low.plainText) to \(high.plainText)"
            case (let low?, nil): return "a number of at least \(low.plainText)"
            case (nil, let high?): return "a number of at most \(high.plainText)"
            default: return nil
            }
        case .array(_, let minItems, let maxItems, _):
            switch (minItems, maxItems) {
            case (0, nil): return nil
            case (let low, let high?): return "\(low) to \(high) items"
            case (let low, nil): return "at least \(low) items"
            }
        default: return nil
        }
    }

    /// The description to send: when the schema sent cannot carry the limits (strict modes,
    /// Gemini), they are stated in it, so the model learns the range the validator enforces.
    func description(statingBounds: Bool) -> String? {
        guard statingBounds, let bounds = boundsText else { return description }
        return (description.map { $0 + " " } ?? "") + "(" + bounds + ")"
    }

    /// JSON Schema. `strict` drops the limits (`minimum`, `maxItems`, …) that strict provider
    /// modes refuse; validation still enforces them.
    public func jsonSchema(strict: Bool) -> JSONValue {
        var out: [String: JSONValue] = [:]
        switch self {
        case .object(let properties, _):
            out["type"] = "object"
            out["properties"] = .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.schema.jsonSchema(strict: strict)) }))
            out["required"] = .array(properties.map { .string($0.name) })
            out["additionalProperties"] = false
        case .array(let items, let minItems, let maxItems, _):
            out["type"] = "array"
            out["items"] = items.jsonSchema(strict: strict)
            if !strict, minItems > 0 { out["minItems"] = .number(Double(minItems)) }
            if !strict, let maxItems { out["maxItems"] = .number(Double(maxItems)) }
        case .number(let minimum, let maximum, _):
            out["type"] = "number"
            if !strict, let minimum { out["minimum"] = .number(minimum) }
            if !strict, let maximum { out["maximum"] = .number(maximum) }
        case .string(let enumeration, _):
            out["type"] = "string"
            if let enumeration { out["enum"] = .array(enumeration.map(JSONValue.string)) }
        case .boolean:
            out["type"] = "boolean"
        }
        if let text = description(statingBounds: strict) { out["description"] = .string(text) }
        return .object(out)
    }

    /// Gemini's `responseSchema` (an OpenAPI 3.0 subset): upper-case type names, property order
    /// given explicitly, no `additionalProperties`.
    public var geminiSchema: JSONValue {
        var out: [String: JSONValue] = [:]
        switch self {
        case .object(let properties, _):
            out["type"] = "OBJECT"
            out["properties"] = .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.schema.geminiSchema) }))
            out["required"] = .array(properties.map { .string($0.name) })
            out["propertyOrdering"] = .array(properties.map { .string($0.name) })
        case .array(let items, _, _, _):
            out["type"] = "ARRAY"
            out["items"] = items.geminiSchema
        case .number:
            out["type"] = "NUMBER"
        case .string(let enumeration, _):
            out["type"] = "STRING"
            if let enumeration {
                out["format"] = "enum"
                out["enum"] = .array(enumeration.map(JSONValue.string))
            }
        case .boolean:
            out["type"] = "BOOLEAN"
        }
        if let text = description(statingBounds: true) { out["description"] = .string(text) }
        return .object(out)
    }

    /// Every way `value` breaks the schema, each with its JSON path (empty when valid).
    public func problems(_ value: JSONValue, at path: String = "$") -> [String] {
        switch (self, value) {
        case (.object(let properties, _), .object(let object)):
            var problems: [String] = []
            for property in properties {
                if let member = object[property.name] {
                    problems += property.schema.problems(member, at: path + "." + property.name)
                } else {
                    problems.append("\(path).\(property.name) is missing")
                }
            }
            let known = Set(properties.map(\.name))
            problems += object.keys.sorted().filter { !known.contains($0) }.map { "\(path).\($0) is not expected" }
            return problems
        case (.array(let items, let minItems, let maxItems, _), .array(let array)):
            var problems: [String] = []
            if array.count < minItems { problems.append("\(path) has \(array.count) item(s); at least \(minItems) expected") }
            if let maxItems, array.count > maxItems { problems.append("\(path) has \(array.count) item(s); at most \(maxItems) expected") }
            for (index, item) in array.enumerated() { problems += items.problems(item, at: "\(path)[\(index)]") }
            return problems
        case (.number(let minimum, let maximum, _), .number(let number)):
            if !number.isFinite { return ["\(path) is not a finite number"] }
            if let minimum, number < minimum { return ["\(path) is \(number.plainText); at least \(minimum.plainText) expected"] }
            if let maximum, number > maximum { return ["\(path) is \(number.plainText); at most \(maximum.plainText) expected"] }
            return []
        case (.string(let enumeration, _), .string(let string)):
            if let enumeration, !enumeration.contains(string) {
                return ["\(path) is \"\(string.prefix(40))\"; one of \(enumeration.joined(separator: ", ")) expected"]
            }
            return []
        case (.boolean, .bool):
            return []
        default:
            return ["\(path) is not \(typeName)"]
        }
    }

    private var typeName: String {
        switch self {
        case .object: "an object"
        case .array: "an array"
        case .number: "a number"
        case .string: "a string"
        case .boolean: "a boolean"
        }
    }

    /// A valid answer built from the schema alone: numbers at the middle of their range (0.5 when
    /// unbounded on a side), the first enumeration value, arrays at their minimum length (at least
    /// one item). Deterministic, for fake providers and benchmarks.
    public var sample: JSONValue {
        switch self {
        case .object(let properties, _):
            .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.name, $0.schema.sample) }))
        case .array(let items, let minItems, _, _):
            .array(Array(repeating: items.sample, count: max(1, minItems)))
        case .number(let minimum, let maximum, _):
            .number(((minimum ?? 0) + (maximum ?? 1)) / 2)
        case .string(let enumeration, let description):
            .string(enumeration?.first ?? description.map { "sample: " + $0 } ?? "sample")
        case .boolean:
            .bool(false)
        }
    }
}
