/// One page of a list call: the items and the total number of items matching the query.
///
/// Mirrors `PaginatedResourceResponse` of `@clerk/backend`. Decodes both shapes the Backend API uses for lists:
/// `{"data": […], "total_count": n}` and a bare JSON array (then ``totalCount`` is the number of items).
public struct PaginatedResourceResponse<Element: Sendable>: Sendable {
    /// The items of this page.
    public var data: [Element]
    /// How many items match the query in all (not only on this page).
    public var totalCount: Int64

    /// A page of `data` out of `totalCount` matching items.
    public init(data: [Element], totalCount: Int64) {
        self.data = data
        self.totalCount = totalCount
    }
}

extension PaginatedResourceResponse: Equatable where Element: Equatable {}
extension PaginatedResourceResponse: Hashable where Element: Hashable {}

private enum PaginatedResponseKeys: String, CodingKey {
    case data
    case totalCount = "total_count"
}

extension PaginatedResourceResponse: Decodable where Element: Decodable {

    public init(from decoder: any Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var items: [Element] = []
            if let count = array.count { items.reserveCapacity(count) }
            while !array.isAtEnd { items.append(try array.decode(Element.self)) }
            self.init(data: items, totalCount: Int64(items.count))
            return
        }
        let container = try decoder.container(keyedBy: PaginatedResponseKeys.self)
        let items = try container.decode([Element].self, forKey: .data)
        let total = try container.decodeIfPresent(Int64.self, forKey: .totalCount) ?? Int64(items.count)
        self.init(data: items, totalCount: total)
    }
}

extension PaginatedResourceResponse: Encodable where Element: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: PaginatedResponseKeys.self)
        try container.encode(data, forKey: .data)
        try container.encode(totalCount, forKey: .totalCount)
    }
}

/// Where the next page starts: an offset, or (for users) the id of the last item seen.
public struct PageCursor: Sendable, Hashable {
    /// Items to skip (offset paging).
    public var offset: Int
    /// The id of the last item of the previous page (cursor paging), `nil` for the first page.
    public var startingAfter: String?
}

/// An `AsyncSequence` that walks every item of a list, one page at a time, fetching lazily.
///
/// ```swift
/// for try await user in clerk.users.all(GetUserListQuery(orderBy: "-created_at"), pageSize: 100) {
///     print(user.id)
/// }
/// ```
///
/// Pages are fetched only as the loop asks for items, and none are kept after they are consumed, so memory stays
/// flat however long the list is. Cancelling the task stops the walk (the next fetch throws `CancellationError`).
public struct PaginatedSequence<Element: Sendable>: AsyncSequence, Sendable {
    public typealias Failure = any Error

    let pageSize: Int
    let fetchPage: @Sendable (PageCursor, Int) async throws -> [Element]
    let cursorOf: (@Sendable (Element) -> String)?

    /// - Parameters:
    ///   - pageSize: items per request.
    ///   - cursorOf: for cursor paging, the id to pass as `starting_after` after an item; `nil` for offset paging.
    ///   - fetchPage: fetches the page at a cursor with the given size.
    public init(
        pageSize: Int,
        cursorOf: (@Sendable (Element) -> String)? = nil,
        fetchPage: @escaping @Sendable (PageCursor, Int) async throws -> [Element]
    ) {
        self.pageSize = Swift.max(1, pageSize)
        self.cursorOf = cursorOf
        self.fetchPage = fetchPage
    }

    /// Offset paging: `fetch(limit, offset)` returns one page; the walk stops at the first short page.
    public static func offsetPaged(
        pageSize: Int, fetch: @escaping @Sendable (_ limit: Int, _ offset: Int) async throws -> [Element]
    ) -> PaginatedSequence {
        PaginatedSequence(pageSize: pageSize, cursorOf: nil) { cursor, size in try await fetch(size, cursor.offset) }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(sequence: self)
    }

    /// Fetches the next page when the current one is used up.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let sequence: PaginatedSequence
        var buffer: [Element] = []
        var index = 0
        var cursor = PageCursor(offset: 0, startingAfter: nil)
        var finished = false

        init(sequence: PaginatedSequence) { self.sequence = sequence }

        public mutating func next() async throws -> Element? {
            if index < buffer.count {
                defer { index += 1 }
                return buffer[index]
            }
            guard !finished else { return nil }
            try Task.checkCancellation()
            let page = try await sequence.fetchPage(cursor, sequence.pageSize)
            if page.count < sequence.pageSize { finished = true }
            guard let last = page.last else {
                finished = true
                buffer = []
                return nil
            }
            cursor.offset += page.count
            if let cursorOf = sequence.cursorOf { cursor.startingAfter = cursorOf(last) }
            buffer = page
            index = 1
            return page[0]
        }
    }
}
