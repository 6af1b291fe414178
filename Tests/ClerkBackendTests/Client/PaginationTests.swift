import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

/// A fake `GET /users` over a fixed list of users ordered by `-created_at`, honouring limit, offset and starting_after.
struct FakeUserDirectory: Sendable {
    let ids: [String]
    let template: String

    init(count: Int) throws {
        ids = (0..<count).map { String(format: "user_%05d", count - $0) }
        template = try Fixtures.userJSON(id: "USER_ID_PLACEHOLDER")
    }

    func respond(_ request: LoopbackHTTPServer.Request) -> ClerkHTTPResponse {
        if request.path == "/v1/users/count" {
            return .json(#"{"object":"total_count","total_count":\#(ids.count)}"#)
        }
        let query = Dictionary(request.queryItems.map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        let limit = Int(query["limit"] ?? "10") ?? 10
        var start = Int(query["offset"] ?? "0") ?? 0
        if let after = query["starting_after"] {
            guard let index = ids.firstIndex(of: after) else {
                return .json(status: 422, #"{"errors":[{"code":"form_param_value_invalid","message":"bad cursor"}]}"#)
            }
            start = index + 1
        }
        let page = ids[min(start, ids.count)..<min(start + limit, ids.count)]
        let body = "[" + page.map { template.replacingOccurrences(of: "USER_ID_PLACEHOLDER", with: $0) }.joined(separator: ",") + "]"
        return .json(body)
    }
}

@Suite("Pagination")
struct PaginationTests {
    @Test("users.all walks 1,000 users in pages with the starting_after cursor, then stops")
    func walksAllUsers() async throws {
        let directory = try FakeUserDirectory(count: 1_000)
        try await withServer({ directory.respond($0) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            var seen: [String] = []
            for try await user in clerk.users.all(pageSize: 100) { seen.append(user.id) }
            #expect(seen == directory.ids)
            #expect(Set(seen).count == 1_000)
            let requests = server.requests
            #expect(requests.count == 11, "10 full pages and one empty page")
            #expect(requests[0].queryItems.contains { $0.name == "starting_after" } == false)
            #expect(requests[1].queryItems.contains { $0.name == "starting_after" && $0.value == directory.ids[99] })
            #expect(requests.allSatisfy { r in r.queryItems.contains { $0.name == "limit" && $0.value == "100" } })
            #expect(requests.allSatisfy { r in !r.queryItems.contains { $0.name == "offset" } })
        }
    }

    @Test("A short last page ends the walk without an extra request")
    func shortLastPage() async throws {
        let directory = try FakeUserDirectory(count: 250)
        try await withServer({ directory.respond($0) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            var count = 0
            for try await _ in clerk.users.all(pageSize: 100) { count += 1 }
            #expect(count == 250)
            #expect(server.requests.count == 3)
        }
    }

    @Test("Ordering by another field falls back to offset paging")
    func offsetFallback() async throws {
        let directory = try FakeUserDirectory(count: 30)
        try await withServer({ directory.respond($0) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            var count = 0
            for try await _ in clerk.users.all(GetUserListQuery(orderBy: "+username"), pageSize: 10) { count += 1 }
            #expect(count == 30)
            let offsets = server.requests.compactMap { r in r.queryItems.first { $0.name == "offset" }?.value }
            #expect(offsets == ["0", "10", "20", "30"])
        }
    }

    @Test("Pages are fetched lazily, and cancelling the task stops the walk")
    func cancellation() async throws {
        let directory = try FakeUserDirectory(count: 1_000)
        try await withServer({ directory.respond($0) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let consumed = Mutex(0)
            let task = Task {
                for try await _ in clerk.users.all(pageSize: 50) {
                    let n = consumed.withLock { value in
                        value += 1
                        return value
                    }
                    if n == 120 { withUnsafeCurrentTask { $0?.cancel() } }
                }
            }
            let result = await task.result
            #expect(throws: CancellationError.self) { try result.get() }
            #expect(consumed.withLock { $0 } == 150, "the current page is finished, no further page is fetched")
            #expect(server.requests.count == 3)
        }
    }

    @Test("getUserList pairs the page with /users/count")
    func getUserList() async throws {
        let directory = try FakeUserDirectory(count: 42)
        try await withServer({ directory.respond($0) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let page = try await clerk.users.getUserList(GetUserListQuery(limit: 5, offset: 10))
            #expect(page.totalCount == 42)
            #expect(page.data.map(\.id) == Array(directory.ids[10..<15]))
        }
    }

    @Test("PaginatedResourceResponse decodes both list shapes")
    func bothShapes() throws {
        let wrapped = try JSONDecoder().decode(PaginatedResourceResponse<String>.self, from: Data(#"{"data":["a","b"],"total_count":9}"#.utf8))
        #expect(wrapped == PaginatedResourceResponse(data: ["a", "b"], totalCount: 9))
        let bare = try JSONDecoder().decode(PaginatedResourceResponse<String>.self, from: Data(#"["a","b","c"]"#.utf8))
        #expect(bare == PaginatedResourceResponse(data: ["a", "b", "c"], totalCount: 3))
    }
}
