@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

/// Every operation of the spec is reached by exactly one SDK method, over real HTTP on loopback.
///
/// The table (``OperationCall/all``) has one call per operationID: the generated half comes from
/// `Scripts/generate-models.py`, the other half (the hand-written Users and Sessions APIs, the uploads and the
/// interstitial) is below. Each call runs against a loopback server that knows nothing of the SDK: it finds the
/// operation from the request's method and path with the spec's own path templates, and answers the operation's
/// fixture (`Fixtures/operation-fixtures.json`: a response with every property set). The test then checks
/// that the call reached its operation, with the sample ids in the right path segments, that generated calls sent
/// the fixture's request body field for field, and that the method decoded the answer.
@Suite("Operation coverage: all 249 operations of the spec")
struct OperationCoverageTests {
    @Test("The table has exactly one call per operationId of the spec (249 of 249)")
    func oneCallPerOperation() throws {
        let spec = try SpecFixture.shared()
        let specIDs = spec.operations.map(\.id)
        #expect(specIDs.count == 249)
        let tableIDs = OperationCall.all.map(\.operationID)
        var seen: [String: Int] = [:]
        for id in tableIDs { seen[id, default: 0] += 1 }
        #expect(seen.filter { $0.value > 1 }.isEmpty, "operations with more than one call: \(seen.filter { $0.value > 1 })")
        #expect(Set(tableIDs) == Set(specIDs), "missing: \(Set(specIDs).subtracting(tableIDs).sorted()), unknown: \(Set(tableIDs).subtracting(specIDs).sorted())")
        #expect(tableIDs.count == 249)
    }

    @Test("The Endpoint table the SDK sends through is the spec's: operationId, method and path template")
    func endpointTableMatchesSpec() throws {
        let spec = try SpecFixture.shared()
        let fromSpec = Set(spec.operations.map { "\($0.id) \($0.method.uppercased()) \($0.path)" })
        let fromTable = Set(Endpoint.all.map { "\($0.operationID) \($0.method) \($0.path)" })
        #expect(Endpoint.all.count == 249)
        #expect(fromTable == fromSpec, "differences: \(fromTable.symmetricDifference(fromSpec).sorted())")
    }

    @Test("Every public method of the resource APIs is in the table (or is a documented paging helper)")
    func everyPublicMethodIsCovered() throws {
        let resources = repositoryRoot().appendingPathComponent("Sources/ClerkBackend/Resources")
        let enumerator = FileManager.default.enumerator(at: resources, includingPropertiesForKeys: nil)
        var declared: Set<String> = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let source = try String(contentsOf: url, encoding: .utf8)
            var currentType = ""
            for line in source.split(separator: "\n", omittingEmptySubsequences: false) {
                if let match = line.firstMatch(of: #/^(?:public struct|extension) (\w+API)\b/#) {
                    currentType = String(match.output.1)
                }
                if let match = line.firstMatch(of: #/^    public func (\w+)/#) {
                    declared.insert("\(currentType).\(match.output.1)")
                }
            }
        }
        #expect(declared.count > 240)
        let resourceTypes = OperationCall.resourceTypes
        let covered = Set(OperationCall.all.map { call -> String in
            let resource = String(call.method.prefix { $0 != "." })
            let name = call.method.dropFirst(resource.count + 1).prefix { $0 != "(" }
            return "\(resourceTypes[resource] ?? resource).\(name)"
        })
        let helpers: Set<String> = [
            "UsersAPI.all", "UsersAPI.allOrganizationMemberships", "UsersAPI.allOrganizationInvitations", "SessionsAPI.all",
        ]
        #expect(declared.subtracting(covered).subtracting(helpers).isEmpty, "not in the table: \(declared.subtracting(covered).subtracting(helpers).sorted())")
        #expect(covered.subtracting(declared).isEmpty, "in the table but not declared: \(covered.subtracting(declared).sorted())")
    }

    @Test("Each call reaches its operation, sends the fixture's body and decodes the fixture's answer", arguments: OperationCall.all)
    func callReachesItsOperation(_ call: OperationCall) async throws {
        let spec = try SpecFixture.shared()
        let fixtures = try OperationFixture.all()
        let routes = try SpecRoutes.shared()
        let fixture = try #require(fixtures[call.operationID], "no fixture for \(call.operationID)")
        let operation = try #require(spec.operations.first { $0.id == call.operationID })

        try await withServer({ request in
            guard let id = routes.operation(method: request.method.rawValue, path: request.path) else {
                return .json(status: 404, #"{"errors":[{"code":"resource_not_found","message":"no such route"}]}"#)
            }
            return try OperationFixture.answer(fixtures[id])
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            try await call.call(clerk, fixture)

            let received = server.requests
            let reached = received.compactMap { routes.operation(method: $0.method.rawValue, path: $0.path) }
            // getUserList sends its two requests concurrently: they arrive in either order.
            #expect(reached.sorted() == ([call.operationID] + call.companions).sorted(), "\(call.method) reached \(reached)")
            let request = try #require(received.first { routes.operation(method: $0.method.rawValue, path: $0.path) == call.operationID })
            #expect(request.method.rawValue == operation.method.uppercased())
            // Sample ids go to their own segments: `{user_id}` gets `sample_user_id`.
            var expectedPath = "/v1" + operation.path
            for name in Endpoint(operationID: operation.id, method: .get, path: operation.path).pathParameterNames {
                expectedPath = expectedPath.replacingOccurrences(of: "{\(name)}", with: call.pathValues[name] ?? "sample_\(name)")
            }
            #expect(request.path == expectedPath)
            #expect(request.headerFields.first(name: "authorization") == "Bearer \(testSecretKey)")
            if call.sendsFixtureBody, let body = fixture.body {
                #expect(request.headerFields.first(name: "content-type") == "application/json")
                let sent = try JSONDecoder().decode(JSONValue.self, from: request.body)
                #expect(sent == body, "\(call.method) sent \(sent), fixture \(body)")
            }
        }
    }
}

/// One SDK call for one operation.
struct OperationCall: Sendable, CustomTestStringConvertible {
    /// The operationID the call must reach.
    let operationID: String
    /// `resource.method(labels:)`, as a user writes it.
    let method: String
    /// Whether the call sends the fixture's body (decoded into the method's body type), to be compared field by field.
    let sendsFixtureBody: Bool
    /// Other operations the method calls besides its own (`getUserList` also counts the users).
    let companions: [String]
    /// Path values the method sends differently from the `sample_<name>` it is given.
    let pathValues: [String: String]
    let call: @Sendable (ClerkClient, OperationFixture) async throws -> Void

    init(
        _ operationID: String, _ method: String, sendsFixtureBody: Bool = false, companions: [String] = [],
        pathValues: [String: String] = [:], call: @escaping @Sendable (ClerkClient, OperationFixture) async throws -> Void
    ) {
        self.operationID = operationID
        self.method = method
        self.sendsFixtureBody = sendsFixtureBody
        self.companions = companions
        self.pathValues = pathValues
        self.call = call
    }

    var testDescription: String { "\(operationID): \(method)" }

    static let all: [OperationCall] = handWritten() + generated()

    /// ClerkClient property -> API type, for matching table entries with declarations.
    static let resourceTypes: [String: String] = [
        "actorTokens": "ActorTokensAPI", "adminPortalLinkTokens": "AdminPortalLinkTokensAPI", "agentTasks": "AgentTasksAPI",
        "allowlistIdentifiers": "AllowlistIdentifiersAPI", "apiKeys": "APIKeysAPI", "betaFeatures": "BetaFeaturesAPI",
        "billing": "BillingAPI", "blocklistIdentifiers": "BlocklistIdentifiersAPI", "clients": "ClientsAPI",
        "directories": "DirectoriesAPI", "domains": "DomainsAPI", "emailAddresses": "EmailAddressesAPI",
        "enterpriseConnections": "EnterpriseConnectionsAPI", "idPOAuthAccessToken": "IdPOAuthAccessTokenAPI",
        "instance": "InstanceAPI", "interstitial": "InterstitialAPI", "invitations": "InvitationsAPI", "jwks": "JWKSAPI",
        "jwtTemplates": "JWTTemplatesAPI", "m2m": "M2MTokensAPI", "machines": "MachinesAPI",
        "oauthApplications": "OAuthApplicationsAPI", "organizationPermissions": "OrganizationPermissionsAPI",
        "organizationRoles": "OrganizationRolesAPI", "organizations": "OrganizationsAPI", "phoneNumbers": "PhoneNumbersAPI",
        "proxyChecks": "ProxyChecksAPI", "redirectURLs": "RedirectURLsAPI", "roleSets": "RoleSetsAPI",
        "samlConnections": "SAMLConnectionsAPI", "scimDirectories": "SCIMDirectoriesAPI", "sessions": "SessionsAPI",
        "signInTokens": "SignInTokensAPI", "signUps": "SignUpsAPI", "templates": "TemplatesAPI",
        "testingTokens": "TestingTokensAPI", "users": "UsersAPI", "waitlistEntries": "WaitlistEntriesAPI",
        "webhooks": "WebhooksAPI",
    ]

    /// The methods written by hand: Users, Sessions, the two logo uploads and the interstitial.
    static func handWritten() -> [OperationCall] {
        let user = "sample_user_id"
        let png = Data([0x89, 0x50, 0x4E, 0x47])
        return [
            OperationCall("GetUserList", "users.getUserList(_:)", companions: ["GetUsersCount"]) { clerk, _ in
                _ = try await clerk.users.getUserList()
            },
            OperationCall("GetUsersCount", "users.getCount(_:)") { clerk, _ in _ = try await clerk.users.getCount() },
            OperationCall("CreateUser", "users.createUser(_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.createUser(try fixture.body(CreateUserBody.self))
            },
            OperationCall("UsersBan", "users.banUsers(_:)") { clerk, _ in _ = try await clerk.users.banUsers([user]) },
            OperationCall("UsersUnban", "users.unbanUsers(_:)") { clerk, _ in _ = try await clerk.users.unbanUsers([user]) },
            OperationCall("GetUser", "users.getUser(_:)") { clerk, _ in _ = try await clerk.users.getUser(user) },
            OperationCall("UpdateUser", "users.updateUser(_:_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.updateUser(user, try fixture.body(UpdateUserBody.self))
            },
            OperationCall("DeleteUser", "users.deleteUser(_:)") { clerk, _ in _ = try await clerk.users.deleteUser(user) },
            OperationCall("DeleteBackupCode", "users.deleteUserBackupCodes(_:)") { clerk, _ in
                _ = try await clerk.users.deleteUserBackupCodes(user)
            },
            OperationCall("BanUser", "users.banUser(_:)") { clerk, _ in _ = try await clerk.users.banUser(user) },
            OperationCall("GetUserBillingCreditBalance", "users.getUserBillingCreditBalance(_:)") { clerk, _ in
                _ = try await clerk.users.getUserBillingCreditBalance(user)
            },
            OperationCall("AdjustUserBillingCreditBalance", "users.adjustUserBillingCreditBalance(_:_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.adjustUserBillingCreditBalance(user, try fixture.body(AdjustCreditBalanceRequest.self))
            },
            OperationCall("DeleteExternalAccount", "users.deleteUserExternalAccount(userID:externalAccountID:)") { clerk, _ in
                _ = try await clerk.users.deleteUserExternalAccount(userID: user, externalAccountID: "sample_external_account_id")
            },
            OperationCall("LockUser", "users.lockUser(_:)") { clerk, _ in _ = try await clerk.users.lockUser(user) },
            OperationCall("ReplaceUserMetadata", "users.replaceUserMetadata(_:_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.replaceUserMetadata(user, try fixture.body(ReplaceUserMetadataBody.self))
            },
            OperationCall("UpdateUserMetadata", "users.updateUserMetadata(_:_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.updateUserMetadata(user, try fixture.body(UpdateUserMetadataBody.self))
            },
            OperationCall("DisableMFA", "users.disableUserMFA(_:)") { clerk, _ in _ = try await clerk.users.disableUserMFA(user) },
            OperationCall(
                "GetOAuthAccessToken", "users.getUserOAuthAccessToken(_:provider:limit:offset:)",
                pathValues: ["provider": "oauth_sample_provider"]  // the `oauth_` prefix is added, as in JS
            ) { clerk, _ in
                _ = try await clerk.users.getUserOAuthAccessToken(user, provider: "sample_provider")
            },
            OperationCall("UsersGetOrganizationInvitations", "users.getOrganizationInvitationList(_:_:)") { clerk, _ in
                _ = try await clerk.users.getOrganizationInvitationList(user)
            },
            OperationCall("UsersGetOrganizationMemberships", "users.getOrganizationMembershipList(_:_:)") { clerk, _ in
                _ = try await clerk.users.getOrganizationMembershipList(user)
            },
            OperationCall("UserPasskeyDelete", "users.deleteUserPasskey(userID:passkeyIdentificationID:)") { clerk, _ in
                _ = try await clerk.users.deleteUserPasskey(userID: user, passkeyIdentificationID: "sample_passkey_identification_id")
            },
            OperationCall("SetUserPasswordCompromised", "users.setPasswordCompromised(_:revokeAllSessions:)") { clerk, _ in
                _ = try await clerk.users.setPasswordCompromised(user, revokeAllSessions: true)
            },
            OperationCall("UnsetUserPasswordCompromised", "users.unsetPasswordCompromised(_:)") { clerk, _ in
                _ = try await clerk.users.unsetPasswordCompromised(user)
            },
            OperationCall("SetUserProfileImage", "users.updateUserProfileImage(_:file:filename:contentType:)") { clerk, _ in
                _ = try await clerk.users.updateUserProfileImage(user, file: png, filename: "me.png", contentType: "image/png")
            },
            OperationCall("DeleteUserProfileImage", "users.deleteUserProfileImage(_:)") { clerk, _ in
                _ = try await clerk.users.deleteUserProfileImage(user)
            },
            OperationCall("RemoveUserPassword", "users.removePassword(_:signOutOfOtherSessions:)") { clerk, _ in
                _ = try await clerk.users.removePassword(user)
            },
            OperationCall("DeleteTOTP", "users.deleteUserTOTP(_:)") { clerk, _ in _ = try await clerk.users.deleteUserTOTP(user) },
            OperationCall("ListUserTrustedDevices", "users.getUserTrustedDevices(_:)") { clerk, _ in
                _ = try await clerk.users.getUserTrustedDevices(user)
            },
            OperationCall("RevokeUserTrustedDevice", "users.revokeUserTrustedDevice(userID:trustedDeviceID:)") { clerk, _ in
                _ = try await clerk.users.revokeUserTrustedDevice(userID: user, trustedDeviceID: "sample_trusted_device_id")
            },
            OperationCall("UnbanUser", "users.unbanUser(_:)") { clerk, _ in _ = try await clerk.users.unbanUser(user) },
            OperationCall("UnlockUser", "users.unlockUser(_:)") { clerk, _ in _ = try await clerk.users.unlockUser(user) },
            OperationCall("VerifyPassword", "users.verifyPassword(userID:password:)") { clerk, _ in
                _ = try await clerk.users.verifyPassword(userID: user, password: "correct horse")
            },
            OperationCall("VerifyTOTP", "users.verifyTOTP(userID:code:)") { clerk, _ in
                _ = try await clerk.users.verifyTOTP(userID: user, code: "123456")
            },
            OperationCall("UserWeb3WalletDelete", "users.deleteUserWeb3Wallet(userID:web3WalletIdentificationID:)") { clerk, _ in
                _ = try await clerk.users.deleteUserWeb3Wallet(userID: user, web3WalletIdentificationID: "sample_web3_wallet_identification_id")
            },
            OperationCall("ReplaceUserEmailAddress", "users.replaceUserEmailAddress(_:_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.replaceUserEmailAddress(user, try fixture.body(ReplaceUserEmailAddressBody.self))
            },
            OperationCall("ReplaceUserPhoneNumber", "users.replaceUserPhoneNumber(_:_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.users.replaceUserPhoneNumber(user, try fixture.body(ReplaceUserPhoneNumberBody.self))
            },
            // Sessions
            OperationCall("GetSessionList", "sessions.getSessionList(_:)") { clerk, _ in _ = try await clerk.sessions.getSessionList() },
            OperationCall("createSession", "sessions.createSession(_:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.sessions.createSession(try fixture.body(CreateSessionBody.self))
            },
            OperationCall("GetSession", "sessions.getSession(_:)") { clerk, _ in _ = try await clerk.sessions.getSession("sample_session_id") },
            OperationCall("RefreshSession", "sessions.refreshSession(_:_:suffixedCookies:)", sendsFixtureBody: true) { clerk, fixture in
                _ = try await clerk.sessions.refreshSession("sample_session_id", try fixture.body(RefreshSessionBody.self))
            },
            OperationCall("RevokeSession", "sessions.revokeSession(_:)") { clerk, _ in
                _ = try await clerk.sessions.revokeSession("sample_session_id")
            },
            OperationCall("CreateSessionToken", "sessions.getToken(sessionID:template:expiresInSeconds:)") { clerk, _ in
                _ = try await clerk.sessions.getToken(sessionID: "sample_session_id")
            },
            OperationCall("CreateSessionTokenFromTemplate", "sessions.getToken(sessionID:template:expiresInSeconds:)") { clerk, _ in
                _ = try await clerk.sessions.getToken(sessionID: "sample_session_id", template: "sample_template_name")
            },
            // Uploads and the interstitial
            OperationCall("UploadOrganizationLogo", "organizations.updateOrganizationLogo(_:file:filename:contentType:uploaderUserID:)") { clerk, _ in
                _ = try await clerk.organizations.updateOrganizationLogo("sample_organization_id", file: png, uploaderUserID: user)
            },
            OperationCall("UploadOAuthApplicationLogo", "oauthApplications.uploadLogo(_:file:filename:contentType:uploaderUserID:)") { clerk, _ in
                _ = try await clerk.oauthApplications.uploadLogo("sample_oauth_application_id", file: png)
            },
            OperationCall("GetPublicInterstitial", "interstitial.getPublicInterstitial(_:)") { clerk, _ in
                _ = try await clerk.interstitial.getPublicInterstitial(GetPublicInterstitialQuery(frontendAPI: "clerk.example.com"))
            },
        ]
    }
}

/// The fixture of one operation: a request body and a response with every property of their schemas set.
struct OperationFixture: Sendable {
    let body: JSONValue?
    let response: JSONValue?
    let status: Int

    /// The request body decoded into the method's body type.
    func body<T: Decodable>(_ type: T.Type) throws -> T {
        let body = try #require(self.body, "the fixture has no body")
        return try JSONDecoder().decode(T.self, from: JSONEncoder().encode(body))
    }

    private static let loaded: Result<[String: OperationFixture], any Error> = Result {
        let root = try JSONDecoder().decode([String: JSONValue].self, from: Fixtures.data("operation-fixtures.json"))
        var result: [String: OperationFixture] = [:]
        for (id, value) in root {
            let status: Int
            if case .int(let code)? = value["status"] { status = Int(code) } else { status = 200 }
            result[id] = OperationFixture(body: value["body"], response: value["response"], status: status)
        }
        return result
    }

    static func all() throws -> [String: OperationFixture] { try loaded.get() }

    static func answer(_ fixture: OperationFixture?) throws -> ClerkHTTPResponse {
        guard let fixture else { return ClerkHTTPResponse(status: .internalServerError) }
        guard let response = fixture.response else { return ClerkHTTPResponse(status: .init(code: fixture.status)) }
        return ClerkHTTPResponse(
            status: .init(code: fixture.status), headerFields: [.contentType: "application/json"], body: try JSONEncoder().encode(response)
        )
    }
}

/// The spec's path templates as matchers: method + concrete path -> operationID. A template with fewer
/// parameters wins (`/users/count` over `/users/{user_id}`).
struct SpecRoutes: Sendable {
    struct Route: Sendable {
        let id: String
        let method: String
        let segments: [String?]  // nil: a parameter
    }

    let routes: [Route]

    private static let loaded: Result<SpecRoutes, any Error> = Result {
        let spec = try SpecFixture.shared()
        let routes = spec.operations.map { operation in
            Route(
                id: operation.id, method: operation.method.uppercased(),
                segments: operation.path.split(separator: "/").map { $0.hasPrefix("{") ? nil : String($0) }
            )
        }
        return SpecRoutes(routes: routes.sorted { $0.segments.filter { $0 == nil }.count < $1.segments.filter { $0 == nil }.count })
    }

    static func shared() throws -> SpecRoutes { try loaded.get() }

    func operation(method: String, path: String) -> String? {
        guard path.hasPrefix("/v1/") else { return nil }
        let parts = path.dropFirst(3).split(separator: "/", omittingEmptySubsequences: false).dropFirst().map(String.init)
        for route in routes where route.method == method && route.segments.count == parts.count {
            if zip(route.segments, parts).allSatisfy({ $0 == nil ? !$1.isEmpty : $0 == $1 }) { return route.id }
        }
        return nil
    }
}
