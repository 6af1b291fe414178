import ClerkBackend
import ClerkTesting
import ClerkVapor
import Foundation
import Testing
import VaporTesting

@Suite("ClerkVapor: configuration and setup mistakes")
struct ClerkVaporConfigurationTests {
    @Test("configureFromEnvironment reads CLERK_* variables; a missing CLERK_SECRET_KEY is an error naming the variable only")
    func fromEnvironment() async throws {
        let token = try issuer().sessionToken(userID: "user_env")
        try await withApp { app in
            try app.clerk.configureFromEnvironment([
                "CLERK_SECRET_KEY": testSecretKey.revealed, "CLERK_PUBLISHABLE_KEY": productionPublishableKey,
                "CLERK_JWT_KEY": try issuer().publicKeyPEM, "CLERK_SIGN_IN_URL": "https://accounts.example.test/sign-in",
            ])
            #expect(app.clerk.isConfigured)
            #expect(try app.clerk.client.options.publishableKey == productionPublishableKey)
            #expect(try app.clerk.client.options.httpClient === app.http.client.shared)
            try standardRoutes(app)
            try await app.testing().test(.GET, "user", headers: bearer(token)) { response throws in
                #expect(try response.content.decode(WhoAmI.self).userID == "user_env")
            }
            try await app.testing().test(.GET, "dashboard", headers: documentRequest(cookies: [])) { response throws in
                #expect(response.headers.first(name: "location")?.hasPrefix("https://accounts.example.test/sign-in?redirect_url=") == true)
            }
        }
        try await withApp { app in
            let error = #expect(throws: ClerkError.self) {
                try app.clerk.configureFromEnvironment(["CLERK_PUBLISHABLE_KEY": productionPublishableKey])
            }
            #expect(error?.code == .missingSecretKey)
            #expect(!app.clerk.isConfigured)
            // A malformed key is refused, and the message never shows it.
            let malformed = #expect(throws: ClerkError.self) {
                try app.clerk.configureFromEnvironment(["CLERK_SECRET_KEY": "pk_live_oops_this_is_not_secret"])
            }
            #expect(malformed.map { "\($0)".contains("oops") } == false)
        }
    }

    @Test("An explicit transport or httpClient is kept; useApplicationHTTPClient: false keeps the SDK's own client")
    func httpClientSharing() async throws {
        try await withApp { app in
            var vapor = ClerkVaporOptions()
            vapor.useApplicationHTTPClient = false
            try app.clerk.configure(options: try networklessOptions(), vapor: vapor)
            #expect(try app.clerk.client.options.httpClient == nil)
            let transport = CountingTransport()
            var options = try networklessOptions()
            options.transport = transport
            try app.clerk.configure(options: options)
            #expect(try app.clerk.client.options.httpClient == nil && app.clerk.client.options.transport != nil)
        }
    }

    @Test("Without configuration: ClerkMiddleware answers 500, req.clerk.client throws; a middleware with its own client works")
    func notConfigured() async throws {
        let token = try issuer().sessionToken(userID: "user_own_client")
        let ownClient = try ClerkClient(options: try networklessOptions())
        try await withApp { app in
            #expect(!app.clerk.isConfigured)
            #expect(throws: ClerkError.self) { _ = try app.clerk.client }
            try standardRoutes(app)
            app.grouped("own").grouped(ClerkMiddleware(options: AuthenticateRequestOptions(), client: ownClient)).get("whoami") { req async throws -> String in
                "\(try req.clerk.client === ownClient) \(req.clerk.auth.userID ?? "")"
            }
            try await app.testing().test(.GET, "whoami", headers: bearer(token)) { response throws in
                #expect(response.status == .internalServerError)
                #expect(!response.body.string.contains(token))
            }
            try await app.testing().test(.GET, "own/whoami", headers: bearer(token)) { response throws in
                #expect(response.status == .ok)
                #expect(response.body.string == "true user_own_client")
            }
        }
    }

    @Test("A guard without ClerkMiddleware before it answers 500 (fail closed); req.clerk.auth is signed out there")
    func guardWithoutMiddleware() async throws {
        let token = try issuer().sessionToken()
        try await withClerkApp(routes: { app in
            app.grouped(ClerkGuardMiddleware.requireAuth()).get("guarded") { _ in "guarded" }
            app.get("plain") { req -> String in
                "\(req.clerk.auth.isAuthenticated) \(req.clerk.requestState == nil) \(req.auth.has(ClerkAuth.self))"
            }
        }) { app in
            try await app.testing().test(.GET, "guarded", headers: bearer(token)) { response throws in
                #expect(response.status == .internalServerError)
            }
            try await app.testing().test(.GET, "plain", headers: bearer(token)) { response throws in
                #expect(response.body.string == "false true false")
            }
        }
    }

    @Test("Middleware order: a group's ClerkMiddleware with other accepted types replaces the outer one's Auth; the same middleware twice runs once")
    func nestedMiddlewares() async throws {
        let token = try issuer().sessionToken(userID: "user_nested")
        try await withClerkApp(routes: { app in
            let outer = ClerkMiddleware()
            let session = app.grouped(outer)
            session.grouped(outer).get("twice") { req in req.clerk.auth.userID ?? "" }
            // A machine-only middleware inside a session one: a session token is not accepted there.
            session.grouped(ClerkMiddleware(acceptsToken: .apiKey)).get("machine") { req in
                "\(req.clerk.auth.isAuthenticated) \(req.auth.has(ClerkAuth.self)) \(req.clerk.auth.tokenType?.rawValue ?? "nil")"
            }
        }) { app in
            try await app.testing().test(.GET, "twice", headers: bearer(token)) { response throws in
                #expect(response.body.string == "user_nested")
            }
            try await app.testing().test(.GET, "machine", headers: bearer(token)) { response throws in
                #expect(response.body.string == "false false api_key")
            }
        }
    }

    @Test("forAcceptedToken (ClerkBackend): getAuthObjectForAcceptedToken semantics")
    func acceptedToken() throws {
        let claims = JWTClaims(raw: ["sub": "user_1", "sid": "sess_1", "exp": 4_000_000_000, "iat": 1])
        let session = try ClerkAuth(sessionClaims: claims, token: "token")
        #expect(session.forAcceptedToken(.any).userID == "user_1")
        #expect(session.forAcceptedToken(.sessionToken).userID == "user_1")
        let asKey = session.forAcceptedToken(.apiKey)
        #expect(!asKey.isAuthenticated && asKey.tokenType == .apiKey && asKey.userID == nil)
        #expect(session.forAcceptedToken(.oneOf([.sessionToken, .apiKey])).isAuthenticated)
        let invalid = session.forAcceptedToken(.oneOf([.apiKey]))
        #expect(!invalid.isAuthenticated && invalid.tokenType == nil)
        #expect(AcceptsToken.any.accepts(nil) && !AcceptsToken.sessionToken.accepts(nil))
        #expect(AcceptsToken.oneOf([.apiKey, .m2mToken]).accepts(.m2mToken) && !AcceptsToken.apiKey.accepts(.m2mToken))
        #expect(AcceptsToken.apiKey.singleType == .apiKey && AcceptsToken.any.singleType == nil)
    }

    @Test("ClerkRequest(vapor:) keeps the path and query and takes the socket peer address")
    func requestConversion() async throws {
        try await withApp { app in
            app.get("convert", "**") { req async throws -> String in
                let converted = try ClerkRequest(vapor: req)
                return "\(converted.method) \(converted.url) \(converted.remoteAddress ?? "nil")"
            }
            try await app.testing().test(.GET, "convert/a%20b?x=1&y=%2F", headers: headers([("Host", "api.example.test:8443")])) { response throws in
                #expect(response.body.string == "GET http://api.example.test:8443/convert/a%20b?x=1&y=%2F nil")
            }
            try await app.testing(method: .running(hostname: "127.0.0.1", port: 0)).test(.GET, "convert/live") { response throws in
                #expect(response.body.string.hasPrefix("GET http://127.0.0.1:"))
                #expect(response.body.string.hasSuffix("/convert/live 127.0.0.1"))
            }
            // Request targets as Vapor's server reads them (`URI(string:)`): the URL keeps the path Vapor routes and the
            // query, never the fragment; an absolute-form target's own host is not taken.
            let targets: [(String, String)] = [
                ("/a/b?x=1&y=%2F", "/a/b?x=1&y=%2F"), ("/p;q?x=1#frag", "/p;q?x=1"), ("/caf%C3%A9", "/caf%C3%A9"),
                ("http://other.example/x?y=1", "/x?y=1"), ("http://other.example?y=1", "/?y=1"), ("*", "/"),
            ]
            for (target, expected) in targets {
                let request = Request(
                    application: app, method: .GET, url: URI(string: target), headers: ["Host": "app.example.test"],
                    on: app.eventLoopGroup.any()
                )
                #expect(try ClerkRequest(vapor: request).url == "http://app.example.test" + expected, "\(target)")
            }
        }
    }
}
