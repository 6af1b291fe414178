import ClerkBackend
import ClerkEmulator
import ClerkTesting
import Foundation
import Synchronization
import Testing

/// The emulator's dashboard in headless Chromium, beside an example app.
@Suite("Browser: the emulator's dashboard", .serialized, .enabled(if: Browser.shouldRun, Browser.skipMessage))
struct DashboardTests {
    static let product = "VaporExample"

    @Test("Create a user on the dashboard, see it listed, sign in as it and land signed in on the app")
    func createAndSignInAs() async throws {
        try await BrowserWorld.run(Self.product, name: "dashboard-sign-in-as") { world in
            try await world.browser.go(world.emulator.dashboardLink().absoluteString)
            #expect(try await world.browser.text("#user-count") == "0")
            try await world.browser.go(world.emulator.apiURL.absoluteString + "/dashboard/users")
            try await world.browser.type("ada@example.com", into: "#create-user input[name=email_address]")
            try await world.browser.type("Ada", into: "#create-user input[name=first_name]")
            try await world.browser.type("Lovelace", into: "#create-user input[name=last_name]")
            try await world.browser.click("#create-user button[type=submit]")
            _ = try await world.browser.waitFor("#flash")
            #expect(try await world.browser.text("table#users").contains("ada@example.com"))
            let user = try #require(try await world.clerk.users.getUserList(GetUserListQuery(emailAddress: ["ada@example.com"])).data.first)
            #expect(try await world.browser.element("tr[data-user-id=\"\(user.id)\"]") != nil)
            if let path = ProcessInfo.processInfo.environment["DASHBOARD_SCREENSHOT"] {
                try await world.browser.screenshot().write(to: URL(fileURLWithPath: path))
            }

            // "Sign in as": the hosted page asks to continue as the user, then the app shows them signed in.
            try await world.browser.click("tr[data-user-id=\"\(user.id)\"] a")
            #expect(try await world.browser.text("#user-id") == user.id)
            try await world.browser.type(world.app.origin + "/account", into: "#sign-in-as input[name=redirect_url]")
            try await world.browser.click("#sign-in-as button[type=submit]")
            try await world.waitForURL(prefix: "http://accounts.emulator.localhost:", "for the ticket", settled: false)
            try await BrowserWorld.humanPause()
            try await world.browser.click("form[method=post] button[type=submit]")
            try await world.waitForURL(prefix: world.app.origin + "/account", "after signing in as the user")
            #expect(try await world.browser.text("#user-id") == user.id)
        }
    }

    @Test("Revoke a session on the dashboard: the app is signed out on its next load after the token expires")
    func revoke() async throws {
        try await BrowserWorld.run(Self.product, name: "dashboard-revoke", sessionTokenLifetime: .seconds(3)) { world in
            let user = try await world.user("hamilton@example.com")
            try await world.browser.go(world.app.origin + "/account")
            try await world.signIn("hamilton@example.com")
            #expect(try await world.browser.text("#user-id") == user.id)

            try await world.browser.go(world.emulator.dashboardLink().absoluteString)
            try await world.browser.go(world.emulator.apiURL.absoluteString + "/dashboard/sessions")
            let session = try #require(try await world.clerk.sessions.getSessionList(.init(userID: user.id, status: "active")).data.first)
            try await world.browser.click("tr[data-session-id=\"\(session.id)\"] button[type=submit]")
            _ = try await world.browser.waitFor("#flash")
            #expect(try await world.clerk.sessions.getSession(session.id).status == "revoked")
            // The app still holds a valid token for up to its lifetime (3 s) and the SDK's clock skew (5 s).
            try await Task.sleep(for: .seconds(9))
            try await world.browser.go(world.app.origin + "/")
            _ = try await world.browser.waitFor("#signed-out")
        }
    }

    @Test("A failed webhook delivery is shown with its attempt, and redelivered from the dashboard")
    func redeliver() async throws {
        let healthy = Mutex(false)
        let receiver = try await LoopbackHTTPServer.start { _ in
            healthy.withLock { $0 } ? .json("{}") : .json(status: 500, "{}")
        }
        defer { Task { try? await receiver.shutdown() } }
        let options = EmulatorOptions(webhookURL: receiver.baseURL.appendingPathComponent("webhooks"), webhookMaxAttempts: 1)
        try await BrowserWorld.run(Self.product, name: "dashboard-redeliver", emulatorOptions: options) { world in
            _ = try await world.user("lamarr@example.com")
            try await world.browser.go(world.emulator.dashboardLink().absoluteString)
            var failed: String?
            for _ in 0..<150 where failed == nil {
                try await world.browser.go(world.emulator.apiURL.absoluteString + "/dashboard/webhooks?status=failed")
                failed = try await world.browser.element("tr[data-message-id]")
                if failed == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(failed != nil, "the user.created event failed")
            #expect(try await world.browser.text("table#webhooks").contains("HTTP 500"))
            healthy.withLock { $0 = true }
            try await world.browser.click("tr[data-message-id] button[type=submit]")
            _ = try await world.browser.waitFor("#flash")
            var delivered = false
            for _ in 0..<150 where !delivered {
                try await world.browser.go(world.emulator.apiURL.absoluteString + "/dashboard/webhooks?status=delivered")
                delivered = try await world.browser.element("[data-status=delivered]") != nil
                if !delivered { try await Task.sleep(for: .milliseconds(200)) }
            }
            #expect(delivered)
            #expect(receiver.requests.count == 2, "one failed attempt, one redelivery")
        }
    }
}
