@testable import ClerkBackend
import ClerkTesting
import Foundation
import Logging
import HTTPTypes
import NIOHTTP1
import Testing

@Suite("authenticateRequest: the cookie decision table (§2.8)")
struct AuthenticateRequestCookieTests {
    let devBrowser = ("__clerk_db_jwt", "dvb_test")

    @Test("Production, no cookies: signed out session-token-and-uat-missing [4y]")
    func noCookiesProduction() async throws {
        let state = try await authClient().authenticateRequest(authRequest())
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
        #expect(state.message == "")
        #expect(state.headerFields.isEmpty, "no debug headers for production keys by default")
    }

    @Test("Development without a dev browser: handshake dev-browser-missing (cookies or not)")
    func devBrowserMissing() async throws {
        let client = try authClient(pk: AuthKeys.pkTest)
        expectState(try await client.authenticateRequest(authRequest()), .handshake, .devBrowserMissing)
        let withSession = try await client.authenticateRequest(authRequest(cookies: [("__session", try sessionToken()), ("__client_uat", tokenNowSeconds)]))
        expectState(withSession, .handshake, .devBrowserMissing)
    }

    @Test("Development with __clerk_db_jwt in the query: handshake dev-browser-sync")
    func devBrowserSync() async throws {
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(appOrigin + "/?__clerk_db_jwt=fresh", cookies: [devBrowser]))
        expectState(state, .handshake, .devBrowserSync)
        // The dev browser of the query travels to the handshake, and is removed from redirect_url.
        #expect(queryValue("__clerk_db_jwt", in: state.location) == "fresh")
        #expect(queryValue("redirect_url", in: state.location) == appOrigin + "/")
    }

    @Test("Production ignores dev-browser rules")
    func productionIgnoresDevBrowser() async throws {
        let state = try await authClient().authenticateRequest(authRequest(appOrigin + "/?__clerk_db_jwt=fresh"))
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
    }

    @Test("UAT / session combinations", arguments: [
        // (pk, has session cookie, client_uat, status, reason)
        ("live", false, "0", "signed-out", "session-token-and-uat-missing"),  // [9y]
        ("live", false, nil, "signed-out", "session-token-and-uat-missing"),
        ("live", false, "1700000000", "handshake", "client-uat-but-no-session-token"),  // [8y]
        ("live", true, nil, "handshake", "session-token-but-no-client-uat"),
        ("live", true, "0", "handshake", "session-token-but-no-client-uat"),
        ("test", false, "0", "signed-out", "session-token-and-uat-missing"),
        ("test", false, "1700000000", "handshake", "client-uat-but-no-session-token"),
        ("test", true, nil, "handshake", "session-token-but-no-client-uat"),  // [5y]
    ] as [(String, Bool, String?, String, String)])
    func uatAndSession(pk: String, session: Bool, uat: String?, status: String, reason: String) async throws {
        var cookies: [(String, String)] = [devBrowser]
        if session { cookies.append(("__session", try sessionToken())) }
        if let uat { cookies.append(("__client_uat", uat)) }
        let state = try await authClient(pk: pk == "live" ? AuthKeys.pkLive : AuthKeys.pkTest).authenticateRequest(authRequest(cookies: cookies))
        expectState(state, AuthStatus(rawValue: status), AuthReason(rawValue: reason))
    }

    @Test("client_uat newer than the token's iat: handshake session-token-iat-before-client-uat [10n]")
    func iatBeforeClientUat() async throws {
        let token = try sessionToken()
        let newer = String(Int64(tokenNow.timeIntervalSince1970) + 1)
        let state = try await authClient().authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", newer)]))
        expectState(state, .handshake, .sessionTokenIATBeforeClientUAT)
        // Equal is fine.
        let equal = try await authClient().authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", tokenNowSeconds)]))
        expectState(equal, .signedIn, nil)
    }

    @Test("A valid cookie token with client_uat <= iat signs in; the token is the cookie [10y.2y]")
    func validCookie() async throws {
        for pk in [AuthKeys.pkLive, AuthKeys.pkTest] {
            let token = try sessionToken()
            let state = try await authClient(pk: pk).authenticateRequest(
                authRequest(cookies: [("__session", token), ("__client_uat", String(Int64(tokenNow.timeIntervalSince1970) - 10)), devBrowser])
            )
            expectState(state, .signedIn, nil)
            #expect(state.token == token)
            #expect(state.headerFields.isEmpty)
            #expect(state.toAuth()?.userID == "user_1")
        }
    }

    @Test("A cookie token without azp still signs in (the warning is only logged)")
    func noAzpCookie() async throws {
        let token = try TestIssuers.primary.sessionToken(userID: "user_1", now: tokenNow, authorizedParty: nil)
        let state = try await authClient().authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", tokenNowSeconds)]))
        expectState(state, .signedIn, nil)
    }

    @Test("Signed in for an Amazon CloudFront user agent")
    func cloudFront() async throws {
        let request = ClerkRequest(
            method: .get, url: appOrigin + "/",
            headers: [("User-Agent", "Amazon CloudFront"), ("Cookie", "__session=\(try sessionToken()); __client_uat=\(tokenNowSeconds)")]
        )
        expectState(try await authClient().authenticateRequest(request), .signedIn, nil)
    }

    @Test("A cookie that is not a JWT is signed out with token-invalid [10y.1n]")
    func malformedCookie() async throws {
        let state = try await authClient().authenticateRequest(authRequest(cookies: [("__session", "garbage"), ("__client_uat", "1")]))
        expectState(state, .signedOut, "token-invalid")
        #expect(state.message?.hasSuffix("(reason=token-invalid, token-carrier=cookie)") == true)
    }

    @Test("A signed cookie token without sub is signed out with token-verification-failed")
    func cookieWithoutSub() async throws {
        let token = try TestIssuers.primary.sign(claims: ["iat": .int(Int64(tokenNow.timeIntervalSince1970)), "exp": .int(Int64(tokenNow.timeIntervalSince1970) + 60)])
        let state = try await authClient().authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", "1")]))
        expectState(state, .signedOut, "token-verification-failed")
    }

    @Test("An expired cookie token: handshake on a document GET, signed out otherwise [10y.2n.1n]")
    func expiredCookie() async throws {
        let token = try sessionToken(now: tokenNow.addingTimeInterval(-3_600))
        let cookies = [("__session", token), ("__client_uat", String(Int64(tokenNow.timeIntervalSince1970) - 3_600))]
        let client = try authClient()
        let document = try await client.authenticateRequest(authRequest(cookies: cookies))
        expectState(document, .handshake, "session-token-expired-refresh-non-eligible-no-refresh-cookie")
        #expect(document.message?.hasSuffix("(reason=token-expired, token-carrier=cookie)") == true)
        let api = try await client.authenticateRequest(apiRequest(cookies: cookies))
        expectState(api, .signedOut, "session-token-expired-refresh-non-eligible-no-refresh-cookie")
    }

    @Test("Machine JWTs and non-session categories in __session are a token-type mismatch (SDK-107, SEC-340)")
    func machineJWTInCookie() async throws {
        let iat = Int64(tokenNow.timeIntervalSince1970)
        let tokens = [
            try TestIssuers.primary.sign(claims: ["sub": "mch_123", "iat": .int(iat), "exp": .int(iat + 60), "iss": "https://clerk.example.test"]),
            try TestIssuers.primary.sign(claims: ["sub": "user_1", "iat": .int(iat), "exp": .int(iat + 60), "iss": "https://clerk.example.test"], header: ["typ": "at+jwt"]),
            try sessionToken(header: ["cat": "cl_B7d4PD222AAA"]),
            try sessionToken(header: ["cat": "cl_B7d4PD333AAA"]),
        ]
        for token in tokens {
            let state = try await authClient().authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", "1")]))
            expectState(state, .signedOut, .tokenTypeMismatch)
            #expect(state.message == "")
        }
    }

    @Test("Machine tokens are never read from cookies", arguments: [TokenType.apiKey, .oauthToken, .m2mToken])
    func machineTokenInCookie(type: TokenType) async throws {
        let token = type == .apiKey ? "ak_0123456789abcdefghij" : type == .oauthToken ? "oat_0123456789abcdefghij" : "mt_0123456789abcdefghij"
        let acceptsToken: AcceptsToken = type == .apiKey ? .apiKey : type == .m2mToken ? .m2mToken : .oauthToken
        let state = try await authClient().authenticateRequest(
            apiRequest(cookies: [("__session", token)]), options: AuthenticateRequestOptions(acceptsToken: acceptsToken)
        )
        expectState(state, .signedOut, .noTokenInHeader)
        #expect(state.tokenType == type)
    }

    @Test("A v2 token whose fea cannot be read is signed out, never thrown (cookie and header alike)")
    func malformedClaimsDoNotThrow() async throws {
        let token = try sessionToken(claims: ["v": 2, "fea": "no-scope-here", "o": ["id": "org_1", "rol": "admin", "per": "read", "fpm": "1"]])
        let client = try authClient()
        let cookie = try await client.authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", "1")]))
        #expect(cookie.status == .signedOut)
        #expect(cookie.reason != nil)
        let header = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"))
        #expect(header.status == .signedOut)
        #expect(header.reason == cookie.reason)
    }

    @Test("POST document requests never get a handshake")
    func postNeverHandshakes() async throws {
        let client = try authClient()
        let token = try sessionToken()
        let newer = String(Int64(tokenNow.timeIntervalSince1970) + 100)
        let noToken = try await client.authenticateRequest(authRequest(method: .post, cookies: [("__client_uat", "1")]))
        expectState(noToken, .signedOut, .clientUATWithoutSessionToken)
        #expect(noToken.location == nil)
        let stale = try await client.authenticateRequest(authRequest(method: .post, cookies: [("__session", token), ("__client_uat", newer)]))
        expectState(stale, .signedOut, .sessionTokenIATBeforeClientUAT)
        let satellite = try await authClient(secretKey: AuthKeys.liveSecretKey()).authenticateRequest(
            authRequest(method: .post), options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, satelliteAutoSync: true)
        )
        expectState(satellite, .signedOut, .sessionTokenAndUATMissing)
    }

    @Test("Handshake eligibility: GET with sec-fetch-dest document/iframe, or text/html without sec-fetch-dest", arguments: [
        ("GET", "document", nil, true),
        ("GET", "iframe", nil, true),
        ("GET", nil, "text/html,application/xhtml+xml", true),
        ("GET", nil, "text/html", true),
        ("GET", "empty", "text/html", false),
        ("GET", nil, "application/json", false),
        ("GET", nil, nil, false),
        ("GET", "script", nil, false),
        ("POST", "document", nil, false),
        ("PUT", "document", nil, false),
        ("POST", nil, "text/html", false),
        ("HEAD", "document", nil, false),
    ] as [(String, String?, String?, Bool)])
    func eligibility(method: String, dest: String?, accept: String?, eligible: Bool) async throws {
        let state = try await authClient().authenticateRequest(
            authRequest(method: HTTPRequest.Method(method)!, cookies: [("__client_uat", "1")], secFetchDest: dest, accept: accept)
        )
        expectState(state, eligible ? .handshake : .signedOut, .clientUATWithoutSessionToken)
        #expect((state.location != nil) == eligible)
    }
}

@Suite("authenticateRequest: suffixed cookies (§2.5)")
struct AuthenticateRequestSuffixedCookieTests {
    static let iat = Int64(tokenNow.timeIntervalSince1970)

    /// Session tokens: `own` from this instance, `foreign` from another app on the same site.
    static func own(iat offset: Int64 = 0, expired: Bool = false) throws -> String {
        try sessionToken(now: tokenNow.addingTimeInterval(TimeInterval(offset) - (expired ? 3_600 : 0)), userID: "user_own")
    }

    static func foreign() throws -> String {
        try TestIssuers.other.sessionToken(userID: "user_foreign", now: tokenNow, extraClaims: ["iss": "https://clerk.other-app.test"])
    }

    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let pk: String
        let cookies: @Sendable (String) throws -> [(String, String)]
        let suffixed: Bool
        var testDescription: String { name }
    }

    static let rows: [Row] = [
        // Un-suffixed.
        Row(name: "only un-suffixed cookies", pk: AuthKeys.pkLive, cookies: { _ in
            [("__session", try own()), ("__client_uat", String(iat))]
        }, suffixed: false),
        Row(name: "un-suffixed session without iss", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", try TestIssuers.primary.sign(claims: ["sub": "u", "exp": .int(iat + 60)])), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat))]
        }, suffixed: false),
        Row(name: "suffixed and newer un-suffixed (ClerkJS downgrade)", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", try own(iat: 10)), ("__client_uat", String(iat)), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat))]
        }, suffixed: false),
        Row(name: "suffixed client_uat signed out, un-suffixed signed in (ClerkJS downgrade)", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", try own()), ("__client_uat", String(iat)), ("__client_uat_\(s)", "0")]
        }, suffixed: false),
        Row(name: "dev: suffixed session expired, un-suffixed client_uat 0", pk: AuthKeys.pkTest, cookies: { s in
            [("__client_uat", "0"), ("__session_\(s)", try own(expired: true)), ("__client_uat_\(s)", String(iat - 3_600))]
        }, suffixed: false),
        Row(name: "suffixed session without suffixed client_uat", pk: AuthKeys.pkLive, cookies: { s in
            [("__session_\(s)", try own())]
        }, suffixed: false),
        Row(name: "prod: suffixed session, signed-out suffixed client_uat, no un-suffixed client_uat", pk: AuthKeys.pkLive, cookies: { s in
            [("__session_\(s)", try own()), ("__client_uat_\(s)", "0")]
        }, suffixed: false),
        // Suffixed.
        Row(name: "prod: valid suffixed and un-suffixed cookies", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", try own()), ("__client_uat", String(iat)), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat))]
        }, suffixed: true),
        Row(name: "prod: un-suffixed session of another issuer (apps on one eTLD+1)", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", try foreign()), ("__client_uat", String(iat)), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat))]
        }, suffixed: true),
        Row(name: "dev: un-suffixed session of another issuer (apps on localhost)", pk: AuthKeys.pkTest, cookies: { s in
            [("__session", try foreign()), ("__client_uat", String(iat)), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat)), ("__clerk_db_jwt_\(s)", "dvb")]
        }, suffixed: true),
        Row(name: "un-suffixed session with a non-string iss", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", try TestIssuers.other.sign(claims: ["sub": "u", "iss": 42, "exp": .int(iat + 60)])), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat))]
        }, suffixed: true),
        Row(name: "dev: suffixed session and signed-out client_uats", pk: AuthKeys.pkTest, cookies: { s in
            [("__client_uat", "0"), ("__session_\(s)", try own()), ("__client_uat_\(s)", "0")]
        }, suffixed: true),
        Row(name: "prod: no suffixed session, signed-out client_uats", pk: AuthKeys.pkLive, cookies: { s in
            [("__client_uat", "0"), ("__client_uat_\(s)", "0")]
        }, suffixed: true),
        Row(name: "prod: suffixed session expired, un-suffixed client_uat 0 (rule 6 is dev only)", pk: AuthKeys.pkLive, cookies: { s in
            [("__client_uat", "0"), ("__session_\(s)", try own(expired: true)), ("__client_uat_\(s)", String(iat - 3_600))]
        }, suffixed: true),
        Row(name: "an empty un-suffixed __session counts as absent", pk: AuthKeys.pkLive, cookies: { s in
            [("__session", ""), ("__session_\(s)", try own()), ("__client_uat_\(s)", String(iat))]
        }, suffixed: true),
    ]

    @Test("usesSuffixedCookies decision table", arguments: rows)
    func decision(_ row: Row) throws {
        let suffix = try PublishableKey(row.pk).cookieSuffix
        let cookies = try row.cookies(suffix)
        let context = try AuthenticateContext(
            request: authRequest(cookies: cookies), options: AuthenticateRequestOptions(), client: try authClient(pk: row.pk)
        )
        #expect(context.usesSuffixedCookies == row.suffixed)
        let expectedSession = cookies.first { $0.0 == (row.suffixed ? "__session_\(suffix)" : "__session") }?.1
        #expect(context.sessionTokenInCookie == (expectedSession?.isEmpty == true ? nil : expectedSession))
    }

    @Test("End to end: the suffixed session of this instance signs in next to another app's un-suffixed one")
    func endToEnd() async throws {
        let suffix = try PublishableKey(AuthKeys.pkLive).cookieSuffix
        let state = try await authClient().authenticateRequest(
            authRequest(cookies: [
                ("__session", try Self.foreign()), ("__client_uat", "1"), ("__session_\(suffix)", try Self.own()),
                ("__client_uat_\(suffix)", String(Self.iat)),
            ])
        )
        expectState(state, .signedIn, nil)
        #expect(state.toAuth()?.userID == "user_own")
        // And a handshake then says suffixed_cookies=true.
        let handshake = try await authClient().authenticateRequest(
            authRequest(cookies: [("__session", try Self.foreign()), ("__client_uat_\(suffix)", String(Self.iat))])
        )
        expectState(handshake, .handshake, .clientUATWithoutSessionToken)
        #expect(queryValue("suffixed_cookies", in: handshake.location) == "true")
    }
}

@Suite("authenticateRequest: satellites and multi-domain sync")
struct AuthenticateRequestSatelliteTests {
    let devSignIn = "https://primary.example.test/sign-in"

    func prodSatellite(autoSync: Bool? = nil) throws -> (ClerkClient, AuthenticateRequestOptions) {
        (try authClient(secretKey: AuthKeys.liveSecretKey()), AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, satelliteAutoSync: autoSync))
    }

    func devSatellite(autoSync: Bool? = nil) throws -> (ClerkClient, AuthenticateRequestOptions) {
        (
            try authClient(pk: AuthKeys.pkTest),
            AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, satelliteAutoSync: autoSync, signInURL: URL(string: devSignIn))
        )
    }

    let satelliteURL = "https://satellite.test/page?tab=1&q=a%26b"

    @Test("Production satellite with satelliteAutoSync and no cookies: handshake through clerk.<domain> [11y]")
    func prodAutoSync() async throws {
        let (client, options) = try prodSatellite(autoSync: true)
        let state = try await client.authenticateRequest(authRequest(satelliteURL), options: options)
        expectState(state, .handshake, .satelliteCookieNeedsSyncing)
        #expect(state.message == "")
        #expect(state.location?.hasPrefix("https://clerk.satellite.test/v1/client/handshake?") == true)
        #expect(queryValue("redirect_url", in: state.location) == satelliteURL)
        #expect(queryValue("__clerk_hs_reason", in: state.location) == "satellite-needs-syncing")
        #expect(state.isSatellite)
        #expect(state.domain == "satellite.test")
    }

    @Test("Development satellite with satelliteAutoSync: redirect to signInURL with __clerk_redirect_url")
    func devAutoSync() async throws {
        let (client, options) = try devSatellite(autoSync: true)
        let state = try await client.authenticateRequest(authRequest(satelliteURL), options: options)
        expectState(state, .handshake, .satelliteCookieNeedsSyncing)
        let location = try #require(state.location)
        #expect(location.hasPrefix(devSignIn + "?"))
        #expect(queryItems(of: location).map(\.name) == ["__clerk_redirect_url"])
        #expect(queryValue("__clerk_redirect_url", in: location) == satelliteURL)
        #expect(state.headerFields.first(name: "cache-control") == "no-store")
    }

    @Test("Development satellite sync: signInURL's parameters keep their encoding; the return URL round-trips exactly, + included")
    func devSyncEncoding() async throws {
        let client = try authClient(pk: AuthKeys.pkTest)
        let options = AuthenticateRequestOptions(
            domain: "satellite.test", isSatellite: true, satelliteAutoSync: true, signInURL: URL(string: devSignIn + "?lang=en&plus=%2B")
        )
        let page = "https://satellite.test/search?q=a+b&r=%2B"
        let state = try await client.authenticateRequest(authRequest(page), options: options)
        expectState(state, .handshake, .satelliteCookieNeedsSyncing)
        let location = try #require(state.location)
        #expect(location.hasPrefix(devSignIn + "?lang=en&plus=%2B&__clerk_redirect_url="))
        // A form decoder (URLSearchParams, most server frameworks) reads `+` as a space: the value must not contain one.
        let encoded = try #require(URLComponents(string: location)?.percentEncodedQueryItems?.last?.value)
        #expect(!encoded.contains("+"))
        #expect(queryValue("__clerk_redirect_url", in: location) == page)
    }

    @Test("A satellite's non-browser request is not synced [11y]")
    func nonBrowser() async throws {
        let (client, options) = try prodSatellite(autoSync: true)
        let state = try await client.authenticateRequest(authRequest(satelliteURL, secFetchDest: nil, accept: "application/json"), options: options)
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
    }

    @Test("Without satelliteAutoSync (false or unset) and no cookies: signed out without a handshake", arguments: [false, true])
    func noAutoSync(explicitFalse: Bool) async throws {
        for (client, options) in [try prodSatellite(autoSync: explicitFalse ? false : nil), try devSatellite(autoSync: explicitFalse ? false : nil)] {
            let state = try await client.authenticateRequest(authRequest(satelliteURL), options: options)
            expectState(state, .signedOut, .sessionTokenAndUATMissing)
            #expect(state.location == nil)
        }
    }

    @Test("__clerk_synced=false forces the sync even without satelliteAutoSync (prod and dev)")
    func syncedFalse() async throws {
        let url = "https://satellite.test/page?__clerk_synced=false"
        let (prod, prodOptions) = try prodSatellite()
        let prodState = try await prod.authenticateRequest(authRequest(url), options: prodOptions)
        expectState(prodState, .handshake, .satelliteCookieNeedsSyncing)
        #expect(prodState.location?.hasPrefix("https://clerk.satellite.test/v1/client/handshake?") == true)
        let (dev, devOptions) = try devSatellite()
        let devState = try await dev.authenticateRequest(authRequest(url), options: devOptions)
        expectState(devState, .handshake, .satelliteCookieNeedsSyncing)
        #expect(devState.location?.hasPrefix(devSignIn + "?__clerk_redirect_url=") == true)
        // Even with cookies, __clerk_synced=false syncs.
        let withCookies = try await prod.authenticateRequest(authRequest(url, cookies: [("__client_uat", "1")]), options: prodOptions)
        expectState(withCookies, .handshake, .satelliteCookieNeedsSyncing)
    }

    @Test("__clerk_synced=true suppresses the sync (just synced, no loop)")
    func syncedTrue() async throws {
        let url = "https://satellite.test/page?__clerk_synced=true"
        let (prod, prodOptions) = try prodSatellite(autoSync: true)
        expectState(try await prod.authenticateRequest(authRequest(url), options: prodOptions), .signedOut, .sessionTokenAndUATMissing)
        let (dev, devOptions) = try devSatellite(autoSync: true)
        let devState = try await dev.authenticateRequest(authRequest(url, cookies: [("__clerk_db_jwt", "dvb")]), options: devOptions)
        expectState(devState, .signedOut, .sessionTokenAndUATMissing)
    }

    @Test("A satellite with a valid token and client_uat is signed in (no cross-origin handshake for satellites)")
    func satelliteSignedIn() async throws {
        let (client, options) = try prodSatellite(autoSync: true)
        let token = try TestIssuers.primary.sessionToken(userID: "user_1", now: tokenNow, extraClaims: ["iss": "https://clerk.satellite.test"])
        let state = try await client.authenticateRequest(
            authRequest(satelliteURL, cookies: [("__session", token), ("__client_uat", tokenNowSeconds)], headers: [("Referer", "https://elsewhere.test/")]),
            options: options
        )
        expectState(state, .signedIn, nil)
    }

    @Test("A satellite sync that loops (counter 3) is signed out, with satellite guidance in the log")
    func satelliteLoop() async throws {
        let store = CapturingLogHandler.Store()
        let client = try authClient(secretKey: AuthKeys.liveSecretKey()) { options in
            options.logger = Logger(label: "test", factory: { _ in CapturingLogHandler(store: store) })
        }
        let state = try await client.authenticateRequest(
            authRequest(satelliteURL, cookies: [("__clerk_redirect_count", "3")]),
            options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, satelliteAutoSync: true)
        )
        expectState(state, .signedOut, .satelliteCookieNeedsSyncing)
        #expect(state.location == nil)
        #expect(store.all.contains("satellite"))
    }

    // MARK: Primary responds to syncing (row 4)

    @Test("Development primary answers a satellite's sync: back to __clerk_redirect_url with the dev browser and __clerk_synced=true")
    func primaryResponds() async throws {
        let back = "http://localhost:3000/page?x=1&plus=%2B"
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
            authRequest(appOrigin + "/sign-in?__clerk_redirect_url=" + back.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!, cookies: [("__clerk_db_jwt", "dvb_1")])
        )
        expectState(state, .handshake, .primaryRespondsToSyncing)
        let location = try #require(state.location)
        #expect(location.hasPrefix("http://localhost:3000/page?x=1&plus=%2B&"), "the satellite's own parameters keep their encoding")
        let items = queryItems(of: location)
        #expect(items.first { $0.name == "x" }?.value == "1")
        #expect(items.first { $0.name == "__clerk_db_jwt" }?.value == "dvb_1")
        #expect(items.filter { $0.name == "__clerk_synced" }.map(\.value) == ["true"])
        #expect(state.headerFields.first(name: "cache-control") == "no-store")
    }

    @Test("Primary responds to syncing wins over dev-browser-sync, and overwrites __clerk_synced=false (no duplicates)")
    func primaryRespondsPrecedence() async throws {
        let back = "http://localhost:3000/?__clerk_synced=false"
        let url = appOrigin + "/?__clerk_db_jwt=from_query&__clerk_redirect_url=" + back.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(url, cookies: [("__clerk_db_jwt", "from_cookie")]))
        expectState(state, .handshake, .primaryRespondsToSyncing)
        let items = queryItems(of: state.location)
        #expect(items.filter { $0.name == "__clerk_synced" }.map(\.value) == ["true"])
        #expect(items.filter { $0.name == "__clerk_db_jwt" }.map(\.value) == ["from_query"])
    }

    @Test("__clerk_redirect_url is validated: same origin, configured origins and (dev) loopback only", arguments: [
        ("http://localhost:3000/", true),
        ("http://127.0.0.1:4000/x", true),
        (appOrigin + "/elsewhere", true),
        ("https://satellite.test/page", true),  // configured below
        ("https://evil.test/", false),
        ("https://app.example.test.evil.test/", false),
        ("javascript:alert(1)", false),
        ("//evil.test/", false),
        ("/relative", false),
        ("https://user@evil.test/", false),
        ("ftp://satellite.test/", false),
    ] as [(String, Bool)])
    func redirectValidation(target: String, allowed: Bool) async throws {
        let url = appOrigin + "/?__clerk_redirect_url=" + target.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let state = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
            authRequest(url, cookies: [("__clerk_db_jwt", "dvb")]), options: AuthenticateRequestOptions(allowedRedirectOrigins: ["https://satellite.test"])
        )
        if allowed {
            expectState(state, .handshake, .primaryRespondsToSyncing)
            #expect(state.location?.hasPrefix(target) == true)
        } else {
            expectState(state, .signedOut, .redirectNotAllowed)
            #expect(state.location == nil)
        }
    }

    @Test("Production primaries and satellites ignore __clerk_redirect_url")
    func redirectIgnored() async throws {
        let url = appOrigin + "/?__clerk_redirect_url=https%3A%2F%2Fevil.test%2F"
        expectState(try await authClient().authenticateRequest(authRequest(url)), .signedOut, .sessionTokenAndUATMissing)
        let (dev, devOptions) = try devSatellite()
        // (Not a document request, so rows 2/3 do not apply; a primary would answer primary-responds-to-syncing here.)
        let state = try await dev.authenticateRequest(authRequest(url, cookies: [("__clerk_db_jwt", "dvb")], secFetchDest: nil), options: devOptions)
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
        let primary = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(authRequest(url, cookies: [("__clerk_db_jwt", "dvb")], secFetchDest: nil))
        expectState(primary, .signedOut, .redirectNotAllowed)
    }
}

@Suite("authenticateRequest: cross-origin sync on the primary (row 15)")
struct AuthenticateRequestCrossOriginTests {
    func state(pk: String = AuthKeys.pkLive, referer: String?, method: HTTPRequest.Method = .get, dest: String? = "document", count: String? = nil)
        async throws -> RequestState
    {
        var cookies = [("__session", try sessionToken()), ("__client_uat", tokenNowSeconds), ("__clerk_db_jwt", "dvb")]
        if let count { cookies.append(("__clerk_redirect_count", count)) }
        let headers = referer.map { [("Referer", $0)] } ?? []
        return try await authClient(pk: pk).authenticateRequest(authRequest(method: method, cookies: cookies, secFetchDest: dest, headers: headers))
    }

    @Test("A cross-origin (or cross-site) document navigation forces a handshake")
    func crossOrigin() async throws {
        for referer in ["https://satellite.test/page", "https://sub.app.example.test/", "http://app.example.test/", "https://app.example.test:8443/"] {
            let result = try await state(referer: referer)
            expectState(result, .handshake, .primaryDomainCrossOriginSync)
            #expect(result.message == "Cross-origin request from satellite domain requires handshake")
        }
    }

    @Test("No handshake: same origin, no referer, POST, non-document, invalid referer, redirect already counted")
    func noHandshake() async throws {
        expectState(try await state(referer: appOrigin + "/previous"), .signedIn, nil)
        expectState(try await state(referer: nil), .signedIn, nil)
        expectState(try await state(referer: "https://satellite.test/", method: .post), .signedIn, nil)
        expectState(try await state(referer: "https://satellite.test/", dest: "empty"), .signedIn, nil)
        expectState(try await state(referer: "not a url at all"), .signedIn, nil)
        expectState(try await state(referer: "https://satellite.test/", count: "1"), .signedIn, nil)
    }

    @Test("Known Clerk referrers", arguments: [
        // (pk, referer, handshake?)
        ("live", "https://accounts.other.test/sign-in", true),
        ("live", "https://accounts.example.test/sign-in", false),  // derived from the Frontend API
        ("live", "https://clerk.example.test/v1/oauth_callback", false),  // the Frontend API itself
        ("test", "https://clerk.example.test/", false),
        ("test", "https://foo-bar-13.accounts.dev/sign-in", false),  // dev account portal (current)
        ("test", "https://accounts.foo-bar-13.lcl.dev/sign-in", false),  // dev account portal (legacy)
        ("live", "https://foo-bar-13.accounts.dev/sign-in", true),  // not trusted in production
        ("live", "https://accounts.foo-bar-13.lcl.dev/sign-in", true),
        ("test", "https://foo.clerk.accounts.dev/", true),  // a Frontend API of another dev instance
        ("test", "https://random.example.org/", true),
    ] as [(String, String, Bool)])
    func knownReferrers(pk: String, referer: String, handshake: Bool) async throws {
        let result = try await state(pk: pk == "live" ? AuthKeys.pkLive : AuthKeys.pkTest, referer: referer)
        if handshake {
            expectState(result, .handshake, .primaryDomainCrossOriginSync)
        } else {
            expectState(result, .signedIn, nil)
        }
    }

    @Test("The proxy host counts as the Frontend API")
    func proxyReferrer() async throws {
        let cookies = [("__session", try sessionToken()), ("__client_uat", tokenNowSeconds)]
        let state = try await authClient().authenticateRequest(
            authRequest(cookies: cookies, headers: [("Referer", "https://proxy.example.test/__clerk/v1/client")]),
            options: AuthenticateRequestOptions(proxyURL: URL(string: "https://proxy.example.test/__clerk")!)
        )
        expectState(state, .signedIn, nil)
    }
}

@Suite("authenticateRequest: organization sync (row 16)")
struct AuthenticateRequestOrganizationSyncTests {
    let sync = OrganizationSyncOptions(
        organizationPatterns: ["/orgs/:id", "/orgs/:id/(.*)", "/team/:slug", "/team/:slug/(.*)"],
        personalAccountPatterns: ["/me", "/me/(.*)"]
    )

    func authenticate(path: String, orgID: String? = "org_active", orgSlug: String? = "active", count: String? = nil, status: String? = nil)
        async throws -> RequestState
    {
        var cookies = [("__session", try sessionToken(orgID: orgID, orgSlug: orgSlug, sessionStatus: status)), ("__client_uat", tokenNowSeconds)]
        if let count { cookies.append(("__clerk_redirect_count", count)) }
        return try await authClient().authenticateRequest(authRequest(appOrigin + path, cookies: cookies), options: AuthenticateRequestOptions(organizationSyncOptions: sync))
    }

    @Test("Another organization's id in the URL: handshake with organization_id=<id> last")
    func byID() async throws {
        let state = try await authenticate(path: "/orgs/org_other/settings")
        expectState(state, .handshake, .activeOrganizationMismatch)
        #expect(queryItems(of: state.location).last?.name == "organization_id")
        #expect(queryItems(of: state.location).last?.value == "org_other")
    }

    @Test("A slug target goes under organization_id too")
    func bySlug() async throws {
        let state = try await authenticate(path: "/team/acme")
        expectState(state, .handshake, .activeOrganizationMismatch)
        #expect(queryValue("organization_id", in: state.location) == "acme")
    }

    @Test("The personal account while an organization is active: organization_id is empty")
    func personal() async throws {
        let state = try await authenticate(path: "/me/profile")
        expectState(state, .handshake, .activeOrganizationMismatch)
        #expect(queryItems(of: state.location).last?.name == "organization_id")
        #expect(queryValue("organization_id", in: state.location) == "")
        // Without an active organization the personal account is already active.
        expectState(try await authenticate(path: "/me", orgID: nil, orgSlug: nil), .signedIn, nil)
    }

    @Test("Matching targets and unrelated paths are signed in")
    func matching() async throws {
        expectState(try await authenticate(path: "/orgs/org_active"), .signedIn, nil)
        expectState(try await authenticate(path: "/team/active/x"), .signedIn, nil)
        expectState(try await authenticate(path: "/dashboard"), .signedIn, nil)
    }

    @Test("The guard is >= 3 redirects: 2 still syncs, 3 and 4 give up and stay signed in")
    func guardCount() async throws {
        let two = try await authenticate(path: "/orgs/org_other", count: "2")
        expectState(two, .handshake, .activeOrganizationMismatch)
        #expect(two.setCookies.contains { $0.hasPrefix("__clerk_redirect_count=3;") })
        expectState(try await authenticate(path: "/orgs/org_other", count: "3"), .signedIn, nil)
        expectState(try await authenticate(path: "/orgs/org_other", count: "4"), .signedIn, nil)
    }

    @Test("Pending sessions are not synced")
    func pendingNotSynced() async throws {
        let state = try await authenticate(path: "/orgs/org_other", status: "pending")
        expectState(state, .signedIn, nil)
    }
}
