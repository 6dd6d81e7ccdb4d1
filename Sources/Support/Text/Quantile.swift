extension Array where Element == Double {
    /// The value at quantile `q` (0…1) of this array, which must be sorted ascending; nil when empty.
    public func sortedQuantile(_ q: Double) -> Double? {
        guard !isEmpty else { return nil }
        return self[Swift.min(count - 1, Swift.max(0, Int((Double(count) * q).rounded(.down))))]
    }
}
