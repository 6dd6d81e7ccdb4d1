import FoundationEssentials
import Storage
import Support

/// Scores recommendations once their market resolved.
public enum OutcomeScoring {
    /// The outcome of `recommendation` when `winningOutcome` won (`yesWon`: it is the first outcome).
    /// A trade is bought at the entry-zone midpoint (its side's price): ROI per $100 is
    /// 100 × (1/price − 1) when right and −100 when wrong; edge captured is payoff (1 or 0) − price.
    /// Brier scores compare our fair probability and the market price (both of YES) with the outcome.
    public static func score(_ recommendation: Recommendation, winningOutcome: String, yesWon: Bool) -> RecommendationOutcome {
        let y = yesWon ? 1.0 : 0.0
        let brierFair = (recommendation.fairProbability - y) * (recommendation.fairProbability - y)
        let brierMarket = (recommendation.marketProbability - y) * (recommendation.marketProbability - y)
        var correct: Bool?
        var roi: Double?
        var edge: Double?
        if recommendation.direction != .noTrade {
            let yesSide = recommendation.direction == .longYes
            let sidePrice = yesSide ? recommendation.marketProbability : 1 - recommendation.marketProbability
            let price: Double
            if let low = recommendation.entryZoneMin, let high = recommendation.entryZoneMax { price = (low + high) / 2 } else { price = sidePrice }
            let won = yesSide == yesWon
            correct = won
            roi = won && price > 0 ? 100 * (1 / price - 1) : -100
            edge = (won ? 1 : 0) - price
        }
        return RecommendationOutcome(recommendationID: recommendation.id, marketID: recommendation.marketID,
                                     direction: recommendation.direction, winningOutcome: winningOutcome, yesWon: yesWon,
                                     correct: correct, roiPer100: roi, edgeCaptured: edge, brierFair: brierFair, brierMarket: brierMarket)
    }
}
