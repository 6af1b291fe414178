import ClerkBackend
import ClerkTesting
import Foundation
import Testing

@Suite("organizations.getOrganization(slug:)")
struct OrganizationSlugTests {
    @Test("Sends the slug as the path segment, percent-encoded; an empty slug is refused before any request")
    func bySlug() async throws {
        let organization = #"{"object":"organization","id":"org_1","name":"Acme","slug":"acme co","has_image":false,"max_allowed_memberships":5,"admin_delete_enabled":true,"public_metadata":{},"created_at":1,"updated_at":1}"#
        try await withServer({ _ in .json(organization) }) { server in
            let client = try ClerkClient(options: ClerkOptions(secretKey: "sk_test_x", apiURL: server.baseURL))
            let found = try await client.organizations.getOrganization(slug: "acme co")
            #expect(found.id == "org_1")
            #expect(server.requests.last?.path == "/v1/organizations/acme%20co")
            await #expect(throws: ClerkError.self) { _ = try await client.organizations.getOrganization(slug: "") }
            #expect(server.requests.count == 1)
        }
    }
}
