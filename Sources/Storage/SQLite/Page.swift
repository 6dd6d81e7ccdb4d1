import Support
/// A slice of a list and the cursor for the next slice.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    /// Pass back as `PageRequest.cursor` for the next page; nil on the last page.
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

extension Page: Encodable where Item: Encodable {}

/// Which slice of a list to read: at most `limit` items after `cursor`.
public struct PageRequest: Sendable {
    /// Largest page a caller may ask for.
    public static let maximumLimit = 500
    public var limit: Int
    public var cursor: String?

    /// `limit` is clamped to 1...`maximumLimit`.
    public init(limit: Int = 50, cursor: String? = nil) {
        self.limit = min(max(limit, 1), Self.maximumLimit)
        self.cursor = cursor
    }

    /// Builds the page from `limit + 1` fetched items: the extra one proves there is a next page.
    func page<Item>(from fetched: [Item], cursor: (Item) -> String) -> Page<Item> {
        guard fetched.count > limit else { return Page(items: fetched, nextCursor: nil) }
        let items = Array(fetched.prefix(limit))
        return Page(items: items, nextCursor: items.last.map(cursor))
    }

    /// The cursor as a row id (cursors of id-ordered lists), or Int64.max for the first page.
    /// Throws `StorageError` for a cursor that is not one this store gave out.
    func idCursor() throws -> Int64 {
        guard let cursor else { return Int64.max }
        guard let id = Int64(cursor), id > 0 else { throw StorageError(.invalidCursor, "invalid cursor") }
        return id
    }
}
