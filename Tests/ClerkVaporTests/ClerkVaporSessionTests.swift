import ClerkBackend
import ClerkTesting
import ClerkVapor
import Foundation
import Synchronization
import Testing
import Vapor
import VaporTesting

@Suite("ClerkVapor: session tokens (networkless, TestTokenIssuer)")
struct ClerkVaporSessionTests {
    @Test("Signed in through the Authorization header: req.clerk.auth, req.auth.require and Vapor's guard middleware")
    func signedInWithHeader() async throws {
        let token = try issuer().sessionToken(userID: "user_header", sessionID: "sess_header")
        try await withClerkApp(routes: standardRoutes) { app in
            try await app.testing().test(.GET, "whoami", headers: bearer(token)) { response throws in
                #expect(response.status == .ok)
                let body = try response.content.decode(WhoAmI.self)
                #expect(body.isAuthenticated && body.userID == "user_header" && body.sessionID == "sess_header")
                #expect(body.tokenType == "session_token" && body.vaporLoggedIn)
                // Signed-in states carry no debug headers.
                #expect(response.headers.first(name: "x-clerk-auth-status") == nil)
            }
            try await app.testing().test(.GET, "user", headers: bearer(token)) { response throws in
                #expect(response.status == .ok)
                #expect(try response.content.decode(WhoAmI.self).userID == "user_header")
            }
            try await app.testing().test(.GET, "vapor-guard", headers: bearer(token)) { response throws in
                #expect(response.status == .ok)
                #expect(response.body.string == "user_header")
            }
        }
    }

    @Test("Per-request options: each tenant host verifies with its own instance's key; an unknown host is refused")
    func perRequestOptions() async throws {
        let tenantB = try #require(tenantBIssuer)
        let tokenA = try issuer().sessionToken(userID: "user_a")
        let tokenB = try tenantB.sessionToken(userID: "user_b")
        let keys = ["a.example.test": try issuer().publicKeyPEM, "b.example.test": tenantB.publicKeyPEM]
        try await withClerkApp(routes: { app in
            app.grouped(ClerkMiddleware(perRequestOptions: { req in
                guard let host = req.headers.first(name: .host), let key = keys[host] else { throw Abort(.notFound) }
                return AuthenticateRequestOptions(jwtKey: key)
            })).get("whoami") { req -> WhoAmI in WhoAmI(req.clerk.auth, vaporLoggedIn: req.auth.has(ClerkAuth.self)) }
        }) { app in
            func userID(_ host: String, _ token: String) async throws -> String? {
                var result: String?
                try await app.testing().test(.GET, "whoami", headers: bearer(token, [("Host", host)])) { response throws in
                    result = response.status == .ok ? try response.content.decode(WhoAmI.self).userID : "status \(response.status.code)"
                }
                return result
            }
            let results = [
                try await userID("a.example.test", tokenA), try await userID("b.example.test", tokenB),
                try await userID("a.example.test", tokenB), try await userID("b.example.test", tokenA),
                try await userID("c.example.test", tokenA),
            ]
            // Each tenant's token signs in on its own host only; an unknown host is refused by the closure.
            #expect(results == ["user_a", "user_b", nil, nil, "status 404"])
        }
    }

    @Test("Signed in through the __session cookie (with __client_uat)")
    func signedInWithCookie() async throws {
        let now = Date()
        let token = try issuer().sessionToken(userID: "user_cookie", now: now)
        let uat = Int64(now.timeIntervalSince1970) - 5
        try await withClerkApp(routes: standardRoutes) { app in
            let cookies = headers([
                ("Host", "app.example.test"), ("Cookie", "__session=\(token); __client_uat=\(uat)"), ("Accept", "application/json"),
            ])
            try await app.testing().test(.GET, "user", headers: cookies) { response throws in
                #expect(response.status == .ok)
                let body = try response.content.decode(WhoAmI.self)
                #expect(body.userID == "user_cookie" && body.vaporLoggedIn)
            }
            // A browser page load with the same cookies is signed in too (same-origin: no handshake).
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: [("__session", token), ("__client_uat", "\(uat)")])) { response throws in
                #expect(response.status == .ok)
                #expect(response.body.string == "dashboard")
            }
        }
    }

    @Test("Signed out: the route sees a signed-out Auth, requireAuth answers 401 with a Clerk-style body")
    func signedOut() async throws {
        try await withClerkApp(routes: standardRoutes) { app in
            try await app.testing().test(.GET, "whoami", headers: headers([("Accept", "application/json")])) { response throws in
                #expect(response.status == .ok)
                let body = try response.content.decode(WhoAmI.self)
                #expect(!body.isAuthenticated && body.userID == nil && !body.vaporLoggedIn)
                #expect(body.tokenType == "session_token")
            }
            try await app.testing().test(.GET, "user") { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers.first(name: "content-type")?.hasPrefix("application/json") == true)
                #expect(response.headers.first(name: "www-authenticate") == "Bearer")
                let body = try json(response)
                let error = try #require(body["errors"]?.arrayValue?.first)
                #expect(error["code"] == "authentication_invalid")
                #expect(error["message"] == "Unauthenticated")
                #expect(error["long_message"]?.stringValue?.isEmpty == false)
            }
            // Vapor's own guard answers its own 401.
            try await app.testing().test(.GET, "vapor-guard") { response throws in
                #expect(response.status == .unauthorized)
            }
            // A token that is not a JWT, and a token signed by another key: signed out too.
            try await app.testing().test(.GET, "user", headers: bearer("not-a-jwt")) { response throws in
                #expect(response.status == .unauthorized)
            }
            let stranger = try TestTokenIssuer(kid: sharedKid(), issuer: "https://\(frontendHost)", bits: 1024)
            try await app.testing().test(.GET, "user", headers: bearer(try stranger.sessionToken())) { response throws in
                #expect(response.status == .unauthorized)
            }
        }
    }

    @Test("An expired token in the Authorization header: 401 for an API request, never a redirect")
    func expiredToken() async throws {
        let expired = try issuer().sessionToken(userID: "user_expired", now: Date().addingTimeInterval(-3600), lifetime: 60)
        try await withClerkApp(routes: standardRoutes) { app in
            try await app.testing().test(.GET, "user", headers: bearer(expired)) { response throws in
                #expect(response.status == .unauthorized)
                #expect(try errorCode(response) == "authentication_invalid")
            }
            try await app.testing().test(.GET, "whoami", headers: bearer(expired)) { response throws in
                #expect(try response.content.decode(WhoAmI.self).isAuthenticated == false)
            }
        }
    }

    @Test("Handshake: a browser document request with an expired session cookie and __client_uat gets a 307 to the Frontend API with the state's headers")
    func handshakeRedirect() async throws {
        let issued = Date().addingTimeInterval(-3600)
        let expired = try issuer().sessionToken(userID: "user_hs", now: issued, lifetime: 60)
        let uat = Int64(issued.timeIntervalSince1970) - 1
        let called = CallCounter()
        try await withClerkApp(routes: { app in
            app.grouped(ClerkMiddleware()).get("dashboard") { _ in
                called.increment()
                return "dashboard"
            }
        }) { app in
            let request = documentRequest(cookies: [("__session", expired), ("__client_uat", "\(uat)")])
            try await app.testing().test(.GET, "dashboard?tab=1", headers: request) { response throws in
                #expect(response.status == .temporaryRedirect)
                let location = try #require(response.headers.first(name: "location"))
                let components = try #require(URLComponents(string: location))
                #expect(components.scheme == "https" && components.host == frontendHost && components.path == "/v1/client/handshake")
                let query = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
                #expect(query["redirect_url"] == "http://app.example.test/dashboard?tab=1")
                #expect(query["__clerk_hs_reason"] == "session-token-expired-refresh-non-eligible-no-refresh-cookie")
                #expect(query["format"] == "nonce")
                #expect(response.headers.first(name: "cache-control") == "no-store")
                #expect(response.headers[canonicalForm: "set-cookie"].contains { $0.hasPrefix("__clerk_redirect_count=1") })
                #expect(response.body.readableBytes == 0)
            }
            // The same cookies on an API request: signed out, no redirect.
            let api = headers([("Host", "app.example.test"), ("Cookie", "__session=\(expired); __client_uat=\(uat)"), ("Accept", "application/json")])
            try await app.testing().test(.GET, "dashboard", headers: api) { response throws in
                #expect(response.status == .ok)
            }
        }
        #expect(called.value == 1)
    }

    @Test("A hostile Host header never reaches the handshake redirect; X-Forwarded-* only from trusted proxies; publicOrigin replaces scheme and host")
    func hostHandling() async throws {
        let issued = Date().addingTimeInterval(-3600)
        let expired = try issuer().sessionToken(now: issued, lifetime: 60)
        let cookies = [("__session", expired), ("__client_uat", "\(Int64(issued.timeIntervalSince1970) - 1)")]
        try await withClerkApp(routes: standardRoutes) { app in
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 8123
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: cookies, host: "evil.example/x?y=")) { response throws in
                #expect(response.status == .temporaryRedirect)
                let location = try #require(response.headers.first(name: "location"))
                let redirect = URLComponents(string: location)?.queryItems?.first { $0.name == "redirect_url" }?.value
                #expect(redirect == "http://127.0.0.1:8123/dashboard")
            }
        }
        // X-Forwarded-Host/-Proto are ignored by default, honoured only from configured trusted proxies.
        var forwarded = documentRequest(cookies: cookies)
        forwarded.add(name: "X-Forwarded-Host", value: "public.example.test")
        forwarded.add(name: "X-Forwarded-Proto", value: "https")
        func redirectURL(_ app: Application) async throws -> String? {
            var result: String?
            try await app.testing().test(.GET, "dashboard", headers: forwarded) { response throws in
                let location = try #require(response.headers.first(name: "location"))
                result = URLComponents(string: location)?.queryItems?.first { $0.name == "redirect_url" }?.value
            }
            return result
        }
        try await withClerkApp(routes: standardRoutes) { app throws in
            #expect(try await redirectURL(app) == "http://app.example.test/dashboard")
        }
        var trusting = ClerkVaporOptions()
        trusting.authenticate.trustedProxies = .all
        try await withClerkApp(vapor: trusting, routes: standardRoutes) { app throws in
            #expect(try await redirectURL(app) == "https://public.example.test/dashboard")
        }

        var vapor = ClerkVaporOptions()
        vapor.publicOrigin = URL(string: "https://www.example.test")!
        try await withClerkApp(vapor: vapor, routes: standardRoutes) { app in
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: cookies, host: "internal:8080")) { response throws in
                let location = try #require(response.headers.first(name: "location"))
                let redirect = URLComponents(string: location)?.queryItems?.first { $0.name == "redirect_url" }?.value
                #expect(redirect == "https://www.example.test/dashboard")
            }
        }
    }

    @Test("requireAuth redirects signed-out page navigations to the sign-in page (with redirect_url), API requests get 401")
    func signInRedirect() async throws {
        var vapor = ClerkVaporOptions()
        vapor.signInURL = URL(string: "https://accounts.example.test/sign-in")!
        try await withClerkApp(vapor: vapor, routes: standardRoutes) { app in
            try await app.testing().test(.GET, "dashboard?a=1&b=2", headers: documentRequest(cookies: [])) { response throws in
                #expect(response.status == .temporaryRedirect)
                #expect(
                    response.headers.first(name: "location")
                        == "https://accounts.example.test/sign-in?redirect_url=http%3A%2F%2Fapp.example.test%2Fdashboard%3Fa%3D1%26b%3D2"
                )
            }
            // Accept: text/html without Sec-Fetch-Dest counts as a page navigation too.
            try await app.testing().test(.GET, "dashboard", headers: headers([("Host", "app.example.test"), ("Accept", "text/html")])) { response throws in
                #expect(response.status == .temporaryRedirect)
            }
            // fetch() from a page (Sec-Fetch-Dest: empty) and JSON clients: 401.
            try await app.testing().test(.GET, "dashboard", headers: headers([("Sec-Fetch-Dest", "empty"), ("Accept", "text/html")])) { response throws in
                #expect(response.status == .unauthorized)
            }
            try await app.testing().test(.GET, "dashboard", headers: headers([("Accept", "application/json")])) { response throws in
                #expect(response.status == .unauthorized)
            }
        }
        // CLERK_SIGN_IN_URL (ClerkOptions.signInURL) is the fallback; a guard's own signInURL wins.
        var options = try networklessOptions()
        options.signInURL = URL(string: "/sign-in")!
        try await withClerkApp(options: options, routes: { app in
            try standardRoutes(app)
            app.grouped(ClerkMiddleware()).grouped(ClerkGuardMiddleware.requireAuth(signInURL: URL(string: "/login?from=guard")!)).get("admin") { _ in "admin" }
        }) { app in
            // Relative sign-in URLs are resolved against the app's origin (as `createRedirect` does).
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: [])) { response throws in
                #expect(response.headers.first(name: "location") == "http://app.example.test/sign-in?redirect_url=http%3A%2F%2Fapp.example.test%2Fdashboard")
            }
            try await app.testing().test(.GET, "admin", headers: documentRequest(cookies: [])) { response throws in
                #expect(response.headers.first(name: "location") == "http://app.example.test/login?from=guard&redirect_url=http%3A%2F%2Fapp.example.test%2Fadmin")
            }
        }
        // A satellite's sign-in redirect to the primary marks its return URL `__clerk_synced=false`, so that coming
        // back triggers the sync (it used to be a plain redirect_url, and the satellite then looped between the two).
        var satellite = try networklessOptions()
        satellite.isSatellite = true
        satellite.domain = "app.example.test"
        satellite.signInURL = URL(string: "https://primary.example.test/sign-in")!
        try await withClerkApp(options: satellite, routes: standardRoutes) { app in
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: [])) { response throws in
                #expect(response.status == .temporaryRedirect)
                #expect(
                    response.headers.first(name: "location")
                        == "https://primary.example.test/sign-in?redirect_url=http%3A%2F%2Fapp.example.test%2Fdashboard%3F__clerk_synced%3Dfalse"
                )
            }
        }
    }

    @Test("has() guards: role, permission, feature, plan answer 403 with a Clerk-style body when not met, 401 when signed out")
    func authorizationGuards() async throws {
        let member = try issuer().sessionToken(
            userID: "user_member", orgID: "org_1", orgSlug: "acme", orgRole: "org:member", orgPermissions: ["org:reports:read"],
            extraClaims: ["fea": "o:analytics,u:beta", "pla": "u:pro"]
        )
        let admin = try issuer().sessionToken(
            userID: "user_admin", orgID: "org_1", orgRole: "org:admin", orgPermissions: ["org:reports:read", "org:reports:manage"]
        )
        try await withClerkApp(routes: { app in
            let clerk = app.grouped(ClerkMiddleware())
            clerk.grouped(ClerkGuardMiddleware.require(role: "admin")).get("admin") { _ in "admin" }
            clerk.grouped(ClerkGuardMiddleware.require(permission: "org:reports:read")).get("reports") { _ in "reports" }
            clerk.grouped(ClerkGuardMiddleware.require(permission: "reports:manage")).get("manage") { _ in "manage" }
            clerk.grouped(ClerkGuardMiddleware.require(feature: "analytics")).get("analytics") { _ in "analytics" }
            clerk.grouped(ClerkGuardMiddleware.require(plan: "pro")).get("pro") { _ in "pro" }
            clerk.grouped(ClerkGuardMiddleware.require(plan: "o:pro")).get("org-pro") { _ in "org-pro" }
            clerk.grouped(ClerkGuardMiddleware.require(where: { $0.orgSlug == "acme" })).get("acme") { _ in "acme" }
        }) { app in
            let cases: [(path: String, token: String, status: HTTPStatus)] = [
                ("admin", member, .forbidden), ("admin", admin, .ok),
                ("reports", member, .ok), ("reports", admin, .ok),
                ("manage", member, .forbidden), ("manage", admin, .ok),
                ("analytics", member, .ok), ("analytics", admin, .forbidden),
                ("pro", member, .ok), ("org-pro", member, .forbidden),
                ("acme", member, .ok), ("acme", admin, .forbidden),
            ]
            for (path, token, status) in cases {
                try await app.testing().test(.GET, path, headers: bearer(token)) { response throws in
                    #expect(response.status == status, "\(path)")
                    if status == .forbidden {
                        let error = try #require(try json(response)["errors"]?.arrayValue?.first)
                        #expect(error["code"] == "authorization_invalid" && error["message"] == "Forbidden")
                        #expect(try json(response)["clerk_error"] == nil)
                    }
                }
            }
            try await app.testing().test(.GET, "reports") { response throws in
                #expect(response.status == .unauthorized)
                #expect(try errorCode(response) == "authentication_invalid")
            }
        }
    }

    @Test("A reverification guard answers 403 with Clerk's reverification hint when the factor is too old")
    func reverification() async throws {
        let stale = try issuer().sessionToken(extraClaims: ["fva": [30, -1]])
        let fresh = try issuer().sessionToken(extraClaims: ["fva": [2, -1]])
        try await withClerkApp(routes: { app in
            app.grouped(ClerkMiddleware()).grouped(ClerkGuardMiddleware.require(reverification: .strict)).post("transfer") { _ in "ok" }
        }) { app in
            try await app.testing().test(.POST, "transfer", headers: bearer(stale)) { response throws in
                #expect(response.status == .forbidden)
                let body = try json(response)
                #expect(body["clerk_error"]?["type"] == "forbidden")
                #expect(body["clerk_error"]?["reason"] == "reverification-error")
                #expect(body["clerk_error"]?["metadata"]?["reverification"]?["level"] == "second_factor")
                #expect(body["clerk_error"]?["metadata"]?["reverification"]?["afterMinutes"] == 10)
            }
            try await app.testing().test(.POST, "transfer", headers: bearer(fresh)) { response throws in
                #expect(response.status == .ok)
            }
        }
    }

    @Test("authorizedParties: an azp in the list passes, another azp fails, a token without azp fails; [] turns the check off")
    func authorizedParties() async throws {
        let listed = try issuer().sessionToken(authorizedParty: "https://app.example.test")
        let other = try issuer().sessionToken(authorizedParty: "https://evil.example")
        let native = try issuer().sessionToken(authorizedParty: nil)
        var vapor = ClerkVaporOptions()
        vapor.authenticate.authorizedParties = ["https://app.example.test"]
        try await withClerkApp(vapor: vapor, routes: { app in
            try standardRoutes(app)
            var open = AuthenticateRequestOptions()
            open.authorizedParties = []
            app.grouped("api").grouped(ClerkMiddleware(options: open)).grouped(ClerkGuardMiddleware.requireAuth()).get("me") { req in
                req.clerk.auth.userID ?? ""
            }
        }) { app in
            try await app.testing().test(.GET, "user", headers: bearer(listed)) { #expect($0.status == .ok) }
            try await app.testing().test(.GET, "user", headers: bearer(other)) { #expect($0.status == .unauthorized) }
            try await app.testing().test(.GET, "user", headers: bearer(native)) { #expect($0.status == .unauthorized) }
            for token in [listed, other, native] {
                try await app.testing().test(.GET, "api/me", headers: bearer(token)) { #expect($0.status == .ok) }
            }
        }
    }

    @Test("A pending session is signed out by default; treatPendingAsSignedOut: false lets it in")
    func pendingSession() async throws {
        let pending = try issuer().sessionToken(userID: "user_pending", sessionStatus: "pending")
        try await withClerkApp(routes: { app in
            try standardRoutes(app)
            app.grouped("lenient").grouped(ClerkMiddleware(treatPendingAsSignedOut: false)).grouped(ClerkGuardMiddleware.requireAuth())
                .get("user") { req in req.clerk.auth.userID ?? "" }
        }) { app in
            try await app.testing().test(.GET, "user", headers: bearer(pending)) { #expect($0.status == .unauthorized) }
            try await app.testing().test(.GET, "lenient/user", headers: bearer(pending)) { response throws in
                #expect(response.status == .ok)
                #expect(response.body.string == "user_pending")
            }
        }
    }

    @Test("Satellite app (isSatellite + domain): first page load syncs through clerk.<domain>, Bearer requests sign in")
    func satellite() async throws {
        var options = try networklessOptions()
        options.isSatellite = true
        options.domain = "satellite.example.test"
        var vapor = ClerkVaporOptions()
        vapor.publicOrigin = URL(string: "https://satellite.example.test")!
        vapor.authenticate.satelliteAutoSync = true
        try await withClerkApp(options: options, vapor: vapor, routes: standardRoutes) { app in
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: [], host: "satellite.example.test")) { response throws in
                #expect(response.status == .temporaryRedirect)
                let location = try #require(response.headers.first(name: "location").flatMap { URLComponents(string: $0) })
                #expect(location.host == "clerk.satellite.example.test" && location.path == "/v1/client/handshake")
                let query = Dictionary(uniqueKeysWithValues: (location.queryItems ?? []).map { ($0.name, $0.value ?? "") })
                #expect(query["__clerk_hs_reason"] == "satellite-needs-syncing")
                #expect(query["redirect_url"] == "https://satellite.example.test/dashboard")
            }
            // After the sync (__clerk_synced=true) a signed-out page is not synced again: the guard sends it to the
            // hosted sign-in page, whose return URL tells the satellite to sync once more (__clerk_synced=false).
            try await app.testing().test(.GET, "dashboard?__clerk_synced=true", headers: documentRequest(cookies: [], host: "satellite.example.test")) { response throws in
                #expect(response.status == .temporaryRedirect)
                let location = try #require(response.headers.first(name: "location").flatMap { URLComponents(string: $0) })
                #expect(location.path == "/sign-in" && location.host?.hasPrefix("accounts.") == true, "\(location)")
                let redirect = location.queryItems?.first { $0.name == "redirect_url" }?.value
                #expect(redirect == "https://satellite.example.test/dashboard?__clerk_synced=false")
            }
            let token = try issuer().sessionToken(userID: "user_satellite")
            try await app.testing().test(.GET, "user", headers: bearer(token)) { response throws in
                #expect(response.status == .ok)
                #expect(try response.content.decode(WhoAmI.self).userID == "user_satellite")
            }
        }
        // Without satelliteAutoSync, a first visit without cookies is signed out rather than synced: a page goes to
        // sign in, an API call gets 401.
        vapor.authenticate.satelliteAutoSync = nil
        try await withClerkApp(options: options, vapor: vapor, routes: standardRoutes) { app in
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: [], host: "satellite.example.test")) { response throws in
                #expect(response.status == .temporaryRedirect)
                #expect(response.headers.first(name: "location")?.contains("/sign-in?redirect_url=") == true)
            }
            try await app.testing().test(.GET, "dashboard", headers: ["Host": "satellite.example.test"]) { response throws in
                #expect(response.status == .unauthorized)
            }
        }
        // A satellite without domain or proxyURL is a configuration error: 500, never signed in.
        options.domain = nil
        try await withClerkApp(options: options, routes: standardRoutes) { app in
            try await app.testing().test(.GET, "whoami", headers: bearer(try issuer().sessionToken())) { response throws in
                #expect(response.status == .internalServerError)
            }
        }
    }

    @Test("Development instances: signed-out states add the x-clerk-auth-* debug headers to the response")
    func debugHeaders() async throws {
        try await withClerkApp(options: try networklessOptions(publishableKey: developmentPublishableKey), routes: standardRoutes) { app in
            try await app.testing().test(.GET, "user", headers: headers([("Accept", "application/json")])) { response throws in
                #expect(response.status == .unauthorized)
                #expect(response.headers.first(name: "x-clerk-auth-status") == "signed-out")
                #expect(response.headers.first(name: "x-clerk-auth-reason") == "dev-browser-missing")
            }
            // A Bearer token signs in on a development instance without any dev-browser cookie.
            try await app.testing().test(.GET, "user", headers: bearer(try issuer().sessionToken())) { response throws in
                #expect(response.status == .ok)
            }
        }
    }
}

/// A thread-safe counter for handler calls.
final class CallCounter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// A kid shared with the test issuer, so a token from another key exercises the signature check.
func sharedKid() throws -> String { try issuer().kid }

/// A second instance's issuer, for multi-tenant tests.
private let tenantBIssuer = try? TestTokenIssuer(kid: "ins_vapor_tenant_b", issuer: "https://clerk.tenant-b.test")
