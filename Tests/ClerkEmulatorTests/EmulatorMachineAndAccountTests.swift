import ClerkBackend
import ClerkEmulator
import Foundation
import Testing
import HTTPTypes

/// A client for `authenticateRequest` against the emulator: its publishable key, and no machine-token cache (so a
/// revocation shows at once instead of after `machineTokenCacheTTL`).
private func authClient(_ emulator: RunningEmulator, machineSecretKey: String? = nil) throws -> ClerkClient {
    try ClerkClient(
        options: ClerkOptions(
            secretKey: Secret(emulator.secretKey), machineSecretKey: machineSecretKey.map { Secret($0) },
            publishableKey: emulator.publishableKey, apiURL: emulator.apiURL, machineTokenCacheTTL: .zero
        )
    )
}

private func bearerRequest(_ token: String) -> ClerkRequest {
    ClerkRequest(method: .get, url: "http://localhost:3000/api/reports", headers: [("Authorization", "Bearer \(token)")])
}

/// `GET /clients` is deprecated in the SDK; calling it from a deprecated function keeps the build free of warnings.
@available(*, deprecated)
private func clientList(_ clerk: ClerkClient) async throws -> PaginatedResourceResponse<Client> {
    try await clerk.clients.getClientList()
}

@Suite("Emulator: API keys, M2M tokens, machines, email addresses, phone numbers, clients, domains, instance")
struct EmulatorMachineAndAccountTests {
    @Test("API keys: create, list, get, update, secret; authenticateRequest(.apiKey) signs in until the key is revoked")
    func apiKeys() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["keys@example.com"]))
            let key = try await clerk.apiKeys.create(
                CreateAPIKeyBody(name: "Reports key", subject: user.id, claims: ["team": "ops"], scopes: ["read:reports"])
            )
            #expect(key.id.hasPrefix("ak_") && key.id.count == 35)
            #expect(key.secret.hasPrefix("ak_") && key.secret != key.id)
            #expect(key.subject == user.id && key.type == "api_key" && !key.revoked && !key.expired && key.expiration == nil)
            #expect(try await clerk.apiKeys.getSecret(key.id).secret == key.secret)
            #expect(try await clerk.apiKeys.get(key.id).name == "Reports key")

            let updated = try await clerk.apiKeys.update(key.id, UpdateAPIKeyBody(scopes: ["read:reports", "write:reports"], secondsUntilExpiration: 3600))
            #expect(updated.scopes == ["read:reports", "write:reports"])
            #expect((updated.expiration ?? 0) > Double(Date().timeIntervalSince1970 * 1000) && !updated.expired)
            let listed = try await clerk.apiKeys.list(GetAPIKeysQuery(subject: user.id))
            #expect(listed.totalCount == 1 && listed.data.map(\.id) == [key.id])
            #expect(try await clerk.apiKeys.list(GetAPIKeysQuery(subject: user.id, query: "nothing")).totalCount == 0)

            let auth = try authClient(emulator)
            let state = try await auth.authenticateRequest(bearerRequest(key.secret), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
            #expect(state.status == .signedIn)
            let signedIn = try #require(state.toAuth())
            #expect(signedIn.tokenType == .apiKey && signedIn.userID == user.id)
            #expect(signedIn.machine?.id == key.id && signedIn.machine?.scopes == ["read:reports", "write:reports"])
            #expect(signedIn.machine?.claims == ["team": "ops"] && signedIn.machine?.name == "Reports key")
            #expect(try await clerk.apiKeys.get(key.id).lastUsedAt != nil)

            // An organization's key carries the organization.
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Keys Org"))
            let orgKey = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Org key", subject: organization.id))
            let orgState = try await auth.authenticateRequest(bearerRequest(orgKey.secret), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
            #expect(orgState.toAuth()?.orgID == organization.id && orgState.toAuth()?.userID == nil)

            let revoked = try await clerk.apiKeys.revoke(key.id, RevokeAPIKeyBody(revocationReason: "rotated"))
            #expect(revoked.revoked && revoked.revocationReason == "rotated")
            let after = try await auth.authenticateRequest(bearerRequest(key.secret), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
            #expect(after.status == .signedOut && after.toAuth()?.isAuthenticated != true)
            #expect(after.reason?.rawValue == "token-invalid")
            let verify = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.apiKeys.verify(VerifyAPIKeyBody(secret: key.secret)) }
            #expect(verify?.status == 404)
            #expect(verify.map { "\($0)".contains(key.secret) } == false)
            // Revoked keys are listed only with include_invalid.
            #expect(try await clerk.apiKeys.list(GetAPIKeysQuery(subject: user.id)).totalCount == 0)
            #expect(try await clerk.apiKeys.list(GetAPIKeysQuery(subject: user.id, includeInvalid: .true)).totalCount == 1)

            // Unknown secrets, bad bodies, delete.
            let unknown = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.apiKeys.verify(VerifyAPIKeyBody(secret: "ak_" + String(repeating: "x", count: 40)))
            }
            #expect(unknown?.status == 404)
            let badSubject = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Bad", subject: "nobody"))
            }
            #expect(badSubject?.status == 400)
            #expect(try await clerk.apiKeys.delete(key.id).deleted == true)
            let gone = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.apiKeys.get(key.id) }
            #expect(gone?.status == 404)
        }
    }

    @Test("M2M tokens: a machine's secret key creates opaque and JWT tokens; authenticateRequest(.m2mToken) signs in until revoked")
    func m2mTokens() async throws {
        try await withEmulator { emulator, clerk in
            let api = try await clerk.machines.create(CreateMachineBody(name: "Reports API"))
            let worker = try await clerk.machines.create(CreateMachineBody(name: "Worker", scopedMachines: [api.id], defaultTokenTtl: 600))
            #expect(worker.scopedMachines.map(\.id) == [api.id] && worker.secretKey.hasPrefix("ak_"))

            let token = try await clerk.m2m.createToken(CreateM2MTokenBody(claims: ["job": "nightly"]), machineSecretKey: worker.secretKey)
            #expect(token.id.hasPrefix("mt_") && token.id.count == 35 && token.token.hasPrefix("mt_"))
            #expect(token.subject == worker.id && token.scopes == [api.id] && !token.revoked)
            let now = Date().timeIntervalSince1970 * 1000
            #expect(abs((token.expiration ?? 0) - (now + 600_000)) < 60_000)

            let auth = try authClient(emulator)
            let state = try await auth.authenticateRequest(bearerRequest(token.token), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
            #expect(state.status == .signedIn)
            let signedIn = try #require(state.toAuth())
            #expect(signedIn.tokenType == .m2mToken && signedIn.machine?.machineID == worker.id && signedIn.machine?.id == token.id)
            #expect(signedIn.machine?.claims == ["job": "nightly"] && signedIn.machine?.scopes == [api.id])
            // The wrong accepted type does not sign in.
            let asKey = try await auth.authenticateRequest(bearerRequest(token.token), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
            #expect(asKey.status == .signedOut)

            // Verified with a machine secret key: the API machine (granted) may, the worker itself may not.
            let asAPI = try await clerk.m2m.verify(VerifyM2MTokenBody(token: token.token), machineSecretKey: api.secretKey)
            #expect(asAPI.id == token.id)
            let notGranted = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.m2m.verify(VerifyM2MTokenBody(token: token.token), machineSecretKey: worker.secretKey)
            }
            #expect(notGranted?.status == 404)
            // Creating needs a machine secret key, not the instance key.
            let instanceKey = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.m2m.createToken() }
            #expect(instanceKey?.status == 400)

            let listed = try await clerk.m2m.list(GetM2MTokensQuery(subject: worker.id))
            #expect(listed.totalCount == 1 && listed.m2mTokens.map(\.id) == [token.id] && listed.m2mTokens.first?.lastUsedAt != nil)
            let foreign = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.m2m.list(GetM2MTokensQuery(subject: worker.id), machineSecretKey: api.secretKey)
            }
            #expect(foreign?.status == 403)

            let revoked = try await clerk.m2m.revokeToken(token.id, RevokeM2MTokenBody(revocationReason: "done"), machineSecretKey: worker.secretKey)
            #expect(revoked.revoked && revoked.revocationReason == "done")
            let after = try await auth.authenticateRequest(bearerRequest(token.token), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
            #expect(after.status == .signedOut && after.reason?.rawValue == "token-invalid")
            #expect(try await clerk.m2m.list(GetM2MTokensQuery(subject: worker.id)).totalCount == 0)
            #expect(try await clerk.m2m.list(GetM2MTokensQuery(subject: worker.id, revoked: true)).totalCount == 1)

            // JWT format: signed by the instance key, verified locally by the SDK and by the emulator; not stored.
            let jwt = try await clerk.m2m.createToken(CreateM2MTokenBody(tokenFormat: .jwt, secondsUntilExpiration: 120), machineSecretKey: worker.secretKey)
            #expect(jwt.token.split(separator: ".").count == 3)
            let jwtState = try await auth.authenticateRequest(bearerRequest(jwt.token), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
            #expect(jwtState.status == .signedIn && jwtState.toAuth()?.machine?.machineID == worker.id)
            #expect(try await clerk.m2m.verify(VerifyM2MTokenBody(token: jwt.token)).id == jwt.id)
            #expect(try await clerk.m2m.list(GetM2MTokensQuery(subject: worker.id, revoked: true)).totalCount == 1)

            // Unknown tokens.
            let unknown = try await auth.authenticateRequest(
                bearerRequest("mt_" + String(repeating: "z", count: 40)), options: AuthenticateRequestOptions(acceptsToken: .m2mToken)
            )
            #expect(unknown.status == .signedOut)
        }
    }

    @Test("Machines: list, get, update, scopes (409 on a duplicate), secret key get and rotate with a grace period, delete")
    func machines() async throws {
        try await withEmulator { emulator, clerk in
            let first = try await clerk.machines.create(CreateMachineBody(name: "Alpha"))
            let second = try await clerk.machines.create(CreateMachineBody(name: "Beta"))
            #expect(first.id.hasPrefix("mch_") && first.defaultTokenTtl == 3600 && first.scopedMachines.isEmpty)
            #expect(try await clerk.instance.get().id == first.instanceID)
            let list = try await clerk.machines.list()
            #expect(list.totalCount == 2 && list.data.map(\.id) == [second.id, first.id])
            #expect(try await clerk.machines.list(ListMachinesQuery(query: "alp")).data.map(\.id) == [first.id])
            #expect(try await clerk.machines.list(ListMachinesQuery(orderBy: "name")).data.map(\.name) == ["Alpha", "Beta"])

            let renamed = try await clerk.machines.update(first.id, UpdateMachineBody(name: "Alpha 2", defaultTokenTtl: 60))
            #expect(renamed.name == "Alpha 2" && renamed.defaultTokenTtl == 60)
            let scope = try await clerk.machines.createScope(first.id, CreateMachineScopeBody(toMachineID: second.id))
            #expect(scope.fromMachineID == first.id && scope.toMachineID == second.id)
            #expect(try await clerk.machines.get(first.id).scopedMachines.map(\.id) == [second.id])
            let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.machines.createScope(first.id, CreateMachineScopeBody(toMachineID: second.id))
            }
            #expect(duplicate?.status == 409)
            #expect(try await clerk.machines.deleteScope(machineID: first.id, otherMachineID: second.id).deleted)
            #expect(try await clerk.machines.get(first.id).scopedMachines.isEmpty)

            // Secret keys: the previous one keeps working during previous_token_ttl, then not at all.
            #expect(try await clerk.machines.getSecretKey(first.id).secret == first.secretKey)
            let rotated = try await clerk.machines.rotateSecretKey(first.id, RotateMachineSecretKeyBody(previousTokenTtl: 300))
            #expect(rotated.secret != first.secretKey && rotated.secret.hasPrefix("ak_"))
            #expect(try await clerk.machines.getSecretKey(first.id).secret == rotated.secret)
            _ = try await clerk.m2m.createToken(machineSecretKey: first.secretKey)
            _ = try await clerk.m2m.createToken(machineSecretKey: rotated.secret)
            let immediate = try await clerk.machines.rotateSecretKey(first.id, RotateMachineSecretKeyBody(previousTokenTtl: 0))
            let stale = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.m2m.createToken(machineSecretKey: rotated.secret) }
            #expect(stale?.status == 401)
            _ = try await clerk.m2m.createToken(machineSecretKey: immediate.secret)
            // A machine secret key authenticates the M2M-token operations only.
            #expect(try await rawRequest(emulator, "GET", "/v1/users", key: immediate.secret).status == 401)

            #expect(try await clerk.machines.delete(first.id).deleted)
            let gone = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.machines.get(first.id) }
            #expect(gone?.status == 404)
            let orphan = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.m2m.createToken(machineSecretKey: immediate.secret) }
            #expect(orphan?.status == 401)
            #expect(try await clerk.machines.list().totalCount == 1)
        }
    }

    @Test("Email addresses: create (422 on a duplicate), get, verify and make primary, delete removes it from the user")
    func emailAddresses() async throws {
        try await withEmulator { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["first@example.com"]))
            let other = try await clerk.users.createUser(CreateUserBody(emailAddress: ["other@example.com"]))
            let added = try await clerk.emailAddresses.createEmailAddress(CreateEmailAddressBody(userID: user.id, emailAddress: "second@example.com"))
            let addedID = try #require(added.id)
            #expect(added.emailAddress == "second@example.com" && added.verification == nil)
            var fetched = try await clerk.users.getUser(user.id)
            #expect(fetched.emailAddresses.map(\.emailAddress) == ["first@example.com", "second@example.com"])
            #expect(fetched.primaryEmailAddressID == user.primaryEmailAddressID)
            #expect(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["second@example.com"])).data.map(\.id) == [user.id])

            for taken in ["second@example.com", "OTHER@example.com"] {
                let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                    _ = try await clerk.emailAddresses.createEmailAddress(CreateEmailAddressBody(userID: user.id, emailAddress: taken))
                }
                #expect(duplicate?.status == 422 && duplicate?.firstCode == "form_identifier_exists")
            }
            let invalid = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.emailAddresses.createEmailAddress(CreateEmailAddressBody(userID: user.id, emailAddress: "not-an-email"))
            }
            #expect(invalid?.status == 422)
            let noUser = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.emailAddresses.createEmailAddress(CreateEmailAddressBody(userID: "user_missing", emailAddress: "x@example.com"))
            }
            #expect(noUser?.status == 404)

            #expect(try await clerk.emailAddresses.getEmailAddress(addedID).emailAddress == "second@example.com")
            let verified = try await clerk.emailAddresses.updateEmailAddress(addedID, UpdateEmailAddressBody(verified: true, primary: true))
            if case .admin(let verification)? = verified.verification {
                #expect(verification.status.rawValue == "verified")
            } else {
                Issue.record("expected an admin verification, got \(String(describing: verified.verification))")
            }
            fetched = try await clerk.users.getUser(user.id)
            #expect(fetched.primaryEmailAddressID == addedID)

            // Deleting the primary address: it leaves the user, the next one becomes primary, the address is free again.
            let deleted = try await clerk.emailAddresses.deleteEmailAddress(addedID)
            #expect(deleted.deleted && deleted.id == addedID && deleted.object == "email_address")
            fetched = try await clerk.users.getUser(user.id)
            #expect(fetched.emailAddresses.map(\.emailAddress) == ["first@example.com"])
            #expect(fetched.primaryEmailAddressID == fetched.emailAddresses.first?.id)
            #expect(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["second@example.com"])).data.isEmpty)
            let missing = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.emailAddresses.getEmailAddress(addedID) }
            #expect(missing?.status == 404)
            let reused = try await clerk.emailAddresses.createEmailAddress(
                CreateEmailAddressBody(userID: other.id, emailAddress: "second@example.com", verified: true)
            )
            #expect(reused.emailAddress == "second@example.com")
            #expect(try await clerk.users.getUser(other.id).emailAddresses.count == 2)
        }
    }

    @Test("Phone numbers: create, duplicates, second-factor reservation needs verification, primary, delete")
    func phoneNumbers() async throws {
        try await withEmulator { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["phone@example.com"]))
            let phone = try await clerk.phoneNumbers.createPhoneNumber(CreatePhoneNumberBody(userID: user.id, phoneNumber: "+15555550123"))
            let phoneID = try #require(phone.id)
            // The first phone number is primary.
            #expect(try await clerk.users.getUser(user.id).primaryPhoneNumberID == phoneID)
            let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.phoneNumbers.createPhoneNumber(CreatePhoneNumberBody(userID: user.id, phoneNumber: "+15555550123"))
            }
            #expect(duplicate?.status == 422 && duplicate?.firstCode == "form_identifier_exists")
            let unverified = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.phoneNumbers.updatePhoneNumber(phoneID, UpdatePhoneNumberBody(reservedForSecondFactor: true))
            }
            #expect(unverified?.status == 400, "UpdatePhoneNumber documents 400 and not 422 for a refusal")
            let reserved = try await clerk.phoneNumbers.updatePhoneNumber(phoneID, UpdatePhoneNumberBody(verified: true, reservedForSecondFactor: true))
            #expect(reserved.reservedForSecondFactor == true && reserved.defaultSecondFactor == true)
            #expect(try await clerk.users.getUser(user.id).twoFactorEnabled)
            let second = try await clerk.phoneNumbers.createPhoneNumber(
                CreatePhoneNumberBody(userID: user.id, phoneNumber: "+15555550124", verified: true, primary: true)
            )
            #expect(try await clerk.users.getUser(user.id).primaryPhoneNumberID == second.id)
            #expect(try await clerk.phoneNumbers.getPhoneNumber(phoneID).phoneNumber == "+15555550123")
            #expect(try await clerk.phoneNumbers.deletePhoneNumber(phoneID).deleted)
            let fetched = try await clerk.users.getUser(user.id)
            #expect(fetched.phoneNumbers.map(\.phoneNumber) == ["+15555550124"] && !fetched.twoFactorEnabled)
        }
    }

    @Test("Clients: one per session; getClient, getClientList and verifyClient (with the session's token)")
    func clients() async throws {
        try await withEmulator { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["client@example.com"]))
            let first = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let second = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let client = try await clerk.clients.getClient(first.clientID)
            #expect(client.sessionIDs == [first.id] && client.sessions.map(\.id) == [first.id])
            #expect(client.lastActiveSessionID == first.id && client.signInID == nil)
            let list = try await clientList(clerk)
            #expect(list.totalCount == 2 && list.data.map(\.id) == [second.clientID, first.clientID])

            let token = try await clerk.sessions.getToken(sessionID: second.id)
            #expect(try await clerk.clients.verifyClient(VerifyClientBody(token: token)).id == second.clientID)
            let bad = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.clients.verifyClient(VerifyClientBody(token: "nope")) }
            #expect(bad?.status == 400)
            let missing = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.clients.getClient("client_missing") }
            #expect(missing?.status == 404)

            _ = try await clerk.sessions.revokeSession(first.id)
            #expect(try await clerk.clients.getClient(first.clientID).lastActiveSessionID == nil)
        }
    }

    @Test("Domains: the primary domain is the emulator's frontend host; satellites can be added, updated and deleted")
    func domains() async throws {
        try await withEmulator { _, clerk in
            let initial = try await clerk.domains.list()
            let primary = try #require(initial.data.first)
            #expect(initial.totalCount == 1 && !primary.isSatellite && primary.name == "clerk.emulator.localhost")
            #expect(primary.frontendAPIURL == "https://clerk.emulator.localhost")

            let satellite = try await clerk.domains.add(AddDomainBody(name: "satellite.example.com", isSatellite: true))
            #expect(satellite.isSatellite && satellite.id.hasPrefix("dmn_"))
            let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.domains.add(AddDomainBody(name: "satellite.example.com", isSatellite: true))
            }
            #expect(duplicate?.status == 422)
            let notSatellite = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.domains.add(AddDomainBody(name: "second.example.com", isSatellite: false))
            }
            #expect(notSatellite?.status == 422)
            let updated = try await clerk.domains.update(satellite.id, UpdateDomainBody(name: "sat.example.com", proxyURL: "https://sat.example.com/__clerk"))
            #expect(updated.name == "sat.example.com" && updated.proxyURL == "https://sat.example.com/__clerk")
            #expect(try await clerk.domains.list().data.map(\.id) == [primary.id, satellite.id])

            let primaryDelete = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.domains.deleteDomain(primary.id) }
            #expect(primaryDelete?.status == 403)
            #expect(try await clerk.domains.deleteDomain(satellite.id).deleted)
            #expect(try await clerk.domains.list().totalCount == 1)
        }
    }

    @Test("Instance: get, update (204) with allowed and development origins, organization settings")
    func instance() async throws {
        try await withEmulator { emulator, clerk in
            let instance = try await clerk.instance.get()
            #expect(instance.id.hasPrefix("ins_") && instance.environmentType == "development" && instance.allowedOrigins == nil)
            try await clerk.instance.update(UpdateInstanceBody(developmentOrigin: "http://localhost:3000", allowedOrigins: ["chrome-extension://abcdef"]))
            #expect(try await clerk.instance.get().allowedOrigins == ["chrome-extension://abcdef"])
            #expect(try await clerk.domains.list().data.first?.developmentOrigin == "http://localhost:3000")
            let badOrigin = await #expect(throws: ClerkAPIResponseError.self) {
                try await clerk.instance.update(UpdateInstanceBody(allowedOrigins: ["not an origin"]))
            }
            #expect(badOrigin?.status == 422)
            #expect(try await rawRequest(emulator, "PATCH", "/v1/instance", key: emulator.secretKey, body: #"{"hibp": true}"#).status == 204)

            let defaults = try await clerk.instance.getOrganizationSettings()
            #expect(defaults.enabled && defaults.creatorRole == "org:admin" && defaults.domainsDefaultRole == "org:member")
            // The creator role must be one the instance defines.
            _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Owner", key: "org:owner"))
            let settings = try await clerk.instance.updateOrganizationSettings(
                UpdateInstanceOrganizationSettingsBody(
                    maxAllowedMemberships: 25, domainsEnabled: true, domainsEnrollmentModes: ["automatic_invitation"], creatorRoleID: "org:owner"
                )
            )
            #expect(settings.maxAllowedMemberships == 25 && settings.domainsEnabled && settings.creatorRole == "org:owner")
            #expect(settings.domainsEnrollmentModes.map(\.rawValue) == ["automatic_invitation"])
            #expect(try await clerk.instance.getOrganizationSettings() == settings)
            let badMode = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.instance.updateOrganizationSettings(UpdateInstanceOrganizationSettingsBody(domainsEnrollmentModes: ["sometimes"]))
            }
            #expect(badMode?.status == 422)
        }
    }

    @Test("OAuth access tokens the emulator never issued: 404 from the API, signed out through authenticateRequest")
    func oauthAccessTokens() async throws {
        try await withEmulator { emulator, clerk in
            let unknown = try await rawRequest(emulator, "POST", "/oauth_applications/access_tokens/verify", key: emulator.secretKey, body: #"{"access_token": "oat_0123456789abcdef0123"}"#)
            #expect(unknown.status == 404 && unknown.json?["errors"]?.arrayValue?.first?["code"] == "resource_not_found")
            let state = try await authClient(emulator).authenticateRequest(
                bearerRequest("oat_" + String(repeating: "q", count: 32)), options: AuthenticateRequestOptions(acceptsToken: .oauthToken)
            )
            #expect(state.status == .signedOut)
            _ = clerk
        }
    }

    @Test("Every answer of these operations conforms to the spec's response schema")
    func conformance() async throws {
        let validator = try SpecValidator.shared.get()
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["spec@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            let machine = try await clerk.machines.create(CreateMachineBody(name: "Spec"))
            let other = try await clerk.machines.create(CreateMachineBody(name: "Other", scopedMachines: [machine.id]))
            let key = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Spec key", subject: user.id))
            let secret = emulator.secretKey
            var problems: [String] = []
            func check(_ operation: String, _ method: String, _ path: String, key: String? = nil, body: String? = nil) async throws -> JSONValue? {
                let answer = try await rawRequest(emulator, method, path, key: key ?? secret, body: body)
                let data = try answer.json.map { try JSONEncoder().encode($0) } ?? Data()
                problems += validator.problems(operationID: operation, status: answer.status, body: data)
                if answer.status >= 300 { problems.append("\(operation) answered \(answer.status): \(String(describing: answer.json))") }
                return answer.json
            }
            _ = try await check("createApiKey", "POST", "/api_keys", body: #"{"name": "Another", "subject": "\#(user.id)", "claims": {"a": 1}}"#)
            _ = try await check("getApiKeys", "GET", "/api_keys?subject=\(user.id)")
            _ = try await check("getApiKey", "GET", "/v1/api_keys/\(key.id)")
            _ = try await check("updateApiKey", "PATCH", "/v1/api_keys/\(key.id)", body: #"{"scopes": ["a"]}"#)
            _ = try await check("getApiKeySecret", "GET", "/v1/api_keys/\(key.id)/secret")
            _ = try await check("verifyApiKey", "POST", "/api_keys/verify", body: #"{"secret": "\#(key.secret)"}"#)
            _ = try await check("revokeApiKey", "POST", "/v1/api_keys/\(key.id)/revoke", body: "{}")
            _ = try await check("deleteApiKey", "DELETE", "/v1/api_keys/\(key.id)")
            let m2m = try await check("createM2MToken", "POST", "/m2m_tokens", key: other.secretKey, body: "{}")
            let m2mToken = m2m?["token"]?.stringValue ?? ""
            let m2mID = m2m?["id"]?.stringValue ?? ""
            _ = try await check("verifyM2MToken", "POST", "/m2m_tokens/verify", body: #"{"token": "\#(m2mToken)"}"#)
            _ = try await check("getM2MTokens", "GET", "/m2m_tokens?subject=\(other.id)")
            _ = try await check("revokeM2MToken", "POST", "/m2m_tokens/\(m2mID)/revoke", body: "{}")
            _ = try await check("ListMachines", "GET", "/v1/machines")
            _ = try await check("GetMachine", "GET", "/v1/machines/\(other.id)")
            _ = try await check("UpdateMachine", "PATCH", "/v1/machines/\(other.id)", body: #"{"name": "Renamed"}"#)
            _ = try await check("CreateMachineScope", "POST", "/v1/machines/\(machine.id)/scopes", body: #"{"to_machine_id": "\#(other.id)"}"#)
            _ = try await check("DeleteMachineScope", "DELETE", "/v1/machines/\(machine.id)/scopes/\(other.id)")
            _ = try await check("GetMachineSecretKey", "GET", "/v1/machines/\(machine.id)/secret_key")
            _ = try await check("RotateMachineSecretKey", "POST", "/v1/machines/\(machine.id)/secret_key/rotate", body: #"{"previous_token_ttl": 10}"#)
            _ = try await check("CreateMachine", "POST", "/v1/machines", body: #"{"name": "Third"}"#)
            _ = try await check("DeleteMachine", "DELETE", "/v1/machines/\(machine.id)")
            let email = try await check("CreateEmailAddress", "POST", "/v1/email_addresses", body: #"{"user_id": "\#(user.id)", "email_address": "more@example.com"}"#)
            let emailID = email?["id"]?.stringValue ?? ""
            _ = try await check("GetEmailAddress", "GET", "/v1/email_addresses/\(emailID)")
            _ = try await check("UpdateEmailAddress", "PATCH", "/v1/email_addresses/\(emailID)", body: #"{"verified": true}"#)
            _ = try await check("DeleteEmailAddress", "DELETE", "/v1/email_addresses/\(emailID)")
            let phone = try await check("CreatePhoneNumber", "POST", "/v1/phone_numbers", body: #"{"user_id": "\#(user.id)", "phone_number": "+15555550199", "verified": true, "reserved_for_second_factor": true}"#)
            let phoneID = phone?["id"]?.stringValue ?? ""
            _ = try await check("GetPhoneNumber", "GET", "/v1/phone_numbers/\(phoneID)")
            _ = try await check("UpdatePhoneNumber", "PATCH", "/v1/phone_numbers/\(phoneID)", body: #"{"verified": false, "reserved_for_second_factor": false}"#)
            _ = try await check("DeletePhoneNumber", "DELETE", "/v1/phone_numbers/\(phoneID)")
            _ = try await check("GetClient", "GET", "/v1/clients/\(session.clientID)")
            _ = try await check("GetClientList", "GET", "/v1/clients")
            _ = try await check("VerifyClient", "POST", "/v1/clients/verify", body: #"{"token": "\#(token)"}"#)
            _ = try await check("ListDomains", "GET", "/v1/domains")
            let domain = try await check("AddDomain", "POST", "/v1/domains", body: #"{"name": "spec.example.com", "is_satellite": true}"#)
            let domainID = domain?["id"]?.stringValue ?? ""
            _ = try await check("UpdateDomain", "PATCH", "/v1/domains/\(domainID)", body: #"{"proxy_url": null}"#)
            _ = try await check("DeleteDomain", "DELETE", "/v1/domains/\(domainID)")
            _ = try await check("GetInstance", "GET", "/v1/instance")
            _ = try await check("UpdateInstance", "PATCH", "/v1/instance", body: #"{"test_mode": true}"#)
            _ = try await check("GetInstanceOrganizationSettings", "GET", "/v1/instance/organization_settings")
            _ = try await check("UpdateInstanceOrganizationSettings", "PATCH", "/v1/instance/organization_settings", body: #"{"slug_disabled": true}"#)
            // Errors are in Clerk's format too.
            let error = try await rawRequest(emulator, "POST", "/api_keys/verify", key: secret, body: #"{"secret": "ak_unknown_unknown_unknown"}"#)
            problems += validator.problems(operationID: "verifyApiKey", status: error.status, body: try JSONEncoder().encode(error.json ?? .null))
            #expect(error.status == 404)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }
}
