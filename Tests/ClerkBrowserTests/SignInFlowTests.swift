import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// The web half, in headless Chromium: the example apps against the emulator's Frontend API and hosted pages.
@Suite("Browser: sign-in flows of the example apps", .serialized, .enabled(if: Browser.shouldRun, Browser.skipMessage))
struct SignInFlowTests {
    static let apps = ["VaporExample", "HummingbirdExample"]

    @Test("Signed out → /account → the emulator's sign-in page → signed in, back on /account", arguments: apps)
    func roundTrip(product: String) async throws {
        try await BrowserWorld.run(product, name: "round-trip-\(product)") { world in
            let user = try await world.user("ada+\(product.lowercased())@example.com")
            let started = ContinuousClock.now
            try await world.browser.go(world.app.origin + "/account")
            let signInPage = try await world.browser.url
            #expect(signInPage.hasPrefix("http://accounts.emulator.localhost:"), "\(signInPage)")
            #expect(URLComponents(string: signInPage)?.path == "/sign-in")
            try await world.signIn("ada+\(product.lowercased())@example.com")
            #expect(try await world.browser.text("#user-id") == user.id)
            let elapsed = ContinuousClock.now - started
            #expect(try await world.browser.url == world.app.origin + "/account")
            print("browser round trip (\(product)): protected page → signed in in \(elapsed), of which 2.1 s is the pause for typing (BrowserWorld.humanPause)")
            // The home page shows the same user; a reload stays signed in without leaving the app.
            try await world.browser.go(world.app.origin + "/")
            #expect(try await world.browser.text("#user-id") == user.id)
        }
    }

    @Test("An expired session token is refreshed through the handshake without the user noticing", arguments: apps)
    func refresh(product: String) async throws {
        try await BrowserWorld.run(product, name: "refresh-\(product)", sessionTokenLifetime: .seconds(3)) { world in
            let user = try await world.user("grace@example.com")
            try await world.browser.go(world.app.origin + "/account")
            try await world.signIn("grace@example.com")
            #expect(try await world.browser.text("#user-id") == user.id)
            let before = try await world.browser.cookies()["__session"]
            // A page load with a valid token, for comparison.
            let plainStart = ContinuousClock.now
            try await world.browser.go(world.app.origin + "/account")
            #expect(try await world.browser.text("#user-id") == user.id)
            let plain = ContinuousClock.now - plainStart
            // Past the 3 s lifetime and the SDK's 5 s clock skew.
            try await Task.sleep(for: .seconds(9))
            let started = ContinuousClock.now
            try await world.browser.go(world.app.origin + "/account")
            #expect(try await world.browser.text("#user-id") == user.id)
            let refreshed = ContinuousClock.now - started
            print("browser handshake refresh (\(product)): page load with an expired token took \(refreshed), with a valid one \(plain); the handshake added \(refreshed - plain)")
            #expect(try await world.browser.url == world.app.origin + "/account")
            let after = try await world.browser.cookies()["__session"]
            #expect(after != nil && after != before, "a new session token was set")
        }
    }

    @Test("Sign-out on the hosted page: the app is signed out", arguments: apps)
    func signOut(product: String) async throws {
        try await BrowserWorld.run(product, name: "sign-out-\(product)") { world in
            _ = try await world.user("hopper@example.com")
            try await world.browser.go(world.app.origin + "/account")
            try await world.signIn("hopper@example.com")
            try await world.browser.go(try world.portal("/sign-out", redirect: world.app.origin + "/"))
            try await world.browser.click("form[method=post] button[type=submit], form[method=post] input[type=submit]")
            _ = try await world.browser.waitFor("#signed-out")
            #expect(try await world.browser.url.hasPrefix(world.app.origin))
        }
    }

    @Test("Organization switch on the hosted page: a permission route answers 200, then 403 in an organization without it", arguments: apps)
    func organizationSwitch(product: String) async throws {
        try await BrowserWorld.run(product, name: "organization-switch-\(product)") { world in
            let user = try await world.user("babbage@example.com")
            let readReports = try await world.clerk.organizationPermissions.createOrganizationPermission(
                CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read")
            )
            _ = try await world.clerk.organizationRoles.createOrganizationRole(
                CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", permissions: [readReports.id])
            )
            let engines = try await world.clerk.organizations.createOrganization(CreateOrganizationBody(name: "Analytical Engines"))
            _ = try await world.clerk.organizations.createOrganizationMembership(
                engines.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst")
            )
            let looms = try await world.clerk.organizations.createOrganization(CreateOrganizationBody(name: "Jacquard Looms"))
            _ = try await world.clerk.organizations.createOrganizationMembership(
                looms.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:member")
            )
            try await world.browser.go(world.app.origin + "/account")
            try await world.signIn("babbage@example.com")
            #expect(try await world.browser.text("#org-id") == "")
            #expect(try await world.status(of: "/reports") == 403, "no active organization")

            // The analyst's organization: its role grants org:reports:read.
            try await world.switchOrganization(to: engines.id, returnTo: world.app.origin + "/reports")
            #expect(try await world.browser.text("body").contains(engines.id))
            #expect(try await world.status(of: "/reports") == 200)
            try await world.browser.go(world.app.origin + "/account")
            #expect(try await world.browser.text("#org-id") == engines.id)

            // A plain member's organization: no such permission.
            try await world.switchOrganization(to: looms.id, returnTo: world.app.origin + "/account")
            #expect(try await world.browser.text("#org-id") == looms.id)
            #expect(try await world.status(of: "/reports") == 403)
            try await world.browser.go(world.app.origin + "/reports")
            #expect(!(try await world.browser.text("body").contains(looms.id)))
        }
    }

    @Test("A satellite on a second *.localhost name syncs the session signed in on the primary", arguments: apps)
    func satelliteSync(product: String) async throws {
        let satellitePort = try ChromeDriver.freePort()
        let satelliteOrigin = "http://satellite.localhost:\(satellitePort)"
        try await BrowserWorld.run(product, name: "satellite-\(product)", appEnvironment: ["SATELLITE_ORIGINS": satelliteOrigin]) { world in
            let user = try await world.user("noether@example.com")
            // The same app, run as a satellite: its sign-in URL is the primary's /sign-in.
            let satellite = try await ExampleApp.start(
                product, emulator: world.emulator, port: satellitePort, host: "satellite.localhost",
                environment: [
                    "CLERK_IS_SATELLITE": "true", "CLERK_DOMAIN": "satellite.localhost",
                    "CLERK_SIGN_IN_URL": world.app.origin + "/sign-in",
                ]
            )
            defer { satellite.stop() }

            // Signed out everywhere: the satellite sends the visitor through the primary to the hosted sign-in page,
            // and the session comes back to the satellite.
            try await world.browser.go(satelliteOrigin + "/account")
            try await world.waitForURL(prefix: "http://accounts.emulator.localhost:", "for signing in", settled: false)
            try await world.signIn("noether@example.com", backOn: satelliteOrigin + "/account")
            #expect(try await world.browser.text("#user-id") == user.id)
            try await world.browser.go(world.app.origin + "/")
            #expect(try await world.browser.text("#user-id") == user.id, "the primary is signed in too")

            // Signed out on the satellite only (its cookies cleared): the next visit syncs from the primary without
            // a form.
            try await world.browser.go(satelliteOrigin + "/")
            try await world.browser.deleteCookies()
            let started = ContinuousClock.now
            try await world.browser.go(satelliteOrigin + "/account")
            try await world.waitForURL(prefix: satelliteOrigin + "/account", "after syncing")
            #expect(try await world.browser.text("#user-id") == user.id)
            print("browser satellite sync (\(product)): signed-out satellite page → synced from the primary in \(ContinuousClock.now - started)")
        }
    }

    @Test("A sign-in token's link (Backend API) signs its user in, once, and comes back to the app", arguments: apps)
    func signInToken(product: String) async throws {
        try await BrowserWorld.run(product, name: "sign-in-token-\(product)") { world in
            let user = try await world.user("turing@example.com")
            let token = try await world.clerk.signInTokens.createSignInToken(CreateSignInTokenBody(userID: user.id))
            let link = try #require(token.url) + "&redirect_url="
                + (world.app.origin + "/account").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await world.browser.go(link)
            try await world.waitForURL(prefix: "http://accounts.emulator.localhost:", "for the ticket", settled: false)
            try await BrowserWorld.humanPause()
            try await world.browser.click("form[method=post] button[type=submit]")
            try await world.waitForURL(prefix: world.app.origin + "/account", "after the ticket")
            #expect(try await world.browser.text("#user-id") == user.id)
            // The link works once.
            try await world.browser.go(link)
            _ = try await world.browser.waitFor("input[name=identifier]")
            #expect(try await world.browser.element("input[name=__clerk_ticket]") == nil)
        }
    }

    @Test("A session revoked through the Backend API is signed out on the next load after its token expires", arguments: apps)
    func revoked(product: String) async throws {
        try await BrowserWorld.run(product, name: "revoked-\(product)", sessionTokenLifetime: .seconds(3)) { world in
            let user = try await world.user("lamarr@example.com")
            try await world.browser.go(world.app.origin + "/")
            try await world.browser.go(world.app.origin + "/account")
            try await world.signIn("lamarr@example.com")
            #expect(try await world.browser.text("#user-id") == user.id)
            let sessions = try await world.clerk.sessions.getSessionList(.init(userID: user.id, status: "active"))
            for session in sessions.data { _ = try await world.clerk.sessions.revokeSession(session.id) }
            #expect(!sessions.data.isEmpty)
            // Until the token expires (3 s lifetime + the SDK's 5 s clock skew) the page still shows the user.
            try await Task.sleep(for: .seconds(9))
            try await world.browser.go(world.app.origin + "/")
            _ = try await world.browser.waitFor("#signed-out")
        }
    }
}
