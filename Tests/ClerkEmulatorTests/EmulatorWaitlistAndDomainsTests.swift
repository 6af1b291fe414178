import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Waitlist entries, actor tokens (impersonation through the hosted sign-in page) and organization domains.
@Suite("Emulator: waitlist entries, actor tokens, organization domains")
struct EmulatorWaitlistAndDomainsTests {
    @Test("Waitlist: create (an address already on it gets its entry back), bulk, list with filters, invite, reject, delete")
    func waitlist() async throws {
        try await withEmulator { emulator, clerk in
            let first = try await clerk.waitlistEntries.create(CreateWaitlistEntryBody(emailAddress: "wait@example.com"))
            #expect(first.id.hasPrefix("wle_") && first.status == .pending)
            let again = try await clerk.waitlistEntries.create(CreateWaitlistEntryBody(emailAddress: "WAIT@example.com"))
            #expect(again.id == first.id, "the existing entry comes back")
            let bulk = try await clerk.waitlistEntries.createBulk([
                CreateBulkWaitlistEntriesBodyItem(emailAddress: "bulk1@example.com"),
                CreateBulkWaitlistEntriesBodyItem(emailAddress: "bulk2@example.com", notify: false),
                CreateBulkWaitlistEntriesBodyItem(emailAddress: "wait@example.com"),
            ])
            #expect(bulk.count == 3 && bulk[2].id == first.id)
            // A bad address anywhere in a bulk request creates nothing.
            let refused = try await rawRequest(
                emulator, "POST", "/v1/waitlist_entries/bulk", key: emulator.secretKey,
                body: #"[{"email_address": "fine@example.com"}, {"email_address": "not-an-address"}]"#
            )
            #expect(refused.status == 422)
            #expect(try await clerk.waitlistEntries.list().totalCount == 3)
            #expect(try await clerk.waitlistEntries.list(ListWaitlistEntriesQuery(query: "bulk")).totalCount == 2)

            let invited = try await clerk.waitlistEntries.invite(first.id)
            #expect(invited.status == .invited)
            let invitationID = try #require(invited.invitation?.id)
            #expect(try await clerk.invitations.getInvitationList().data.contains { $0.id == invitationID }, "the invitation is stored")
            let rejected = try await clerk.waitlistEntries.reject(bulk[0].id)
            #expect(rejected.status == .rejected)
            #expect(try await clerk.waitlistEntries.list(ListWaitlistEntriesQuery(status: .pending)).data.map(\.id) == [bulk[1].id])
            #expect(try await clerk.waitlistEntries.list(ListWaitlistEntriesQuery(orderBy: "email_address")).data.first?.emailAddress == "bulk1@example.com")

            _ = try await clerk.waitlistEntries.delete(bulk[1].id)
            #expect(try await clerk.waitlistEntries.list().totalCount == 2)
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.waitlistEntries.reject(bulk[1].id) }
            // The deleted address may join again, as a new entry.
            #expect(try await clerk.waitlistEntries.create(CreateWaitlistEntryBody(emailAddress: "bulk2@example.com")).id != bulk[1].id)
        }
    }

    @Test("Actor tokens: the link signs the user in with the actor; its tokens carry act; a revoked one is refused")
    func actorTokens() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["customer@example.com"]))
            let created = try await clerk.actorTokens.create(
                CreateActorTokenBody(userID: user.id, actor: .init(sub: "user_support"), sessionMaxDurationInSeconds: 600)
            )
            #expect(created.id.hasPrefix("act_") && created.status == .pending && created.userID == user.id)
            let createdURL = try #require(created.url)
            let ticket = try #require(queryValue("ticket", in: createdURL))
            let shown = try await send(emulator, "GET", "/sign-in?__clerk_ticket=\(ticket)&redirect_url=" + queryEncode("http://localhost:3000/"), host: emulator.accountsHost)
            #expect(shown.status == 200 && shown.body.contains("user_support") && shown.body.contains("impersonation"))
            var jar = CookieJar()
            jar.apply(shown.setCookies)
            let csrf = try #require(shown.hiddenField("csrf_token"))
            let signedIn = try await send(
                emulator, "POST", "/sign-in", host: emulator.accountsHost,
                form: [("csrf_token", csrf), ("redirect_url", "http://localhost:3000/"), ("__clerk_ticket", ticket)],
                cookies: jar.values
            )
            #expect(signedIn.status == 303)
            let session = try #require(try await clerk.sessions.getSessionList(GetSessionListQuery(userID: user.id, status: "active")).data.first)
            let raw = try await rawRequest(emulator, "GET", "/v1/sessions/\(session.id)", key: emulator.secretKey)
            #expect(raw.json?["actor"]?["sub"] == "user_support")
            let lifetime = (raw.json?["expire_at"]?.intValue ?? 0) - (raw.json?["created_at"]?.intValue ?? 0)
            #expect(lifetime == 600_000, "the session lasts session_max_duration_in_seconds")
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            #expect(try unverifiedClaims(token)["act"]?["sub"] == "user_support")

            // Used once; a revoked token's link is refused; only a pending token can be revoked.
            #expect(try await rawRequest(emulator, "POST", "/v1/actor_tokens/\(created.id)/revoke", key: emulator.secretKey).status == 400)
            let other = try await clerk.actorTokens.create(CreateActorTokenBody(userID: user.id, actor: .init(sub: "user_support")))
            #expect(try await clerk.actorTokens.revoke(other.id).status == .revoked)
            let otherURL = try #require(other.url)
            let otherTicket = try #require(queryValue("ticket", in: otherURL))
            let revokedPage = try await send(emulator, "GET", "/sign-in?__clerk_ticket=\(otherTicket)", host: emulator.accountsHost)
            #expect(revokedPage.body.contains("invalid") && revokedPage.hiddenField("__clerk_ticket") == nil)
            // An unknown user, a missing actor subject.
            let unknown = try await rawRequest(emulator, "POST", "/v1/actor_tokens", key: emulator.secretKey, body: #"{"user_id": "user_nobody", "actor": {"sub": "x"}}"#)
            #expect(unknown.status == 422 && unknown.json?["errors"]?[0]?["meta"]?["param_name"] == "user_id")
            let noSubject = try await rawRequest(emulator, "POST", "/v1/actor_tokens", key: emulator.secretKey, body: #"{"user_id": "\#(user.id)", "actor": {}}"#)
            #expect(noSubject.status == 422)
        }
    }

    @Test("Organization domains: create, unique names, list per organization and instance-wide with filters, update, verify, delete, cascade")
    func domains() async throws {
        try await withEmulator { emulator, clerk in
            let engines = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Engines"))
            let looms = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Looms"))
            let domain = try await clerk.organizations.createOrganizationDomain(engines.id, CreateOrganizationDomainBody(name: "Engines.Example.com"))
            #expect(domain.id.hasPrefix("orgdmn_") && domain.name == "engines.example.com" && domain.organizationID == engines.id)
            #expect(domain.enrollmentMode == .manualInvitation && domain.verification == nil)
            let verified = try await clerk.organizations.createOrganizationDomain(
                looms.id, CreateOrganizationDomainBody(name: "looms.example.com", enrollmentMode: "automatic_invitation", verified: true)
            )
            #expect(verified.verification?.status == "verified")

            for (body, code) in [
                (#"{"name": "engines.example.com"}"#, "organization_domain_exists"), (#"{"name": "gmail.com"}"#, "organization_domain_common"),
                (#"{"name": "not a domain"}"#, "form_param_format_invalid"), (#"{}"#, "form_param_missing"),
                (#"{"name": "x.example.com", "enrollment_mode": "whenever"}"#, "form_param_value_invalid"),
            ] {
                let answer = try await rawRequest(emulator, "POST", "/v1/organizations/\(looms.id)/domains", key: emulator.secretKey, body: body)
                #expect(answer.status == 422, "\(body)")
                #expect(answer.json?["errors"]?[0]?["code"]?.stringValue == code, "\(body)")
            }
            #expect(try await rawRequest(emulator, "POST", "/v1/organizations/org_nope/domains", key: emulator.secretKey, body: #"{"name": "a.example.com"}"#).status == 404)

            #expect(try await clerk.organizations.getOrganizationDomainList(engines.id).data.map(\.id) == [domain.id])
            #expect(try await clerk.organizations.getInstanceOrganizationDomainList().totalCount == 2)
            #expect(try await clerk.organizations.getInstanceOrganizationDomainList(ListAllOrganizationDomainsQuery(query: "loom")).data.map(\.id) == [verified.id])
            #expect(try await clerk.organizations.getInstanceOrganizationDomainList(ListAllOrganizationDomainsQuery(domains: ["engines.example.com"])).data.map(\.id) == [domain.id])
            #expect(try await rawRequest(emulator, "GET", "/v1/organization_domains?verified=true", key: emulator.secretKey).json?["total_count"] == 1)
            #expect(try await rawRequest(emulator, "GET", "/v1/organizations/\(engines.id)/domains?enrollment_mode=automatic_invitation", key: emulator.secretKey).json?["total_count"] == 0)

            let updated = try await clerk.organizations.updateOrganizationDomain(
                organizationID: engines.id, domainID: domain.id, UpdateOrganizationDomainBody(enrollmentMode: "automatic_suggestion")
            )
            #expect(updated.enrollmentMode == .automaticSuggestion)
            // A domain is reached only through its own organization.
            await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.verifyOrganizationDomainOwnership(organizationID: looms.id, domainID: domain.id)
            }
            let owned = try await clerk.organizations.verifyOrganizationDomainOwnership(organizationID: engines.id, domainID: domain.id)
            #expect(owned.ownershipVerification?.status == "verified" && owned.ownershipVerification?.strategy == "dns_record")

            _ = try await clerk.organizations.deleteOrganizationDomain(organizationID: engines.id, domainID: domain.id)
            #expect(try await clerk.organizations.getOrganizationDomainList(engines.id).data.isEmpty)
            // The name is free again; deleting the organization deletes its domains.
            _ = try await clerk.organizations.createOrganizationDomain(engines.id, CreateOrganizationDomainBody(name: "engines.example.com"))
            _ = try await clerk.organizations.deleteOrganization(engines.id)
            #expect(try await clerk.organizations.getInstanceOrganizationDomainList().data.map(\.id) == [verified.id])
            _ = try await clerk.organizations.createOrganizationDomain(looms.id, CreateOrganizationDomainBody(name: "engines.example.com"))
        }
    }
}
