import FoundationEssentials
import Storage
import Support

/// One news headline given to the news-reading agents.
public struct Headline: Codable, Sendable, Equatable {
    public var title: String
    public var source: String
    /// As the source gave it (NewsData: `2026-11-20 14:03:00`, UTC).
    public var publishedAt: String
    public var link: String?

    public init(title: String, source: String, publishedAt: String, link: String? = nil) {
        self.title = title
        self.source = source
        self.publishedAt = publishedAt
        self.link = link
    }
}

/// Headlines for a market. News is optional: a feed never throws, it returns what it has and
/// says why it has nothing.
public protocol NewsFeed: Sendable {
    func headlines(for snapshot: MarketSnapshot) async -> (headlines: [Headline], note: String?)
}

/// NewsData.io's `latest` endpoint: the newest articles matching the market's keywords, cached in
/// the database (so restarts and repeated analyses do not spend quota) and counted against the
/// daily `newsdata` quota.
public struct NewsDataFeed: NewsFeed {
    public static let defaultBaseURL = "https://newsdata.io/api/1"
    /// The quota counter's name.
    public static let api = "newsdata"
    let network: NetworkClient
    let key: String
    let baseURL: String
    let pool: DatabasePool
    let dailyQuota: Int
    let cacheSeconds: Double

    public init(network: NetworkClient, key: String, pool: DatabasePool, dailyQuota: Int, cacheSeconds: Double = 3_600,
                baseURL: String = NewsDataFeed.defaultBaseURL) {
        self.network = network
        self.key = key
        self.pool = pool
        self.dailyQuota = dailyQuota
        self.cacheSeconds = cacheSeconds
        self.baseURL = baseURL.withoutTrailingSlash
    }

    public func headlines(for snapshot: MarketSnapshot) async -> (headlines: [Headline], note: String?) {
        let query = Self.keywords(snapshot.question).joined(separator: " ")
        guard !query.isEmpty else { return ([], "no keywords in the question") }
        do {
            if let cached = try await pool.read({ try $0.newsCache.find(query: query, maxAgeSeconds: cacheSeconds) }) {
                return (try JSONCoding.decode([Headline].self, from: cached.serialized()), nil)
            }
            let limit = dailyQuota
            guard try await pool.write({ try $0.apiUsage.consume(api: Self.api, limit: limit) }) != nil else {
                return ([], LLMError.quotaExhausted(api: Self.api, limit: limit).description)
            }
            let url = baseURL + "/latest?apikey=" + URLComponent.encoded(key) + "&language=en&q=" + URLComponent.encoded(query)
            let body = try JSONValue.parse(try await network.get(url))
            guard body["status"]?.stringValue == "success" else {
                return ([], "newsdata answered: " + (body["results"]?["message"]?.stringValue ?? "an error"))
            }
            let headlines = Self.headlines(body)
            try await pool.write { try $0.newsCache.save(query: query, articles: try JSONValue.parse(JSONCoding.encode(headlines))) }
            return (headlines, nil)
        } catch {
            return ([], "news unavailable: \(error)")
        }
    }

    /// Articles of a `latest` answer with a title, newest first as sent.
    static func headlines(_ body: JSONValue) -> [Headline] {
        (body["results"]?.arrayValue ?? []).compactMap { article in
            guard let title = article["title"]?.stringValue, !title.isEmpty else { return nil }
            return Headline(title: title, source: article["source_name"]?.stringValue ?? article["source_id"]?.stringValue ?? "unknown",
                            publishedAt: article["pubDate"]?.stringValue ?? "", link: article["link"]?.stringValue)
        }
    }

    static let stopWords: Set<String> = ["will", "the", "before", "after", "with", "from", "that", "this", "than", "more", "less",
                                         "have", "been", "into", "over", "under", "what", "when", "which", "there", "their", "does",
                                         "least", "most", "between", "during", "until", "about", "above", "below", "next", "reach"]

    /// Up to four distinctive words of the question (capitalised names first), for the search.
    static func keywords(_ question: String) -> [String] {
        let words = question.split { !$0.isLetter && !$0.isNumber }.map(String.init).filter { $0.count >= 3 && !stopWords.contains($0.lowercased()) }
        let names = words.filter { $0.first?.isUppercase == true }
        var seen = Set<String>()
        return Array((names + words).filter { seen.insert($0.lowercased()).inserted }.prefix(4))
    }
}
