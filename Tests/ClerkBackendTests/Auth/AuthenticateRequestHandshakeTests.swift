@testable import ClerkBackend
import ClerkTesting
import Foundation
import Logging
import HTTPTypes
import NIOHTTP1
import Synchronization
import Testing

@Suite("authenticateRequest: the handshake redirect (§2.10)")
struct AuthenticateRequestHandshakeRedirectTests {
    @Test("Parameters and their order; Cache-Control and the redirect counter")
    func parameters() async throws {
        let token = try sessionToken()
        let url = appOrigin + "/page?keep=1&__clerk_db_jwt=old&__dev_session=legacy&z=%26"
        let newer = String(Int64(tokenNow.timeIntervalSince1970) + 5)
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
            authRequest(url, cookies: [("__session", token), ("__client_uat", newer), ("__clerk_db_jwt", "dvb_cookie")])
        )
        // The query __clerk_db_jwt wins: dev-browser-sync comes first.
        expectState(state, .handshake, .devBrowserSync)
        let location = try #require(state.location)
        #expect(location.hasPrefix("https://clerk.example.test/v1/client/handshake?"))
        let items = queryItems(of: location)
        #expect(items.map(\.name) == ["redirect_url", "__clerk_api_version", "suffixed_cookies", "__clerk_hs_reason", "format", "__session", "__clerk_db_jwt"])
        #expect(items[0].value == appOrigin + "/page?keep=1&z=%26")
        #expect(items[1].value == "2026-05-12")
        #expect(items[2].value == "false")
        #expect(items[3].value == "dev-browser-sync")
        #expect(items[4].value == "nonce")
        #expect(items[5].value == token)
        #expect(items[6].value == "old")
        #expect(state.headerFields.first(name: "cache-control") == "no-store")
        #expect(state.setCookies == ["__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2"])
        #expect(state.tokenType == .sessionToken)
        #expect(state.token == nil)
    }

    @Test("Production: no dev browser parameter, even with a dev-browser cookie; no __session without a token")
    func production() async throws {
        let state = try await authClient().authenticateRequest(authRequest(cookies: [("__client_uat", "1"), ("__clerk_db_jwt", "dvb")]))
        expectState(state, .handshake, .clientUATWithoutSessionToken)
        let names = queryItems(of: state.location).map(\.name)
        #expect(names == ["redirect_url", "__clerk_api_version", "suffixed_cookies", "__clerk_hs_reason", "format"])
    }

    @Test("Development without a dev browser token: no __clerk_db_jwt parameter")
    func devWithoutDevBrowser() async throws {
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest())
        expectState(state, .handshake, .devBrowserMissing)
        #expect(!queryItems(of: state.location).contains { $0.name == "__clerk_db_jwt" })
    }

    @Test("The handshake goes through the proxy URL; trailing slashes are dropped", arguments: [
        ("https://proxy.example.test/__clerk", "https://proxy.example.test/__clerk/v1/client/handshake"),
        ("https://proxy.example.test/__clerk/", "https://proxy.example.test/__clerk/v1/client/handshake"),
        ("https://proxy.example.test/__clerk///", "https://proxy.example.test/__clerk/v1/client/handshake"),
        ("https://proxy.example.test", "https://proxy.example.test/v1/client/handshake"),
        ("https://proxy.example.test//", "https://proxy.example.test/v1/client/handshake"),
        ("https://proxy.example.test/a/b//", "https://proxy.example.test/a/b/v1/client/handshake"),
        ("/__clerk", appOrigin + "/__clerk/v1/client/handshake"),
        ("/__clerk///", appOrigin + "/__clerk/v1/client/handshake"),
    ] as [(String, String)])
    func proxy(proxyURL: String, expected: String) async throws {
        let state = try await authClient().authenticateRequest(
            authRequest(cookies: [("__client_uat", "1")]), options: AuthenticateRequestOptions(proxyURL: URL(string: proxyURL))
        )
        expectState(state, .handshake, .clientUATWithoutSessionToken)
        #expect(state.location?.hasPrefix(expected + "?") == true, "\(state.location ?? "nil")")
    }

    @Test("Every handshake reason is carried in __clerk_hs_reason")
    func reasons() async throws {
        let client = try authClient()
        let cases: [([(String, String)], AuthReason)] = [
            ([("__client_uat", "1")], .clientUATWithoutSessionToken),
            ([("__session", try sessionToken())], .sessionTokenWithoutClientUAT),
            ([("__session", try sessionToken()), ("__client_uat", String(Int64(tokenNow.timeIntervalSince1970) + 9))], .sessionTokenIATBeforeClientUAT),
        ]
        for (cookies, reason) in cases {
            let state = try await client.authenticateRequest(authRequest(cookies: cookies))
            expectState(state, .handshake, reason)
            #expect(queryValue("__clerk_hs_reason", in: state.location) == reason.rawValue)
        }
    }

    @Test("A complex URL (encoded values, fragment) survives as redirect_url")
    func complexURL() async throws {
        let url = appOrigin + "/a%20b/c?x=1&y=%2B%26%3D&empty=#frag"
        let state = try await authClient().authenticateRequest(authRequest(url, cookies: [("__client_uat", "1")]))
        let redirect = try #require(queryValue("redirect_url", in: state.location))
        let components = try #require(URLComponents(string: redirect))
        #expect(components.host == "app.example.test")
        #expect(components.percentEncodedPath == "/a%20b/c")
        #expect(components.queryItems?.map { "\($0.name)=\($0.value ?? "")" } == ["x=1", "y=+&=", "empty="])
        // Parameters that are kept keep their exact encoding (an encoded `+` must not become a literal one).
        #expect(components.percentEncodedQuery == "x=1&y=%2B%26%3D&empty=")
        #expect(components.fragment == "frag")
    }

    @Test("Loop guard: exactly 3 redirects stops the handshake; the counter cookie counts up otherwise", arguments: [
        (nil, true, "1"), ("0", true, "1"), ("1", true, "2"), ("2", true, "3"), ("3", false, nil), ("4", true, "5"), ("x", true, "1"),
    ] as [(String?, Bool, String?)])
    func loopGuard(count: String?, handshake: Bool, next: String?) async throws {
        var cookies = [("__client_uat", "1")]
        if let count { cookies.append(("__clerk_redirect_count", count)) }
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(cookies: cookies + [("__clerk_db_jwt", "dvb")]))
        if handshake {
            expectState(state, .handshake, .clientUATWithoutSessionToken)
            #expect(state.setCookies == ["__clerk_redirect_count=\(next ?? ""); SameSite=Lax; HttpOnly; Max-Age=2"])
        } else {
            expectState(state, .signedOut, .clientUATWithoutSessionToken)
            #expect(state.location == nil)
            #expect(state.setCookies.isEmpty)
        }
    }

    @Test("The loop guard logs the keys-mismatch guidance")
    func loopGuardLog() async throws {
        let store = CapturingLogHandler.Store()
        let client = try authClient { $0.logger = Logger(label: "t", factory: { _ in CapturingLogHandler(store: store) }) }
        _ = try await client.authenticateRequest(authRequest(cookies: [("__client_uat", "1"), ("__clerk_redirect_count", "3")]))
        #expect(store.all.contains("looping"))
    }
}

@Suite("authenticateRequest: handshake resolution (§2.11)")
struct AuthenticateRequestHandshakeResolutionTests {
    static let newToken: @Sendable () throws -> String = { try sessionToken(userID: "user_from_handshake") }

    /// A server for the handshake payload (any nonce) and the JWKS.
    func payloadServer(directives: @escaping @Sendable () throws -> [String], status: Int = 200) -> RouteTable {
        let routes = RouteTable.withJWKS()
        routes.set("GET /v1/clients/handshake_payload") { _ in
            guard status == 200 else { return .json(status: .init(code: status), #"{"errors":[{"code":"server_error","message":"boom"}]}"#) }
            let body = try JSONEncoder().encode(["directives": try directives()])
            return .json(String(decoding: body, as: UTF8.self))
        }
        return routes
    }

    @Test("A nonce fetches the payload, sets only Clerk cookies, signs in; production adds no Location")
    func nonceProduction() async throws {
        let token = try Self.newToken()
        let routes = payloadServer {
            [
                "__session=\(token); Path=/; Secure; SameSite=Lax", "__client_uat=1764432000; Path=/",
                "tracking=evil; Path=/; Domain=example.test", "__sessionhack=x; Path=/", "__clerk_db_jwt_Qx9=abc; Path=/",
            ]
        }
        try await withServer(routes.handle) { server in
            let secret = uniqueSecretKey()
            let client = try serverClient(server, secretKey: secret)
            let state = try await client.authenticateRequest(authRequest(appOrigin + "/cb?__clerk_handshake_nonce=nonce_123&keep=1"))
            expectState(state, .signedIn, nil)
            #expect(state.token == token)
            #expect(state.toAuth()?.userID == "user_from_handshake")
            #expect(state.setCookies == ["__session=\(token); Path=/; Secure; SameSite=Lax", "__client_uat=1764432000; Path=/", "__clerk_db_jwt_Qx9=abc; Path=/"])
            #expect(state.headerFields.first(name: "access-control-allow-origin") == "null")
            #expect(state.headerFields.first(name: "access-control-allow-credentials") == "true")
            #expect(state.location == nil)
            #expect(state.headerFields.first(name: "cache-control") == nil)
            let payloadRequest = try #require(server.requests.first { $0.path == "/v1/clients/handshake_payload" })
            #expect(payloadRequest.method == .get)
            #expect(payloadRequest.queryItems.map(\.name) == ["nonce"])
            #expect(payloadRequest.queryItems.first?.value == "nonce_123")
            #expect(payloadRequest.headerFields.first(name: "authorization") == "Bearer \(secret)")
            #expect(payloadRequest.headerFields.first(name: "clerk-api-version") == "2026-05-12")
        }
    }

    @Test("The nonce of the query wins over the cookie's")
    func nonceQueryWins() async throws {
        let token = try Self.newToken()
        let routes = payloadServer { ["__session=\(token); Path=/"] }
        try await withServer(routes.handle) { server in
            _ = try await serverClient(server).authenticateRequest(
                authRequest(appOrigin + "/?__clerk_handshake_nonce=from_query", cookies: [("__clerk_handshake_nonce", "from_cookie")])
            )
            #expect(server.requests.first { $0.path == "/v1/clients/handshake_payload" }?.queryItems.first?.value == "from_query")
        }
    }

    @Test("Development: Location is the URL without the handshake parameters (others and the fragment kept), no-store")
    func devLocationCleanup() async throws {
        let token = try Self.newToken()
        let routes = payloadServer { ["__session=\(token); Path=/", "__client_uat=1; Path=/"] }
        try await withServer(routes.handle) { server in
            let client = try serverClient(server, pk: AuthKeys.pkTest)
            let url = appOrigin + "/p?a=1&__clerk_handshake_nonce=nonce_abcdef&__clerk_help=1&__clerk_db_jwt=db&__clerk_handshake=h&b=%20x&c=%2B#frag"
            let state = try await client.authenticateRequest(authRequest(url))
            expectState(state, .signedIn, nil)
            #expect(state.location == appOrigin + "/p?a=1&b=%20x&c=%2B#frag")
            #expect(state.headerFields.first(name: "cache-control") == "no-store")

            // Only handshake parameters: a clean URL. The nonce in a cookie: the URL unchanged.
            let only = try await client.authenticateRequest(authRequest(appOrigin + "/p?__clerk_handshake_nonce=nonce_abcdef&__clerk_db_jwt=db"))
            #expect(only.location == appOrigin + "/p")
            let cookie = try await client.authenticateRequest(authRequest(appOrigin + "/p?x=1", cookies: [("__clerk_handshake_nonce", "n")]))
            #expect(cookie.location == appOrigin + "/p?x=1")
        }
    }

    @Test("No session directive, or a failing payload endpoint: signed out session-token-missing, Location still cleaned (dev)")
    func noSession() async throws {
        for routes in [payloadServer(directives: { ["__client_uat=0; Path=/"] }), payloadServer(directives: { [] }, status: 500)] {
            try await withServer(routes.handle) { server in
                let dev = try await serverClient(server, pk: AuthKeys.pkTest).authenticateRequest(authRequest(appOrigin + "/p?__clerk_handshake_nonce=nonce_abcdef"))
                expectState(dev, .signedOut, .sessionTokenMissing)
                #expect(dev.location == appOrigin + "/p")
                #expect(dev.headerFields.first(name: "access-control-allow-origin") == "null")
                let prod = try await serverClient(server).authenticateRequest(authRequest(appOrigin + "/p?__clerk_handshake_nonce=nonce_abcdef"))
                expectState(prod, .signedOut, .sessionTokenMissing)
                #expect(prod.location == nil)
            }
        }
    }

    @Test("The session token of the last __session directive wins")
    func lastSessionDirective() async throws {
        let first = try sessionToken(userID: "user_first")
        let last = try sessionToken(userID: "user_last")
        let routes = payloadServer { ["__session=\(first); Path=/", "__session_Qx9Ab=\(last); Path=/"] }
        try await withServer(routes.handle) { server in
            let state = try await serverClient(server).authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=nonce_abcdef"))
            #expect(state.token == last)
        }
    }

    @Test("Development: a handshake session token that fails verification is logged and the flow continues (not thrown)")
    func devBadSessionFromHandshake() async throws {
        let foreign = try TestIssuers.other.sessionToken(now: tokenNow, header: ["kid": "ins_primary"])
        let routes = payloadServer { ["__session=\(foreign); Path=/"] }
        try await withServer(routes.handle) { server in
            let store = CapturingLogHandler.Store()
            let client = try serverClient(server, pk: AuthKeys.pkTest) { $0.logger = Logger(label: "t", factory: { _ in CapturingLogHandler(store: store) }) }
            let state = try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=nonce_abcdef", cookies: [("__clerk_db_jwt", "dvb")]))
            expectState(state, .signedOut, .sessionTokenAndUATMissing)
            #expect(store.all.contains("handshake"))
        }
    }

    @Test("Development: an expired handshake session token is retried with a 24 h skew; production does not retry")
    func devClockSkewRetry() async throws {
        let expired = try sessionToken(now: tokenNow.addingTimeInterval(-3_600), userID: "user_skewed")
        let routes = payloadServer { ["__session=\(expired); Path=/"] }
        try await withServer(routes.handle) { server in
            let dev = try await serverClient(server, pk: AuthKeys.pkTest).authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=nonce_abcdef"))
            expectState(dev, .signedIn, nil)
            #expect(dev.toAuth()?.userID == "user_skewed")
            let prod = try await serverClient(server).authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=nonce_abcdef", secFetchDest: nil))
            expectState(prod, .signedOut, .sessionTokenAndUATMissing)
            // Two days off is too much even in development: logged, and the flow continues.
            let ancient = try sessionToken(now: tokenNow.addingTimeInterval(-2 * 86_400))
            let ancientRoutes = payloadServer { ["__session=\(ancient); Path=/"] }
            try await withServer(ancientRoutes.handle) { other in
                let state = try await serverClient(other, pk: AuthKeys.pkTest).authenticateRequest(
                    authRequest(appOrigin + "/?__clerk_handshake_nonce=nonce_abcdef", cookies: [("__clerk_db_jwt", "dvb")])
                )
                expectState(state, .signedOut, .sessionTokenAndUATMissing)
            }
        }
    }

    // MARK: Legacy handshake token

    func handshakeToken(_ directives: [String], header: [String: JSONValue] = [:], issuer: TestTokenIssuer = TestIssuers.primary) throws -> String {
        try issuer.sign(claims: ["handshake": .array(directives.map { .string($0) })], header: header)
    }

    @Test("A handshake token (session, ignore or no category) sets its cookies and signs in", arguments: [nil, "cl_B7d4PD111AAA", "cl_I7d4PD111III"])
    func handshakeTokenCategories(cat: String?) async throws {
        let token = try Self.newToken()
        let hs = try handshakeToken(["__session=\(token); Path=/", "other=1; Path=/"], header: cat.map { ["cat": .string($0)] } ?? [:])
        for request in [authRequest(appOrigin + "/?__clerk_handshake=\(hs)"), authRequest(cookies: [("__clerk_handshake", hs)])] {
            let state = try await authClient().authenticateRequest(request)
            expectState(state, .signedIn, nil)
            #expect(state.setCookies == ["__session=\(token); Path=/"])
        }
    }

    @Test("A JWT-template (or M2M / unknown) handshake token never sets cookies: ignored in production, thrown in development", arguments: [
        "cl_B7d4PD222AAA", "cl_B7d4PD333AAA", "cl_unknown",
    ])
    func handshakeTokenBadCategory(cat: String) async throws {
        let token = try Self.newToken()
        let hs = try handshakeToken(["__session=\(token); Path=/"], header: ["cat": .string(cat)])
        let prod = try await authClient().authenticateRequest(authRequest(cookies: [("__clerk_handshake", hs)]))
        expectState(prod, .signedOut, .sessionTokenAndUATMissing)
        #expect(prod.setCookies.isEmpty)
        let error = await thrownError {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(cookies: [("__clerk_handshake", hs), ("__clerk_db_jwt", "dvb")]))
        }
        let clerkError = try #require(error as? ClerkError)
        #expect(clerkError.message.hasPrefix("Clerk: Handshake token verification failed: Invalid handshake token category."))
    }

    @Test("Development: a handshake token with a bad signature throws the key-switch hint; other failures the generic text")
    func devBadHandshakeToken() async throws {
        let forged = try handshakeToken(["__session=x; Path=/"], header: ["kid": "ins_primary"], issuer: TestIssuers.other)
        let signature = await thrownError {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake=\(forged)"))
        }
        #expect((signature as? ClerkError)?.message == "Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again.")
        let malformed = await thrownError {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake=not.a.jwt"))
        }
        let message = try #require((malformed as? ClerkError)?.message)
        #expect(message.hasPrefix("Clerk: Handshake token verification failed: Invalid JWT form."))
        // Production: logged, the flow continues.
        let prod = try await authClient().authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake=\(forged)"))
        expectState(prod, .signedOut, .sessionTokenAndUATMissing)
    }
}

@Suite("authenticateRequest: session refresh with the suffixed refresh cookie (§2.9)")
struct AuthenticateRequestRefreshTests {
    let suffix = try! PublishableKey(AuthKeys.pkLive).cookieSuffix
    let expired = try! sessionToken(now: tokenNow.addingTimeInterval(-3_600), sessionID: "sess_refresh")
    let expiredUat = String(Int64(tokenNow.timeIntervalSince1970) - 3_600)

    func refreshRoutes(cookies: @escaping @Sendable () throws -> [String], status: Int = 200, errorCode: String = "unexpected_error") -> RouteTable {
        let routes = RouteTable.withJWKS()
        routes.set("POST /v1/sessions/sess_refresh/refresh") { _ in
            guard status == 200 else {
                return .json(status: .init(code: status), #"{"errors":[{"code":"\#(errorCode)","message":"nope"}]}"#)
            }
            let body = try JSONEncoder().encode(JSONValue.object(["object": "cookies", "cookies": .array(try cookies().map { .string($0) })]))
            return .json(String(decoding: body, as: UTF8.self))
        }
        return routes
    }

    func suffixedCookies(refresh: String? = "refresh_abc", unsuffixedRefresh: String? = nil) -> [(String, String)] {
        var cookies = [("__session_\(suffix)", expired), ("__client_uat_\(suffix)", expiredUat)]
        if let refresh { cookies.append(("__refresh_\(suffix)", refresh)) }
        if let unsuffixedRefresh { cookies.append(("__refresh", unsuffixedRefresh)) }
        return cookies
    }

    @Test("An expired session with the suffixed refresh cookie is refreshed: POST /v1/sessions/{sid}/refresh, signed in with the new cookies")
    func refresh() async throws {
        let fresh = try sessionToken(userID: "user_refreshed", sessionID: "sess_refresh")
        let suffix = self.suffix
        let routes = refreshRoutes {
            ["__session_\(suffix)=\(fresh); Path=/; Secure", "__client_uat_\(suffix)=1764432000; Path=/", "intruder=1; Path=/"]
        }
        try await withServer(routes.handle) { server in
            let state = try await serverClient(server).authenticateRequest(
                authRequest(appOrigin + "/dash?x=1", cookies: suffixedCookies(unsuffixedRefresh: "wrong_one"))
            )
            expectState(state, .signedIn, nil)
            #expect(state.token == fresh)
            #expect(state.toAuth()?.userID == "user_refreshed")
            #expect(state.setCookies == ["__session_\(suffix)=\(fresh); Path=/; Secure", "__client_uat_\(suffix)=1764432000; Path=/"])

            let request = try #require(server.requests.first { $0.method == .post })
            #expect(request.path == "/v1/sessions/sess_refresh/refresh")
            #expect(request.query == "suffixed_cookies=true")
            #expect(request.headerFields.first(name: "content-type") == "application/json")
            let body = try #require(request.jsonBody?.objectValue)
            #expect(body["format"] == "cookie")
            #expect(body["expired_token"] == .string(expired))
            #expect(body["refresh_token"] == "refresh_abc", "the suffixed refresh cookie, never the un-suffixed one")
            #expect(body["request_origin"] == .string(appOrigin))
            let headers = try #require(body["request_headers"]?.objectValue)
            #expect(headers["sec-fetch-dest"] == ["document"])
            #expect(headers["user-agent"] == ["Mozilla/TestAgent"])
            #expect(Set(body.keys) == ["format", "expired_token", "refresh_token", "request_origin", "request_headers"])
        }
    }

    @Test("No refresh without the suffixed refresh cookie (the un-suffixed one is never read)")
    func noRefreshCookie() async throws {
        try await withServer(refreshRoutes(cookies: { [] }).handle) { server in
            let state = try await serverClient(server).authenticateRequest(authRequest(cookies: suffixedCookies(refresh: nil, unsuffixedRefresh: "r")))
            expectState(state, .handshake, "session-token-expired-refresh-non-eligible-no-refresh-cookie")
            #expect(!server.requests.contains { $0.method == .post })
        }
    }

    @Test("No refresh when the token is not expired, or for a POST")
    func notEligible() async throws {
        try await withServer(refreshRoutes(cookies: { [] }).handle) { server in
            let notYet = try sessionToken(sessionID: "sess_refresh", claims: ["nbf": .int(Int64(tokenNow.timeIntervalSince1970) + 60)])
            let state = try await serverClient(server).authenticateRequest(
                authRequest(cookies: [("__session_\(suffix)", notYet), ("__client_uat_\(suffix)", "1"), ("__refresh_\(suffix)", "r")])
            )
            expectState(state, .handshake, .sessionTokenNBF)
            let post = try await serverClient(server).authenticateRequest(authRequest(method: .post, cookies: suffixedCookies()))
            expectState(post, .signedOut, "session-token-expired-refresh-non-eligible-non-get")
            #expect(!server.requests.contains { $0.method == .post })
        }
    }

    @Test("Refresh failures become the refresh part of the reason", arguments: [
        (400, "some_code", "session-token-expired-refresh-some_code"),
        (500, "unexpected_error", "session-token-expired-refresh-fetch-error"),
    ] as [(Int, String, String)])
    func refreshFailure(status: Int, code: String, reason: String) async throws {
        try await withServer(refreshRoutes(cookies: { [] }, status: status, errorCode: code).handle) { server in
            let state = try await serverClient(server).authenticateRequest(authRequest(cookies: suffixedCookies()))
            expectState(state, .handshake, AuthReason(rawValue: reason))
        }
    }

    @Test("A refresh answer without a valid session token: invalid-session-token")
    func refreshInvalidToken() async throws {
        let suffix = self.suffix
        try await withServer(refreshRoutes(cookies: { ["__session_\(suffix)=garbage; Path=/"] }).handle) { server in
            let state = try await serverClient(server).authenticateRequest(authRequest(cookies: suffixedCookies()))
            expectState(state, .handshake, "session-token-expired-refresh-invalid-session-token")
        }
    }

    @Test("A refreshed token whose claims cannot become an auth object is refused, not thrown")
    func refreshUnreadableClaims() async throws {
        let suffix = self.suffix
        let fresh = try sessionToken(sessionID: "sess_refresh", claims: ["v": 2, "fea": "unscoped", "o": ["id": "org_1"]])
        try await withServer(refreshRoutes(cookies: { ["__session_\(suffix)=\(fresh); Path=/"] }).handle) { server in
            let state = try await serverClient(server).authenticateRequest(authRequest(cookies: suffixedCookies()))
            expectState(state, .handshake, "session-token-expired-refresh-invalid-session-token")
        }
    }

    @Test("An expired session without sid cannot be refreshed")
    func missingSid() async throws {
        let noSid = try TestIssuers.primary.sign(claims: [
            "sub": "user_1", "iss": "https://clerk.example.test", "iat": .int(Int64(tokenNow.timeIntervalSince1970) - 3_600),
            "exp": .int(Int64(tokenNow.timeIntervalSince1970) - 3_000),
        ])
        try await withServer(refreshRoutes(cookies: { [] }).handle) { server in
            let state = try await serverClient(server).authenticateRequest(
                authRequest(cookies: [("__session_\(suffix)", noSid), ("__client_uat_\(suffix)", "1"), ("__refresh_\(suffix)", "r")])
            )
            expectState(state, .handshake, "session-token-expired-refresh-expired-session-token-missing-sid-claim")
        }
    }
}

@Suite("authenticateRequest: debug headers")
struct AuthenticateRequestDebugHeaderTests {
    @Test("Development signed-out states carry status and reason (an empty message is left out)")
    func devSignedOut() async throws {
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(apiRequest(cookies: [("__clerk_db_jwt", "dvb")]))
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
        #expect(state.headerFields.first(name: "x-clerk-auth-status") == "signed-out")
        #expect(state.headerFields.first(name: "x-clerk-auth-reason") == "session-token-and-uat-missing")
        #expect(state.headerFields.first(name: "x-clerk-auth-message") == nil)
    }

    @Test("Development handshakes carry them too, with the message")
    func devHandshake() async throws {
        let token = try sessionToken(now: tokenNow.addingTimeInterval(-3_600))
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(authorization: "Bearer \(token)", headers: [("Cookie", "__clerk_db_jwt=dvb")]))
        expectState(state, .handshake, "session-token-expired-refresh-non-eligible-no-refresh-cookie")
        #expect(state.headerFields.first(name: "x-clerk-auth-status") == "handshake")
        #expect(state.headerFields.first(name: "x-clerk-auth-reason") == "session-token-expired-refresh-non-eligible-no-refresh-cookie")
        #expect(state.headerFields.first(name: "x-clerk-auth-message")?.hasPrefix("JWT is expired.") == true)
    }

    @Test("Signed-in states never carry them")
    func signedIn() async throws {
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken())"), options: AuthenticateRequestOptions(debugHeaders: true))
        expectState(state, .signedIn, nil)
        #expect(state.headerFields.isEmpty)
    }

    @Test("Production keys: off unless debugHeaders is true; development: on unless false")
    func productionToggle() async throws {
        let live = try authClient()
        #expect(try await live.authenticateRequest(apiRequest()).headerFields.isEmpty)
        let enabled = try await live.authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(debugHeaders: true))
        #expect(enabled.headerFields.first(name: "x-clerk-auth-status") == "signed-out")
        #expect(enabled.headerFields.first(name: "x-clerk-auth-reason") == "session-token-and-uat-missing")
        let handshake = try await live.authenticateRequest(authRequest(cookies: [("__client_uat", "1")]))
        #expect(handshake.headerFields.first(name: "x-clerk-auth-status") == nil)
        let dev = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(apiRequest(cookies: [("__clerk_db_jwt", "dvb")]), options: AuthenticateRequestOptions(debugHeaders: false))
        #expect(dev.headerFields.isEmpty)
    }

    @Test("Unsafe values (non-ASCII, control characters) are skipped without throwing")
    func unsafeValues() async throws {
        let token = try TestIssuers.primary.sessionToken(userID: "user_1", now: tokenNow, authorizedParty: "https://übel.example\r\nX-Evil: 1")
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
            apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(authorizedParties: ["https://app.example.test"])
        )
        expectState(state, .signedOut, "token-invalid-authorized-parties")
        #expect(state.message?.contains("übel") == true)
        #expect(state.headerFields.first(name: "x-clerk-auth-status") == "signed-out")
        #expect(state.headerFields.first(name: "x-clerk-auth-reason") == "token-invalid-authorized-parties")
        #expect(state.headerFields.first(name: "x-clerk-auth-message") == nil)
        #expect(state.headerFields.first(name: "x-evil") == nil)
    }

    @Test("Machine-token signed-out states carry them")
    func machineSignedOut() async throws {
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
        #expect(state.headerFields.first(name: "x-clerk-auth-status") == "signed-out")
        #expect(state.headerFields.first(name: "x-clerk-auth-reason") == "No token in header")
    }
}

@Suite("authenticateRequest: trusted proxies")
struct AuthenticateRequestTrustedProxyTests {
    let forwarded = [("X-Forwarded-Host", "attacker.test"), ("X-Forwarded-Proto", "https")]

    func redirectURL(_ request: ClerkRequest, _ proxies: TrustedProxies) async throws -> String? {
        let state = try await authClient().authenticateRequest(request, options: AuthenticateRequestOptions(trustedProxies: proxies))
        expectState(state, .handshake, .clientUATWithoutSessionToken)
        return queryValue("redirect_url", in: state.location)
    }

    @Test("By default the forwarded host is ignored")
    func ignoredByDefault() async throws {
        let request = authRequest("http://app.example.test/x", cookies: [("__client_uat", "1")], headers: forwarded, remoteAddress: "10.0.0.1")
        #expect(try await redirectURL(request, .none) == "http://app.example.test/x")
    }

    @Test("A configured CIDR is believed; other peers are not")
    func cidr() async throws {
        let trusted = authRequest("http://app.example.test/x", cookies: [("__client_uat", "1")], headers: forwarded, remoteAddress: "10.1.2.3")
        #expect(try await redirectURL(trusted, .addresses(["10.0.0.0/8"])) == "https://attacker.test/x")
        let untrusted = authRequest("http://app.example.test/x", cookies: [("__client_uat", "1")], headers: forwarded, remoteAddress: "203.0.113.9")
        #expect(try await redirectURL(untrusted, .addresses(["10.0.0.0/8"])) == "http://app.example.test/x")
    }

    @Test("A trusted proxy that terminates TLS and keeps the Host: X-Forwarded-Proto alone makes the URL https")
    func protoOnly() async throws {
        let request = authRequest("http://app.example.test/x", cookies: [("__client_uat", "1")], headers: [("X-Forwarded-Proto", "https")], remoteAddress: "10.0.0.1")
        #expect(try await redirectURL(request, .addresses(["10.0.0.0/8"])) == "https://app.example.test/x")
        #expect(try await redirectURL(request, .none) == "http://app.example.test/x")
    }
}
