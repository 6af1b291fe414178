import ClerkBackend
import ClerkEmulator
import ClerkVapor
import Foundation
import Testing
import VaporTesting

/// `/user`: the user from `getUser(userID)`, as the example app answers it.
func userRoute(_ app: Application) {
    app.grouped(ClerkMiddleware()).grouped(ClerkGuardMiddleware.requireAuth()).get("user") { req async throws -> Response in
        let auth = try req.auth.require(ClerkAuth.self)
        let user = try await req.clerk.client.users.getUser(auth.userID ?? "")
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: try JSONEncoder().encode(user)))
    }
}

@Suite("ClerkVapor: against the emulator (JWKS verification, Backend API calls, machine tokens)")
struct ClerkVaporEmulatorTests {
    @Test("An emulator session token signs in through the Authorization header; /user answers the user from getUser")
    func sessionTokenHeader() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(firstName: "Grace", emailAddress: ["grace@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            try await withClerkApp(options: emulatorOptions(emulator), routes: { app in
                userRoute(app)
                app.grouped(ClerkMiddleware()).get("whoami") { req async throws -> WhoAmI in
                    WhoAmI(req.clerk.auth, vaporLoggedIn: req.auth.has(ClerkAuth.self))
                }
            }) { app in
                try await app.testing().test(.GET, "user", headers: bearer(token)) { response throws in
                    #expect(response.status == .ok)
                    let body = try json(response)
                    #expect(body["id"]?.stringValue == user.id)
                    #expect(body["first_name"] == "Grace")
                    #expect(body["email_addresses"]?.arrayValue?.first?["email_address"] == "grace@example.com")
                }
                try await app.testing().test(.GET, "whoami", headers: bearer(token)) { response throws in
                    let body = try response.content.decode(WhoAmI.self)
                    #expect(body.userID == user.id && body.sessionID == session.id && body.vaporLoggedIn)
                }
                try await app.testing().test(.GET, "user") { response throws in
                    #expect(response.status == .unauthorized)
                }
                // The shared client is the application's, with Vapor's HTTP client.
                #expect(try app.clerk.client.options.httpClient === app.http.client.shared)
                #expect(try app.clerk.client.options.sdkMetadata?.name == "clerk-vapor")
            }
        }
    }

    @Test("An emulator session token signs in through the __session cookie (development instance: with a dev-browser cookie)")
    func sessionTokenCookie() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["cookie@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            let uat = Int64(Date().timeIntervalSince1970) - 60
            try await withClerkApp(options: emulatorOptions(emulator), routes: standardRoutes) { app in
                let cookie = "__session=\(token); __client_uat=\(uat); __clerk_db_jwt=dvb_test"
                try await app.testing().test(.GET, "user", headers: headers([("Host", "localhost:3000"), ("Cookie", cookie)])) { response throws in
                    #expect(response.status == .ok)
                    #expect(try response.content.decode(WhoAmI.self).userID == user.id)
                }
                // Without the dev-browser cookie a development instance cannot trust the cookies: signed out.
                let noDevBrowser = "__session=\(token); __client_uat=\(uat)"
                try await app.testing().test(.GET, "user", headers: headers([("Host", "localhost:3000"), ("Cookie", noDevBrowser)])) { response throws in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers.first(name: "x-clerk-auth-reason") == "dev-browser-missing")
                }
                // A revoked session's token still verifies until it expires (tokens are stateless), as with Clerk.
                _ = try await clerk.sessions.revokeSession(session.id)
                try await app.testing().test(.GET, "user", headers: bearer(token)) { response throws in
                    #expect(response.status == .ok)
                }
            }
        }
    }

    @Test("The JWKS is fetched once for many requests and tokens (one cache per configured instance)")
    func jwksFetchedOnce() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["jwks@example.com"]))
            var tokens: [String] = []
            for _ in 0..<3 {
                let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
                tokens.append(try await clerk.sessions.getToken(sessionID: session.id))
            }
            let transport = CountingTransport()
            try await withClerkApp(options: emulatorOptions(emulator, transport: transport), routes: standardRoutes) { app in
                for _ in 0..<3 {
                    for token in tokens {
                        try await app.testing().test(.GET, "whoami", headers: bearer(token)) { response throws in
                            #expect(try response.content.decode(WhoAmI.self).userID == user.id)
                        }
                    }
                }
            }
            #expect(transport.count("/v1/jwks") == 1)
        }
    }

    @Test("Machine tokens: an API key and an M2M token sign in where acceptsToken allows them, and only there")
    func machineTokens() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["machines@example.com"]))
            let apiKey = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Reports key", subject: user.id, scopes: ["read:reports"]))
            let target = try await clerk.machines.create(CreateMachineBody(name: "Reports API"))
            let worker = try await clerk.machines.create(CreateMachineBody(name: "Worker", scopedMachines: [target.id]))
            let m2m = try await clerk.m2m.createToken(CreateM2MTokenBody(claims: ["job": "nightly"]), machineSecretKey: worker.secretKey)
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let sessionToken = try await clerk.sessions.getToken(sessionID: session.id)

            try await withClerkApp(options: emulatorOptions(emulator), routes: { app in
                try standardRoutes(app)
                func whoami(_ builder: any RoutesBuilder) {
                    builder.get("whoami") { req async throws -> WhoAmI in WhoAmI(req.clerk.auth, vaporLoggedIn: req.auth.has(ClerkAuth.self)) }
                }
                whoami(app.grouped("keys").grouped(ClerkMiddleware(acceptsToken: .apiKey)).grouped(ClerkGuardMiddleware.requireAuth()))
                whoami(app.grouped("m2m").grouped(ClerkMiddleware(acceptsToken: .m2mToken)).grouped(ClerkGuardMiddleware.requireAuth()))
                let machines = app.grouped("machines").grouped(ClerkMiddleware(acceptsToken: .oneOf([.apiKey, .m2mToken])))
                whoami(machines.grouped(ClerkGuardMiddleware.requireAuth()))
                whoami(machines.grouped("m2m-only").grouped(ClerkGuardMiddleware.requireAuth(acceptsToken: .m2mToken)))
                whoami(app.grouped("any").grouped(ClerkMiddleware(acceptsToken: .any)).grouped(ClerkGuardMiddleware.requireAuth()))
            }) { app in
                try await app.testing().test(.GET, "keys/whoami", headers: bearer(apiKey.secret)) { response throws in
                    #expect(response.status == .ok)
                    let body = try response.content.decode(WhoAmI.self)
                    #expect(body.tokenType == "api_key" && body.subject == user.id && body.userID == user.id && body.vaporLoggedIn)
                }
                try await app.testing().test(.GET, "m2m/whoami", headers: bearer(m2m.token)) { response throws in
                    #expect(response.status == .ok)
                    let body = try response.content.decode(WhoAmI.self)
                    #expect(body.tokenType == "m2m_token" && body.machineID == worker.id)
                }
                // Wrong types: 401.
                try await app.testing().test(.GET, "keys/whoami", headers: bearer(m2m.token)) { #expect($0.status == .unauthorized) }
                try await app.testing().test(.GET, "m2m/whoami", headers: bearer(apiKey.secret)) { #expect($0.status == .unauthorized) }
                try await app.testing().test(.GET, "keys/whoami", headers: bearer(sessionToken)) { #expect($0.status == .unauthorized) }
                try await app.testing().test(.GET, "user", headers: bearer(apiKey.secret)) { #expect($0.status == .unauthorized) }
                try await app.testing().test(.GET, "keys/whoami") { response throws in
                    #expect(response.status == .unauthorized)
                    #expect(try errorCode(response) == "authentication_invalid")
                }
                // A list accepts both; a guard narrows it.
                try await app.testing().test(.GET, "machines/whoami", headers: bearer(apiKey.secret)) { #expect($0.status == .ok) }
                try await app.testing().test(.GET, "machines/whoami", headers: bearer(m2m.token)) { #expect($0.status == .ok) }
                try await app.testing().test(.GET, "machines/whoami", headers: bearer(sessionToken)) { #expect($0.status == .unauthorized) }
                try await app.testing().test(.GET, "machines/m2m-only/whoami", headers: bearer(apiKey.secret)) { #expect($0.status == .unauthorized) }
                try await app.testing().test(.GET, "machines/m2m-only/whoami", headers: bearer(m2m.token)) { #expect($0.status == .ok) }
                // `.any`: sessions and machines.
                try await app.testing().test(.GET, "any/whoami", headers: bearer(sessionToken)) { response throws in
                    #expect(try response.content.decode(WhoAmI.self).tokenType == "session_token")
                }
                try await app.testing().test(.GET, "any/whoami", headers: bearer(apiKey.secret)) { response throws in
                    #expect(try response.content.decode(WhoAmI.self).tokenType == "api_key")
                }
                // A revoked API key no longer signs in (machineTokenCacheTTL is zero here).
                _ = try await clerk.apiKeys.revoke(apiKey.id, RevokeAPIKeyBody(revocationReason: "rotated"))
                try await app.testing().test(.GET, "keys/whoami", headers: bearer(apiKey.secret)) { #expect($0.status == .unauthorized) }
            }
        }
    }

    @Test("auth(acceptsToken:) for a type the middleware did not accept verifies the token then; never a silent signed-out")
    func acceptsTokenOnDemand() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["on-demand@example.com"]))
            let apiKey = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Key", subject: user.id))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let sessionToken = try await clerk.sessions.getToken(sessionID: session.id)
            let transport = CountingTransport()
            try await withClerkApp(options: emulatorOptions(emulator, transport: transport), routes: { app in
                // A plain ClerkMiddleware() accepts session tokens only.
                let plain = app.grouped("plain").grouped(ClerkMiddleware())
                plain.get("key") { req async throws -> WhoAmI in
                    WhoAmI(try await req.clerk.auth(acceptsToken: .apiKey), vaporLoggedIn: req.auth.has(ClerkAuth.self))
                }
                plain.get("session") { req async throws -> WhoAmI in
                    WhoAmI(try await req.clerk.auth(acceptsToken: .sessionToken), vaporLoggedIn: req.auth.has(ClerkAuth.self))
                }
                plain.grouped(ClerkGuardMiddleware.requireAuth(acceptsToken: .oneOf([.apiKey, .sessionToken]))).get("guarded") { req in
                    "ok"
                }
                // Without any ClerkMiddleware: the application's client and options.
                app.get("bare", "key") { req async throws -> WhoAmI in
                    WhoAmI(try await req.clerk.auth(acceptsToken: .apiKey), vaporLoggedIn: false)
                }
            }) { app in
                try await app.testing().test(.GET, "plain/key", headers: bearer(apiKey.secret)) { response throws in
                    let body = try response.content.decode(WhoAmI.self)
                    #expect(body.isAuthenticated && body.tokenType == "api_key" && body.subject == user.id)
                }
                #expect(transport.count("/v1/api_keys/verify") == 1)
                try await app.testing().test(.GET, "bare/key", headers: bearer(apiKey.secret)) { response throws in
                    let body = try response.content.decode(WhoAmI.self)
                    #expect(body.isAuthenticated && body.tokenType == "api_key")
                }
                // A key that does not exist is verified and refused; a session token is not an API key.
                try await app.testing().test(.GET, "plain/key", headers: bearer("ak_" + String(repeating: "x", count: 40))) { response throws in
                    #expect(try response.content.decode(WhoAmI.self).isAuthenticated == false)
                }
                try await app.testing().test(.GET, "plain/key", headers: bearer(sessionToken)) { response throws in
                    #expect(try response.content.decode(WhoAmI.self).isAuthenticated == false)
                }
                // Covered by the middleware: filtered, nothing verified again.
                let verifications = transport.count("/v1/api_keys/verify")
                try await app.testing().test(.GET, "plain/session", headers: bearer(sessionToken)) { response throws in
                    let body = try response.content.decode(WhoAmI.self)
                    #expect(body.isAuthenticated && body.tokenType == "session_token" && body.vaporLoggedIn)
                }
                #expect(transport.count("/v1/api_keys/verify") == verifications)
                // A guard accepting more than its middleware verifies for its own types.
                try await app.testing().test(.GET, "plain/guarded", headers: bearer(apiKey.secret)) { #expect($0.status == .ok) }
                try await app.testing().test(.GET, "plain/guarded", headers: bearer(sessionToken)) { #expect($0.status == .ok) }
                try await app.testing().test(.GET, "plain/guarded") { #expect($0.status == .unauthorized) }
            }
        }
    }

    @Test("Frontend API proxy: /__clerk/* reaches the emulator's Frontend API through the app; other paths reach the app")
    func frontendAPIProxy() async throws {
        try await withEmulator { emulator, _ in
            var vapor = ClerkVaporOptions()
            vapor.frontendAPIProxyPath = "/__clerk"
            try await withClerkApp(options: emulatorOptions(emulator), vapor: vapor, routes: { app in
                app.middleware.use(ClerkFrontendAPIProxyMiddleware())
                app.get("hello") { _ in "app" }
                app.grouped(ClerkMiddleware()).get("proxy-url") { req in req.clerk.requestState?.proxyURL?.absoluteString ?? "-" }
            }) { app in
                try await app.testing(method: .running(port: 0)).test(.POST, "__clerk/v1/dev_browser") { response throws in
                    #expect(response.status == .ok)
                    let body = try response.content.decode(JSONValue.self)
                    #expect(body["object"] == "dev_browser")
                    #expect(body["id"]?.stringValue?.isEmpty == false)
                }
                try await app.testing(method: .running(port: 0)).test(.GET, "__clerk/.well-known/jwks.json") { response throws in
                    #expect(response.status == .ok)
                    #expect(try response.content.decode(JSONValue.self)["keys"]?.arrayValue?.isEmpty == false)
                }
                try await app.testing(method: .running(port: 0)).test(.GET, "hello") { #expect($0.body.string == "app") }
                // ClerkMiddleware's authenticateRequest gets the proxy as its proxyURL, as @clerk/express does.
                try await app.testing(method: .running(port: 0)).test(.GET, "proxy-url") { #expect($0.body.string.hasSuffix("/__clerk")) }
            }
        }
    }

    @Test("has(permission:) from an emulator session token whose active organization's role grants it; a template token never signs in")
    func permissionFromEmulatorRole() async throws {
        try await withEmulator { emulator, clerk in
            let read = try await clerk.organizationPermissions.createOrganizationPermission(
                CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read")
            )
            _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", permissions: [read.id]))
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["perm@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Perm Org"))
            _ = try await clerk.organizations.createOrganizationMembership(
                organization.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst")
            )
            let plain = try await clerk.sessions.getToken(sessionID: try await clerk.sessions.createSession(CreateSessionBody(userID: user.id)).id)
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: organization.id))
            let withPermissions = try await clerk.sessions.getToken(sessionID: session.id)
            // A template can no longer forge organization claims, and its tokens are not session tokens.
            await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.jwtTemplates.create(
                    CreateJWTTemplateBody(name: "forged", claims: ["o": ["id": .string(organization.id), "rol": "admin", "per": "read", "fpm": "1"], "fea": "o:reports"])
                )
            }
            _ = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "api", claims: ["aud": "my-api"]))
            let template = try await clerk.sessions.getToken(sessionID: session.id, template: "api")
            try await withClerkApp(options: emulatorOptions(emulator), routes: { app in
                app.grouped(ClerkMiddleware()).grouped(ClerkGuardMiddleware.require(permission: "org:reports:read")).get("reports") { req in
                    "\(req.clerk.auth.orgID ?? "")|\(req.clerk.auth.orgRole ?? "")"
                }
            }) { app in
                try await app.testing().test(.GET, "reports", headers: bearer(plain)) { #expect($0.status == .forbidden) }
                try await app.testing().test(.GET, "reports", headers: bearer(withPermissions)) { response throws in
                    #expect(response.status == .ok)
                    #expect(response.body.string == "\(organization.id)|org:analyst")
                }
                try await app.testing().test(.GET, "reports", headers: bearer(template)) { #expect($0.status == .unauthorized) }
            }
        }
    }
}
