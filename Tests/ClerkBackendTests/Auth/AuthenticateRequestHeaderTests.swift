@testable import ClerkBackend
import ClerkTesting
import Foundation
import Logging
import HTTPTypes
import NIOHTTP1
import Testing
import Synchronization

/// An API call (not a browser navigation): never eligible for a handshake.
func apiRequest(authorization: String? = nil, method: HTTPRequest.Method = .get, cookies: [(String, String)] = []) -> ClerkRequest {
    authRequest(appOrigin + "/api/data", method: method, cookies: cookies, authorization: authorization, secFetchDest: nil, accept: "application/json")
}

@Suite("authenticateRequest: header tokens")
struct AuthenticateRequestHeaderTests {
    @Test("A valid Bearer token signs in, with no headers and a session auth object [1y.2y]")
    func validHeaderToken() async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        let token = try sessionToken(userID: "user_42", sessionID: "sess_42")
        let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"))
        expectState(state, .signedIn, nil)
        #expect(state.isAuthenticated)
        #expect(state.token == token)
        #expect(state.tokenType == .sessionToken)
        #expect(state.message == nil)
        #expect(state.headerFields.isEmpty)
        #expect(state.publishableKey == AuthKeys.pkLive)
        let auth = try #require(state.toAuth())
        #expect(auth.userID == "user_42")
        #expect(auth.sessionID == "sess_42")
        #expect(auth.isAuthenticated)
        #expect(try await auth.getToken() == token)
        #expect(transport.requests.isEmpty, "jwtKey verification is networkless")
    }

    @Test("A scheme-less Authorization value is a token; another scheme is ignored")
    func schemes() async throws {
        let client = try authClient()
        let token = try sessionToken()
        expectState(try await client.authenticateRequest(apiRequest(authorization: token)), .signedIn, nil)
        let basic = try await client.authenticateRequest(apiRequest(authorization: "Basic dXNlcjpwYXNz"))
        expectState(basic, .signedOut, .sessionTokenAndUATMissing)
        let lower = try await client.authenticateRequest(apiRequest(authorization: "bearer \(token)"))
        expectState(lower, .signedOut, .sessionTokenAndUATMissing)
    }

    @Test("A token whose azp is not an authorized party is signed out [1y.2n]")
    func authorizedParties() async throws {
        let client = try authClient()
        let state = try await client.authenticateRequest(
            apiRequest(authorization: "Bearer \(try sessionToken())"),
            options: AuthenticateRequestOptions(authorizedParties: ["https://other.example.test"])
        )
        expectState(state, .signedOut, AuthReason(rawValue: "token-invalid-authorized-parties"))
        #expect(state.message?.hasSuffix("(reason=token-invalid-authorized-parties, token-carrier=header)") == true)
        #expect(state.tokenType == .sessionToken)
        #expect(state.token == nil)
        let ok = try await client.authenticateRequest(
            apiRequest(authorization: "Bearer \(try sessionToken())"),
            options: AuthenticateRequestOptions(authorizedParties: ["https://app.example.test"])
        )
        expectState(ok, .signedIn, nil)
    }

    @Test("A header token without azp is signed in (no azp requirement without authorizedParties)")
    func noAzp() async throws {
        let token = try TestIssuers.primary.sessionToken(userID: "user_1", now: tokenNow, authorizedParty: nil)
        expectState(try await authClient().authenticateRequest(apiRequest(authorization: "Bearer \(token)")), .signedIn, nil)
    }

    struct TimeCase: Sendable, CustomTestStringConvertible {
        let name: String
        let token: @Sendable () throws -> String
        let reason: AuthReason
        var testDescription: String { name }
    }

    static let timeCases: [TimeCase] = [
        TimeCase(
            name: "expired", token: { try sessionToken(now: tokenNow.addingTimeInterval(-3_600)) },
            reason: "session-token-expired-refresh-non-eligible-no-refresh-cookie"
        ),
        TimeCase(
            name: "nbf in the future",
            token: { try sessionToken(claims: ["nbf": .int(Int64(tokenNow.timeIntervalSince1970) + 60)]) },
            reason: .sessionTokenNBF
        ),
        TimeCase(
            name: "iat in the future",
            token: { try sessionToken(claims: ["iat": .int(Int64(tokenNow.timeIntervalSince1970) + 60)]) },
            reason: .sessionTokenIatInTheFuture
        ),
    ]

    @Test("Expired / not-yet-valid header tokens: handshake on a browser document GET [1y.2n]", arguments: timeCases)
    func timeFailuresOnDocument(_ timeCase: TimeCase) async throws {
        let token = try timeCase.token()
        let state = try await authClient(pk: AuthKeys.pkLive).authenticateRequest(authRequest(authorization: "Bearer \(token)"))
        expectState(state, .handshake, timeCase.reason)
        #expect(state.tokenType == .sessionToken)
        #expect(state.location?.hasPrefix("https://clerk.example.test/v1/client/handshake?") == true)
        #expect(queryValue("__session", in: state.location) == token, "the header token rides along as __session")
        #expect(state.message?.contains("token-carrier=header") == true)
    }

    @Test("Expired / not-yet-valid header tokens: signed out for API calls", arguments: timeCases)
    func timeFailuresOnAPI(_ timeCase: TimeCase) async throws {
        let state = try await authClient().authenticateRequest(apiRequest(authorization: "Bearer \(try timeCase.token())"))
        expectState(state, .signedOut, timeCase.reason)
        #expect(state.location == nil)
    }

    @Test("An expired header token on a POST: signed out with refresh reason non-eligible-non-get")
    func expiredPost() async throws {
        let token = try sessionToken(now: tokenNow.addingTimeInterval(-3_600))
        let state = try await authClient().authenticateRequest(authRequest(method: .post, authorization: "Bearer \(token)"))
        expectState(state, .signedOut, "session-token-expired-refresh-non-eligible-non-get")
    }

    @Test("An invalid signature is signed out [1y.2n]")
    func invalidSignature() async throws {
        let token = try TestIssuers.other.sessionToken(now: tokenNow, header: ["kid": "ins_primary"])
        let state = try await authClient().authenticateRequest(authRequest(authorization: "Bearer \(token)"))
        expectState(state, .signedOut, "token-invalid-signature")
        #expect(state.message == "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)")
    }

    @Test("A malformed token is signed out with token-invalid [1y.1n]", arguments: ["not-a-jwt", "a.b", "e30.e30.e30.e30", "%%%.%%%.%%%"])
    func malformed(token: String) async throws {
        let state = try await authClient().authenticateRequest(authRequest(authorization: "Bearer \(token)"))
        expectState(state, .signedOut, "token-invalid")
        #expect(state.tokenType == .sessionToken)
    }

    @Test("The JWKS failing to load is signed out, not thrown")
    func jwksFailure() async throws {
        let routes = RouteTable(["GET /v1/jwks": { _ in .json(status: 503, #"{"errors":[{"code":"unavailable","message":"down"}]}"#) }])
        try await withServer(routes.handle) { server in
            let state = try await serverClient(server).authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken())"))
            expectState(state, .signedOut, "jwk-remote-failed-to-load")
        }
    }

    @Test("Tokens that are not session tokens are a token-type mismatch on the session_token path")
    func nonSessionTokens() async throws {
        let jwtTemplate = try sessionToken(header: ["cat": "cl_B7d4PD222AAA"])
        let m2mCategory = try sessionToken(header: ["cat": "cl_B7d4PD333AAA"])
        let m2mJWT = try TestIssuers.primary.sign(claims: ["sub": "mch_123", "exp": .int(Int64(tokenNow.timeIntervalSince1970) + 60)])
        let oauthJWT = try TestIssuers.primary.sign(
            claims: ["sub": "user_1", "client_id": "client_1", "exp": .int(Int64(tokenNow.timeIntervalSince1970) + 60)],
            header: ["typ": "at+jwt"]
        )
        let client = try authClient()
        for token in [jwtTemplate, m2mCategory, m2mJWT, oauthJWT, "ak_0123456789abcdefghij", "mt_0123456789abcdefghij", "oat_0123456789abcdefghij"] {
            let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"))
            expectState(state, .signedOut, .tokenTypeMismatch)
            #expect(state.message == "")
            #expect(state.tokenType == .sessionToken)
        }
        // Session and "ignore" categories are session tokens.
        for cat in ["cl_B7d4PD111AAA", "cl_I7d4PD111III"] {
            let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken(header: ["cat": .string(cat)]))"))
            expectState(state, .signedIn, nil)
        }
    }
}

@Suite("authenticateRequest: acceptsToken")
struct AuthenticateRequestAcceptsTokenTests {
    @Test("The default is session_token")
    func defaultSessionToken() async throws {
        let state = try await authClient().authenticateRequest(apiRequest())
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
        #expect(state.tokenType == .sessionToken)
        #expect(state.toAuth()?.tokenType == .sessionToken)
    }

    @Test(".any accepts a session token in the header and in a cookie")
    func anySession() async throws {
        let client = try authClient()
        let token = try sessionToken()
        let header = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(acceptsToken: .any))
        expectState(header, .signedIn, nil)
        #expect(header.tokenType == .sessionToken)
        let cookie = try await client.authenticateRequest(
            authRequest(cookies: [("__session", token), ("__client_uat", tokenNowSeconds)]), options: AuthenticateRequestOptions(acceptsToken: .any)
        )
        expectState(cookie, .signedIn, nil)
    }

    @Test(".any still refuses JWT-template and M2M-category tokens as session tokens (stricter than the reference)")
    func anyRefusesCategories() async throws {
        let client = try authClient()
        for cat in ["cl_B7d4PD222AAA", "cl_B7d4PD333AAA", "cl_unknown"] {
            let state = try await client.authenticateRequest(
                apiRequest(authorization: "Bearer \(try sessionToken(header: ["cat": .string(cat)]))"),
                options: AuthenticateRequestOptions(acceptsToken: .any)
            )
            expectState(state, .signedOut, .tokenTypeMismatch)
        }
    }

    @Test(".oneOf: a session token is accepted in the header and in a cookie when listed")
    func listedSession() async throws {
        let client = try authClient()
        let token = try sessionToken()
        let options = AuthenticateRequestOptions(acceptsToken: .oneOf([.apiKey, .sessionToken]))
        expectState(try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: options), .signedIn, nil)
        expectState(
            try await client.authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", tokenNowSeconds)]), options: options),
            .signedIn, nil
        )
    }

    @Test(".oneOf mismatch: signed out with token-type-mismatch, tokenType nil, an invalid-token auth object")
    func listMismatch() async throws {
        let client = try authClient()
        let options = AuthenticateRequestOptions(
            acceptsToken: .oneOf([.apiKey, .m2mToken]), proxyURL: URL(string: "https://proxy.example.test")!, signInURL: URL(string: "https://app.example.test/sign-in")!
        )
        for request in [
            apiRequest(authorization: "Bearer \(try sessionToken())"),
            apiRequest(authorization: "Bearer oat_0123456789abcdefghij"),
            apiRequest(),  // no token at all: a session request, not listed
        ] {
            let state = try await client.authenticateRequest(request, options: options)
            expectState(state, .signedOut, .tokenTypeMismatch)
            #expect(state.tokenType == nil)
            // The reference's signedOutInvalidToken carries none of the context's URLs or keys.
            #expect(state.publishableKey == "" && state.proxyURL == nil && state.signInURL == nil)
            let auth = try #require(state.toAuth())
            #expect(auth.tokenType == nil)
            #expect(!auth.isAuthenticated)
            #expect(!auth.has(role: "admin"))
            #expect(try await auth.getToken() == nil)
        }
    }

    @Test("A single machine type without a header token: `No token in header`, even with a cookie")
    func noTokenInHeader() async throws {
        let client = try authClient()
        for type in [TokenType.apiKey, .m2mToken, .oauthToken] {
            let acceptsToken: AcceptsToken = type == .apiKey ? .apiKey : type == .m2mToken ? .m2mToken : .oauthToken
            let state = try await client.authenticateRequest(
                authRequest(cookies: [("__session", "ak_0123456789abcdefghij"), ("__client_uat", "1")]),
                options: AuthenticateRequestOptions(acceptsToken: acceptsToken)
            )
            expectState(state, .signedOut, .noTokenInHeader)
            #expect(state.reason?.rawValue == "No token in header")
            #expect(state.tokenType == type)
            let auth = try #require(state.toAuth())
            #expect(auth.tokenType == type)
            #expect(!auth.isAuthenticated)
        }
    }

    @Test("Machine type mismatches: signed out with the requested type", arguments: [
        ("ak_0123456789abcdefghij", TokenType.oauthToken),
        ("oat_0123456789abcdefghij", TokenType.m2mToken),
        ("mt_0123456789abcdefghij", TokenType.apiKey),
    ] as [(String, TokenType)])
    func machineMismatch(token: String, expected: TokenType) async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        let acceptsToken: AcceptsToken = expected == .apiKey ? .apiKey : expected == .m2mToken ? .m2mToken : .oauthToken
        let state = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(acceptsToken: acceptsToken))
        expectState(state, .signedOut, .tokenTypeMismatch)
        #expect(state.tokenType == expected)
        #expect(transport.requests.isEmpty)
    }

    @Test("A session token where a machine token is expected is a mismatch")
    func sessionWhereMachineExpected() async throws {
        let state = try await authClient().authenticateRequest(
            apiRequest(authorization: "Bearer \(try sessionToken())"), options: AuthenticateRequestOptions(acceptsToken: .apiKey)
        )
        expectState(state, .signedOut, .tokenTypeMismatch)
        #expect(state.tokenType == .apiKey)
    }
}

@Suite("authenticateRequest: toAuth and state fields")
struct AuthenticateRequestToAuthTests {
    @Test("A pending session: the state is signed in, toAuth() is signed out with sessionStatus pending")
    func pending() async throws {
        let token = try sessionToken(sessionStatus: "pending")
        let state = try await authClient().authenticateRequest(apiRequest(authorization: "Bearer \(token)"))
        expectState(state, .signedIn, nil)
        let auth = try #require(state.toAuth())
        #expect(!auth.isAuthenticated)
        #expect(auth.sessionStatus == "pending")
        #expect(auth.userID == nil)
        #expect(auth.sessionID == nil)
        #expect(auth.tokenType == .sessionToken)
        #expect(try await auth.getToken() == nil)
        let kept = try #require(state.toAuth(treatPendingAsSignedOut: false))
        #expect(kept.isAuthenticated)
        #expect(kept.userID == "user_1")
        #expect(kept.sessionStatus == "pending")
    }

    @Test("An active session is the same either way")
    func active() async throws {
        let state = try await authClient().authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken(sessionStatus: "active"))"))
        #expect(state.toAuth()?.isAuthenticated == true)
        #expect(state.toAuth()?.sessionStatus == "active")
        #expect(state.toAuth(treatPendingAsSignedOut: false)?.isAuthenticated == true)
    }

    @Test("Signed out: a signed-out session object; handshake: nil")
    func signedOutAndHandshake() async throws {
        let client = try authClient()
        let signedOut = try await client.authenticateRequest(apiRequest())
        let auth = try #require(signedOut.toAuth())
        #expect(!auth.isAuthenticated)
        #expect(auth.userID == nil && auth.sessionID == nil && auth.orgID == nil && auth.sessionClaims == nil)
        #expect(auth.sessionStatus == nil)
        #expect(!auth.has(permission: "org:x:read"))
        let handshake = try await client.authenticateRequest(authRequest(cookies: [("__client_uat", "1")]))
        expectState(handshake, .handshake, .clientUATWithoutSessionToken)
        #expect(handshake.toAuth() == nil)
        #expect(!handshake.isAuthenticated)
    }

    @Test("Options are echoed into the state")
    func echoedFields() async throws {
        let client = try authClient(secretKey: AuthKeys.liveSecretKey())
        let state = try await client.authenticateRequest(
            apiRequest(),
            options: AuthenticateRequestOptions(
                domain: "satellite.test", isSatellite: true, proxyURL: URL(string: "https://proxy.test/__clerk/")!, signInURL: URL(string: "https://primary.test/sign-in")!,
                signUpURL: URL(string: "https://primary.test/sign-up")!, afterSignInURL: URL(string: "/after-in")!, afterSignUpURL: URL(string: "/after-up")!
            )
        )
        #expect(state.publishableKey == AuthKeys.pkLive)
        #expect(state.domain == "satellite.test")
        #expect(state.isSatellite)
        #expect(state.proxyURL?.absoluteString == "https://proxy.test/__clerk")
        #expect(state.signInURL?.absoluteString == "https://primary.test/sign-in")
        #expect(state.signUpURL?.absoluteString == "https://primary.test/sign-up")
        #expect(state.afterSignInURL?.absoluteString == "/after-in")
        #expect(state.afterSignUpURL?.absoluteString == "/after-up")
    }
}

@Suite("authenticateRequest: pre-flight configuration errors")
struct AuthenticateRequestPreflightTests {
    func expectClerkError(
        _ code: ClerkError.Code, _ messagePrefix: String, sourceLocation: SourceLocation = #_sourceLocation,
        _ body: () async throws -> Void
    ) async {
        let error = await thrownError(body)
        guard let error = error as? ClerkError else {
            Issue.record("expected ClerkError \(code.rawValue), got \(String(describing: error))", sourceLocation: sourceLocation)
            return
        }
        #expect(error.code == code, sourceLocation: sourceLocation)
        #expect(error.message.hasPrefix(messagePrefix), "\(error.message)", sourceLocation: sourceLocation)
    }

    @Test("A missing publishable key throws (before the secret-key check)")
    func missingPublishableKey() async throws {
        await expectClerkError(.invalidPublishableKey, "Publishable key is missing") {
            _ = try await authClient(pk: nil, secretKey: nil).authenticateRequest(apiRequest())
        }
        await expectClerkError(.invalidPublishableKey, "Publishable key is missing") {
            _ = try await authClient(pk: nil).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .any))
        }
    }

    @Test("An invalid publishable key throws, from the options or the client")
    func invalidPublishableKey() async throws {
        await expectClerkError(.invalidPublishableKey, "Publishable key not valid") {
            _ = try await authClient(pk: "pk_test_garbage").authenticateRequest(apiRequest())
        }
        await expectClerkError(.invalidPublishableKey, "Publishable key not valid") {
            _ = try await authClient().authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(publishableKey: "pk_live_bm9kb2xsYXI"))
        }
    }

    @Test("A missing secret key throws")
    func missingSecretKey() async throws {
        await expectClerkError(.missingSecretKey, "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance.") {
            _ = try await authClient(secretKey: nil).authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken())"))
        }
    }

    @Test("m2m_token needs a machine secret key or a secret key, but no publishable key")
    func m2mPreflight() async throws {
        await expectClerkError(.missingSecretKey, "Machine token authentication requires either a Machine secret key or a Clerk secret key.") {
            _ = try await authClient(pk: nil, secretKey: nil).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
        }
        let machineOnly = try authClient(pk: nil, secretKey: nil) { $0.machineSecretKey = "ak_machine_secret" }
        let state = try await machineOnly.authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .m2mToken))
        expectState(state, .signedOut, .noTokenInHeader)
        // api_key needs no publishable key either.
        let apiKey = try await authClient(pk: nil).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .apiKey))
        expectState(apiKey, .signedOut, .noTokenInHeader)
    }

    @Test("oauth_token, like session flows, needs a valid publishable key (only m2m_token and api_key skip it)")
    func oauthNeedsPublishableKey() async throws {
        await expectClerkError(.invalidPublishableKey, "Publishable key is missing") {
            _ = try await authClient(pk: nil).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .oauthToken))
        }
        await expectClerkError(.invalidPublishableKey, "Publishable key not valid") {
            _ = try await authClient(pk: "pk_live_nope").authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .oauthToken))
        }
        let state = try await authClient().authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(acceptsToken: .oauthToken))
        expectState(state, .signedOut, .noTokenInHeader)
    }

    @Test("A request URL that is not absolute is refused (there is no public URL to work with)")
    func relativeRequestURL() async throws {
        await expectClerkError(.invalidArgument, "ClerkRequest.url must be an absolute URL") {
            _ = try await authClient().authenticateRequest(ClerkRequest(method: .get, url: "/dashboard"))
        }
    }

    @Test("A satellite needs a domain or a proxy URL")
    func satelliteNeedsDomain() async throws {
        await expectClerkError(.invalidConfiguration, "Missing domain and proxyURL. A satellite application needs to specify a domain or a proxyURL") {
            _ = try await authClient(secretKey: AuthKeys.liveSecretKey()).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(isSatellite: true))
        }
        let withProxy = try await authClient(secretKey: AuthKeys.liveSecretKey()).authenticateRequest(
            apiRequest(), options: AuthenticateRequestOptions(isSatellite: true, proxyURL: URL(string: "/__clerk")!)
        )
        expectState(withProxy, .signedOut, .sessionTokenAndUATMissing)
    }

    @Test("A development satellite needs a signInURL: absolute and on another origin than the request's Origin")
    func devSatelliteSignInURL() async throws {
        await expectClerkError(.invalidConfiguration, "Missing signInURL. Pass a signInURL for dev instances if an app is satellite") {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
                apiRequest(), options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true)
            )
        }
        let origin = ClerkRequest(method: .get, url: "https://sat.test/", headers: [("Origin", "https://sat.test")])
        await expectClerkError(.invalidConfiguration, "The signInURL needs to have a absolute url format.") {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
                origin, options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, signInURL: URL(string: "/sign-in")!)
            )
        }
        await expectClerkError(.invalidConfiguration, "The signInURL needs to be on a different origin than your satellite application.") {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(
                origin, options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, signInURL: URL(string: "https://sat.test/sign-in")!)
            )
        }
        // The signInURL is checked before the domain.
        await expectClerkError(.invalidConfiguration, "Missing signInURL") {
            _ = try await authClient(pk: AuthKeys.pkTest).authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(isSatellite: true))
        }
    }
}

@Suite("authenticateRequest: client options and per-call options")
struct AuthenticateRequestOptionMergingTests {
    @Test("Unset per-call options come from the client; set ones win (factory.test.ts)")
    func merging() async throws {
        let token = try sessionToken()
        let strict = try authClient { $0.authorizedParties = ["https://other.example.test"] }
        expectState(try await strict.authenticateRequest(apiRequest(authorization: "Bearer \(token)")), .signedOut, "token-invalid-authorized-parties")
        let overridden = try await strict.authenticateRequest(
            apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(authorizedParties: ["https://app.example.test"])
        )
        expectState(overridden, .signedIn, nil)

        let audience = try authClient { $0.audience = ["api://expected"] }
        let withAud = try sessionToken(claims: ["aud": "api://other"])
        expectState(try await audience.authenticateRequest(apiRequest(authorization: "Bearer \(withAud)")), .signedOut, "token-verification-failed")
        expectState(
            try await audience.authenticateRequest(apiRequest(authorization: "Bearer \(withAud)"), options: AuthenticateRequestOptions(audience: ["api://other"])),
            .signedIn, nil
        )

        // A 10-second-old expiry passes with a 60 s skew from the client, and fails when the call says 5 s.
        let lenient = try authClient { $0.clockSkew = .seconds(60) }
        let justExpired = try sessionToken(now: tokenNow.addingTimeInterval(-70))
        expectState(try await lenient.authenticateRequest(apiRequest(authorization: "Bearer \(justExpired)")), .signedIn, nil)
        let strictSkew = try await lenient.authenticateRequest(apiRequest(authorization: "Bearer \(justExpired)"), options: AuthenticateRequestOptions(clockSkew: .seconds(5)))
        expectState(strictSkew, .signedOut, "session-token-expired-refresh-non-eligible-no-refresh-cookie")

        // The publishable key of the call wins over the client's.
        let state = try await strict.authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(publishableKey: AuthKeys.pkTest))
        #expect(state.publishableKey == AuthKeys.pkTest)
        #expect(state.headerFields.first(name: "x-clerk-auth-status") == "signed-out", "a development key turns debug headers on")

        // Satellite settings of the client apply unless the call sets them (an explicit false wins: it is set).
        let satelliteClient = try authClient(secretKey: AuthKeys.liveSecretKey()) {
            $0.isSatellite = true
            $0.domain = "satellite.test"
            $0.satelliteAutoSync = true
        }
        let synced = try await satelliteClient.authenticateRequest(authRequest("https://satellite.test/"))
        expectState(synced, .handshake, .satelliteCookieNeedsSyncing)
        #expect(synced.location?.hasPrefix("https://clerk.satellite.test/") == true)
        let primary = try await satelliteClient.authenticateRequest(authRequest("https://satellite.test/"), options: AuthenticateRequestOptions(isSatellite: false))
        expectState(primary, .signedOut, .sessionTokenAndUATMissing)
        #expect(!primary.isSatellite)
    }

    @Test("The missing-azp warning for cookies is logged at most once per process")
    func azpWarningOnce() async throws {
        let store = CapturingLogHandler.Store()
        let client = try authClient { $0.logger = Logger(label: "t", factory: { _ in CapturingLogHandler(store: store) }) }
        for _ in 0..<3 {
            let token = try TestIssuers.primary.sessionToken(userID: "user_1", now: tokenNow, authorizedParty: nil)
            let state = try await client.authenticateRequest(authRequest(cookies: [("__session", token), ("__client_uat", tokenNowSeconds)]))
            expectState(state, .signedIn, nil)
        }
        let warnings = store.lines.withLock { $0 }.filter { $0.contains("without azp") }
        #expect(warnings.count <= 1)
        // A header token without azp never warns.
        let header = try TestIssuers.primary.sessionToken(userID: "user_1", now: tokenNow, authorizedParty: nil)
        let before = store.lines.withLock { $0.count }
        _ = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(header)"))
        #expect(store.lines.withLock { $0.count } == before)
    }
}
