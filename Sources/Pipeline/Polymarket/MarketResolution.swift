import Support
/// How a market's outcome is read from Polymarket. `active` says nothing about resolution (closed
/// markets stay `active: true`), so it is never used.
public enum MarketResolution {
    /// The winning outcome's name, or nil while unresolved. A market is resolved when it is
    /// closed and a CLOB token carries `winner`, or when Gamma shows it closed with
    /// `umaResolutionStatus` resolved and prices of exactly 1 and 0. A closed market with prices
    /// 0/0 (legacy AMM markets) has no readable winner.
    public static func winner(clob: ClobMarket?, gamma: GammaMarket?) -> String? {
        if let clob, clob.closed, let token = clob.tokens.first(where: \.winner) {
            return token.outcome.isEmpty ? nil : token.outcome
        }
        guard let gamma, gamma.closed == true,
              gamma.umaResolutionStatus == "resolved" || gamma.umaResolutionStatuses.last == "resolved",
              gamma.outcomePrices.count == gamma.outcomes.count, gamma.outcomePrices.count >= 2,
              gamma.outcomePrices.filter({ $0 == 1 }).count == 1,
              gamma.outcomePrices.allSatisfy({ $0 == 0 || $0 == 1 }),
              let index = gamma.outcomePrices.firstIndex(of: 1) else { return nil }
        return gamma.outcomes[index]
    }
}
