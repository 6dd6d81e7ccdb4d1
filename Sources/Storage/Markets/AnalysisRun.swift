import FoundationEssentials
import Support

/// Why an analysis ran.
public enum AnalysisType: String, Codable, Sendable, CaseIterable {
    case initial, update, manual
}

/// How an analysis ended.
public enum AnalysisStatus: String, Codable, Sendable, CaseIterable {
    case success, failed, partial
}

/// The record of one analysis run, successful or not (`analysis_history`).
public struct AnalysisRun: Codable, Sendable, Equatable {
    public var id: Int64 = 0
    public var marketID: Int64
    /// The run id, also the graph thread id of its checkpoints.
    public var runID: String
    public var analysisType: AnalysisType
    public var status: AnalysisStatus
    public var durationMilliseconds: Int64 = 0
    public var costUSD: Double = 0
    public var tokensIn: Int64 = 0
    public var tokensOut: Int64 = 0
    public var agentsUsed: [String] = []
    /// Required when `status` is `.failed`.
    public var errorMessage: String?
    /// Where the market data came from (`polymarket`, `fixtures`).
    public var source: String?
    /// Consensus and fusion figures of the run (a JSON object).
    public var detail: [String: JSONValue] = [:]
    public var createdAt: Date = Date(timeIntervalSince1970: 0)

    public init(marketID: Int64, runID: String, analysisType: AnalysisType, status: AnalysisStatus) {
        self.marketID = marketID
        self.runID = runID
        self.analysisType = analysisType
        self.status = status
    }

    init(row: Row) throws {
        id = try row.get("id")
        marketID = try row.get("market_id")
        runID = try row.get("run_id")
        analysisType = try row.enumValue("analysis_type")
        status = try row.enumValue("status")
        durationMilliseconds = try row.get("duration_ms")
        costUSD = try row.get("cost_usd")
        tokensIn = try row.get("tokens_in")
        tokensOut = try row.get("tokens_out")
        agentsUsed = try row.json("agents_used")
        errorMessage = try row.get("error_message")
        source = try row.get("source")
        detail = try row.json("detail")
        createdAt = try row.get("created_at")
    }
}
