import FoundationEssentials
import Support

/// A replay: the analysis re-run as of past times on markets that have since resolved. Its
/// runs live in a database of their own (`replays/<id>/tradewizard.db`), whose `replays` table
/// holds this one row, so replay runs never mix with live ones.
public struct ReplayInfo: Codable, Sendable, Equatable {
    public var id: String
    /// The replay's data directory.
    public var path: String
    public var from: Date
    public var to: Date
    /// Seconds between the replayed analysis times.
    public var everySeconds: Double
    /// `offline` or `llm`.
    public var agents: String
    /// `live` (stored real markets) or `sample` (the built-in sample set).
    public var data: String
    /// `running`, `done` or `failed`.
    public var status: String
    public var markets: Int = 0
    public var runs: Int = 0
    public var costUSD: Double = 0
    public var createdAt: Date
    public var finishedAt: Date?
    public var error: String?

    public init(id: String, path: String, from: Date, to: Date, everySeconds: Double, agents: String, data: String, createdAt: Date) {
        self.id = id
        self.path = path
        self.from = from
        self.to = to
        self.everySeconds = everySeconds
        self.agents = agents
        self.data = data
        self.status = "running"
        self.createdAt = createdAt
    }

    init(row: Row) throws {
        id = try row.get("id")
        path = try row.get("path")
        from = try row.get("from_time")
        to = try row.get("to_time")
        everySeconds = try row.get("every_seconds")
        agents = try row.get("agents")
        data = try row.get("data")
        status = try row.get("status")
        markets = try row.get("markets")
        runs = try row.get("runs")
        costUSD = try row.get("cost_usd")
        createdAt = try row.get("created_at")
        finishedAt = try row.get("finished_at")
        error = try row.get("error")
    }
}

/// The `replays` row of a replay database. Obtain one from `database.replays`.
public struct ReplayStore {
    let database: Database
    let now: Date

    /// Inserts or replaces the row of `info.id`.
    public func save(_ info: ReplayInfo) throws {
        try database.execute("""
            INSERT INTO replays (id, path, from_time, to_time, every_seconds, agents, data, status, markets, runs, cost_usd, created_at, finished_at, error)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, markets = excluded.markets, runs = excluded.runs,
                cost_usd = excluded.cost_usd, finished_at = excluded.finished_at, error = excluded.error
            """, [info.id, info.path, info.from, info.to, info.everySeconds, info.agents, info.data, info.status, info.markets, info.runs,
                  info.costUSD, info.createdAt, info.finishedAt, info.error])
    }

    /// Every replay row of this database, oldest first.
    public func all() throws -> [ReplayInfo] {
        try database.query("SELECT * FROM replays ORDER BY created_at, id").map(ReplayInfo.init(row:))
    }
}

extension Database {
    /// The replay this database holds (`replays`).
    public var replays: ReplayStore { ReplayStore(database: self, now: clock.now()) }
}

/// The replays kept under a data directory (`replays/<id>/`).
public struct ReplayDirectory: Sendable {
    public let root: String

    public init(_ directory: DataDirectory) { root = directory.path + "/replays" }

    /// The data directory of replay `id`.
    public func directory(_ id: String) -> DataDirectory { DataDirectory(path: root + "/" + id) }

    /// Every replay whose database can be read, oldest first.
    public func list() throws -> [ReplayInfo] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.sorted().compactMap { name in
            guard let database = try? open(directory(name).databasePath) else { return nil }
            return try? database.replays.all().first
        }.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    /// The replay named `id`, or nil.
    public func find(_ id: String) throws -> ReplayInfo? {
        guard Self.isValidID(id) else { return nil }
        return try list().first { $0.id == id }
    }

    /// The replay `name` names — its id, or `latest` for the newest — or nil.
    public func resolve(_ name: String) throws -> ReplayInfo? { name == "latest" ? try list().last : try find(name) }

    /// A read-only connection to a replay's database.
    public func openReadOnly(_ info: ReplayInfo) throws -> Database { try open(directory(info.id).databasePath) }

    private func open(_ path: String) throws -> Database {
        guard FileManager.default.fileExists(atPath: path) else { throw StorageError(.notFound, "no replay database at \(path)") }
        var options = DatabaseConfiguration()
        options.readOnly = true
        return try Database(path: path, configuration: options)
    }

    /// Replay ids are `replay-` and a compact timestamp: letters, digits and `-` only.
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || ($0 >= 65 && $0 <= 90) || $0 == 45 }
    }
}
