import FoundationEssentials
import Storage
import Support

/// What one analysis cycle did.
public struct CycleSummary: Codable, Sendable, Equatable {
    public var source: String
    public var eventsFetched: Int
    public var candidates: Int
    public var trending: Int
    public var stale: Int
    public var analysed: Int
    public var recommendations: Int
    public var failed: Int
}

/// One cycle: discover trending markets, pick the cycle's markets (trending first, then stale
/// active ones, oldest analysis first), store the trending markets it does not pick with their
/// scores, and analyse the picked ones (each analysis stores its market once, with its result).
public struct AnalysisCycle: Sendable {
    public let analyzer: MarketAnalyzer
    public let settings: DiscoverySettings
    /// Analyses run at the same time.
    public let concurrency: Int

    public init(analyzer: MarketAnalyzer, settings: DiscoverySettings, concurrency: Int = 2) {
        self.analyzer = analyzer
        self.settings = settings
        self.concurrency = max(1, concurrency)
    }

    public func run() async throws -> CycleSummary {
        let now = analyzer.clock.now()
        let events = try await analyzer.source().trendingEvents(EventQuery(limit: settings.eventLimit, tagID: settings.tagID, relatedTags: settings.relatedTags))
        // Discovery may have switched to the fixtures (Polymarket unreachable): use what it used.
        let source = analyzer.source()
        let candidates = MarketDiscovery.candidates(events: events, settings: settings, now: now)
        let cutoff = now.addingTimeInterval(-settings.updateIntervalHours * 3_600)
        // A market whose run a crash interrupted is finished by its resume, not analysed again.
        let unfinished = try await analyzer.marketsWithUnfinishedRuns()
        let (open, lastAnalyzed, staleMarkets) = try await analyzer.pool.read { database -> ([Candidate], [String: Date], [Market]) in
            var open: [Candidate] = []
            var analyzed: [String: Date] = [:]
            for candidate in candidates where !unfinished.contains(candidate.snapshot.conditionID) {
                let existing = try database.markets.find(conditionID: candidate.snapshot.conditionID)
                guard existing?.status != .resolved else { continue }
                open.append(candidate)
                analyzed[candidate.snapshot.conditionID] = existing?.lastAnalyzedAt
            }
            return (open, analyzed, try database.markets.staleActive(analyzedBefore: cutoff, limit: settings.maxMarketsPerCycle))
        }
        var picked = MarketDiscovery.select(open, lastAnalyzed: lastAnalyzed, settings: settings, now: now)
        // Trending markets not analysed this cycle are stored with their scores now; the picked
        // ones are stored by their own analysis, in its one write of the market row.
        let pickedIDs = Set(picked.map(\.snapshot.conditionID))
        try await analyzer.pool.write { database in
            for candidate in open where !pickedIDs.contains(candidate.snapshot.conditionID) {
                var record = candidate.snapshot.marketRecord(
                    trendingScore: candidate.trendingScore, eventType: BriefingBuilder.eventType(for: candidate.snapshot))
                record.isSample = source.name == FixtureMarketSource.sourceName
                try database.markets.upsert(record)
            }
        }
        let trending = picked.count
        // Stale active markets fill what is left of the cap, oldest analysis first.
        var eventsTaken = Set(picked.map { $0.snapshot.eventID ?? $0.snapshot.conditionID })
        for market in staleMarkets where picked.count < settings.maxMarketsPerCycle && !unfinished.contains(market.conditionID) {
            guard !picked.contains(where: { $0.snapshot.conditionID == market.conditionID }),
                  let fresh = try? await source.markets(conditionIDs: [market.conditionID], closed: false).first else { continue }
            let event = try? await fresh.eventID.asyncMap { try await source.event(id: $0) } ?? nil
            let snapshot = MarketSnapshot(market: fresh, event: event)
            guard eventsTaken.insert(snapshot.eventID ?? snapshot.conditionID).inserted else { continue }
            picked.append(Candidate(snapshot: snapshot, trendingScore: market.trendingScore))
        }
        let reports = try await withThrowingTaskGroup(of: AnalysisReport?.self) { group in
            var queue = picked[...]
            var reports: [AnalysisReport] = []
            func next() {
                // After a stop request no new analysis starts; those running finish or are cancelled at the deadline.
                guard !analyzer.stop.isRaised, !Task.isCancelled, let candidate = queue.popFirst() else { return }
                let type: AnalysisType = lastAnalyzed[candidate.snapshot.conditionID] == nil ? .initial : .update
                group.addTask { try? await analyzer.analyze(candidate.snapshot, type: type, trendingScore: candidate.trendingScore) }
            }
            for _ in 0..<concurrency { next() }
            while let report = try await group.next() {
                if let report { reports.append(report) }
                next()
            }
            return reports
        }
        return CycleSummary(source: source.name, eventsFetched: events.count, candidates: candidates.count, trending: trending,
                            stale: picked.count - trending, analysed: reports.count,
                            recommendations: reports.filter { $0.recommendation != nil }.count,
                            failed: picked.count - reports.count + reports.filter { $0.status == .failed }.count)
    }
}

extension Optional {
    /// `map` with an async transform.
    public func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        switch self {
        case .some(let value): try await transform(value)
        case .none: nil
        }
    }
}
