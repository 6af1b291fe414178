import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

@Suite("Requests: URL, headers, query encoding, path safety")
struct RequestTests {
    @Test("Headers: Bearer secret key, Clerk-API-Version, User-Agent with the SDK version")
    func headers() async throws {
        try await withServer({ _ in .json(#"{"object":"total_count","total_count":7}"#) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let count = try await clerk.users.getCount()
            #expect(count == 7)
            let request = try #require(server.requests.first)
            #expect(request.method == .get)
            #expect(request.path == "/v1/users/count")
            #expect(request.headerFields.first(name: "authorization") == "Bearer \(testSecretKey)")
            #expect(request.headerFields.first(name: "clerk-api-version") == "2026-05-12")
            #expect(request.headerFields.first(name: "user-agent") == "clerk-backend-swift/\(ClerkBackendVersion.current)")
            #expect(request.headerFields.first(name: "content-type") == nil)
        }
    }

    @Test("The version constant is semantic and matches the CHANGELOG's newest entry")
    func versionConstant() throws {
        let parts = ClerkBackendVersion.current.split(separator: ".")
        #expect(parts.count == 3 && parts.allSatisfy { Int($0) != nil })
        #expect(ClerkBackendVersion.userAgent == "clerk-backend-swift/" + ClerkBackendVersion.current)
        let changelog = try String(contentsOf: repositoryRoot().appendingPathComponent("CHANGELOG.md"), encoding: .utf8)
        let newest = changelog.split(separator: "\n").first { $0.hasPrefix("## [") && !$0.contains("Unreleased") }
        #expect(newest?.contains("[\(ClerkBackendVersion.current)]") == true)
    }

    @Test("sdkMetadata is prefixed to the User-Agent; userAgent replaces it")
    func userAgentOptions() async throws {
        try await withServer({ _ in .json(#"{"object":"total_count","total_count":0}"#) }) { server in
            let withMetadata = try makeClient(apiURL: server.baseURL) {
                $0.sdkMetadata = SDKMetadata(name: "clerk-vapor", version: "0.1.0")
            }
            _ = try await withMetadata.users.getCount()
            let custom = try makeClient(apiURL: server.baseURL) { $0.userAgent = "my-app/2.0" }
            _ = try await custom.users.getCount()
            let agents = server.requests.map { $0.headerFields.first(name: "user-agent") }
            #expect(agents[0] == "clerk-vapor/0.1.0 clerk-backend-swift/\(ClerkBackendVersion.current)")
            #expect(agents[1] == "my-app/2.0")
        }
    }

    @Test("Query encoding keeps false, 0 and empty strings, and repeats arrays")
    func queryEncoding() async throws {
        try await withServer({ request in
            request.path.hasSuffix("/count") ? .json(#"{"object":"total_count","total_count":0}"#) : .json("[]")
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            _ = try await clerk.users.getUserList(
                GetUserListQuery(
                    emailAddress: ["a@example.com", "b+tag@example.com"], query: "", banned: false,
                    lastActiveAtSince: 0, limit: 0, offset: 0, orderBy: "-created_at"
                )
            )
            let list = try #require(server.requests.first { $0.path == "/v1/users" })
            let items = list.queryItems.map { "\($0.name)=\($0.value)" }
            #expect(items.contains("banned=false"))
            #expect(items.contains("limit=0"))
            #expect(items.contains("offset=0"))
            #expect(items.contains("query="))
            #expect(items.contains("last_active_at_since=0"))
            #expect(items.filter { $0.hasPrefix("email_address=") } == ["email_address=a@example.com", "email_address=b+tag@example.com"])
            #expect(list.query?.contains("b%2Btag%40example.com") == true, "+ and @ are percent-encoded")
            let count = try #require(server.requests.first { $0.path == "/v1/users/count" })
            let countNames = Set(count.queryItems.map(\.name))
            #expect(countNames.contains("banned") && countNames.contains("email_address"))
            #expect(!countNames.contains("limit") && !countNames.contains("offset") && !countNames.contains("order_by"))
        }
    }

    @Test("Path injection: unsafe ids are refused before any request", arguments: [
        "", " ", ".", "..", "%2e%2e", "%2E%2E", "%252e%252e", "a/../b", "../users", "..\\x", "a/./b",
    ])
    func refusesUnsafeIDs(id: String) async throws {
        try await withServer({ _ in .json("{}") }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.getUser(id)
                Issue.record("\(id) was not refused")
            } catch let error as ClerkError {
                #expect(error.code == .invalidPathParameter)
            }
            #expect(server.requests.isEmpty, "nothing may reach the server")
        }
    }

    @Test("Path injection: /, %2F, ? and # stay inside one encoded segment", arguments: [
        ("a/b", "/v1/users/a%2Fb"), ("a%2Fb", "/v1/users/a%252Fb"), ("x?admin=1", "/v1/users/x%3Fadmin%3D1"),
        ("x#frag", "/v1/users/x%23frag"), ("user_1/ban", "/v1/users/user_1%2Fban"), ("é", "/v1/users/%C3%A9"),
    ])
    func encodesIDs(id: String, expectedPath: String) async throws {
        try await withServer({ _ in .json(#"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#, status: 404) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            await #expect(throws: ClerkAPIResponseError.self) { try await clerk.users.getUser(id) }
            let request = try #require(server.requests.first)
            #expect(request.path == expectedPath)
            #expect(request.query == nil)
            #expect(request.method == .get)
        }
    }

    @Test("A missing secret key fails before any request, naming the setting")
    func missingSecretKey() async throws {
        try await withServer({ _ in .json("{}") }) { server in
            let clerk = try ClerkClient(options: ClerkOptions(apiURL: server.baseURL))
            do {
                _ = try await clerk.users.getUser("user_1")
                Issue.record("expected missingSecretKey")
            } catch let error as ClerkError {
                #expect(error.code == .missingSecretKey)
            }
            #expect(server.requests.isEmpty)
        }
    }

    @Test("API calls follow no redirects")
    func noRedirects() async throws {
        try await withServer({ request in
            if request.path == "/elsewhere" { return .json(#"{"object":"total_count","total_count":1}"#) }
            var response = ClerkHTTPResponse(status: 302)
            response.headerFields[.location] = "/elsewhere"
            return response
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            do {
                _ = try await clerk.users.getCount()
                Issue.record("a redirect must not be followed")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == 302)
            }
            #expect(server.requests.map(\.path) == ["/v1/users/count"])
        }
    }
}

extension ClerkHTTPResponse {
    static func json(_ body: String, status: Int) -> ClerkHTTPResponse { .json(status: status, body) }
}
