@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

@Suite("Redirects to sign in and sign up (createRedirect)")
struct ClerkRedirectTests {
    static let devKey = AuthKeys.publishableKey("pk_test_", host: "foo-bar-13.clerk.accounts.dev")
    static let liveKey = AuthKeys.publishableKey("pk_live_", host: "clerk.example.com")
    static let emulatorKey = AuthKeys.publishableKey("pk_test_", host: "clerk.emulator.localhost:4010")

    @Test("Without URLs: the hosted pages derived from the publishable key, with the return URL")
    func hostedPages() throws {
        let live = ClerkRedirect(publishableKey: Self.liveKey, baseURL: URL(string: "https://app.example.com")!)
        #expect(try live.redirectToSignIn(returnBackURL: URL(string: "/dashboard?x=1")!).absoluteString
            == "https://accounts.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Fdashboard%3Fx%3D1")
        #expect(try live.redirectToSignUp().absoluteString == "https://accounts.example.com/sign-up")
        let dev = ClerkRedirect(publishableKey: Self.devKey, baseURL: URL(string: "http://localhost:3000")!)
        #expect(try dev.redirectToSignIn().absoluteString.hasPrefix("https://foo-bar-13.accounts.dev/sign-in"))
    }

    @Test("The emulator's portal on a development key is reached over http; a production key never is")
    func emulatorScheme() throws {
        let dev = ClerkRedirect(publishableKey: Self.emulatorKey, baseURL: URL(string: "http://localhost:8080")!, devBrowserToken: "dvb_abc")
        #expect(try dev.redirectToSignIn(returnBackURL: URL(string: "/account")!).absoluteString
            == "http://accounts.emulator.localhost:4010/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A8080%2Faccount&__clerk_db_jwt=dvb_abc")
        let live = ClerkRedirect(publishableKey: AuthKeys.publishableKey("pk_live_", host: "clerk.emulator.localhost:4010"))
        #expect(try live.redirectToSignIn().absoluteString.hasPrefix("https://accounts.emulator.localhost:4010/sign-in"))
        #expect(FrontendAPIURL.scheme(forHost: "127.0.0.1:9000", isProduction: false) == "http")
        #expect(FrontendAPIURL.scheme(forHost: "[::1]:9000", isProduction: false) == "http")
        #expect(FrontendAPIURL.scheme(forHost: "clerk.example.com", isProduction: false) == "https")
        #expect(FrontendAPIURL.scheme(forHost: "localhost.evil.test", isProduction: false) == "https")
    }

    @Test("Configured URLs, absolute and relative; sign-up falls back to sign-in + /create")
    func configured() throws {
        let absolute = ClerkRedirect(publishableKey: Self.liveKey, signInURL: URL(string: "https://app.example.com/login")!, baseURL: URL(string: "https://app.example.com")!)
        #expect(try absolute.redirectToSignIn(returnBackURL: URL(string: "https://app.example.com/a")!).absoluteString
            == "https://app.example.com/login?redirect_url=https%3A%2F%2Fapp.example.com%2Fa")
        #expect(try absolute.redirectToSignUp().absoluteString == "https://app.example.com/login/create")
        let relative = ClerkRedirect(publishableKey: nil, signInURL: URL(string: "/sign-in")!, signUpURL: URL(string: "/sign-up")!, baseURL: URL(string: "https://app.example.com")!)
        #expect(try relative.redirectToSignIn(returnBackURL: URL(string: "/x")!).absoluteString == "https://app.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Fx")
        #expect(try relative.redirectToSignUp().absoluteString == "https://app.example.com/sign-up")
    }

    @Test("The dev browser token only on cross-origin development redirects; __clerk_synced=false only for satellites")
    func crossOrigin() throws {
        let sameOrigin = ClerkRedirect(publishableKey: Self.devKey, signInURL: URL(string: "/sign-in")!, baseURL: URL(string: "http://localhost:3000")!, devBrowserToken: "dvb_1")
        #expect(try !sameOrigin.redirectToSignIn(returnBackURL: URL(string: "/p")!).absoluteString.contains("__clerk_db_jwt"))
        let live = ClerkRedirect(publishableKey: Self.liveKey, baseURL: URL(string: "https://app.example.com")!, devBrowserToken: "dvb_1")
        #expect(try !live.redirectToSignIn(returnBackURL: URL(string: "/p")!).absoluteString.contains("__clerk_db_jwt"))
        let satellite = ClerkRedirect(
            publishableKey: Self.liveKey, signInURL: URL(string: "https://primary.example.com/sign-in")!, baseURL: URL(string: "https://satellite.example.org")!,
            isSatellite: true
        )
        let url = try satellite.redirectToSignIn(returnBackURL: URL(string: "/page?__clerk_synced=true")!).absoluteString
        #expect(url == "https://primary.example.com/sign-in?redirect_url=https%3A%2F%2Fsatellite.example.org%2Fpage%3F__clerk_synced%3Dfalse")
        let notSatellite = ClerkRedirect(publishableKey: Self.liveKey, signInURL: URL(string: "https://primary.example.com/sign-in")!, baseURL: URL(string: "https://other.example.org")!)
        #expect(try !notSatellite.redirectToSignIn(returnBackURL: URL(string: "/page")!).absoluteString.contains("__clerk_synced"))
    }

    @Test("A pending session goes to the tasks page")
    func pending() throws {
        let redirect = ClerkRedirect(publishableKey: Self.liveKey, baseURL: URL(string: "https://app.example.com")!, sessionStatus: "pending")
        #expect(try redirect.redirectToSignIn().absoluteString == "https://accounts.example.com/sign-in/tasks")
        #expect(try redirect.redirectToSignUp().absoluteString == "https://accounts.example.com/sign-up/tasks")
    }

    @Test("Errors: no URL and no key; relative URLs without a base")
    func errors() {
        #expect(throws: ClerkError.self) { try ClerkRedirect(publishableKey: nil).redirectToSignIn().absoluteString }
        #expect(throws: ClerkError.self) { try ClerkRedirect(publishableKey: "pk_nonsense").redirectToSignUp().absoluteString }
        #expect(throws: ClerkError.self) { try ClerkRedirect(publishableKey: nil, signInURL: URL(string: "/sign-in")!).redirectToSignIn().absoluteString }
        #expect(throws: ClerkError.self) { try ClerkRedirect(publishableKey: Self.liveKey).redirectToSignIn(returnBackURL: URL(string: "/relative")!).absoluteString }
        #expect(throws: ClerkError.self) { try ClerkRedirect(publishableKey: Self.liveKey, baseURL: URL(string: "https://a.test")!).redirectToSignIn(returnBackURL: URL(string: "//evil.test/x")!).absoluteString }
    }

    @Test("From a request state: this request's URL, origin and dev browser; the handshake goes over http to the emulator")
    func fromRequestState() async throws {
        let client = try authClient(pk: Self.emulatorKey)
        let state = try await client.authenticateRequest(
            authRequest("http://localhost:8080/account?tab=1", cookies: [("__clerk_db_jwt", "dvb_xyz"), ("__client_uat", "0")])
        )
        expectState(state, .signedOut, .sessionTokenAndUATMissing)
        #expect(try state.redirectToSignIn().absoluteString
            == "http://accounts.emulator.localhost:4010/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A8080%2Faccount%3Ftab%3D1&__clerk_db_jwt=dvb_xyz")
        let handshake = try await client.authenticateRequest(authRequest("http://localhost:8080/account"))
        expectState(handshake, .handshake, .devBrowserMissing)
        #expect(handshake.location?.hasPrefix("http://clerk.emulator.localhost:4010/v1/client/handshake?") == true)
    }
}
