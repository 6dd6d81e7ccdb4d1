extension Double {
    /// Whole numbers without a fraction (`12`, also for ids sent as JSON numbers), others as
    /// Swift prints them (`0.25`). Used for wire ids and Prometheus samples.
    public var plainText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : String(self)
    }
}
