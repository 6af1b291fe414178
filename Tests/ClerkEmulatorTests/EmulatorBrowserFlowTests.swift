import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing
import ClerkTesting

/// A browser signing in to an app that uses the SDK, against the emulator's Frontend API and hosted pages: the app is
/// `ClerkClient.authenticateRequest` on requests built by hand; the browser follows every `Location` and keeps
/// cookies per site.
@Suite("Emulator: a browser signs in to an SDK app through the Frontend API and the hosted pages")
struct EmulatorBrowserFlowTests {
    static let appURL = "http://localhost:8080/account"

    /// The browser: one cookie jar for the app, one for the hosted pages; every navigation it made, as
    /// `(kind, detail)` (`app` with the state's status and reason, `fapi` for a handshake hop).
    final class Browser {
        let emulator: RunningEmulator
        let app: ClerkClient
        var appCookies = CookieJar()
        var accountsCookies = CookieJar()
        var hops: [String] = []

        init(emulator: RunningEmulator, app: ClerkClient) {
            self.emulator = emulator
            self.app = app
        }

        /// Stands for a person's pause between clicks (the app's redirect-loop counter lives 2 seconds).
        func pause() {
            appCookies.clockOffset += 3
            accountsCookies.clockOffset += 3
        }

        /// Navigates to an app URL and follows redirects (app → Frontend API → app) until a page is rendered;
        /// answers the state of that last request.
        func open(_ start: String) async throws -> RequestState {
            var url = start
            for _ in 0..<10 {
                let state = try await app.authenticateRequest(
                    ClerkRequest(method: .get, url: url, headers: [
                        ("Cookie", appCookies.header), ("Sec-Fetch-Dest", "document"), ("Accept", "text/html"),
                    ])
                )
                appCookies.apply(state.headerFields.values(name: "set-cookie"))
                hops.append("app \(state.status.rawValue) \(state.reason?.rawValue ?? "")")
                guard let location = state.headerFields.first(name: "location") else { return state }
                let isHandshake = ["http://", "https://"].contains { location.hasPrefix($0 + emulator.frontendHost + "/") }
                guard isHandshake else {
                    url = location  // the SDK's clean-up redirect back to the app
                    continue
                }
                // The emulator serves plain http. An SDK without its development exception for loopback and
                // .localhost Frontend API hosts builds https:// here; the browser then follows it as http://.
                let plain = location.hasPrefix("https://") ? "http://" + location.dropFirst("https://".count) : location
                let components = try #require(URLComponents(string: plain))
                let answer = try await send(
                    emulator, "GET", components.percentEncodedPath + "?" + (components.percentEncodedQuery ?? ""),
                    host: emulator.frontendHost, headers: [("Accept", "text/html")]
                )
                hops.append("fapi \(answer.status)")
                #expect(answer.status == 307)
                #expect(answer.headers.first(name: "cache-control") == "no-store")
                url = try #require(answer.location)
                #expect(url.hasPrefix(EmulatorBrowserFlowTests.appURL))
            }
            Issue.record("too many redirects: \(hops)")
            return try await app.authenticateRequest(ClerkRequest(method: .get, url: url))
        }

        /// GETs a hosted page with the app's return URL and dev browser, as the SDK's redirect to sign-in does.
        func hostedPage(_ path: String) async throws -> PageAnswer {
            var query = "redirect_url=" + queryEncode(EmulatorBrowserFlowTests.appURL)
            if let devBrowser = appCookies["__clerk_db_jwt"] { query += "&__clerk_db_jwt=" + devBrowser }
            let answer = try await send(emulator, "GET", path + "?" + query, host: emulator.accountsHost, cookies: accountsCookies.values)
            accountsCookies.apply(answer.setCookies)
            #expect(answer.headers.first(name: "cache-control") == "no-store")
            return answer
        }

        /// Submits a form of a hosted page (same-origin, as the browser would), carrying the page's hidden fields.
        func submit(_ path: String, page: PageAnswer, fields: [(String, String)]) async throws -> PageAnswer {
            var form: [(String, String)] = []
            for name in ["csrf_token", "redirect_url", "__clerk_db_jwt"] {
                if let value = page.hiddenField(name) { form.append((name, value)) }
            }
            let answer = try await send(
                emulator, "POST", path, host: emulator.accountsHost,
                headers: [("Origin", "http://\(emulator.accountsHost)"), ("Sec-Fetch-Site", "same-origin")],
                form: form + fields, cookies: accountsCookies.values
            )
            accountsCookies.apply(answer.setCookies)
            return answer
        }
    }

    @Test("Signed out → handshake → sign-in form → dev-browser sync → signed in; expiry → handshake; organization switch; sign-out; continue as")
    func wholeFlow() async throws {
        let emulator = try await ClerkEmulator.start(
            EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000, sessionTokenLifetime: .seconds(3))
        )
        do {
            let admin = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
            let user = try await admin.users.createUser(
                CreateUserBody(firstName: "Ada", emailAddress: ["ada@example.com"], password: "correct horse battery")
            )
            let organization = try await admin.organizations.createOrganization(CreateOrganizationBody(name: "Acme", createdBy: user.id))
            // The app: the printed keys, no clock skew (so that the short-lived tokens expire promptly), and no
            // Backend API budget: the development default (3 handshake payloads per 10 s) is meant for a person's
            // pace, and this test makes six handshakes within a few seconds.
            let app = try ClerkClient(options: ClerkOptions(
                secretKey: Secret(emulator.secretKey), publishableKey: emulator.publishableKey, apiURL: emulator.apiURL,
                clockSkew: .zero, apiBudget: .unlimited
            ))
            let browser = Browser(emulator: emulator, app: app)

            // 1. First visit: a handshake gives the browser a dev browser and the signed-out cookies.
            var state = try await browser.open(Self.appURL)
            #expect(browser.hops == [
                "app handshake dev-browser-missing", "fapi 307", "app signed-out session-token-missing",
                "app signed-out session-token-and-uat-missing",
            ])
            #expect(state.status == .signedOut && state.reason == .sessionTokenAndUATMissing)
            #expect(browser.appCookies["__client_uat"] == "0" && browser.appCookies["__session"] == nil)
            let devBrowser = try #require(browser.appCookies["__clerk_db_jwt"])
            #expect(devBrowser.hasPrefix("dvb_"))

            // 2. The hosted sign-in page: a plain form; a wrong password re-renders it with 422.
            browser.pause()
            let signInPage = try await browser.hostedPage("/sign-in")
            #expect(signInPage.status == 200)
            #expect(signInPage.headers.first(name: "content-type")?.hasPrefix("text/html") == true)
            #expect(signInPage.body.contains("name=\"identifier\"") && signInPage.body.contains("name=\"password\""))
            #expect(signInPage.hiddenField("__clerk_db_jwt") == devBrowser)
            let wrong = try await browser.submit("/sign-in", page: signInPage, fields: [("identifier", "ada@example.com"), ("password", "nope")])
            #expect(wrong.status == 422 && wrong.body.contains("incorrect"))
            let signedIn = try await browser.submit("/sign-in", page: wrong, fields: [("identifier", "ADA@example.com"), ("password", "correct horse battery")])
            #expect(signedIn.status == 303)
            let back = try #require(signedIn.location)
            #expect(back == Self.appURL + "?__clerk_db_jwt=" + devBrowser)

            // 3. Back on the app: the dev-browser token in the URL makes it handshake, and it is signed in.
            browser.hops = []
            state = try await browser.open(back)
            #expect(browser.hops == ["app handshake dev-browser-sync", "fapi 307", "app signed-in ", "app signed-in "])
            #expect(state.status == .signedIn)
            #expect(state.toAuth()?.userID == user.id && state.toAuth()?.orgID == nil)
            let firstToken = try #require(state.token)
            let firstClaims = try unverifiedClaims(firstToken)
            #expect(firstClaims["azp"] == "http://localhost:8080")
            #expect(firstClaims.iss == emulator.issuer && emulator.issuer == "http://\(emulator.frontendHost)")
            #expect(try decodeJWT(firstToken).header.cat == "cl_B7d4PD111AAA")
            #expect(Int64(browser.appCookies["__client_uat"] ?? "0") ?? 0 > 0)
            let sessions = try await admin.sessions.getSessionList(GetSessionListQuery(userID: user.id))
            #expect(sessions.data.count == 1 && sessions.data.first?.status == .active)

            // 4. The token expires (3 s): the next page load goes through the handshake and gets a new one.
            let expiry = try #require(firstClaims.exp)
            let wait = expiry + 1 - Date().timeIntervalSince1970
            if wait > 0 { try await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
            browser.hops = []
            state = try await browser.open(Self.appURL)
            #expect(browser.hops.first == "app handshake session-token-expired-refresh-non-eligible-no-refresh-cookie")
            #expect(browser.hops.last == "app signed-in ")
            #expect(state.status == .signedIn && state.toAuth()?.userID == user.id)
            #expect(state.token != firstToken)

            // 5. The organization switcher sets the active organization: the o claim follows.
            browser.pause()
            let organizations = try await browser.hostedPage("/organization")
            #expect(organizations.status == 200 && organizations.body.contains("Acme") && organizations.body.contains("Personal account"))
            let switched = try await browser.submit("/organization", page: organizations, fields: [("organization_id", organization.id)])
            #expect(switched.status == 303)
            state = try await browser.open(try #require(switched.location))
            #expect(state.status == .signedIn)
            #expect(state.toAuth()?.orgID == organization.id && state.toAuth()?.orgRole == "org:admin")
            let organizationClaim = try unverifiedClaims(try #require(state.token))["o"]
            #expect(organizationClaim?["id"] == .string(organization.id) && organizationClaim?["rol"] == "admin")
            #expect(try await admin.sessions.getSession(sessions.data[0].id).lastActiveOrganizationID == organization.id)

            // 6. Sign-out ends the session; the very next page load is signed out.
            browser.pause()
            let signOutPage = try await browser.hostedPage("/sign-out")
            #expect(signOutPage.status == 200 && signOutPage.body.contains("ada@example.com"))
            let signedOut = try await browser.submit("/sign-out", page: signOutPage, fields: [])
            #expect(signedOut.status == 303)
            browser.hops = []
            state = try await browser.open(try #require(signedOut.location))
            #expect(browser.hops.first == "app handshake dev-browser-sync")
            #expect(state.status == .signedOut, "\(browser.hops) \(browser.appCookies.values)")
            #expect(browser.appCookies["__client_uat"] == "0" && browser.appCookies["__session"] == nil)
            #expect(try await admin.sessions.getSession(sessions.data[0].id).status == .ended)
            state = try await browser.open(Self.appURL)
            #expect(state.status == .signedOut && state.reason == .sessionTokenAndUATMissing)

            // 7. "Continue as": a development shortcut that needs no password.
            browser.pause()
            let again = try await browser.hostedPage("/sign-in")
            #expect(again.body.contains("Continue as Ada &lt;ada@example.com&gt;"))
            let continued = try await browser.submit("/sign-in", page: again, fields: [("user_id", user.id)])
            #expect(continued.status == 303)
            state = try await browser.open(try #require(continued.location))
            #expect(state.status == .signedIn && state.toAuth()?.userID == user.id && state.toAuth()?.orgID == nil)
            await emulator.stop()
        } catch {
            await emulator.stop()
            throw error
        }
    }
}
