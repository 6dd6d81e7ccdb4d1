import Support

/// One point of a CLOB price series (`/prices-history`, and `price_history` once stored): the
/// time in epoch seconds and the price of the token, 0…1.
public struct PricePoint: Codable, Sendable, Equatable {
    /// Epoch seconds.
    public var t: Double
    /// Price of the token, 0…1.
    public var p: Double

    public init(t: Double, p: Double) { self.t = t; self.p = p }
}
