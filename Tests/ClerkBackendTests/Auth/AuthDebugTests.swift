import ClerkBackend
import ClerkTesting
import Foundation
import Testing

/// `auth.debug()` and `RequestState.debug()`: what a developer logs when a request is refused. Neither, nor
/// `description`, `String(reflecting:)` or `dump`, ever shows the token, a cookie value or a key.
@Suite("Auth debug views: useful, and never a token")
struct AuthDebugTests {
    func signedInState() async throws -> (RequestState, String) {
        let client = try authClient(pk: AuthKeys.pkLive)
        let token = try TestIssuers.primary.sign(claims: [
            "sub": "user_debug", "sid": "sess_debug", "iat": .int(MachineFixtures.iat), "exp": .int(MachineFixtures.iat + 60),
            "nbf": .int(MachineFixtures.iat - 5), "v": 2, "o": ["id": "org_debug", "rol": "admin", "slg": "acme"],
        ])
        let state = try await client.authenticateRequest(authRequest(authorization: "Bearer \(token)"))
        return (state, token)
    }

    func everyRendering(_ value: Any) -> [String] {
        var dumped = ""
        dump(value, to: &dumped)
        return [String(describing: value), String(reflecting: value), dumped]
    }

    @Test("A signed-in session: debug() names who and why; no rendering of the auth object or the state holds the token")
    func sessionDebug() async throws {
        let (state, token) = try await signedInState()
        let auth = try #require(state.toAuth())
        let debug = auth.debug()
        #expect(debug["isAuthenticated"] == true)
        #expect(debug["tokenType"] == "session_token")
        #expect(debug["userID"] == "user_debug" && debug["sessionID"] == "sess_debug")
        #expect(debug["orgID"] == "org_debug" && debug["orgRole"] == "org:admin" && debug["orgSlug"] == "acme")
        #expect(debug["sessionClaims"]?.objectValue?["sub"] == "user_debug")
        let stateDebug = state.debug()
        #expect(stateDebug["status"] == "signed-in")
        #expect(stateDebug["hasToken"] == true)
        #expect(stateDebug["tokenType"] == "session_token")
        let signature = String(token.split(separator: ".").last ?? "")
        for rendering in everyRendering(auth) + everyRendering(state) + [String(describing: JSONValue.object(debug)), String(describing: JSONValue.object(stateDebug))] {
            #expect(!rendering.contains(token) && !rendering.contains(signature), "a rendering shows the token: \(rendering.prefix(200))")
        }
        #expect(String(describing: auth).contains("user_debug"))
    }

    @Test("A machine token: debug() shows the machine, never the key; a signed-out state shows its reason and header names only")
    func machineAndSignedOut() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let key = MachineFixtures.opaque("ak_")
            let client = try serverClient(server)
            let auth = try await client.verifyMachineAuthToken(key)
            let debug = auth.debug()
            #expect(debug["tokenType"] == "api_key")
            #expect(debug["machine"]?.objectValue?["id"] == "ak_id_123")
            for rendering in everyRendering(auth) + [String(describing: JSONValue.object(debug))] {
                #expect(!rendering.contains(key))
            }
        }
        let client = try authClient(pk: AuthKeys.pkTest)
        let refresh = "refresh_" + String(repeating: "r", count: 30)
        let state = try await client.authenticateRequest(authRequest(cookies: [("__client_uat", "1"), ("__refresh_abc", refresh)]))
        let debug = state.debug()
        #expect(debug["status"] == .string(state.status.rawValue))
        #expect(debug["reason"] == state.reason.map { .string($0.rawValue) } ?? .null)
        for rendering in everyRendering(state) + [String(describing: JSONValue.object(debug))] {
            #expect(!rendering.contains(refresh))
        }
    }
}
