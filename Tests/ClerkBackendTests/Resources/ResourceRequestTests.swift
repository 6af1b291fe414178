@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

/// Request shapes the operation-coverage table does not pin down: multipart uploads, query arrays, `paginated=true`
/// on bare-array lists, bulk array bodies, the machine secret key of the M2M API, answers without a body, the
/// HTML interstitial, and a realistic billing subscription.
@Suite("Resource APIs: uploads, queries, bulk bodies, machine keys, empty answers")
struct ResourceRequestTests {
    static let png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF])

    /// The parts of a multipart request, by field name.
    static func parts(_ request: LoopbackHTTPServer.Request) throws -> [String: UsersAPITests.MultipartPart] {
        let header = try #require(request.headerFields.first(name: "content-type"))
        #expect(header.hasPrefix("multipart/form-data; boundary="))
        let boundary = String(header.dropFirst("multipart/form-data; boundary=".count))
        let parts = try #require(UsersAPITests.MultipartPart.parse(Array(request.body), boundary: boundary))
        return Dictionary(parts.map { ($0.disposition["name"] ?? "", $0) }, uniquingKeysWith: { first, _ in first })
    }

    static func answer(_ value: JSONValue, status: HTTPResponse.Status = .ok) throws -> ClerkHTTPResponse {
        ClerkHTTPResponse(status: status, headerFields: [.contentType: "application/json"], body: try JSONEncoder().encode(value))
    }

    static func fixtureResponse(_ operationID: String) throws -> JSONValue {
        try #require(try OperationFixture.all()[operationID]?.response)
    }

    @Test("Organization logo: PUT multipart with the file and uploader_user_id; answers the organization")
    func organizationLogo() async throws {
        let organization = try Self.fixtureResponse("UploadOrganizationLogo")
        try await withServer({ _ in try Self.answer(organization) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let result = try await clerk.organizations.updateOrganizationLogo(
                "org_1", file: Self.png, filename: "logo.png", contentType: "image/png", uploaderUserID: "user_1"
            )
            #expect(result.id == organization["id"]?.stringValue)
            let request = try #require(server.requests.first)
            #expect(request.method == .put)
            #expect(request.path == "/v1/organizations/org_1/logo")
            let parts = try Self.parts(request)
            #expect(Set(parts.keys) == ["file", "uploader_user_id"])
            #expect(parts["file"]?.content == Array(Self.png))
            #expect(parts["file"]?.disposition["filename"] == "logo.png")
            #expect(parts["file"]?.headers["content-type"] == "image/png")
            #expect(parts["uploader_user_id"]?.content == Array("user_1".utf8))
        }
    }

    @Test("OAuth application logo: PUT multipart with only the file when no uploader is given")
    func oauthApplicationLogo() async throws {
        let application = try Self.fixtureResponse("UploadOAuthApplicationLogo")
        try await withServer({ _ in try Self.answer(application) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let result = try await clerk.oauthApplications.uploadLogo("oa_1", file: Self.png)
            #expect(result.id == application["id"]?.stringValue)
            let request = try #require(server.requests.first)
            #expect(request.method == .put)
            #expect(request.path == "/v1/oauth_applications/oa_1/logo")
            let parts = try Self.parts(request)
            #expect(Set(parts.keys) == ["file"])
            #expect(parts["file"]?.headers["content-type"] == "application/octet-stream")
        }
    }

    @Test("Organization list: arrays as repeated parameters, false and 0 kept, order_by and paging")
    func organizationListQuery() async throws {
        try await withServer({ _ in try Self.answer(["data": [], "total_count": 0]) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let page = try await clerk.organizations.getOrganizationList(
                ListOrganizationsQuery(
                    includeMembersCount: false, query: "acme & co", userID: ["user_1", "user_2"], orderBy: "-members_count",
                    limit: 20, offset: 0
                )
            )
            #expect(page.data.isEmpty && page.totalCount == 0)
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1/organizations")
            let pairs = request.queryItems.map { "\($0.name)=\($0.value)" }
            #expect(Set(pairs) == [
                "include_members_count=false", "query=acme & co", "user_id=user_1", "user_id=user_2",
                "order_by=-members_count", "limit=20", "offset=0",
            ])
        }
    }

    @Test("Bare-array lists send paginated=true and take both answers; an explicit paginated=false is kept")
    func bareListsArePaginated() async throws {
        let invitation = try Self.fixtureResponse("CreateInvitation")
        let answers: [JSONValue] = [["data": [invitation], "total_count": 7], [invitation, invitation]]
        let index = Counter()
        try await withServer({ _ in try Self.answer(answers[index.next() % 2]) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let wrapped = try await clerk.invitations.getInvitationList()
            #expect(wrapped.data.count == 1 && wrapped.totalCount == 7)
            let bare = try await clerk.invitations.getInvitationList(ListInvitationsQuery(paginated: false))
            #expect(bare.data.count == 2 && bare.totalCount == 2)
            let queries = server.requests.map { $0.queryItems.map { "\($0.name)=\($0.value)" } }
            #expect(queries == [["paginated=true"], ["paginated=false"]])
        }
    }

    @Test("Bulk invitations: the body is a JSON array of invitations; the answer a bare array")
    func bulkInvitations() async throws {
        let invitation = try Self.fixtureResponse("CreateInvitation")
        try await withServer({ _ in try Self.answer([invitation, invitation]) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let created = try await clerk.invitations.createInvitationBulk([
                CreateBulkInvitationsBodyItem(emailAddress: "a@example.com", publicMetadata: ["plan": "pro", "seats": 3]),
                CreateBulkInvitationsBodyItem(emailAddress: "b@example.com", notify: false, expiresInDays: 7),
            ])
            #expect(created.count == 2)
            let request = try #require(server.requests.first)
            #expect(request.method == .post && request.path == "/v1/invitations/bulk")
            #expect(request.jsonBody == [
                ["email_address": "a@example.com", "public_metadata": ["plan": "pro", "seats": 3]],
                ["email_address": "b@example.com", "notify": false, "expires_in_days": 7],
            ])
        }
    }

    @Test("Bulk organization invitations: array body, {data, total_count} answer")
    func bulkOrganizationInvitations() async throws {
        let invitation = try Self.fixtureResponse("CreateOrganizationInvitation")
        try await withServer({ _ in try Self.answer(["data": [invitation], "total_count": 1]) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let created = try await clerk.organizations.createOrganizationInvitationBulk(
                "org_1", [CreateOrganizationInvitationBulkBodyItem(emailAddress: "a@example.com", role: "org:member")]
            )
            #expect(created.totalCount == 1 && created.data.count == 1)
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1/organizations/org_1/invitations/bulk")
            #expect(request.jsonBody == [["email_address": "a@example.com", "role": "org:member"]])
        }
    }

    @Test("M2M calls authenticate with the per-call key, else the machine secret key, else the secret key")
    func m2mAuthorization() async throws {
        let token = try Self.fixtureResponse("createM2MToken")
        try await withServer({ _ in try Self.answer(token) }) { server in
            let plain = try makeClient(apiURL: server.baseURL)
            let machine = try makeClient(apiURL: server.baseURL) { $0.machineSecretKey = Secret("ak_machine_secret") }
            _ = try await plain.m2m.createToken(CreateM2MTokenBody(secondsUntilExpiration: 60))
            _ = try await machine.m2m.createToken()
            _ = try await machine.m2m.createToken(machineSecretKey: "ak_per_call")
            let keys = server.requests.map { $0.headerFields.first(name: "authorization") }
            #expect(keys == ["Bearer \(testSecretKey)", "Bearer ak_machine_secret", "Bearer ak_per_call"])
            #expect(server.requests.allSatisfy { $0.path == "/v1/m2m_tokens" })
            #expect(server.requests.first?.jsonBody == ["seconds_until_expiration": 60])
        }
    }

    @Test("204 and 202 answers without a body return normally")
    func emptyAnswers() async throws {
        try await withServer({ request in
            ClerkHTTPResponse(status: request.path.hasSuffix("/svix") ? 204 : 202)
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            try await clerk.webhooks.deleteSvixApp()
            try await clerk.betaFeatures.changeProductionInstanceDomain(ChangeProductionInstanceDomainBody(homeURL: "https://example.com"))
            #expect(server.requests.map { "\($0.method) \($0.path)" } == [
                "DELETE /v1/webhooks/svix", "POST /v1/instance/change_domain",
            ])
        }
    }

    @Test("The interstitial answers HTML, returned as text")
    func interstitial() async throws {
        let html = "<!DOCTYPE html><html><body>Loading…</body></html>"
        try await withServer({ _ in
            ClerkHTTPResponse(status: .ok, headerFields: [.contentType: "text/html"], body: Data(html.utf8))
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let page = try await clerk.interstitial.getPublicInterstitial(
                GetPublicInterstitialQuery(publishableKey: "pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
            )
            #expect(page == html)
            #expect(server.requests.first?.uri == "/v1/public/interstitial?publishable_key=pk_test_Y2xlcmsuZXhhbXBsZS5jb20k")
        }
    }

    @Test("An API error of a generated method is a ClerkAPIResponseError with its code")
    func apiError() async throws {
        try await withServer({ _ in
            .json(status: 422, #"{"errors":[{"code":"form_identifier_exists","message":"taken","long_message":"That email address is taken."}],"clerk_trace_id":"t1"}"#)
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let error = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.allowlistIdentifiers.createAllowlistIdentifier(CreateAllowlistIdentifierBody(identifier: "a@example.com"))
            }
            #expect(error?.status == 422)
            #expect(error?.errors.first?.code == "form_identifier_exists")
            #expect(error?.clerkTraceID == "t1")
        }
    }

    @Test("A user's billing subscription (moved to billing, as in JS) decodes the realistic fixture")
    func userBillingSubscription() async throws {
        try await withServer({ _ in
            ClerkHTTPResponse(status: .ok, headerFields: [.contentType: "application/json"], body: try Fixtures.data("Responses/commerce_subscription.json"))
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            let subscription = try await clerk.billing.getUserBillingSubscription("user_1")
            #expect(server.requests.first?.path == "/v1/users/user_1/billing/subscription")
            #expect(subscription.id == "csub_2dFC5jK7lM9nP1qR3sT5uV7wX9y")
            #expect(subscription.status == .active)
            #expect(subscription.subscriptionItems.first?.planPeriod == .month)
            #expect(subscription.nextPayment?.amount.amountFormatted == "20.00")
        }
    }
}

/// A thread-safe counter for handlers that answer differently per request.
final class Counter: Sendable {
    private let value = Mutex(0)
    func next() -> Int { value.withLock { current in defer { current += 1 }; return current } }
}
