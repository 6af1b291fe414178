@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

enum MachineFixtures {
    static let iat = Int64(tokenNow.timeIntervalSince1970)

    static func opaque(_ prefix: String) -> String {
        prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    static func m2mJWT(
        claims extra: [String: JSONValue] = [:], header: [String: JSONValue] = [:], issuer: TestTokenIssuer = TestIssuers.primary
    ) throws -> String {
        var claims: [String: JSONValue] = [
            "sub": "mch_1xxxxx", "aud": ["mch_1xxxxx", "mch_2xxxxx"], "scopes": "mch_1xxxxx mch_2xxxxx", "jti": "mt_jwt_1",
            "iss": "https://clerk.example.test", "iat": .int(iat), "exp": .int(iat + 300), "nbf": .int(iat - 5),
        ]
        for (key, value) in extra { claims[key] = value }
        return try issuer.sign(claims: claims, header: header)
    }

    static func oauthJWT(typ: String = "at+jwt", claims extra: [String: JSONValue] = [:]) throws -> String {
        var claims: [String: JSONValue] = [
            "sub": "user_2vYVtestTESTtestTESTtestTESTtest", "client_id": "client_2VTWUzvGC5UhdJCNx6xG1D98edc",
            "scope": "read:foo write:bar", "jti": "oat_jwt_1", "iss": "https://clerk.example.test", "iat": .int(iat),
            "exp": .int(iat + 300),
        ]
        for (key, value) in extra { claims[key] = value }
        return try TestIssuers.primary.sign(claims: claims, header: ["typ": .string(typ)])
    }

    static let apiKeyJSON = #"""
    {"object":"api_key","id":"ak_id_123","type":"api_key","subject":"user_2vYVtestTESTtestTESTtestTESTtest","name":"My key",
     "claims":{"foo":"bar"},"scopes":["read:foo","write:bar"],"revoked":false,"expired":false,"created_at":1745185445567,
     "updated_at":1745185445567}
    """#
    static let orgAPIKeyJSON = apiKeyJSON.replacingOccurrences(of: "user_2vYVtestTESTtestTESTtestTESTtest", with: "org_2vYVorgORG")
    static let m2mJSON = #"""
    {"object":"machine_to_machine_token","id":"mt_id_123","subject":"mch_1xxxxx","claims":{"k":"v"},"scopes":["mch_2xxxxx"],
     "revoked":false,"expired":false,"created_at":1745185445567,"updated_at":1745185445567}
    """#
    static let oauthJSON = #"""
    {"object":"clerk_idp_oauth_access_token","id":"oat_id_123","client_id":"client_2VTWUzvGC5UhdJCNx6xG1D98edc",
     "subject":"user_2vYVtestTESTtestTESTtestTESTtest","scopes":["read:foo","write:bar"],"revoked":false,"expired":false,
     "created_at":1745185445567,"updated_at":1745185445567}
    """#

    /// A Backend API stand-in for the three unversioned verify endpoints.
    static func routes(status: Int = 200, apiKey: String = apiKeyJSON, delay: Duration = .zero) -> RouteTable {
        func answer(_ body: String) -> RouteTable.Route {
            { _ in
                if delay > .zero { try await Task.sleep(for: delay) }
                switch status {
                case 200: return .json(body)
                case 401: return .json(status: 401, #"{"errors":[{"code":"authentication_invalid","message":"The secret key is wrong"}]}"#)
                default: return .json(status: status, #"{"errors":[{"code":"x","message":"y"}]}"#)
                }
            }
        }
        return RouteTable([
            "POST /v1/api_keys/verify": answer(apiKey),
            "POST /v1/m2m_tokens/verify": answer(m2mJSON),
            "POST /v1/oauth_applications/access_tokens/verify": answer(oauthJSON),
            "GET /v1/jwks": { _ in .json(TestIssuers.primary.jwksJSON) },
        ])
    }
}

@Suite("Machine tokens: detection")
struct MachineTokenDetectionTests {
    @Test("Prefixes: mt_, oat_, ak_ (case-sensitive); m2m_ is not one", arguments: [
        ("mt_abc", TokenType.m2mToken), ("oat_abc", .oauthToken), ("ak_abc", .apiKey), ("m2m_abc", nil), ("MT_abc", nil),
        ("Ak_abc", nil), ("", nil), ("sk_test_abc", nil), ("xmt_abc", nil),
    ] as [(String, TokenType?)])
    func prefixes(token: String, type: TokenType?) {
        #expect(MachineTokens.isMachineToken(token) == (type != nil))
        #expect(MachineTokens.tokenType(of: token) == type)
    }

    @Test("JWTs: at+jwt / application/at+jwt are OAuth, sub mch_ is M2M (M2M first), session JWTs are not machine tokens")
    func jwts() throws {
        let oauth = try MachineFixtures.oauthJWT()
        let oauthApp = try MachineFixtures.oauthJWT(typ: "application/at+jwt")
        let m2m = try MachineFixtures.m2mJWT()
        let both = try TestIssuers.primary.sign(claims: ["sub": "mch_1", "exp": 1], header: ["typ": "at+jwt"])
        let session = try sessionToken()
        let otherTyp = try MachineFixtures.oauthJWT(typ: "JWT")
        #expect(MachineTokens.tokenType(of: oauth) == .oauthToken)
        #expect(MachineTokens.tokenType(of: oauthApp) == .oauthToken)
        #expect(MachineTokens.tokenType(of: m2m) == .m2mToken)
        #expect(MachineTokens.tokenType(of: both) == .m2mToken)
        #expect(MachineTokens.tokenType(of: session) == nil)
        #expect(MachineTokens.tokenType(of: otherTyp) == nil)
        for token in [oauth, oauthApp, m2m, both] { #expect(MachineTokens.isMachineToken(token)) }
        for token in [session, otherTyp, "a.b.c", "not.a.jwt"] { #expect(!MachineTokens.isMachineToken(token)) }
        // A prefix wins over JWT shape.
        #expect(MachineTokens.tokenType(of: "ak_" + oauth) == .apiKey)
    }

    @Test("An at+jwt token with an odd sub is still OAuth", arguments: [JSONValue.null, 42, ["a": "b"]])
    func oddSub(sub: JSONValue) throws {
        let token = try MachineFixtures.oauthJWT(claims: ["sub": sub])
        #expect(MachineTokens.tokenType(of: token) == .oauthToken)
        let missing = try TestIssuers.primary.sign(claims: ["exp": 1], header: ["typ": "at+jwt"])
        #expect(MachineTokens.tokenType(of: missing) == .oauthToken)
    }

    @Test("JWT format: three non-empty base64url segments, no padding", arguments: [
        ("eyJh.eyJi.c2ln", true), ("a-_.b.c", true), ("a.b", false), ("a..c", false), (".b.c", false), ("a.b.c.d", false),
        ("a.b.c=", false), ("a+b.c.d", false), ("a/b.c.d", false), ("", false),
    ] as [(String, Bool)])
    func jwtFormat(token: String, valid: Bool) {
        #expect(MachineTokens.looksLikeJWT(token) == valid)
    }

    @Test("Opaque format: prefix then 16–256 base64url characters")
    func opaqueFormat() {
        #expect(MachineTokens.hasOpaqueFormat("ak_" + String(repeating: "a", count: 16), prefix: "ak_"))
        #expect(MachineTokens.hasOpaqueFormat("ak_" + String(repeating: "a", count: 256), prefix: "ak_"))
        #expect(!MachineTokens.hasOpaqueFormat("ak_" + String(repeating: "a", count: 15), prefix: "ak_"))
        #expect(!MachineTokens.hasOpaqueFormat("ak_" + String(repeating: "a", count: 257), prefix: "ak_"))
        #expect(!MachineTokens.hasOpaqueFormat("ak_" + String(repeating: "a", count: 15) + "!", prefix: "ak_"))
        #expect(!MachineTokens.hasOpaqueFormat("ak_" + String(repeating: "a", count: 15) + "é", prefix: "ak_"))
    }
}

@Suite("Machine tokens: Backend API verification")
struct MachineTokenVerificationTests {
    func verify(_ client: ClerkClient, _ token: String) async throws -> MachineAuth {
        let type = try #require(MachineTokens.tokenType(of: token))
        return try await client.machineTokens.verify(token, type: type, verifyOptions: VerifyTokenOptions())
    }

    func machineError(_ client: ClerkClient, _ token: String) async throws -> MachineTokenVerificationError? {
        do {
            _ = try await verify(client, token)
            return nil
        } catch let error as MachineTokenVerificationError {
            return error
        }
    }

    @Test("API keys: POST /v1/api_keys/verify (the spec path; JS omits /v1) {secret} with the secret key; user-owned and org-owned keys")
    func apiKey() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let secret = uniqueSecretKey()
            let client = try serverClient(server, secretKey: secret)
            let token = MachineFixtures.opaque("ak_")
            let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
            expectState(state, .signedIn, nil)
            #expect(state.tokenType == .apiKey)
            #expect(state.token == token)
            #expect(state.headerFields.isEmpty)
            let request = try #require(server.requests.first)
            #expect(request.method == .post)
            #expect(request.path == "/v1/api_keys/verify")
            #expect(request.headerFields.first(name: "authorization") == "Bearer \(secret)")
            #expect(request.jsonBody == ["secret": .string(token)])
            let auth = try #require(state.toAuth())
            #expect(auth.isAuthenticated)
            #expect(auth.tokenType == .apiKey)
            #expect(auth.userID == "user_2vYVtestTESTtestTESTtestTESTtest")
            #expect(auth.orgID == nil)
            #expect(auth.machine?.id == "ak_id_123")
            #expect(auth.machine?.name == "My key")
            #expect(auth.machine?.scopes == ["read:foo", "write:bar"])
            #expect(auth.machine?.claims == ["foo": "bar"])
            #expect(auth.sessionID == nil && auth.sessionClaims == nil)
            #expect(!auth.has(role: "admin"))
            #expect(!auth.has(permission: "org:x:read"))
            #expect(try await auth.getToken() == token)
        }
        try await withServer(MachineFixtures.routes(apiKey: MachineFixtures.orgAPIKeyJSON).handle) { server in
            let state = try await serverClient(server).authenticateRequest(
                apiRequest(authorization: "Bearer \(MachineFixtures.opaque("ak_"))"), options: AuthenticateRequestOptions(acceptsToken: .apiKey)
            )
            let auth = try #require(state.toAuth())
            #expect(auth.orgID == "org_2vYVorgORG")
            #expect(auth.userID == nil)
        }
    }

    @Test("M2M tokens: POST /v1/m2m_tokens/verify {token}, Bearer machine secret key when set, else the secret key")
    func m2m() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let secret = uniqueSecretKey()
            let token = MachineFixtures.opaque("mt_")
            let withMachineKey = try serverClient(server, secretKey: secret) { $0.machineSecretKey = Secret("ak_machine_secret_\(UUID().uuidString)") }
            let state = try await withMachineKey.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
            expectState(state, .signedIn, nil)
            let request = try #require(server.requests.last)
            #expect(request.path == "/v1/m2m_tokens/verify")
            #expect(request.headerFields.first(name: "authorization")?.hasPrefix("Bearer ak_machine_secret_") == true)
            #expect(request.jsonBody == ["token": .string(token)])
            let auth = try #require(state.toAuth())
            #expect(auth.tokenType == .m2mToken)
            #expect(auth.machine?.machineID == "mch_1xxxxx")
            #expect(auth.machine?.subject == "mch_1xxxxx")
            #expect(auth.machine?.claims == ["k": "v"])
            #expect(auth.userID == nil && auth.orgID == nil)
            #expect(!auth.has(role: "admin"))
            #expect(try await auth.getToken() == token)

            let plain = try serverClient(server, secretKey: secret)
            _ = try await verify(plain, MachineFixtures.opaque("mt_"))
            #expect(server.requests.last?.headerFields.first(name: "authorization") == "Bearer \(secret)")
        }
    }

    @Test("OAuth tokens: POST /v1/oauth_applications/access_tokens/verify {access_token}")
    func oauth() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let token = MachineFixtures.opaque("oat_")
            let state = try await serverClient(server).authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(acceptsToken: .oauthToken))
            expectState(state, .signedIn, nil)
            let request = try #require(server.requests.first)
            #expect(request.path == "/v1/oauth_applications/access_tokens/verify")
            #expect(request.jsonBody == ["access_token": .string(token)])
            let auth = try #require(state.toAuth())
            #expect(auth.tokenType == .oauthToken)
            #expect(auth.userID == "user_2vYVtestTESTtestTESTtestTESTtest")
            #expect(auth.orgID == nil)
            #expect(auth.machine?.clientID == "client_2VTWUzvGC5UhdJCNx6xG1D98edc")
            #expect(auth.machine?.scopes == ["read:foo", "write:bar"])
            #expect(!auth.has(feature: "x"))
            #expect(try await auth.getToken() == token)
        }
    }

    @Test(".any and .oneOf accept each machine type; verification goes to the spec's /v1 paths")
    func anyAcceptsMachines() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let client = try serverClient(server) { $0.apiBudget = .unlimited }
            for (prefix, type) in [("ak_", TokenType.apiKey), ("oat_", .oauthToken), ("mt_", .m2mToken)] {
                let any = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(MachineFixtures.opaque(prefix))"), options: AuthenticateRequestOptions(acceptsToken: .any))
                expectState(any, .signedIn, nil)
                #expect(any.tokenType == type)
                let listed = try await client.authenticateRequest(
                    apiRequest(authorization: "Bearer \(MachineFixtures.opaque(prefix))"), options: AuthenticateRequestOptions(acceptsToken: .oneOf([.sessionToken, type]))
                )
                expectState(listed, .signedIn, nil)
            }
            #expect(!server.requests.isEmpty)
            #expect(server.requests.allSatisfy { $0.path.hasPrefix("/v1/") })
        }
    }

    @Test("API errors: 401 → secret-key-invalid, 404 → token-invalid, others → unexpected-error", arguments: [
        (401, "secret-key-invalid", "The secret key is wrong"), (404, "token-invalid", "not found"), (500, "unexpected-error", "Unexpected error"),
        (422, "unexpected-error", "Unexpected error"),
    ] as [(Int, String, String)])
    func apiErrors(status: Int, code: String, message: String) async throws {
        try await withServer(MachineFixtures.routes(status: status).handle) { server in
            let client = try serverClient(server)
            for (prefix, accepts, what) in [("ak_", AcceptsToken.apiKey, "API key"), ("mt_", .m2mToken, "Machine token"), ("oat_", .oauthToken, "OAuth token")] {
                let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(MachineFixtures.opaque(prefix))"), options: AuthenticateRequestOptions(acceptsToken: accepts))
                expectState(state, .signedOut, AuthReason(rawValue: code))
                let expectedMessage = status == 404 ? "\(what) not found" : message
                #expect(state.message == "\(expectedMessage) (code=\(code), status=\(status))")
                #expect(state.toAuth()?.isAuthenticated == false)
                #expect(state.toAuth()?.machine == nil)
            }
        }
    }

    @Test("A network failure is unexpected-error without a status")
    func networkFailure() async throws {
        let server = try await LoopbackHTTPServer.start { _ in throw DropConnection() }
        let client = try serverClient(server)
        let error = try await machineError(client, MachineFixtures.opaque("ak_"))
        try await server.shutdown()
        #expect(error?.code == .unexpectedError)
        #expect(error?.status == nil)
        #expect(error?.fullMessage == "Unexpected error (code=unexpected-error, status=n/a)")
    }

    @Test("A malformed opaque token is refused without a request", arguments: ["ak_short", "ak_" + String(repeating: "x", count: 15) + "!", "mt_" + String(repeating: "y", count: 300), "oat_has space in it......"])
    func malformedOpaque(token: String) async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let client = try serverClient(server)
            let error = try await machineError(client, token)
            #expect(error?.code == .tokenInvalid)
            let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(acceptsToken: .any))
            expectState(state, .signedOut, "token-invalid")
            #expect(server.requests.isEmpty)
        }
    }

    @Test("Results are cached: the same token is verified once until the cache TTL passes")
    func cache() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let clock = ManualClock(now: tokenNow)
            let cache = ClerkVerificationCache()
            let client = try serverClient(server, clock: clock) { $0.verificationCache = cache }
            let token = MachineFixtures.opaque("ak_")
            for _ in 0..<3 { _ = try await verify(client, token) }
            #expect(server.requests.count == 1)
            clock.advance(by: .seconds(9))
            _ = try await verify(client, token)
            #expect(server.requests.count == 1)
            clock.advance(by: .seconds(2))
            _ = try await verify(client, token)
            #expect(server.requests.count == 2, "expired after the 10 s TTL")
            // Another client of the same instance given the cache shares it; another instance does not.
            let sibling = try serverClient(server, secretKey: client.options.secretKey!.revealed, clock: clock) {
                $0.verificationCache = cache
            }
            _ = try await verify(sibling, token)
            #expect(server.requests.count == 2)
            _ = try await verify(try serverClient(server, clock: clock), token)
            #expect(server.requests.count == 3)
        }
    }

    @Test("Definite refusals (404) are cached; 401 and 5xx are not")
    func negativeCache() async throws {
        for (status, cached) in [(404, true), (401, false), (503, false)] {
            try await withServer(MachineFixtures.routes(status: status).handle) { server in
                let client = try serverClient(server)
                let token = MachineFixtures.opaque("oat_")
                _ = try await machineError(client, token)
                _ = try await machineError(client, token)
                #expect(server.requests.count == (cached ? 1 : 2), "status \(status)")
            }
        }
    }

    @Test("Single flight: 100 concurrent verifications of one token make one request")
    func singleFlight() async throws {
        try await withServer(MachineFixtures.routes(delay: .milliseconds(150)).handle) { server in
            let client = try serverClient(server)
            let token = MachineFixtures.opaque("mt_")
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<100 { group.addTask { try await verify(client, token).id } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(ids.count == 100)
            #expect(Set(ids) == ["mt_id_123"])
            #expect(server.requests.count == 1)
        }
    }

    @Test("Budget: a flood of distinct well-formed tokens makes at most the budget in requests; the rest are refused locally")
    func rateCap() async throws {
        try await withServer(MachineFixtures.routes(status: 404).handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock)
            var limited = 0
            var states: [RequestState] = []
            for _ in 0..<80 {
                let state = try await client.authenticateRequest(
                    apiRequest(authorization: "Bearer \(MachineFixtures.opaque("ak_"))"), options: AuthenticateRequestOptions(acceptsToken: .apiKey)
                )
                states.append(state)
                if state.reason == .machineTokenRateLimited { limited += 1 }
            }
            #expect(server.requests.count == 10, "the development default: a burst of 10, then 3 per 10 s")
            #expect(limited == 70)
            #expect(states.last?.reason?.rawValue == "machine-token-rate-limited")
            #expect(states.last?.status == .signedOut)
            #expect(states.last?.tokenType == .apiKey)
            // The bucket refills at 3 per 10 seconds.
            clock.advance(by: .seconds(10))
            for _ in 0..<20 { _ = try await machineError(client, MachineFixtures.opaque("ak_")) }
            #expect(server.requests.count == 13)
        }
    }

    @Test("The budget is configurable, and cached tokens do not use it")
    func rateCapConfigured() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock) {
                $0.apiBudget = .production
                $0.apiBudget?.machineTokenVerification = .init(calls: 3, per: .seconds(3))
            }
            let known = MachineFixtures.opaque("ak_")
            _ = try await verify(client, known)
            for _ in 0..<5 { _ = try await machineError(client, MachineFixtures.opaque("ak_")) }
            #expect(server.requests.count == 3)
            #expect(try await verify(client, known).id == "ak_id_123", "a cached token is still served")
            let error = try await machineError(client, MachineFixtures.opaque("ak_"))
            #expect(error?.code == .rateLimited)
            #expect(error?.status == nil)
        }
    }
}

@Suite("Machine tokens: local JWT verification")
struct MachineJWTTests {
    func verify(_ token: String, client: ClerkClient? = nil, options: VerifyTokenOptions = VerifyTokenOptions()) async throws -> MachineAuth {
        let client = try client ?? authClient()
        let type = MachineTokens.tokenType(of: token) ?? .oauthToken
        return try await client.machineTokens.verify(token, type: type, verifyOptions: options)
    }

    func failure(_ token: String, client: ClerkClient? = nil, options: VerifyTokenOptions = VerifyTokenOptions()) async -> MachineTokenVerificationError? {
        do {
            _ = try await verify(token, client: client, options: options)
            return nil
        } catch {
            return error as? MachineTokenVerificationError
        }
    }

    @Test("A valid M2M JWT verifies locally into an M2M token")
    func m2m() async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        let machine = try await verify(try MachineFixtures.m2mJWT(), client: client)
        #expect(machine.id == "mt_jwt_1")
        #expect(machine.subject == "mch_1xxxxx")
        #expect(machine.machineID == "mch_1xxxxx")
        #expect(machine.scopes == ["mch_1xxxxx", "mch_2xxxxx"])
        #expect(machine.claims == ["aud": ["mch_1xxxxx", "mch_2xxxxx"], "scopes": "mch_1xxxxx mch_2xxxxx"])
        #expect(transport.requests.isEmpty)
        // Without `scopes` the audience is the scope list; without anything else, no claims.
        let bare = try await verify(try TestIssuers.primary.sign(claims: ["sub": "mch_1", "aud": "mch_9", "exp": .int(MachineFixtures.iat + 60)]))
        #expect(bare.scopes == ["mch_9"])
        #expect(bare.id == "")
        let none = try await verify(try TestIssuers.primary.sign(claims: ["sub": "mch_1", "exp": .int(MachineFixtures.iat + 60)]))
        #expect(none.scopes == [])
        #expect(none.claims == nil)
    }

    @Test("An M2M JWT with no cat or the M2M cat verifies; any other cat is refused before the signature", arguments: [
        (nil, true), ("cl_B7d4PD333AAA", true), ("cl_B7d4PD111AAA", false), ("cl_B7d4PD222AAA", false), ("cl_I7d4PD111III", false), ("cl_other", false),
    ] as [(String?, Bool)])
    func m2mCategory(cat: String?, accepted: Bool) async throws {
        let token = try MachineFixtures.m2mJWT(header: cat.map { ["cat": .string($0)] } ?? [:])
        if accepted {
            #expect(try await verify(token).subject == "mch_1xxxxx")
        } else {
            let error = await failure(token)
            #expect(error?.code == .tokenInvalid)
            #expect(error?.message == "Invalid M2M JWT category.")
            // Even with a broken signature the category is what is reported.
            let broken = token.dropLast(4) + "AAAA"
            #expect(await failure(String(broken))?.message == "Invalid M2M JWT category.")
        }
    }

    @Test("M2M JWTs: alg none, expiry, a foreign key and azp rules fail as token-verification-failed")
    func m2mFailures() async throws {
        let expired = try MachineFixtures.m2mJWT(claims: ["exp": .int(MachineFixtures.iat - 60)])
        #expect(await failure(expired)?.code == .tokenVerificationFailed)
        #expect(await failure(expired)?.message.hasPrefix("JWT is expired.") == true)
        let parts = try MachineFixtures.m2mJWT().split(separator: ".")
        let noneHeader = base64url(Data(#"{"alg":"none","typ":"JWT"}"#.utf8))
        #expect(await failure("\(noneHeader).\(parts[1]).\(parts[2])")?.code == .tokenVerificationFailed)
        let foreign = try MachineFixtures.m2mJWT(header: ["kid": "ins_primary"], issuer: TestIssuers.other)
        #expect(await failure(foreign)?.code == .tokenVerificationFailed)
        // authorizedParties apply to machine JWTs too: azp becomes required.
        let options = VerifyTokenOptions(authorizedParties: ["https://app.example.test"])
        #expect(await failure(try MachineFixtures.m2mJWT(), options: options)?.code == .tokenVerificationFailed)
    }

    @Test("OAuth JWTs with typ at+jwt or application/at+jwt verify locally; scp wins over scope")
    func oauth() async throws {
        for typ in ["at+jwt", "application/at+jwt"] {
            let machine = try await verify(try MachineFixtures.oauthJWT(typ: typ))
            #expect(machine.id == "oat_jwt_1")
            #expect(machine.clientID == "client_2VTWUzvGC5UhdJCNx6xG1D98edc")
            #expect(machine.subject == "user_2vYVtestTESTtestTESTtestTESTtest")
            #expect(machine.scopes == ["read:foo", "write:bar"])
        }
        let scp = try await verify(try MachineFixtures.oauthJWT(claims: ["scp": ["a", "b"]]))
        #expect(scp.scopes == ["a", "b"])
    }

    @Test("OAuth JWTs: expired, alg none, a non-string sub fail as token-verification-failed")
    func oauthFailures() async throws {
        #expect(await failure(try MachineFixtures.oauthJWT(claims: ["exp": .int(MachineFixtures.iat - 60)]))?.code == .tokenVerificationFailed)
        let parts = try MachineFixtures.oauthJWT().split(separator: ".")
        let noneHeader = base64url(Data(#"{"alg":"none","typ":"at+jwt"}"#.utf8))
        #expect(await failure("\(noneHeader).\(parts[1]).\(parts[2])")?.code == .tokenVerificationFailed)
        let numericSub = await failure(try MachineFixtures.oauthJWT(claims: ["sub": 42]))
        #expect(numericSub?.code == .tokenVerificationFailed)
        #expect(numericSub?.message.hasPrefix("Subject claim (sub) is required") == true)
    }

    @Test("A JWT that is neither M2M nor OAuth is refused with the expected-types message")
    func neither() async throws {
        let error = await failure(try sessionToken())
        #expect(error?.code == .tokenVerificationFailed)
        #expect(error?.message == "Invalid JWT type: JWT. Expected one of: at+jwt, application/at+jwt for OAuth, or sub starting with 'mch_' for M2M")
        let noTyp = await failure(try sessionToken(header: ["typ": .null]))
        #expect(noTyp?.message.hasPrefix("Invalid JWT type: missing.") == true)
    }

    @Test("Through authenticateRequest: M2M and OAuth JWTs sign in without any request")
    func throughAuthenticateRequest() async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        let m2m = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(try MachineFixtures.m2mJWT())"), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
        expectState(m2m, .signedIn, nil)
        #expect(m2m.toAuth()?.machine?.machineID == "mch_1xxxxx")
        let oauth = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(try MachineFixtures.oauthJWT())"), options: AuthenticateRequestOptions(acceptsToken: .any))
        expectState(oauth, .signedIn, nil)
        #expect(oauth.tokenType == .oauthToken)
        #expect(oauth.toAuth()?.userID == "user_2vYVtestTESTtestTESTtestTESTtest")
        let wrongCat = try await client.authenticateRequest(
            apiRequest(authorization: "Bearer \(try MachineFixtures.m2mJWT(header: ["cat": "cl_I7d4PD111III"]))"), options: AuthenticateRequestOptions(acceptsToken: .any)
        )
        expectState(wrongCat, .signedOut, "token-invalid")
        #expect(wrongCat.tokenType == .m2mToken)
        #expect(transport.requests.isEmpty)
    }
}

@Suite("Machine tokens: auth objects")
struct MachineAuthObjectTests {
    @Test("userID / orgID rules per type (§3.7); has() is false; getToken returns the token", arguments: [
        (TokenType.apiKey, "user_1", "user_1", nil),
        (TokenType.apiKey, "org_1", nil, "org_1"),
        (TokenType.apiKey, "mch_1", nil, nil),
        (TokenType.m2mToken, "mch_1", nil, nil),
        (TokenType.oauthToken, "user_1", "user_1", nil),
    ] as [(TokenType, String, String?, String?)])
    func rules(type: TokenType, subject: String, userID: String?, orgID: String?) async throws {
        let machine = MachineAuth(id: "id_1", subject: subject, orgID: subject.hasPrefix("org_") ? subject : nil)
        let auth = ClerkAuth.machine(machine, type: type, token: "tok_raw")
        #expect(auth.isAuthenticated)
        #expect(auth.tokenType == type)
        #expect(auth.userID == userID)
        #expect(auth.orgID == orgID)
        #expect(auth.sessionID == nil)
        #expect(!auth.has())
        #expect(!auth.has(role: "org:admin"))
        #expect(!auth.has(plan: "pro"))
        #expect(try await auth.getToken() == "tok_raw")
        #expect(try await auth.getToken(template: "ignored") == "tok_raw")
    }

    @Test("Unauthenticated machine objects: no ids, getToken nil, has() false")
    func unauthenticated() async throws {
        let auth = ClerkAuth.signedOut(tokenType: .m2mToken)
        #expect(!auth.isAuthenticated)
        #expect(auth.tokenType == .m2mToken)
        #expect(auth.machine == nil)
        #expect(auth.userID == nil)
        #expect(try await auth.getToken() == nil)
        #expect(!auth.has(role: "x"))
    }
}
