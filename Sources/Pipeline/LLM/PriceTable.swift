import FoundationEssentials
import Storage
import Support

/// Dollars per million tokens of one model.
public struct ModelPrice: Sendable, Equatable {
    public var inputPerMillion: Double
    public var outputPerMillion: Double
    public init(inputPerMillion: Double, outputPerMillion: Double) {
        self.inputPerMillion = inputPerMillion
        self.outputPerMillion = outputPerMillion
    }

    /// The cost of `usage` at this price.
    public func cost(_ usage: LLMUsage) -> Double {
        (Double(usage.inputTokens) * inputPerMillion + Double(usage.outputTokens) * outputPerMillion) / 1_000_000
    }
}

/// Prices by provider and model: the cost of each call is its reported usage × its price.
///
/// A model is priced by the longest entry that prefixes its name (`gpt-4o-mini-2024-07-18` takes
/// `gpt-4o-mini`). Entries given in `LLM_PRICES` come before the defaults. A model with no entry
/// is free on a local server and, on a cloud provider, priced at that provider's dearest default,
/// so budgets err on the side of stopping early.
public struct PriceTable: Sendable {
    public var entries: [LLMProviderName: [(model: String, price: ModelPrice)]]

    /// List prices per million tokens (input, output) of common models, in USD.
    public static let defaults = PriceTable(entries: [
        .openai: [("gpt-4o-mini", .init(inputPerMillion: 0.15, outputPerMillion: 0.60)),
                  ("gpt-4o", .init(inputPerMillion: 2.50, outputPerMillion: 10.00)),
                  ("gpt-4.1-nano", .init(inputPerMillion: 0.10, outputPerMillion: 0.40)),
                  ("gpt-4.1-mini", .init(inputPerMillion: 0.40, outputPerMillion: 1.60)),
                  ("gpt-4.1", .init(inputPerMillion: 2.00, outputPerMillion: 8.00)),
                  ("gpt-5-nano", .init(inputPerMillion: 0.05, outputPerMillion: 0.40)),
                  ("gpt-5-mini", .init(inputPerMillion: 0.25, outputPerMillion: 2.00)),
                  ("gpt-5", .init(inputPerMillion: 1.25, outputPerMillion: 10.00)),
                  ("o4-mini", .init(inputPerMillion: 1.10, outputPerMillion: 4.40))],
        .anthropic: [("claude-3-5-haiku", .init(inputPerMillion: 0.80, outputPerMillion: 4.00)),
                     ("claude-haiku-4-5", .init(inputPerMillion: 1.00, outputPerMillion: 5.00)),
                     ("claude-3-7-sonnet", .init(inputPerMillion: 3.00, outputPerMillion: 15.00)),
                     ("claude-sonnet-4", .init(inputPerMillion: 3.00, outputPerMillion: 15.00)),
                     ("claude-opus-4", .init(inputPerMillion: 15.00, outputPerMillion: 75.00))],
        .google: [("gemini-2.0-flash", .init(inputPerMillion: 0.10, outputPerMillion: 0.40)),
                  ("gemini-2.5-flash-lite", .init(inputPerMillion: 0.10, outputPerMillion: 0.40)),
                  ("gemini-2.5-flash", .init(inputPerMillion: 0.30, outputPerMillion: 2.50)),
                  ("gemini-2.5-pro", .init(inputPerMillion: 1.25, outputPerMillion: 10.00))],
    ])

    public init(entries: [LLMProviderName: [(model: String, price: ModelPrice)]]) { self.entries = entries }

    /// The defaults with `overrides` (from `LLM_PRICES`) taking precedence.
    public static func withOverrides(_ overrides: [LLMProviderName: [(model: String, price: ModelPrice)]]) -> PriceTable {
        var table = defaults
        for (provider, list) in overrides { table.entries[provider] = list + (table.entries[provider] ?? []) }
        return table
    }

    /// True when the table names a price for `model` at `provider` (a default or `LLM_PRICES`).
    public func hasPrice(_ provider: LLMProviderName, model: String) -> Bool {
        (entries[provider] ?? []).contains { model.hasPrefix($0.model) }
    }

    /// The price of `model` at `provider` (see the type's rules).
    public func price(_ provider: LLMProviderName, model: String, local: Bool) -> ModelPrice {
        let list = entries[provider] ?? []
        if let match = list.filter({ model.hasPrefix($0.model) }).max(by: { $0.model.count < $1.model.count }) { return match.price }
        if local { return ModelPrice(inputPerMillion: 0, outputPerMillion: 0) }
        return list.max { $0.price.outputPerMillion < $1.price.outputPerMillion }?.price ?? ModelPrice(inputPerMillion: 15, outputPerMillion: 75)
    }

    /// Parses `LLM_PRICES`: comma-separated `provider/model=input:output` (USD per million
    /// tokens), e.g. `openai/llama3.1=0:0,anthropic/claude-sonnet-4=3:15`. Returns the entries or
    /// a description of the first bad one.
    public static func parse(_ text: String) -> Result<[LLMProviderName: [(model: String, price: ModelPrice)]], PriceParseError> {
        var out: [LLMProviderName: [(model: String, price: ModelPrice)]] = [:]
        for item in text.split(separator: ",").map({ $0.trimmed() }) where !item.isEmpty {
            let sides = item.split(separator: "=", maxSplits: 1).map(String.init)
            let names = sides.first?.split(separator: "/", maxSplits: 1).map(String.init) ?? []
            let numbers = sides.count == 2 ? sides[1].split(separator: ":").map { Double($0.trimmed()) } : []
            guard names.count == 2, let provider = LLMProviderName(rawValue: names[0].lowercased()), !names[1].isEmpty,
                  numbers.count == 2, let input = numbers[0], let output = numbers[1], input >= 0, output >= 0, input.isFinite, output.isFinite else {
                return .failure(PriceParseError(entry: item))
            }
            out[provider, default: []].append((names[1], ModelPrice(inputPerMillion: input, outputPerMillion: output)))
        }
        return .success(out)
    }
}

/// An `LLM_PRICES` entry that does not read as `provider/model=input:output`.
public struct PriceParseError: Error, Sendable, CustomStringConvertible {
    public var entry: String
    public var description: String { "\"\(entry)\" is not provider/model=input:output (provider openai, anthropic or google; USD per million tokens)" }
}
