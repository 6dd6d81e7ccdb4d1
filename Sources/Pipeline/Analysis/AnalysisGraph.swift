import FoundationEssentials
import Storage
import Support

/// The market-analysis graph on the engine:
///
/// ingestion → memory (and news) → agents (in parallel: the offline agents, and the LLM agents when
/// a provider is configured) → fusion → theses → cross_examination → consensus → recommendation
/// (explanation, optional risk perspectives) → persistence. An invalid briefing and a failed consensus go straight to
/// persistence, which records the failure. One graph thread per run; every superstep is
/// checkpointed, so a run killed anywhere resumes where it stopped.
public enum AnalysisGraph {
    /// The name recorded with each run.
    public static let name = "market-analysis"

    /// Builds the graph over `source` (market data), `pool` (memory and persistence) and `clock`.
    /// With `llm`, its agents join the fan-out and the theses, cross-examination and explanation
    /// are written by the model (each falling back to its template); without it the graph is
    /// the offline one.
    public static func make(source: @escaping @Sendable () -> any MarketDataSource, pool: DatabasePool, clock: any WallClock,
                            agents: [OfflineAgent] = OfflineAgents.all, llm: LLMAnalysis? = nil, decisionBlend: Bool = false) throws -> Graph {
        let builder = AnalysisGraphBuilder(source: source, pool: pool, clock: clock, agents: agents, llm: llm, decisionBlend: decisionBlend)
        var graph = StateGraph(name: name)
        builder.addChannels(&graph)
        builder.addIngestion(&graph)
        builder.addMemory(&graph)
        builder.addAgents(&graph)
        builder.addFusionAndTheses(&graph)
        builder.addConsensus(&graph)
        builder.addRecommendation(&graph)
        builder.addPersistence(&graph)
        graph.edge(StateGraph.start, "ingestion")
        return try graph.compile(GraphOptions(stepLimit: 20, maxConcurrency: 8))
    }

    /// Fetches the YES book and price history and builds the briefing. A missing book (404) is an
    /// empty book, not a failure; other network errors propagate (and are retried by the node).
    static func ingest(_ snapshot: MarketSnapshot, source: any MarketDataSource, now: Date) async throws -> MarketBriefing {
        guard let token = snapshot.clobTokenIDs.first, let price = snapshot.yesPrice, price > 0, price < 1, !snapshot.closed else {
            // Not analysable; the builder says why without fetching anything.
            return try BriefingBuilder.build(snapshot: snapshot, book: nil, history: [], now: now)
        }
        var book: OrderBook?
        do { book = try await source.orderBook(tokenID: token) } catch NetworkError.status(404, _, _) { book = nil }
        let history = try await source.priceHistory(tokenID: token)
        return try BriefingBuilder.build(snapshot: snapshot, book: book, history: history, now: now)
    }
}
