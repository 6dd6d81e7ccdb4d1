/// Why an analysis was not run or cannot be shown. Callers switch on the case (the HTTP layer maps
/// each to its status and code); `description` is for people and names the market or run.
public enum AnalysisError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The market has resolved; a resolved market is never analysed again.
    case marketResolved(conditionID: String)
    /// The market source has no market with this condition id.
    case marketNotFound(conditionID: String, source: String)
    /// The market is closed for trading; only open markets are analysed.
    case marketClosed(conditionID: String)
    /// No analysis run with this id is stored.
    case runNotFound(runID: String)

    public var description: String {
        switch self {
        case .marketResolved(let id): "market \(id) has resolved; it is not analysed again"
        case .marketNotFound(let id, let source): "no market with condition id \(id) in \(source)"
        case .marketClosed(let id): "market \(id) is closed; only open markets are analysed"
        case .runNotFound(let id): "no analysis run \(id)"
        }
    }
}
