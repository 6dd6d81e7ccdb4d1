import FoundationEssentials
import Storage
import Support

/// What a refresh pass changed.
public struct RefreshSummary: Codable, Sendable, Equatable {
    public var checked: Int
    public var updated: Int
    public var closed: Int
    public var resolved: Int
    public var failed: Int
    /// Recommendations scored because their market resolved.
    public var scored: Int
    /// Price points appended to the stored history.
    public var pricePoints: Int = 0
    /// Old price points deleted by the retention rule.
    public var pricePointsPruned: Int = 0
}

/// The hourly market refresh: price, volume and liquidity from Gamma, closed and resolved from
/// the CLOB (`MarketResolution`); then every recommendation of a newly resolved market is scored.
public struct MarketRefresher: Sendable {
    let pool: DatabasePool
    let clock: any WallClock
    let source: @Sendable () -> any MarketDataSource
    /// Price points older than this many days are pruned (except those of recommended markets).
    let historyRetentionDays: Double

    public init(pool: DatabasePool, clock: any WallClock, historyRetentionDays: Double = 365,
                source: @escaping @Sendable () -> any MarketDataSource) {
        self.pool = pool
        self.clock = clock
        self.source = source
        self.historyRetentionDays = historyRetentionDays
    }

    /// Refreshes up to `limit` active markets (least recently updated first) — their price,
    /// status and the YES token's price series since the newest stored point — then scores
    /// outcomes and prunes price points past the retention.
    public func refresh(limit: Int = 500) async throws -> RefreshSummary {
        let source = self.source()
        let markets = try await pool.read { try $0.markets.active(limit: limit) }
        var summary = RefreshSummary(checked: markets.count, updated: 0, closed: 0, resolved: 0, failed: 0, scored: 0)
        for var market in markets {
            do {
                let clob = try await source.clobMarket(conditionID: market.conditionID)
                let gamma = try await source.markets(conditionIDs: [market.conditionID], closed: clob?.closed ?? false).first
                if let gamma {
                    market.marketProbability = gamma.yesPrice.map { min(1, max(0, $0)) } ?? market.marketProbability
                    market.volume24h = max(0, gamma.volume24h ?? market.volume24h)
                    market.liquidity = max(0, gamma.liquidity ?? market.liquidity)
                } else if let price = clob?.tokens.first?.price {
                    market.marketProbability = min(1, max(0, price))
                }
                if let winner = MarketResolution.winner(clob: clob, gamma: gamma) {
                    market.status = .resolved
                    market.resolvedOutcome = winner
                    // When Polymarket closed it (simulated trades exit there), never later than now.
                    market.resolvedAt = min(clock.now(), gamma?.closedTime ?? clock.now())
                    summary.resolved += 1
                } else if clob?.closed == true || gamma?.closed == true {
                    market.status = .closed
                    summary.closed += 1
                }
                let updated = market
                _ = try await pool.write { try $0.markets.upsert(updated) }
                summary.updated += 1
                summary.pricePoints += try await appendHistory(of: updated, source: source)
            } catch {
                summary.failed += 1
            }
        }
        summary.scored = try await OutcomeScoring.scorePending(pool: pool)
        let cutoff = clock.now().addingTimeInterval(-historyRetentionDays * 86_400)
        summary.pricePointsPruned = try await pool.write { try $0.priceHistory.prune(olderThan: cutoff) }
        return summary
    }

    /// Fetches the YES token's points after the newest stored one (the last month when none is
    /// stored) and stores them; returns how many were new.
    func appendHistory(of market: Market, source: any MarketDataSource) async throws -> Int {
        guard let token = market.clobTokenIDs.first else { return 0 }
        let latest = try await pool.read { try $0.priceHistory.latestTime(tokenID: token) }
        let now = clock.now().timeIntervalSince1970
        let points = try await source.priceHistory(tokenID: token, from: latest.map { $0 + 1 }, to: latest == nil ? nil : now)
        guard !points.isEmpty else { return 0 }
        return try await pool.write { try $0.priceHistory.append(tokenID: token, points) }
    }
}

extension OutcomeScoring {
    /// Scores every recommendation of a resolved market that has no outcome yet; returns how many.
    public static func scorePending(pool: DatabasePool) async throws -> Int {
        try await pool.write { database in
            var scored = 0
            for (recommendation, market) in try database.outcomes.unscored() {
                guard let winner = market.resolvedOutcome else { continue }
                let yesWon = winner == (market.outcomes.first ?? "Yes")
                if try database.outcomes.insert(score(recommendation, winningOutcome: winner, yesWon: yesWon)) { scored += 1 }
            }
            return scored
        }
    }
}
