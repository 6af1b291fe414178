import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

/// The Frontend API, the hosted pages and the Backend API's handshake and refresh endpoints, on the wire.
@Suite("Emulator: Frontend API, hosted pages, handshake payloads and refresh")
struct EmulatorFrontendTests {
    static let app = "http://localhost:3000"

    /// The handshake query an SDK sends (without the dev browser unless given).
    static func handshakePath(redirect: String, devBrowser: String? = nil, suffixed: Bool = false, format: String = "nonce", extra: String = "") -> String {
        var path = "/v1/client/handshake?redirect_url=\(queryEncode(redirect))&__clerk_api_version=2026-05-12"
            + "&suffixed_cookies=\(suffixed)&__clerk_hs_reason=dev-browser-missing&format=\(format)"
        if let devBrowser { path += "&__clerk_db_jwt=" + devBrowser }
        return path + extra
    }

    /// A handshake answered with a nonce, redeemed at the Backend API: the dev browser and the directives.
    static func handshake(_ emulator: RunningEmulator, redirect: String = app + "/", devBrowser: String? = nil, suffixed: Bool = false, extra: String = "") async throws -> (devBrowser: String, directives: [String], location: String) {
        let answer = try await send(emulator, "GET", handshakePath(redirect: redirect, devBrowser: devBrowser, suffixed: suffixed, extra: extra), host: emulator.frontendHost)
        #expect(answer.status == 307 && answer.headers.first(name: "cache-control") == "no-store")
        let location = try #require(answer.location)
        let nonce = try #require(queryValue("__clerk_handshake_nonce", in: location))
        let payload = try await rawRequest(emulator, "GET", "/v1/clients/handshake_payload?nonce=" + nonce, key: emulator.secretKey)
        #expect(payload.status == 200)
        let directives = (payload.json?["directives"]?.arrayValue ?? []).compactMap(\.stringValue)
        return (try #require(queryValue("__clerk_db_jwt", in: location)), directives, location)
    }

    /// Signs in through the hosted sign-in form; answers the dev browser the browser is sent back with.
    static func signIn(_ emulator: RunningEmulator, identifier: String, password: String, redirect: String = app + "/", devBrowser: String? = nil) async throws -> String {
        var jar = CookieJar()
        var query = "/sign-in?redirect_url=" + queryEncode(redirect)
        if let devBrowser { query += "&__clerk_db_jwt=" + devBrowser }
        let page = try await send(emulator, "GET", query, host: emulator.accountsHost)
        jar.apply(page.setCookies)
        var form = [("csrf_token", try #require(page.hiddenField("csrf_token"))), ("redirect_url", redirect), ("identifier", identifier), ("password", password)]
        if let devBrowser { form.append(("__clerk_db_jwt", devBrowser)) }
        let answer = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, form: form, cookies: jar.values)
        #expect(answer.status == 303)
        let location = try #require(answer.location)
        return try #require(queryValue("__clerk_db_jwt", in: location))
    }

    static func cookieName(_ directive: String) -> String { String(directive.prefix { $0 != "=" }) }
    static func cookieValue(_ directive: String) -> String { String(directive.drop { $0 != "=" }.dropFirst().prefix { $0 != ";" }) }

    @Test("Hosts: the publishable key encodes the Frontend API host with its port, iss matches it, the Backend API stays on 127.0.0.1")
    func hosts() async throws {
        try await withEmulator { emulator, clerk in
            #expect(try PublishableKey(emulator.publishableKey).frontendAPI == "clerk.emulator.localhost:\(emulator.port)")
            #expect(emulator.issuer == "http://clerk.emulator.localhost:\(emulator.port)")
            #expect(emulator.frontendAPIURL.absoluteString == "http://clerk.emulator.localhost:\(emulator.port)")
            #expect(emulator.signInURL.absoluteString == "http://accounts.emulator.localhost:\(emulator.port)/sign-in")
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["h@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            #expect(try unverifiedClaims(token).iss == emulator.issuer)

            let jwks = try await send(emulator, "GET", "/.well-known/jwks.json", host: emulator.frontendHost)
            #expect(jwks.status == 200 && jwks.json?["keys"]?.arrayValue?.first?["kid"] == .string(emulator.instanceID))
            #expect(jwks.headers.first(name: "cache-control") == "no-store")
            // The Frontend API host does not serve the Backend API, even with the secret key.
            let users = try await send(emulator, "GET", "/v1/users", host: emulator.frontendHost, headers: [("Authorization", "Bearer \(emulator.secretKey)")])
            #expect(users.status == 404)
            #expect(try await rawRequest(emulator, "GET", "/v1/users", key: emulator.secretKey).status == 200)
            // Names that are not loopback or .localhost are still refused.
            let foreign = try await send(emulator, "GET", Self.handshakePath(redirect: Self.app), host: "clerk.example.com")
            #expect(foreign.status == 403)
            let unknownPage = try await send(emulator, "GET", "/nope", host: emulator.accountsHost)
            #expect(unknownPage.status == 404 && unknownPage.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
        }
    }

    @Test("Signed-out handshake: a new dev browser, the directives behind a single-use nonce, the redirect's query and fragment kept")
    func signedOutHandshake() async throws {
        try await withEmulator { emulator, _ in
            let answer = try await send(emulator, "GET", Self.handshakePath(redirect: Self.app + "/dash?tab=1&__clerk_db_jwt=old#top"), host: emulator.frontendHost)
            #expect(answer.status == 307 && answer.headers.first(name: "cache-control") == "no-store")
            let location = try #require(answer.location)
            let devBrowser = try #require(queryValue("__clerk_db_jwt", in: location))
            let nonce = try #require(queryValue("__clerk_handshake_nonce", in: location))
            #expect(devBrowser.hasPrefix("dvb_") && devBrowser.count == 31 && nonce.count >= 32)
            #expect(location == "\(Self.app)/dash?tab=1&__clerk_db_jwt=\(devBrowser)&__clerk_handshake_nonce=\(nonce)#top")
            #expect(answer.setCookies == ["__clerk_db_jwt=\(devBrowser); Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"])

            let suffix = try PublishableKey(emulator.publishableKey).cookieSuffix
            let payload = try await rawRequest(emulator, "GET", "/v1/clients/handshake_payload?nonce=" + nonce, key: emulator.secretKey)
            #expect(payload.status == 200)
            #expect((payload.json?["directives"]?.arrayValue ?? []).compactMap(\.stringValue) == [
                "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax",
                "__clerk_db_jwt=\(devBrowser); Path=/; Max-Age=31536000; SameSite=Lax",
                "__refresh_\(suffix)=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly",
                "__session=; Path=/; Max-Age=0; SameSite=Lax",
                "__session_\(suffix)=; Path=/; Max-Age=0; SameSite=Lax",
            ])
            // Single use, and only with the secret key.
            let again = try await rawRequest(emulator, "GET", "/v1/clients/handshake_payload?nonce=" + nonce, key: emulator.secretKey)
            #expect(again.status == 400 && again.json?["errors"]?.arrayValue?.first?["code"] == "invalid_nonce")
            let missing = try await rawRequest(emulator, "GET", "/v1/clients/handshake_payload", key: emulator.secretKey)
            #expect(missing.status == 400 && missing.json?["errors"]?.arrayValue?.first?["code"] == "missing_parameter")
            #expect(try await rawRequest(emulator, "GET", "/v1/clients/handshake_payload?nonce=" + nonce, key: nil).status == 401)

            // The same dev browser is kept; an unknown one is replaced by a new one.
            #expect(try await Self.handshake(emulator, devBrowser: devBrowser).devBrowser == devBrowser)
            let replaced = try await Self.handshake(emulator, devBrowser: "dvb_" + String(repeating: "A", count: 27)).devBrowser
            #expect(replaced != devBrowser && replaced.hasPrefix("dvb_"))
            // The host-only cookie on the Frontend API host stands in for a missing query parameter.
            let byCookie = try await send(emulator, "GET", Self.handshakePath(redirect: Self.app), host: emulator.frontendHost, cookies: ["__clerk_db_jwt": devBrowser])
            #expect(queryValue("__clerk_db_jwt", in: byCookie.location ?? "") == devBrowser)

            // format=token: the directives in a JWT signed with the instance key, session category.
            let tokenAnswer = try await send(emulator, "GET", Self.handshakePath(redirect: Self.app, devBrowser: devBrowser, format: "token"), host: emulator.frontendHost)
            let tokenLocation = try #require(tokenAnswer.location)
            let handshakeJWT = try decodeJWT(try #require(queryValue("__clerk_handshake", in: tokenLocation)))
            #expect(handshakeJWT.header.cat == "cl_B7d4PD111AAA" && handshakeJWT.header.kid == emulator.instanceID)
            #expect(handshakeJWT.claims["handshake"]?.arrayValue?.first == "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax")

            let post = try await send(emulator, "POST", Self.handshakePath(redirect: Self.app), host: emulator.frontendHost)
            #expect(post.status == 405 && post.location == nil)
        }
    }

    @Test("Redirect targets: only absolute http(s) URLs on loopback, localhost, *.localhost or the instance's origins; refused ones are never echoed")
    func redirectTargets() async throws {
        try await withEmulator { emulator, clerk in
            for refused in ["https://evil.example/x", "javascript:alert(1)", "//evil.example/", "/relative", "http://user:pw@localhost:3000/", "ftp://localhost/", "http://localhost.evil.example/"] {
                let answer = try await send(emulator, "GET", Self.handshakePath(redirect: refused), host: emulator.frontendHost, headers: [("Accept", "text/html")])
                #expect(answer.status == 400 && answer.location == nil, "\(refused)")
                #expect(!answer.body.contains("evil.example") && answer.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
                let page = try await send(emulator, "GET", "/sign-in?redirect_url=" + queryEncode(refused), host: emulator.accountsHost)
                #expect(page.status == 400 && !page.body.contains("evil.example") && !page.body.contains("name=\"password\""), "\(refused)")
            }
            let missing = try await send(emulator, "GET", "/v1/client/handshake?format=nonce", host: emulator.frontendHost)
            #expect(missing.status == 400 && missing.json?["errors"]?.arrayValue?.first?["code"] == "form_param_missing")
            for allowed in ["http://127.0.0.1:9/", "http://app.localhost:5173/x", "http://[::1]:8080/", "https://localhost/"] {
                let answer = try await send(emulator, "GET", Self.handshakePath(redirect: allowed), host: emulator.frontendHost)
                #expect(answer.status == 307, "\(allowed)")
            }
            // A redirect URL configured on the instance allows its origin; https targets get Secure cookies.
            #expect(try await send(emulator, "GET", Self.handshakePath(redirect: "https://app.example.com/home"), host: emulator.frontendHost).status == 400)
            _ = try await clerk.redirectURLs.createRedirectURL(CreateRedirectURLBody(url: "https://app.example.com/callback"))
            let configured = try await Self.handshake(emulator, redirect: "https://app.example.com/home")
            #expect(configured.location.hasPrefix("https://app.example.com/home?__clerk_db_jwt="))
            #expect(configured.directives.allSatisfy { $0.hasSuffix("; Secure") })
        }
    }

    @Test("Signed-in handshake with suffixed cookies: both families, a refresh token, the session cookie last; organization_id applied")
    func signedInHandshakeAndRefresh() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["r@example.com"], password: "long enough pw"))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Refreshers", createdBy: user.id))
            let devBrowser = try await Self.signIn(emulator, identifier: "r@example.com", password: "long enough pw")
            let suffix = try PublishableKey(emulator.publishableKey).cookieSuffix
            let (_, directives, _) = try await Self.handshake(emulator, devBrowser: devBrowser, suffixed: true)
            #expect(directives.map(Self.cookieName) == [
                "__client_uat", "__client_uat_\(suffix)", "__clerk_db_jwt", "__clerk_db_jwt_\(suffix)", "__refresh_\(suffix)",
                "__session", "__session_\(suffix)",
            ])
            #expect((Int64(Self.cookieValue(directives[0])) ?? 0) > 0 && directives[4].contains("HttpOnly"))
            let token = Self.cookieValue(directives[5])
            #expect(Self.cookieValue(directives[6]) == token)
            let claims = try await clerk.verifyToken(token)
            #expect(claims.sub == user.id && claims["azp"] == .string(Self.app) && claims.iss == emulator.issuer)
            #expect((claims.exp ?? 0) - (claims.iat ?? 0) == 60)
            #expect(claims["o"] == nil)
            let sessionID = try #require(claims.sid)
            let refreshToken = Self.cookieValue(directives[4])

            // organization_id (slug or id) sets the active organization; empty means the personal account.
            let withOrganization = try await Self.handshake(emulator, devBrowser: devBrowser, extra: "&organization_id=" + organization.slug)
            #expect(try unverifiedClaims(Self.cookieValue(withOrganization.directives.last ?? ""))["o"]?["id"] == .string(organization.id))
            let personal = try await Self.handshake(emulator, devBrowser: devBrowser, extra: "&organization_id=")
            #expect(try unverifiedClaims(Self.cookieValue(personal.directives.last ?? ""))["o"] == nil)
            let unknown = try await Self.handshake(emulator, devBrowser: devBrowser, extra: "&organization_id=org_unknown")
            #expect(try unverifiedClaims(Self.cookieValue(unknown.directives.last ?? ""))["o"] == nil)

            func refresh(_ session: String, _ body: [String: JSONValue], suffixed: Bool = true) async throws -> (status: Int, json: JSONValue?) {
                let text = String(decoding: try JSONEncoder().encode(JSONValue.object(body)), as: UTF8.self)
                return try await rawRequest(emulator, "POST", "/v1/sessions/\(session)/refresh" + (suffixed ? "?suffixed_cookies=true" : ""), key: emulator.secretKey, body: text)
            }
            let good: [String: JSONValue] = [
                "expired_token": .string(token), "refresh_token": .string(refreshToken), "request_origin": .string(Self.app),
                "format": "cookie", "request_headers": ["host": ["localhost:3000"]],
            ]
            let refreshed = try await refresh(sessionID, good)
            #expect(refreshed.status == 200 && refreshed.json?["object"] == "cookies")
            let cookies = (refreshed.json?["cookies"]?.arrayValue ?? []).compactMap(\.stringValue)
            #expect(cookies.map(Self.cookieName) == ["__session", "__session_\(suffix)"])
            let renewed = try await clerk.verifyToken(Self.cookieValue(cookies[0]))
            #expect(renewed.sid == sessionID && renewed["azp"] == .string(Self.app))
            var asToken = good
            asToken["format"] = "token"
            let tokenAnswer = try await refresh(sessionID, asToken, suffixed: false)
            #expect(tokenAnswer.status == 200 && tokenAnswer.json?["object"] == "token" && tokenAnswer.json?["jwt"]?.stringValue != nil)

            // Every validation failure is a 401 (the SDK's cue to handshake instead).
            var wrongToken = good
            wrongToken["refresh_token"] = "not-the-refresh-token"
            var wrongOrigin = good
            wrongOrigin["request_origin"] = "https://evil.example"
            var forged = good
            forged["expired_token"] = .string(String(token.dropLast(4)) + "AAAA")
            let other = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            for (session, body) in [(sessionID, wrongToken), (sessionID, wrongOrigin), (sessionID, forged), (other.id, good)] {
                let answer = try await refresh(session, body)
                #expect(answer.status == 401 && answer.json?["errors"]?.arrayValue?.first?["code"] == "authentication_invalid")
            }
            var incomplete = good
            incomplete["expired_token"] = nil
            #expect(try await refresh(sessionID, incomplete).status == 400)

            // Signing out ends the session: no more refreshes, and the next handshake is signed out.
            var jar = CookieJar()
            let page = try await send(emulator, "GET", "/sign-out?__clerk_db_jwt=" + devBrowser, host: emulator.accountsHost)
            jar.apply(page.setCookies)
            let signedOut = try await send(
                emulator, "POST", "/sign-out", host: emulator.accountsHost,
                form: [("csrf_token", try #require(page.hiddenField("csrf_token"))), ("__clerk_db_jwt", devBrowser)], cookies: jar.values
            )
            #expect(signedOut.status == 303)
            #expect(try await refresh(sessionID, good).status == 401)
            #expect(try await Self.handshake(emulator, devBrowser: devBrowser).directives.first == "__client_uat=0; Path=/; Max-Age=315360000; SameSite=Lax")
        }
    }

    @Test("Hosted pages: CSRF token and cookie, cross-site posts refused, everything escaped, 422 re-renders, sign-up")
    func hostedPages() async throws {
        try await withEmulator { emulator, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(firstName: "<script>alert(1)</script>", emailAddress: ["x@example.com"], password: "long enough pw"))
            let redirect = Self.app + "/?q=%22%3E%3Cscript%3E"
            let page = try await send(emulator, "GET", "/sign-in?redirect_url=" + queryEncode(redirect), host: emulator.accountsHost)
            #expect(page.status == 200 && page.headers.first(name: "cache-control") == "no-store")
            #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !page.body.contains("<script>alert"))
            #expect(!page.body.contains("\"><script>") && page.hiddenField("redirect_url") == redirect)
            #expect(page.headers.first(name: "content-security-policy")?.contains("default-src 'none'") == true)
            #expect(page.body.components(separatedBy: "name=\"password\"").count == 2)
            let csrfCookie = try #require(page.setCookies.first { $0.hasPrefix("__clerk_csrf=") })
            #expect(csrfCookie.contains("HttpOnly") && !csrfCookie.contains("Domain"))
            var jar = CookieJar()
            jar.apply(page.setCookies)
            let token = try #require(page.hiddenField("csrf_token"))
            let fields = [("redirect_url", redirect), ("identifier", "x@example.com"), ("password", "long enough pw")]

            let noCookie = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, form: [("csrf_token", token)] + fields)
            #expect(noCookie.status == 403 && noCookie.body.contains("name=\"identifier\"") && noCookie.location == nil)
            let wrongToken = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, form: [("csrf_token", String(repeating: "0", count: 64))] + fields, cookies: jar.values)
            #expect(wrongToken.status == 403)
            let crossOrigin = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, headers: [("Origin", "http://evil.localhost:3000")], form: [("csrf_token", token)] + fields, cookies: jar.values)
            #expect(crossOrigin.status == 403)
            let crossSite = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, headers: [("Sec-Fetch-Site", "cross-site")], form: [("csrf_token", token)] + fields, cookies: jar.values)
            #expect(crossSite.status == 403)
            let accepted = try await send(
                emulator, "POST", "/sign-in", host: emulator.accountsHost,
                headers: [("Origin", "http://\(emulator.accountsHost)"), ("Sec-Fetch-Site", "same-origin")],
                form: [("csrf_token", token)] + fields, cookies: jar.values
            )
            #expect(accepted.status == 303)
            let location = try #require(accepted.location)
            let devBrowser = try #require(queryValue("__clerk_db_jwt", in: location))
            #expect(location == "\(redirect)&__clerk_db_jwt=\(devBrowser)")
            #expect(accepted.setCookies.contains("__clerk_db_jwt=\(devBrowser); Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"))

            // Sign-up: errors re-render with 422; success creates the user and signs them in.
            let signUp = try await send(emulator, "GET", "/sign-up?redirect_url=" + queryEncode(Self.app + "/welcome"), host: emulator.accountsHost, cookies: jar.values)
            let signUpToken = try #require(signUp.hiddenField("csrf_token"))
            func postSignUp(_ email: String, _ password: String) async throws -> PageAnswer {
                try await send(emulator, "POST", "/sign-up", host: emulator.accountsHost, form: [
                    ("csrf_token", signUpToken), ("redirect_url", Self.app + "/welcome"), ("email_address", email), ("password", password),
                    ("first_name", "Grace"), ("last_name", ""),
                ], cookies: jar.values)
            }
            let short = try await postSignUp("grace@example.com", "short")
            #expect(short.status == 422 && short.body.contains("8 characters") && short.body.contains("value=\"grace@example.com\""))
            let taken = try await postSignUp("x@example.com", "long enough pw")
            #expect(taken.status == 422 && taken.body.contains("taken"))
            let created = try await postSignUp("grace@example.com", "long enough pw")
            #expect(created.status == 303 && created.location?.hasPrefix(Self.app + "/welcome?__clerk_db_jwt=dvb_") == true)
            let grace = try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["grace@example.com"]))
            #expect(grace.data.count == 1 && grace.data.first?.firstName == "Grace")
            let graceSessions = try await clerk.sessions.getSessionList(GetSessionListQuery(userID: grace.data.first?.id))
            #expect(graceSessions.data.map(\.status) == [.active])

            // The organization switcher refuses an organization the user is not in.
            let stranger = try await clerk.users.createUser(CreateUserBody(emailAddress: ["s@example.com"]))
            let foreign = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Foreign", createdBy: stranger.id))
            let switcher = try await send(emulator, "GET", "/organization?__clerk_db_jwt=" + devBrowser, host: emulator.accountsHost, cookies: jar.values)
            #expect(switcher.status == 200 && switcher.body.contains("Personal account") && !switcher.body.contains("Foreign"))
            let refused = try await send(emulator, "POST", "/organization", host: emulator.accountsHost, form: [
                ("csrf_token", try #require(switcher.hiddenField("csrf_token"))), ("__clerk_db_jwt", devBrowser), ("organization_id", foreign.id),
            ], cookies: jar.values)
            #expect(refused.status == 422 && refused.location == nil)
        }
    }

    @Test("Tickets: a sign-in token's link signs its user in once, on a form post; an invitation's link prefills sign-up and is accepted by it")
    func tickets() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["ticket@example.com"]))
            let token = try await clerk.signInTokens.createSignInToken(CreateSignInTokenBody(userID: user.id))
            let url = try #require(token.url)
            #expect(url.hasPrefix("http://\(emulator.frontendHost)/v1/tickets/accept?ticket="), "the link is on the emulator's Frontend API, with its port")
            let ticket = try #require(queryValue("ticket", in: url))

            // The link leads to the hosted sign-in page with __clerk_ticket; a GET changes nothing.
            let accept = try await send(
                emulator, "GET", "/v1/tickets/accept?ticket=\(ticket)&redirect_url=" + queryEncode(Self.app + "/account"), host: emulator.frontendHost
            )
            #expect(accept.status == 303)
            let page = try #require(accept.location)
            #expect(page.hasPrefix("http://\(emulator.accountsHost)/sign-in?__clerk_ticket=\(ticket)&redirect_url="))
            let pagePath = String(page.dropFirst("http://\(emulator.accountsHost)".count))
            let shown = try await send(emulator, "GET", pagePath, host: emulator.accountsHost)
            #expect(shown.status == 200 && shown.body.contains("ticket@example.com") && shown.hiddenField("__clerk_ticket") == ticket)
            #expect(try await clerk.sessions.getSessionList(GetSessionListQuery(userID: user.id)).data.isEmpty)
            var jar = CookieJar()
            jar.apply(shown.setCookies)
            let form = [
                ("csrf_token", try #require(shown.hiddenField("csrf_token"))), ("redirect_url", Self.app + "/account"), ("__clerk_ticket", ticket),
            ]
            let signedIn = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, form: form, cookies: jar.values)
            #expect(signedIn.status == 303 && signedIn.location?.hasPrefix(Self.app + "/account?__clerk_db_jwt=dvb_") == true)
            #expect(try await clerk.sessions.getSessionList(GetSessionListQuery(userID: user.id, status: "active")).data.count == 1)

            // Used once: the same link again is refused, and so is a revoked token's.
            let again = try await send(emulator, "POST", "/sign-in", host: emulator.accountsHost, form: form, cookies: jar.values)
            #expect(again.status == 422 && again.location == nil && again.body.contains("already used"))
            let revoked = try await clerk.signInTokens.createSignInToken(CreateSignInTokenBody(userID: user.id))
            _ = try await clerk.signInTokens.revokeSignInToken(revoked.id)
            let revokedURL = try #require(revoked.url)
            let revokedTicket = try #require(queryValue("ticket", in: revokedURL))
            let revokedPage = try await send(emulator, "GET", "/sign-in?__clerk_ticket=" + revokedTicket, host: emulator.accountsHost)
            #expect(revokedPage.body.contains("invalid") && revokedPage.hiddenField("__clerk_ticket") == nil)
            let malformed = try await send(emulator, "GET", "/v1/tickets/accept?ticket=%3Cx%3E", host: emulator.frontendHost)
            #expect(malformed.status == 400 && malformed.location == nil)

            // An invitation: its link leads to sign-up with the invited address; signing up accepts it.
            let invitation = try await clerk.invitations.createInvitation(CreateInvitationBody(emailAddress: "invited@example.com"))
            let invitationURL = try #require(invitation.url)
            let invitationTicket = try #require(queryValue("ticket", in: invitationURL))
            let toSignUp = try await send(emulator, "GET", "/v1/tickets/accept?ticket=" + invitationTicket, host: emulator.frontendHost)
            let signUpPath = String(try #require(toSignUp.location).dropFirst("http://\(emulator.accountsHost)".count))
            #expect(signUpPath == "/sign-up?__clerk_ticket=" + invitationTicket)
            // Tickets are compared exactly: the same letters in another case are not the invitation's.
            let otherCase = String(invitationTicket.map { $0.isUppercase ? Character($0.lowercased()) : Character($0.uppercased()) })
            let wrongCase = try await send(emulator, "GET", "/v1/tickets/accept?ticket=" + otherCase, host: emulator.frontendHost)
            #expect(wrongCase.location?.contains("/sign-in?") == true)
            let signUp = try await send(emulator, "GET", signUpPath, host: emulator.accountsHost)
            #expect(signUp.body.contains("value=\"invited@example.com\""))
            var signUpJar = CookieJar()
            signUpJar.apply(signUp.setCookies)
            let created = try await send(emulator, "POST", "/sign-up", host: emulator.accountsHost, form: [
                ("csrf_token", try #require(signUp.hiddenField("csrf_token"))), ("__clerk_ticket", invitationTicket),
                ("email_address", "invited@example.com"), ("password", "long enough pw"),
            ], cookies: signUpJar.values)
            #expect(created.status == 303)
            let listed = try await clerk.invitations.getInvitationList()
            #expect(listed.data.first { $0.id == invitation.id }?.status == .accepted)
        }
    }

    @Test("POST /v1/dev_browser creates a dev browser; CORS only for allowed origins")
    func devBrowser() async throws {
        try await withEmulator { emulator, _ in
            let allowed = try await send(emulator, "POST", "/v1/dev_browser", host: emulator.frontendHost, headers: [("Origin", Self.app)])
            #expect(allowed.status == 200 && allowed.json?["object"] == "dev_browser")
            #expect(allowed.json?["id"]?.stringValue?.hasPrefix("dvb_") == true)
            #expect(allowed.headers.first(name: "access-control-allow-origin") == Self.app)
            let foreign = try await send(emulator, "POST", "/v1/dev_browser", host: emulator.frontendHost, headers: [("Origin", "https://evil.example")])
            #expect(foreign.status == 200 && foreign.headers.first(name: "access-control-allow-origin") == nil)
            // The new dev browser is one the handshake knows.
            let id = try #require(allowed.json?["id"]?.stringValue)
            #expect(try await Self.handshake(emulator, devBrowser: id).devBrowser == id)
        }
    }

    @Test("Session token lifetime: EmulatorOptions.sessionTokenLifetime sets the Backend API's default too; out of range refuses to start")
    func sessionTokenLifetime() async throws {
        let emulator = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000, sessionTokenLifetime: .seconds(7)))
        do {
            let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["l@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let claims = try unverifiedClaims(try await clerk.sessions.getToken(sessionID: session.id))
            #expect((claims.exp ?? 0) - (claims.iat ?? 0) == 7)
            await emulator.stop()
        } catch {
            await emulator.stop()
            throw error
        }
        await #expect(throws: EmulatorStartError.self) {
            _ = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, sessionTokenLifetime: .zero))
        }
    }
}
