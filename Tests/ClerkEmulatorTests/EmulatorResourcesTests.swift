import ClerkBackend
import ClerkEmulator
import Foundation
import Testing
import HTTPTypes

@Suite("Emulator: sessions, tokens, organizations, identifiers, wire behaviour")
struct EmulatorResourcesTests {
    @Test("A session token minted by the emulator verifies with verifyToken through its JWKS, and signs a request in")
    func sessionTokens() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["s@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            #expect(session.status == .active && session.userID == user.id)
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            let claims = try await clerk.verifyToken(token)
            #expect(claims.sub == user.id && claims.sid == session.id && claims.iss == emulator.issuer)

            // Networkless too, with the emulator's PEM as jwtKey.
            let networkless = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), jwtKey: emulator.jwtPublicKeyPEM, apiURL: emulator.apiURL))
            #expect(try await networkless.verifyToken(token).sub == user.id)

            let state = try await clerk.authenticateRequest(
                ClerkRequest(method: .get, url: "http://localhost:3000/api/me", headers: [("Authorization", "Bearer \(token)")]),
                options: AuthenticateRequestOptions(publishableKey: emulator.publishableKey)
            )
            #expect(state.status == .signedIn)
            #expect(state.toAuth()?.userID == user.id)

            // JWT templates: claims with shortcodes.
            _ = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "api", claims: ["uid": "{{user.id}}", "aud": "my-api"], lifetime: 120))
            let templated = try await clerk.sessions.getToken(sessionID: session.id, template: "api")
            let templateClaims = try await clerk.verifyToken(templated, options: VerifyTokenOptions(audience: ["my-api"]))
            #expect(templateClaims["uid"] == .string(user.id))

            // Revoked sessions mint no tokens.
            #expect(try await clerk.sessions.revokeSession(session.id).status == .revoked)
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.sessions.getToken(sessionID: session.id) }
            let listed = try await clerk.sessions.getSessionList(GetSessionListQuery(userID: user.id))
            #expect(listed.data.map(\.id) == [session.id] && listed.totalCount == 1)
        }
    }

    @Test("Organizations: create with a creator (admin membership), members, counts, metadata, delete")
    func organizations() async throws {
        try await withEmulator { _, clerk in
            let owner = try await clerk.users.createUser(CreateUserBody(firstName: "Owner", emailAddress: ["o@example.com"]))
            let member = try await clerk.users.createUser(CreateUserBody(emailAddress: ["m@example.com"]))
            let organization = try await clerk.organizations.createOrganization(
                CreateOrganizationBody(name: "Acme Inc", createdBy: owner.id, publicMetadata: ["tier": "gold"])
            )
            #expect(organization.slug == "acme-inc" && organization.id.hasPrefix("org_"))
            #expect(try await clerk.organizations.getOrganization("acme-inc").id == organization.id)
            let membership = try await clerk.organizations.createOrganizationMembership(
                organization.id, CreateOrganizationMembershipBody(userID: member.id, role: "org:member")
            )
            #expect(membership.role == "org:member" && membership.organization.id == organization.id)
            let members = try await clerk.organizations.getOrganizationMembershipList(organization.id)
            #expect(members.totalCount == 2)
            #expect(Set(members.data.compactMap(\.publicUserData?.userID)) == [owner.id, member.id])
            #expect(members.data.first { $0.publicUserData?.userID == owner.id }?.role == "org:admin")
            let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.createOrganizationMembership(organization.id, CreateOrganizationMembershipBody(userID: member.id, role: "org:member"))
            }
            #expect(duplicate?.firstCode == "already_a_member_in_organization")

            let list = try await clerk.organizations.getOrganizationList(ListOrganizationsQuery(includeMembersCount: true, query: "acme"))
            #expect(list.totalCount == 1 && list.data.first?.membersCount == 2)

            // Renamed: found by its new name and slug, not the old ones; the old slug is free, a taken one refused.
            let other = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Other", slug: "taken-slug"))
            let refused = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.updateOrganization(organization.id, UpdateOrganizationBody(name: "Nope", slug: "taken-slug"))
            }
            #expect(refused?.firstCode == "form_identifier_exists" && refused?.status == 422)
            for badSlug in ["", "a/b", "two words"] {
                let answer = await #expect(throws: ClerkAPIResponseError.self) {
                    _ = try await clerk.organizations.updateOrganization(organization.id, UpdateOrganizationBody(slug: badSlug))
                }
                #expect(answer?.status == 422 && answer?.errors.first?.meta?["param_name"] == "slug", "\(badSlug)")
            }
            #expect(try await clerk.organizations.getOrganization(organization.id).name == "Acme Inc", "nothing changed")
            #expect(try await clerk.organizations.updateOrganization(organization.id, UpdateOrganizationBody(slug: "Acme-Inc")).slug == "Acme-Inc", "a change of case is kept")
            let renamed = try await clerk.organizations.updateOrganization(organization.id, UpdateOrganizationBody(name: "Zenith Labs", slug: "zenith"))
            #expect(renamed.name == "Zenith Labs" && renamed.slug == "zenith")
            #expect(try await clerk.organizations.getOrganizationList(ListOrganizationsQuery(query: "zenith")).data.map(\.id) == [organization.id])
            #expect(try await clerk.organizations.getOrganizationList(ListOrganizationsQuery(query: "acme")).totalCount == 0)
            #expect(try await clerk.organizations.getOrganization("zenith").id == organization.id)
            let reused = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Acme Again", slug: "acme-inc"))
            #expect(reused.slug == "acme-inc")
            _ = try await clerk.organizations.deleteOrganization(reused.id)
            _ = try await clerk.organizations.deleteOrganization(other.id)
            let merged = try await clerk.organizations.updateOrganizationMetadata(organization.id, MergeOrganizationMetadataBody(publicMetadata: ["seats": 10]))
            #expect(merged.publicMetadata == ["tier": "gold", "seats": 10])
            let userMemberships = try await clerk.users.getOrganizationMembershipList(member.id)
            #expect(userMemberships.data.map(\.organization.id) == [organization.id])

            _ = try await clerk.organizations.deleteOrganizationMembership(organizationID: organization.id, userID: member.id)
            #expect(try await clerk.organizations.getOrganizationMembershipList(organization.id).totalCount == 1)
            #expect(try await clerk.organizations.deleteOrganization(organization.id).deleted)
            #expect(try await clerk.organizations.getOrganizationList().totalCount == 0)
        }
    }

    @Test("Blocklist always applies to new users; the allowlist when the instance restricts sign-ups to it")
    func identifiers() async throws {
        try await withEmulator { _, clerk in
            let blocked = try await clerk.blocklistIdentifiers.createBlocklistIdentifier(CreateBlocklistIdentifierBody(identifier: "*@spam.test"))
            #expect(blocked.identifier == "*@spam.test")
            let refused = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["x@spam.test"]))
            }
            #expect(refused?.status == 422)
            #expect(try await clerk.blocklistIdentifiers.getBlocklistIdentifierList().totalCount == 1)

            _ = try await clerk.allowlistIdentifiers.createAllowlistIdentifier(CreateAllowlistIdentifierBody(identifier: "vip@example.com"))
            _ = try await clerk.instance.updateRestrictions(UpdateInstanceRestrictionsBody(allowlist: true))
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["vip@example.com"]))
            await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["other@example.com"]))
            }
            let allowlist = try await clerk.allowlistIdentifiers.getAllowlistIdentifierList()
            #expect(allowlist.data.map(\.identifier) == ["vip@example.com"])
            let id = try #require(allowlist.data.first?.id)
            #expect(try await clerk.allowlistIdentifiers.deleteAllowlistIdentifier(id).deleted)
        }
    }

    @Test("Invitations, redirect URLs, sign-in and testing tokens")
    func smallerResources() async throws {
        try await withEmulator { _, clerk in
            let invitation = try await clerk.invitations.createInvitation(CreateInvitationBody(emailAddress: "new@example.com"))
            #expect(invitation.status == .pending)
            let bulk = try await clerk.invitations.createInvitationBulk([
                CreateBulkInvitationsBodyItem(emailAddress: "b1@example.com"), CreateBulkInvitationsBodyItem(emailAddress: "b2@example.com"),
            ])
            #expect(bulk.count == 2)
            #expect(try await clerk.invitations.getInvitationList().totalCount == 3)
            #expect(try await clerk.invitations.revokeInvitation(invitation.id).status == .revoked)
            #expect(try await clerk.invitations.getInvitationList(ListInvitationsQuery(status: .pending)).totalCount == 2)

            let redirect = try await clerk.redirectURLs.createRedirectURL(CreateRedirectURLBody(url: "myapp://callback"))
            #expect(try await clerk.redirectURLs.getRedirectURL(redirect.id).url == "myapp://callback")
            #expect(try await clerk.redirectURLs.getRedirectURLList().data.count == 1)
            #expect(try await clerk.redirectURLs.deleteRedirectURL(redirect.id).deleted)

            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["t@example.com"]))
            let signIn = try await clerk.signInTokens.createSignInToken(CreateSignInTokenBody(userID: user.id))
            #expect(signIn.status == .pending && signIn.token?.isEmpty == false)
            #expect(try await clerk.signInTokens.revokeSignInToken(signIn.id).status == .revoked)
            #expect(try await clerk.testingTokens.createTestingToken().token.isEmpty == false)
        }
    }

    @Test("Wire behaviour: 401 for a missing or wrong key, every operation implemented, 404 for unknown paths, Host check, machine routes without /v1")
    func wire() async throws {
        try await withEmulator { emulator, clerk in
            let wrong = try ClerkClient(options: ClerkOptions(secretKey: "sk_test_wrong", apiURL: emulator.apiURL))
            let unauthorized = await #expect(throws: ClerkAPIResponseError.self) { _ = try await wrong.users.getCount() }
            #expect(unauthorized?.status == 401 && unauthorized?.firstCode == "authentication_invalid")
            #expect(unauthorized?.clerkTraceID?.isEmpty == false)
            let missing = try await rawRequest(emulator, "GET", "/v1/users", key: nil)
            #expect(missing.status == 401)

            // Every operation of the spec has a handler (none answers 501 any more).
            #expect(Set(ClerkEmulator.implementedOperations) == Set(Endpoint.all.map(\.operationID)))

            #expect(try await rawRequest(emulator, "GET", "/v1/no_such_thing", key: emulator.secretKey).status == 404)
            #expect(try await rawRequest(emulator, "GET", "/v1/users", key: emulator.secretKey, host: "attacker.example").status == 403)
            #expect(try await rawRequest(emulator, "GET", "/v1/users", key: emulator.secretKey, host: "app.localhost:1234").status == 200)
            // The machine-token routes answer without /v1 too (400 here, for the missing token: routed, not 404).
            #expect(try await rawRequest(emulator, "POST", "/m2m_tokens/verify", key: emulator.secretKey, body: "{}").status == 400)
        }
    }

    @Test("Keys and data survive a restart of the same database file")
    func persistence() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-emulator-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let (firstKey, userID) = try await withEmulator(databasePath: path) { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["keep@example.com"], password: "persisted password"))
            return (emulator.secretKey, user.id)
        }
        try await withEmulator(databasePath: path) { (emulator, clerk) async throws -> Void in
            #expect(emulator.secretKey == firstKey)
            #expect(try await clerk.users.getUser(userID).emailAddresses.first?.emailAddress == "keep@example.com")
            #expect(try await clerk.users.verifyPassword(userID: userID, password: "persisted password").verified == true)
        }
    }

    @Test("The emulator refuses to bind to a non-loopback address unless told to")
    func loopbackOnly() async throws {
        await #expect(throws: EmulatorStartError.self) {
            _ = try await ClerkEmulator.start(EmulatorOptions(host: "0.0.0.0", port: 0, databasePath: nil))
        }
    }
}

@Suite("Emulator: organization invitations")
struct EmulatorOrganizationInvitationTests {
    @Test("Create (single and bulk), list by status, get, revoke; duplicates refused; answers match the spec")
    func organizationInvitations() async throws {
        try await withEmulator { _, clerk in
            let owner = try await clerk.users.createUser(CreateUserBody(emailAddress: ["owner@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Invites", createdBy: owner.id))
            let invitation = try await clerk.organizations.createOrganizationInvitation(
                organization.id, CreateOrganizationInvitationBody(emailAddress: "new@example.com", inviterUserID: owner.id, role: "org:member")
            )
            #expect(invitation.status == "pending" && invitation.organizationID == organization.id && invitation.role == "org:member")
            let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.createOrganizationInvitation(organization.id, CreateOrganizationInvitationBody(emailAddress: "new@example.com", role: "org:member"))
            }
            #expect(duplicate?.status == 422)
            let bulk = try await clerk.organizations.createOrganizationInvitationBulk(organization.id, [
                CreateOrganizationInvitationBulkBodyItem(emailAddress: "b1@example.com", role: "org:member"),
                CreateOrganizationInvitationBulkBodyItem(emailAddress: "b2@example.com", role: "org:admin"),
            ])
            #expect(bulk.totalCount == 2)
            #expect(try await clerk.organizations.getOrganizationInvitationList(organization.id).totalCount == 3)
            #expect(try await clerk.organizations.getOrganizationInvitation(organizationID: organization.id, invitationID: invitation.id).emailAddress == "new@example.com")
            let revoked = try await clerk.organizations.revokeOrganizationInvitation(organizationID: organization.id, invitationID: invitation.id)
            #expect(revoked.status == "revoked")
            let pending = try await clerk.organizations.getOrganizationInvitationList(organization.id, query: ListOrganizationInvitationsQuery(status: .pending))
            #expect(pending.totalCount == 2)
            #expect(try await clerk.organizations.getInstanceOrganizationInvitationList().totalCount == 3)
        }
    }
}

@Suite("Emulator: start and stop")
struct EmulatorLifecycleTests {
    @Test("A port already in use is an error from start (the bind error, not a timeout); stop then start again works")
    func portInUse() async throws {
        let first = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil))
        await #expect(throws: (any Error).self) {
            let second = try await ClerkEmulator.start(EmulatorOptions(port: first.port, databasePath: nil))
            await second.stop()
        }
        await first.stop()
        let again = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil))
        let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(again.secretKey), apiURL: again.apiURL))
        #expect(try await clerk.users.getCount() == 0)
        await again.stop()
    }
}
