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

/// One cycle: discover trending markets, store them with their scores, pick the cycle's markets
/// (trending first, then stale active ones, oldest analysis first), and analyse them.
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
        let (storedIDs, lastAnalyzed, staleMarkets) = try await analyzer.pool.write { database -> (Set<String>, [String: Date], [Market]) in
            var storedIDs = Set<String>()
            var analyzed: [String: Date] = [:]
            for candidate in candidates {
                let existing = try database.markets.find(conditionID: candidate.snapshot.conditionID)
                guard existing?.status != .resolved else { continue }
                let stored = try database.markets.upsert(candidate.snapshot.marketRecord(
                    trendingScore: candidate.trendingScore, eventType: BriefingBuilder.eventType(tags: candidate.snapshot.tags)))
                storedIDs.insert(stored.conditionID)
                analyzed[stored.conditionID] = stored.lastAnalyzedAt
            }
            return (storedIDs, analyzed, try database.markets.staleActive(analyzedBefore: cutoff, limit: settings.maxMarketsPerCycle))
        }
        var picked = MarketDiscovery.select(candidates.filter { storedIDs.contains($0.snapshot.conditionID) },
                                            lastAnalyzed: lastAnalyzed, settings: settings, now: now)
        let trending = picked.count
        // Stale active markets fill what is left of the cap, oldest analysis first.
        var eventsTaken = Set(picked.map { $0.snapshot.eventID ?? $0.snapshot.conditionID })
        for market in staleMarkets where picked.count < settings.maxMarketsPerCycle {
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
                guard let candidate = queue.popFirst() else { return }
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
