import ClerkBackend
import ClerkHummingbird
import ClerkTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdAuthTesting
import HummingbirdTesting
import Testing

@Suite("ClerkAuthenticator: session tokens minted by TestTokenIssuer (networkless jwtKey)")
struct ClerkAuthenticatorTests {
    @Test("Signed in through the Authorization header: identity set, the guarded route answers, no network used")
    func bearerSignedIn() async throws {
        let transport = refusingTransport()
        let clerk = try networklessClient(transport: transport)
        let token = try primaryIssuer().sessionToken(userID: "user_header")
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                #expect(response.status == .ok)
                #expect(response.text == "user_header")
                // Signed-in responses carry no debug headers.
                #expect(response.header("x-clerk-auth-status") == nil)
            }
            try await client.execute(uri: "/whoami", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                #expect(response.text == "true|user_header|session_token|-")
            }
            // hummingbird-auth's own test helper sets the same header.
            try await client.execute(uri: "/api/me", method: .get, auth: .bearer(token)) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(transport.requests.isEmpty)
    }

    @Test("Signed in through the __session cookie (with __client_uat)")
    func cookieSignedIn() async throws {
        let clerk = try networklessClient()
        let now = Date()
        let token = try primaryIssuer().sessionToken(userID: "user_cookie", now: now)
        let uat = Int64(now.timeIntervalSince1970) - 30
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            let headers = fields([("Cookie", "__session=\(token); __client_uat=\(uat)")])
            try await client.execute(uri: "/api/me", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.text == "user_cookie")
            }
            try await client.execute(uri: "/whoami", method: .get, auth: .cookie(name: "__session", value: token)) { response in
                // A session cookie without __client_uat is not trusted: not a document request, so no handshake.
                #expect(response.text == "false|-|session_token|session-token-but-no-client-uat")
            }
        }
    }

    @Test("Signed out: the route runs with no identity; the guard answers 401 with a Clerk-style JSON body")
    func signedOut() async throws {
        let clerk = try networklessClient()
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            try await client.execute(uri: "/whoami", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.text == "false|-|session_token|session-token-and-uat-missing")
            }
            try await client.execute(uri: "/api/me", method: .get) { response in
                #expect(response.status == .unauthorized)
                #expect(response.header("content-type")?.hasPrefix("application/json") == true)
                #expect(response.header("www-authenticate") == "Bearer")
                let error = try response.clerkError()
                #expect(error?["code"] == "authentication_invalid")
                #expect(error?["message"] == "Unauthenticated")
                #expect(error?["long_message"]?.stringValue?.isEmpty == false)
                // A production instance does not say why.
                #expect(error?["meta"] == nil)
            }
        }
    }

    @Test("Expired token: 401; the reason is in the body on development instances (or when asked)")
    func expiredToken() async throws {
        let token = try primaryIssuer().sessionToken(userID: "user_old", now: Date().addingTimeInterval(-3600), lifetime: 60)
        let production = makeApp(makeRouter(ClerkAuthenticator(client: try networklessClient())))
        try await production.test(.router) { client async throws in
            try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                #expect(response.status == .unauthorized)
                let error1 = try response.clerkError()
                #expect(error1?["meta"] == nil)
                #expect(response.header("x-clerk-auth-status") == nil)
            }
        }
        let development = makeApp(makeRouter(ClerkAuthenticator(client: try networklessClient(pk: Keys.pkTest, secretKey: Keys.secretKey(live: false)))))
        try await development.test(.router) { client async throws in
            try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                #expect(response.status == .unauthorized)
                let reason = try response.clerkError()?["meta"]?["reason"]?.stringValue
                #expect(reason?.hasPrefix("session-token-expired") == true)
                // The state's debug headers are added to the guard's answer (development instances only).
                #expect(response.header("x-clerk-auth-status") == "signed-out")
                #expect(response.header("x-clerk-auth-reason")?.hasPrefix("session-token-expired") == true)
            }
        }
        let asked = makeApp(makeRouter(ClerkAuthenticator(client: try networklessClient()), exposeReason: true))
        try await asked.test(.router) { client async throws in
            try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                let reason = try response.clerkError()?["meta"]?["reason"]?.stringValue
                #expect(reason?.hasPrefix("session-token-expired") == true)
            }
        }
    }

    @Test("Handshake: a document request with an expired __session and a __client_uat is redirected (307) to the Frontend API")
    func handshakeRedirect() async throws {
        let clerk = try networklessClient()
        let issuedAt = Date().addingTimeInterval(-600)
        let token = try primaryIssuer().sessionToken(userID: "user_hs", now: issuedAt, lifetime: 60)
        let uat = Int64(issuedAt.timeIntervalSince1970) - 10
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            let headers = fields([
                ("Cookie", "__session=\(token); __client_uat=\(uat)"), ("Sec-Fetch-Dest", "document"),
                ("Accept", "text/html"),
            ])
            try await client.execute(uri: "/dashboard?tab=1", method: .get, headers: headers) { response in
                #expect(response.status == .temporaryRedirect)
                let location = response.header("location")
                #expect(location?.hasPrefix("https://clerk.example.test/v1/client/handshake?") == true)
                #expect(queryValue("redirect_url", in: location) == "http://localhost/dashboard?tab=1")
                #expect(queryValue("__clerk_hs_reason", in: location)?.hasPrefix("session-token-expired") == true)
                #expect(response.header("cache-control") == "no-store")
                #expect(response.headerValues("set-cookie").contains { $0.hasPrefix("__clerk_redirect_count=1") })
                #expect(response.text.isEmpty)  // the route did not run
            }
            // The same request from fetch() (not a document) is just signed out.
            let api = fields([("Cookie", "__session=\(token); __client_uat=\(uat)"), ("Sec-Fetch-Dest", "empty")])
            try await client.execute(uri: "/api/me", method: .get, headers: api) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("The guard redirects signed-out page navigations to the sign-in URL with redirect_url; API calls still get 401")
    func signInRedirect() async throws {
        let clerk = try networklessClient()
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk), signInURL: URL(string: "https://accounts.example.test/sign-in")!))
        try await app.test(.router) { client async throws in
            let page = fields([("Sec-Fetch-Dest", "document"), ("Accept", "text/html")])
            try await client.execute(uri: "/dashboard?x=a%26b", method: .get, headers: page) { response in
                #expect(response.status == .found)
                let location = response.header("location")
                #expect(location?.hasPrefix("https://accounts.example.test/sign-in?redirect_url=") == true)
                #expect(queryValue("redirect_url", in: location) == "http://localhost/dashboard?x=a%26b")
            }
            try await client.execute(uri: "/dashboard", method: .get, headers: fields([("Accept", "application/json")])) { response in
                #expect(response.status == .unauthorized)
                let error2 = try response.clerkError()
                #expect(error2?["code"] == "authentication_invalid")
            }
            // A POST is never redirected.
            try await client.execute(uri: "/dashboard", method: .post, headers: page) { response in
                #expect(response.status == .unauthorized || response.status == .notFound)
            }
        }
    }

    @Test("Without a sign-in URL, signed-out page navigations go to the instance's hosted sign-in page")
    func hostedSignInRedirect() async throws {
        let clerk = try networklessClient()
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            let page = fields([("Sec-Fetch-Dest", "document"), ("Accept", "text/html"), ("Cookie", "__client_uat=0")])
            try await client.execute(uri: "/dashboard?x=1", method: .get, headers: page) { response in
                #expect(response.status == .found)
                let location = try #require(response.header("location").flatMap { URLComponents(string: $0) })
                #expect(location.scheme == "https" && location.host?.hasPrefix("accounts.") == true && location.path == "/sign-in", "\(location)")
                #expect(location.queryItems?.first { $0.name == "redirect_url" }?.value == "http://localhost/dashboard?x=1")
            }
            try await client.execute(uri: "/dashboard", method: .get, headers: fields([("Accept", "application/json")])) { response in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("Satellite app (isSatellite + domain): handshake through clerk.<domain>; header tokens sign in")
    func satellite() async throws {
        let clerk = try networklessClient()
        let options = AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, satelliteAutoSync: true)
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk, options: options)))
        let token = try primaryIssuer().sessionToken(userID: "user_sat")
        try await app.test(.router) { client async throws in
            try await client.execute(uri: "/dashboard", method: .get, headers: fields([("Sec-Fetch-Dest", "document")])) { response in
                #expect(response.status == .temporaryRedirect)
                let location = response.header("location")
                #expect(location?.hasPrefix("https://clerk.satellite.test/v1/client/handshake?") == true)
                #expect(queryValue("__clerk_hs_reason", in: location) == "satellite-needs-syncing")
                #expect(queryValue("redirect_url", in: location) == "http://localhost/dashboard")
            }
            try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")])) { response in
                #expect(response.status == .ok)
                #expect(response.text == "user_sat")
            }
            // Already synced: no loop.
            try await client.execute(uri: "/whoami?__clerk_synced=true", method: .get, headers: fields([("Sec-Fetch-Dest", "document")])) { response in
                #expect(response.status == .ok)
                #expect(response.text.hasPrefix("false|"))
            }
        }
        // Without satelliteAutoSync, a first visit without cookies stays signed out (no redirect).
        let quiet = makeApp(makeRouter(ClerkAuthenticator(client: clerk, options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true))))
        try await quiet.test(.router) { client async throws in
            try await client.execute(uri: "/whoami", method: .get, headers: fields([("Sec-Fetch-Dest", "document")])) { response in
                #expect(response.status == .ok)
                #expect(response.text == "false|-|session_token|session-token-and-uat-missing")
            }
        }
    }

    @Test("Authorization: permission and role policies answer 403 with a Clerk-style body, 401 without identity")
    func authorization() async throws {
        let clerk = try networklessClient()
        let issuer = try primaryIssuer()
        let reader = try issuer.sessionToken(userID: "user_reader", orgID: "org_1", orgRole: "org:member", orgPermissions: ["org:reports:read"])
        let member = try issuer.sessionToken(userID: "user_member", orgID: "org_1", orgRole: "org:member", orgPermissions: [])
        let admin = try issuer.sessionToken(userID: "user_admin", orgID: "org_1", orgRole: "admin")
        let noOrg = try issuer.sessionToken(userID: "user_solo")
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            func get(_ uri: String, _ token: String?) async throws -> TestResponse {
                try await client.execute(uri: uri, method: .get, headers: fields(token.map { [("Authorization", "Bearer \($0)")] } ?? []))
            }
            #expect(try await get("/reports", reader).status == .ok)
            for token in [member, admin, noOrg] {
                let response = try await get("/reports", token)
                #expect(response.status == .forbidden)
                let error = try response.clerkError()
                #expect(error?["code"] == "authorization_invalid")
                #expect(error?["message"] == "Forbidden")
            }
            #expect(try await get("/reports", nil).status == .unauthorized)
            // anyOf { role admin; permission org:settings:manage }: "admin" and "org:admin" are the same role.
            #expect(try await get("/admin", admin).status == .ok)
            #expect(try await get("/admin", reader).status == .forbidden)
            let anonymous = try await get("/admin", nil)
            #expect(anonymous.status == .unauthorized)
            let error3 = try anonymous.clerkError()
            #expect(error3?["code"] == "authentication_invalid")
        }
    }

    @Test("Per-request options: each tenant (here named by a header) verifies with its own instance's key; an unknown one fails the request")
    func perRequestOptions() async throws {
        let clerk = try networklessClient()
        let tenantA = try primaryIssuer()
        let tenantB = try #require(Issuers.other)
        let keys = ["a.example.test": tenantA.publicKeyPEM, "b.example.test": tenantB.publicKeyPEM]
        let router = Router(context: ClerkRequestContext.self)
        router.add(middleware: ClerkAuthenticator(client: clerk, perRequestOptions: { request, _ in
            guard let name = HTTPField.Name("x-tenant"), let tenant = request.headers[name], let key = keys[tenant] else {
                throw HTTPError(.notFound)
            }
            return AuthenticateRequestOptions(jwtKey: key)
        }))
        router.get("whoami") { _, context -> String in context.identity?.userID ?? "-" }
        let tokenA = try tenantA.sessionToken(userID: "user_a")
        let tokenB = try tenantB.sessionToken(userID: "user_b")
        try await makeApp(router).test(.router) { client async throws in
            func get(_ host: String, _ token: String) async throws -> TestResponse {
                try await client.execute(uri: "/whoami", method: .get, headers: fields([("X-Tenant", host), ("Authorization", "Bearer \(token)")]))
            }
            #expect(try await get("a.example.test", tokenA).text == "user_a")
            #expect(try await get("b.example.test", tokenB).text == "user_b")
            #expect(try await get("a.example.test", tokenB).text == "-")
            #expect(try await get("b.example.test", tokenA).text == "-")
            #expect(try await get("c.example.test", tokenA).status == .notFound)
        }
    }

    @Test("Reverification: a stale factor answers 403 with Clerk's reverification hint (clerk_error), a fresh one passes")
    func reverification() async throws {
        let clerk = try networklessClient()
        let issuer = try primaryIssuer()
        let fresh = try issuer.sessionToken(userID: "user_fresh", extraClaims: ["fva": [2, -1]])
        let stale = try issuer.sessionToken(userID: "user_stale", extraClaims: ["fva": [90, -1]])
        let router = Router(context: ClerkRequestContext.self)
        router.add(middleware: ClerkAuthenticator(client: clerk))
        router.group("billing")
            .add(middleware: ClerkIsAuthenticatedMiddleware())
            .add(middleware: ClerkAuthorizationMiddleware<ClerkPolicy, ClerkRequestContext>.reverification(ReverificationConfig(level: .firstFactor, afterMinutes: 10)))
            .get { _, _ -> String in "billing" }
        try await makeApp(router).test(.router) { client async throws in
            func get(_ token: String?) async throws -> TestResponse {
                try await client.execute(uri: "/billing", method: .get, headers: fields(token.map { [("Authorization", "Bearer \($0)")] } ?? []))
            }
            #expect(try await get(fresh).status == .ok)
            let refused = try await get(stale)
            #expect(refused.status == .forbidden)
            let body = try refused.json()
            #expect(body["clerk_error"]?["reason"] == "reverification-error")
            #expect(body["clerk_error"]?["type"] == "forbidden")
            #expect(body["clerk_error"]?["metadata"]?["reverification"] == ["level": "first_factor", "afterMinutes": 10])
            #expect(try await get(nil).status == .unauthorized)
        }
    }

    @Test("ClerkPolicy conditions: has(), feature, plan, tokenType, custom; machine and signed-out objects never pass has()")
    func policies() async throws {
        let issuer = try primaryIssuer()
        let token = try issuer.sessionToken(
            userID: "user_p", orgID: "org_1", orgRole: "org:admin", orgPermissions: ["org:reports:read"],
            extraClaims: ["fea": "o:reports,u:export", "pla": "o:pro"]
        )
        let claims = try await networklessClient().verifyToken(token)
        let auth = try ClerkAuth(sessionClaims: claims, token: token)
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/x"), body: RequestBody(buffer: ByteBuffer())
        )
        func allowed(_ policy: ClerkPolicy, _ identity: ClerkAuth = auth) async throws -> Bool {
            try await policy.isAuthorized(identity: identity, request: request)
        }
        #expect(try await allowed(.has(role: "admin", permission: "org:reports:read")))
        #expect(try await !allowed(.has(role: "admin", permission: "org:reports:write")))
        #expect(try await allowed(.feature("reports")))
        #expect(try await allowed(.feature("u:export")))
        #expect(try await !allowed(.feature("o:export")))
        #expect(try await allowed(.plan("pro")))
        #expect(try await !allowed(.plan("enterprise")))
        #expect(try await allowed(.tokenType([.sessionToken])))
        #expect(try await !allowed(.tokenType([.apiKey])))
        #expect(try await !allowed(.scope("read")))
        #expect(try await allowed(.custom { auth, request in auth.orgID == "org_1" && request.uri.path == "/x" }))
        #expect(try await !allowed(.role("admin"), .signedOut()))
        #expect(try await !allowed(.has(), auth))
    }

    @Test("Pending sessions count as signed out unless treatPendingAsSignedOut is false")
    func pendingSession() async throws {
        let clerk = try networklessClient()
        let token = try primaryIssuer().sessionToken(userID: "user_pending", sessionStatus: "pending")
        let headers = fields([("Authorization", "Bearer \(token)")])
        try await makeApp(makeRouter(ClerkAuthenticator(client: clerk))).test(.router) { client async throws in
            try await client.execute(uri: "/api/me", method: .get, headers: headers) { response in
                #expect(response.status == .unauthorized)
            }
            try await client.execute(uri: "/whoami", method: .get, headers: headers) { response in
                #expect(response.text == "false|-|session_token|-")
            }
        }
        try await makeApp(makeRouter(ClerkAuthenticator(client: clerk, treatPendingAsSignedOut: false))).test(.router) { client async throws in
            try await client.execute(uri: "/api/me", method: .get, headers: headers) { response in
                #expect(response.status == .ok)
                #expect(response.text == "user_pending")
            }
        }
    }

    @Test("authorizedParties: a listed azp passes, an unlisted azp fails, and (as this SDK implements it) so does a token without azp")
    func authorizedParties() async throws {
        let clerk = try networklessClient()
        let issuer = try primaryIssuer()
        let listed = try issuer.sessionToken(userID: "user_web", authorizedParty: "https://app.example.test")
        let unlisted = try issuer.sessionToken(userID: "user_evil", authorizedParty: "https://evil.example")
        let native = try issuer.sessionToken(userID: "user_native", authorizedParty: nil)
        let restricted = makeApp(makeRouter(ClerkAuthenticator(client: clerk, options: AuthenticateRequestOptions(authorizedParties: ["https://app.example.test"]))))
        try await restricted.test(.router) { client async throws in
            func status(_ token: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")])).status
            }
            #expect(try await status(listed) == .ok)
            #expect(try await status(unlisted) == .unauthorized)
            #expect(try await status(native) == .unauthorized)
            try await client.execute(uri: "/whoami", method: .get, headers: fields([("Authorization", "Bearer \(native)")])) { response in
                #expect(response.text == "false|-|session_token|token-invalid-authorized-parties")
            }
        }
        // Without authorizedParties every azp (and none) passes: the route for native apps.
        let open = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await open.test(.router) { client async throws in
            for token in [listed, unlisted, native] {
                let response = try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")]))
                #expect(response.status == .ok)
            }
        }
    }

    @Test("Tokens signed by another key, malformed tokens and other schemes are signed out")
    func invalidTokens() async throws {
        let clerk = try networklessClient()
        let forged = try #require(Issuers.other).sessionToken(userID: "user_forged")
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            for value in ["Bearer \(forged)", "Bearer not.a.jwt", "Basic dXNlcjpwYXNz", "Bearer "] {
                let response = try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", value)]))
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("One client, one JWKS fetch: many requests verify with a single GET /v1/jwks")
    func jwksFetchedOnce() async throws {
        let issuer = try primaryIssuer()
        let transport = InMemoryTransport { request in
            request.url.path.hasSuffix("/v1/jwks") ? .json(issuer.jwksJSON) : .json(status: 404, #"{"errors":[]}"#)
        }
        let clerk = try ClerkClient(
            options: ClerkOptions(secretKey: Secret(Keys.secretKey()), publishableKey: Keys.pkLive, retryPolicy: .none, transport: transport)
        )
        let app = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await app.test(.router) { client async throws in
            for index in 0..<5 {
                let token = try issuer.sessionToken(userID: "user_\(index)")
                let response = try await client.execute(uri: "/api/me", method: .get, headers: fields([("Authorization", "Bearer \(token)")]))
                #expect(response.status == .ok)
                #expect(response.text == "user_\(index)")
            }
        }
        #expect(transport.requests.filter { $0.url.path.hasSuffix("/v1/jwks") }.count == 1)
    }

    @Test("Machine tokens are refused by the default (session_token) authenticator without any network call")
    func machineTokenRefusedByDefault() async throws {
        let transport = refusingTransport()
        let app = makeApp(makeRouter(ClerkAuthenticator(client: try networklessClient(transport: transport))))
        try await app.test(.router) { client async throws in
            let response = try await client.execute(
                uri: "/whoami", method: .get, headers: fields([("Authorization", "Bearer ak_" + String(repeating: "a", count: 40))])
            )
            #expect(response.text == "false|-|session_token|token-type-mismatch")
        }
        #expect(transport.requests.isEmpty)
    }

    @Test("Configuration errors are not swallowed: a missing publishable key answers 500")
    func configurationError() async throws {
        let clerk = try ClerkClient(
            options: ClerkOptions(secretKey: Secret(Keys.secretKey()), jwtKey: try primaryIssuer().publicKeyPEM, transport: refusingTransport())
        )
        try await makeApp(makeRouter(ClerkAuthenticator(client: clerk))).test(.router) { client async throws in
            let response = try await client.execute(uri: "/whoami", method: .get)
            #expect(response.status == .internalServerError)
            #expect(!response.text.contains("sk_live_"))
        }
    }
}

@Suite("ClerkAuthenticator with hummingbird-auth's own types")
struct HummingbirdAuthInteropTests {
    @Test("BasicAuthRequestContext<ClerkAuth> + IsAuthenticatedMiddleware; authenticate(request:context:) throws the handshake redirect")
    func basicContext() async throws {
        let clerk = try networklessClient()
        let authenticator = ClerkAuthenticator<BasicAuthRequestContext<ClerkAuth>>(client: clerk)
        let router = Router(context: BasicAuthRequestContext<ClerkAuth>.self)
        router.group("guarded")
            .add(middleware: authenticator)
            .add(middleware: IsAuthenticatedMiddleware())
            .get { _, context -> String in try context.requireIdentity().userID ?? "-" }
        router.group("clerk-guarded")
            .add(middleware: authenticator)
            .add(middleware: ClerkIsAuthenticatedMiddleware(exposeReason: true))
            .get { _, _ -> String in "ok" }
        // The AuthenticatorMiddleware requirement, called directly.
        router.get("direct") { request, context -> String in
            try await authenticator.authenticate(request: request, context: context)?.userID ?? "signed out"
        }
        let token = try primaryIssuer().sessionToken(userID: "user_basic")
        let issuedAt = Date().addingTimeInterval(-600)
        let expired = try primaryIssuer().sessionToken(now: issuedAt, lifetime: 60)
        try await makeBasicApp(router).test(.router) { client async throws in
            let bearer = fields([("Authorization", "Bearer \(token)")])
            #expect(try await client.execute(uri: "/guarded", method: .get, headers: bearer).text == "user_basic")
            #expect(try await client.execute(uri: "/guarded", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/direct", method: .get, headers: bearer).text == "user_basic")
            #expect(try await client.execute(uri: "/direct", method: .get).text == "signed out")
            // Without ClerkAuthRequestContext there is no state to tell the reason: the body has none.
            let refused = try await client.execute(uri: "/clerk-guarded", method: .get)
            #expect(refused.status == .unauthorized)
            let error = try refused.clerkError()
            #expect(error?["code"] == "authentication_invalid" && error?["meta"] == nil)
            let document = fields([
                ("Cookie", "__session=\(expired); __client_uat=\(Int64(issuedAt.timeIntervalSince1970) - 10)"), ("Sec-Fetch-Dest", "document"),
            ])
            let redirected = try await client.execute(uri: "/direct", method: .get, headers: document)
            #expect(redirected.status == .temporaryRedirect)
            #expect(redirected.header("location")?.hasPrefix("https://clerk.example.test/v1/client/handshake?") == true)
            #expect(redirected.headerValues("set-cookie").contains { $0.hasPrefix("__clerk_redirect_count=1") })
        }
    }
}

func makeBasicApp(_ router: Router<BasicAuthRequestContext<ClerkAuth>>) -> some ApplicationProtocol {
    Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

@Suite("ClerkRequest from a Hummingbird request; trusted proxies on a live server")
struct ClerkRequestConversionTests {
    @Test("Method, URL from scheme + authority + path, headers (Host added back), remote address")
    func conversion() throws {
        let request = Request(
            head: HTTPRequest(
                method: .post, scheme: "http", authority: "app.example.test:8080", path: "/a/b?c=d",
                headerFields: fields([("Authorization", "Bearer x"), ("Cookie", "a=1")])
            ),
            body: RequestBody(buffer: ByteBuffer())
        )
        let converted = try ClerkRequest(request, remoteAddress: "10.0.0.1")
        #expect(converted.method == .post)
        #expect(converted.url == "http://app.example.test:8080/a/b?c=d")
        #expect(converted.headerFields[HTTPField.Name("Host")!] == "app.example.test:8080")
        #expect(converted.headerFields[.authorization] == "Bearer x")
        #expect(converted.headerFields[.cookie] == "a=1")
        #expect(converted.remoteAddress == "10.0.0.1")
    }

    @Test("The public scheme can be given (Hummingbird reports http for HTTP/1 even when it terminates TLS)")
    func scheme() throws {
        let request = Request(
            head: HTTPRequest(method: .get, scheme: "http", authority: "app.example.test", path: "/x"), body: RequestBody(buffer: ByteBuffer())
        )
        #expect(try ClerkRequest(request, scheme: "https").url == "https://app.example.test/x")
        #expect(try ClerkRequest(request, scheme: "ftp").url == "http://app.example.test/x")
        #expect(try ClerkRequest(request).url == "http://app.example.test/x")
    }

    @Test("A hostile Host is refused by ClerkRequest(_:), never turned into a URL (the authenticator answers 400)")
    func hostileHost() async throws {
        for host in ["evil.example/<script>", "a b", "x@y", ""] {
            let request = Request(
                head: HTTPRequest(method: .get, scheme: "http", authority: host, path: "/"), body: RequestBody(buffer: ByteBuffer())
            )
            #expect(throws: ClerkError.self) { _ = try ClerkRequest(request) }
        }
    }

    @Test("X-Forwarded-Host is ignored by default and honoured only from configured trusted proxies")
    func trustedProxies() async throws {
        let clerk = try networklessClient()
        let issuedAt = Date().addingTimeInterval(-600)
        let token = try primaryIssuer().sessionToken(now: issuedAt, lifetime: 60)
        let uat = Int64(issuedAt.timeIntervalSince1970) - 10
        let headers = fields([
            ("Cookie", "__session=\(token); __client_uat=\(uat)"), ("Sec-Fetch-Dest", "document"),
            ("X-Forwarded-Host", "public.example.test"), ("X-Forwarded-Proto", "https"),
        ])
        let untrusting = makeApp(makeRouter(ClerkAuthenticator(client: clerk)))
        try await untrusting.test(.live) { client async throws in
            let response = try await client.execute(uri: "/dashboard", method: .get, headers: headers)
            #expect(response.status == .temporaryRedirect)
            let redirect = queryValue("redirect_url", in: response.header("location"))
            #expect(redirect?.hasPrefix("http://localhost") == true)
        }
        let trusting = makeApp(
            makeRouter(ClerkAuthenticator(client: clerk, options: AuthenticateRequestOptions(trustedProxies: .addresses(["127.0.0.1", "::1"]))))
        )
        try await trusting.test(.live) { client async throws in
            let response = try await client.execute(uri: "/dashboard", method: .get, headers: headers)
            #expect(response.status == .temporaryRedirect)
            #expect(queryValue("redirect_url", in: response.header("location")) == "https://public.example.test/dashboard")
        }
    }
}
