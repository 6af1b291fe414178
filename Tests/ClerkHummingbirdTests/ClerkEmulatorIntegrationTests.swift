import ClerkBackend
import ClerkEmulator
import ClerkHummingbird
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import HummingbirdAuth
import HummingbirdTesting
import Testing

/// Runs `body` with an in-process emulator and an admin client for it; stops the emulator afterwards.
func withEmulator<T>(
    webhookURL: URL? = nil, webhookSecret: String? = nil, _ body: (RunningEmulator, ClerkClient) async throws -> T
) async throws -> T {
    let emulator = try await ClerkEmulator.start(
        EmulatorOptions(
            port: 0, databasePath: nil, passwordRounds: 1_000, logger: quietLogger(), webhookURL: webhookURL,
            webhookSigningSecret: webhookSecret,
            webhookRetryDelay: .milliseconds(100)
        )
    )
    do {
        let admin = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
        let result = try await body(emulator, admin)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// A logger for the emulator that keeps the test output quiet.
func quietLogger() -> Logger {
    var logger = Logger(label: "clerk.emulator.test")
    logger.logLevel = .critical
    return logger
}

/// The app's client for the emulator: its keys, JWKS verification (no jwtKey), and no machine-token cache.
func appClient(_ emulator: RunningEmulator) throws -> ClerkClient {
    try ClerkClient(
        options: ClerkOptions(
            secretKey: Secret(emulator.secretKey), publishableKey: emulator.publishableKey, apiURL: emulator.apiURL,
            machineTokenCacheTTL: .zero
        )
    )
}

@Suite("ClerkAuthenticator against the emulator (tokens verified through its JWKS)")
struct ClerkEmulatorIntegrationTests {
    @Test("Emulator session token: signed in by header and by cookie; the route reads the user with getUser")
    func sessionTokens() async throws {
        try await withEmulator { emulator, admin in
            let user = try await admin.users.createUser(CreateUserBody(firstName: "Ada", emailAddress: ["ada@example.com"]))
            let session = try await admin.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await admin.sessions.getToken(sessionID: session.id)
            let clerk = try appClient(emulator)
            let router = makeRouter(ClerkAuthenticator(client: clerk))
            router.group("user")
                .add(middleware: ClerkIsAuthenticatedMiddleware())
                .get { _, context -> String in
                    let userID = try context.requireIdentity().userID ?? ""
                    let fetched = try await clerk.users.getUser(userID)
                    return "\(fetched.id)|\(fetched.firstName ?? "")"
                }
            try await makeApp(router).test(.router) { client async throws in
                try await client.execute(uri: "/user", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                    #expect(response.status == .ok)
                    #expect(response.text == "\(user.id)|Ada")
                }
                // Development instance: the cookie flow also needs the dev-browser cookie.
                let uat = Int64(Date().timeIntervalSince1970) - 60
                let cookie = "__session=\(token); __client_uat=\(uat); __clerk_db_jwt=dvb_test"
                try await client.execute(uri: "/user", method: .get, headers: fields([("Cookie", cookie)])) { response in
                    #expect(response.status == .ok)
                    #expect(response.text == "\(user.id)|Ada")
                }
                try await client.execute(uri: "/user", method: .get) { response in
                    #expect(response.status == .unauthorized)
                    // Development instance: the reason is given.
                    let error1 = try response.clerkError()
                    #expect(error1?["meta"]?["reason"] == "dev-browser-missing")
                }
            }
            // A revoked session's token still verifies until it expires (tokens are stateless), but no new one is minted.
            _ = try await admin.sessions.revokeSession(session.id)
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await admin.sessions.getToken(sessionID: session.id) }
        }
    }

    @Test("Frontend API proxy: /__clerk/* reaches the emulator's Frontend API through a live app; other paths reach the app")
    func frontendAPIProxy() async throws {
        try await withEmulator { emulator, _ in
            let clerk = try appClient(emulator)
            let proxy = try ClerkFrontendAPIProxy(client: clerk)
            #expect(proxy.frontendAPIHost == emulator.frontendAPIURL.host.map { "\($0):\(emulator.frontendAPIURL.port ?? 80)" })
            let router = Router(context: ClerkRequestContext.self)
            router.add(middleware: ClerkFrontendAPIProxyMiddleware(proxy: proxy))
            router.get("hello") { _, _ in "app" }
            try await makeApp(router).test(.live) { client async throws in
                let created = try await client.execute(uri: "/__clerk/v1/dev_browser", method: .post)
                #expect(created.status == .ok)
                #expect(try created.json()["object"] == "dev_browser")
                let jwks = try await client.execute(uri: "/__clerk/.well-known/jwks.json", method: .get)
                #expect(jwks.status == .ok)
                #expect(try jwks.json()["keys"]?.arrayValue?.isEmpty == false)
                let unknown = try await client.execute(uri: "/__clerk/v1/not-there", method: .get)
                #expect(unknown.status == .notFound, "the emulator's own 404 comes back through the proxy")
                #expect(try await client.execute(uri: "/hello", method: .get).text == "app")
            }
        }
    }

    @Test("API keys and M2M tokens from the emulator, with acceptsToken .apiKey / .m2mToken / .oneOf / .any")
    func machineTokens() async throws {
        try await withEmulator { emulator, admin in
            let user = try await admin.users.createUser(CreateUserBody(emailAddress: ["keys@example.com"]))
            let key = try await admin.apiKeys.create(CreateAPIKeyBody(name: "Reports", subject: user.id, scopes: ["read:reports"]))
            let api = try await admin.machines.create(CreateMachineBody(name: "Reports API"))
            let worker = try await admin.machines.create(CreateMachineBody(name: "Worker", scopedMachines: [api.id]))
            let m2m = try await admin.m2m.createToken(CreateM2MTokenBody(), machineSecretKey: worker.secretKey)
            let session = try await admin.sessions.createSession(CreateSessionBody(userID: user.id))
            let sessionToken = try await admin.sessions.getToken(sessionID: session.id)
            let clerk = try appClient(emulator)

            func whoami(_ accepts: AcceptsToken, _ token: String) async throws -> String {
                let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk, options: AuthenticateRequestOptions(acceptsToken: accepts))))
                return try await app.test(.router) { client async throws in
                    try await client.execute(uri: "/whoami", method: .get, headers: fields([("Authorization", "Bearer \(token)")])).text
                }
            }
            #expect(try await whoami(.apiKey, key.secret) == "true|\(user.id)|api_key|-")
            #expect(try await whoami(.m2mToken, m2m.token) == "true|-|m2m_token|-")
            #expect(try await whoami(.oneOf([.apiKey, .m2mToken]), key.secret).hasPrefix("true|"))
            #expect(try await whoami(.oneOf([.apiKey, .m2mToken]), m2m.token).hasPrefix("true|"))
            #expect(try await whoami(.any, sessionToken) == "true|\(user.id)|session_token|-")
            // Mismatches are signed out.
            #expect(try await whoami(.apiKey, m2m.token).hasPrefix("false|"))
            #expect(try await whoami(.apiKey, sessionToken).hasPrefix("false|"))
            #expect(try await whoami(.sessionToken, key.secret) == "false|-|session_token|token-type-mismatch")
            #expect(try await whoami(.oneOf([.apiKey]), sessionToken) == "false|-|-|token-type-mismatch")

            // Behind an authenticator that accepts .any, the /keys guard lets only API keys through.
            let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk, options: AuthenticateRequestOptions(acceptsToken: .any))))
            try await app.test(.router) { client async throws in
                try await client.execute(uri: "/keys", method: .get, headers: fields([("Authorization", "Bearer \(key.secret)")])) { response in
                    #expect(response.status == .ok)
                    #expect(response.text == key.id)
                }
                for token in [m2m.token, sessionToken] {
                    let response = try await client.execute(uri: "/keys", method: .get, headers: fields([("Authorization", "Bearer \(token)")]))
                    #expect(response.status == .unauthorized)
                    let error2 = try response.clerkError()
                    #expect(error2?["meta"]?["reason"] == "token-type-mismatch")
                }
                // Machine tokens never pass has(): the permission route answers 403.
                let reports = try await client.execute(uri: "/reports", method: .get, headers: fields([("Authorization", "Bearer \(key.secret)")]))
                #expect(reports.status == .forbidden)
            }

            // A revoked key is refused.
            _ = try await admin.apiKeys.revoke(key.id, RevokeAPIKeyBody(revocationReason: "rotated"))
            #expect(try await whoami(.apiKey, key.secret) == "false|-|api_key|token-invalid")
        }
    }

    @Test("/reports from an emulator session token: 200 when the active organization's role grants org:reports:read, 403 otherwise; template tokens are refused")
    func permissionFromEmulatorRole() async throws {
        try await withEmulator { emulator, admin in
            let read = try await admin.organizationPermissions.createOrganizationPermission(
                CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read")
            )
            _ = try await admin.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", permissions: [read.id]))
            let user = try await admin.users.createUser(CreateUserBody(emailAddress: ["analyst@example.com"]))
            let reporting = try await admin.organizations.createOrganization(CreateOrganizationBody(name: "Reporting"))
            let other = try await admin.organizations.createOrganization(CreateOrganizationBody(name: "Other"))
            _ = try await admin.organizations.createOrganizationMembership(reporting.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst"))
            _ = try await admin.organizations.createOrganizationMembership(other.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:member"))
            func token(activeOrganization: String?) async throws -> String {
                let session = try await admin.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: activeOrganization))
                return try await admin.sessions.getToken(sessionID: session.id)
            }
            let analyst = try await token(activeOrganization: reporting.id)
            let member = try await token(activeOrganization: other.id)
            let noOrganization = try await token(activeOrganization: nil)
            _ = try await admin.jwtTemplates.create(CreateJWTTemplateBody(name: "api", claims: ["aud": "my-api"]))
            let template = try await admin.sessions.getToken(
                sessionID: try await admin.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: reporting.id)).id,
                template: "api"
            )
            let app = makeApp(makeRouter(ClerkAuthenticator(client: try appClient(emulator))))
            try await app.test(.router) { client async throws in
                func status(_ token: String) async throws -> HTTPResponse.Status {
                    try await client.execute(uri: "/reports", method: .get, headers: fields([("Authorization", "Bearer \(token)")])).status
                }
                #expect(try await status(analyst) == .ok)
                #expect(try await status(member) == .forbidden)
                #expect(try await status(noOrganization) == .forbidden)
                #expect(try await status(template) == .unauthorized)
            }
        }
    }

    @Test("Webhooks sent by the emulator to a live Hummingbird app verify and decode (user.created)")
    func emulatorWebhooks() async throws {
        let secret = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
        let (events, continuation) = AsyncStream.makeStream(of: WebhookEvent.self)
        let receiver = try ClerkWebhookReceiver(signingSecret: Secret(secret), deduplicator: InMemoryWebhookDeduplicator())
        let router = Router(context: ClerkRequestContext.self)
        router.post("webhooks/clerk") { request, context in
            try await receiver.handle(request, context: context) { event in continuation.yield(event) }
        }
        try await makeApp(router).test(.live) { client async throws in
            let port = try #require(client.port)
            try await withEmulator(webhookURL: URL(string: "http://127.0.0.1:\(port)/webhooks/clerk")!, webhookSecret: secret) { emulator, admin in
                #expect(emulator.webhookSigningSecret == secret)
                let user = try await admin.users.createUser(CreateUserBody(firstName: "Grace", emailAddress: ["grace@example.com"]))
                let received = try await withThrowingTaskGroup(of: WebhookEvent?.self) { group in
                    group.addTask {
                        for await event in events where event.type == .userCreated { return event }
                        return nil
                    }
                    group.addTask {
                        try await Task.sleep(for: .seconds(15))
                        return nil
                    }
                    let first = try await group.next() ?? nil
                    group.cancelAll()
                    return first
                }
                let event = try #require(received)
                #expect(event.data.user?.id == user.id)
                #expect(event.data.user?.firstName == "Grace")
                #expect(!event.messageID.isEmpty)
            }
        }
        continuation.finish()
    }
}
