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
            print("browser round trip (\(product)): protected page → signed in in \(elapsed)")
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
            // Past the 3 s lifetime and the SDK's 5 s clock skew.
            try await Task.sleep(for: .seconds(9))
            let started = ContinuousClock.now
            try await world.browser.go(world.app.origin + "/account")
            #expect(try await world.browser.text("#user-id") == user.id)
            print("browser handshake refresh (\(product)): page load with an expired token took \(ContinuousClock.now - started)")
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
            let portal = try #require(URLComponents(string: world.emulator.signInURL))
            let signOut = "\(portal.scheme ?? "http")://\(portal.host ?? ""):\(portal.port ?? 0)/sign-out?redirect_url="
                + (world.app.origin + "/").addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            try await world.browser.go(signOut)
            try await world.browser.click("form[method=post] button[type=submit], form[method=post] input[type=submit]")
            _ = try await world.browser.waitFor("#signed-out")
            #expect(try await world.browser.url.hasPrefix(world.app.origin))
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
            let sessions = try await world.clerk.sessions.getSessionList(.init(userId: user.id, status: "active"))
            for session in sessions.data { _ = try await world.clerk.sessions.revokeSession(session.id) }
            #expect(!sessions.data.isEmpty)
            // Until the token expires (3 s lifetime + the SDK's 5 s clock skew) the page still shows the user.
            try await Task.sleep(for: .seconds(9))
            try await world.browser.go(world.app.origin + "/")
            _ = try await world.browser.waitFor("#signed-out")
        }
    }
}
