@testable import ClerkBackend
import ClerkTesting
import Foundation
import HTTPTypes
import Testing

/// Per-call `secretKey`, `jwtKey` and `machineSecretKey` (multi-tenant apps: one client, several Clerk instances).
@Suite("Per-call key overrides: another instance's keys, with its own kept caches")
struct KeyOverrideTests {
    func otherSessionToken() throws -> String {
        try TestIssuers.other.sessionToken(userID: "user_tenant_b", sessionID: "sess_b", now: tokenNow)
    }

    @Test("secretKey: the other instance's JWKS is fetched with its key, once, and kept across calls")
    func secretKeyOverride() async throws {
        let keyA = uniqueSecretKey()
        let keyB = uniqueSecretKey()
        try await withServer({ request in
            switch request.headerFields.first(name: "authorization") {
            case "Bearer \(keyA)": .json(TestIssuers.primary.jwksJSON)
            case "Bearer \(keyB)": .json(TestIssuers.other.jwksJSON)
            default: .json(status: 401, #"{"errors":[{"code":"authentication_invalid","message":"no"}]}"#)
            }
        }) { server in
            let client = try serverClient(server, secretKey: keyA)
            let token = try otherSessionToken()
            for _ in 0..<3 {
                let state = try await client.authenticateRequest(
                    apiRequest(authorization: "Bearer \(token)"), options: AuthenticateRequestOptions(secretKey: Secret(keyB))
                )
                #expect(state.status == .signedIn && state.toAuth()?.userID == "user_tenant_b")
                #expect(try await client.verifyToken(token, options: VerifyTokenOptions(secretKey: Secret(keyB))).sub == "user_tenant_b")
            }
            let fetchesWithB = server.requests.filter { $0.headerFields.first(name: "authorization") == "Bearer \(keyB)" }
            #expect(fetchesWithB.count == 1, "one JWKS fetch for instance B, cached by its kept client")
            // Without the override the token is another instance's: refused, with A's key set.
            let plain = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"))
            #expect(plain.status == .signedOut)
            #expect(client.keyOverrideClients.count == 1)
        }
    }

    @Test("jwtKey: networkless verification with the overriding key; the client's own key still works without it")
    func jwtKeyOverride() async throws {
        let client = try authClient()
        let token = try otherSessionToken()
        let options = AuthenticateRequestOptions(jwtKey: TestIssuers.other.publicKeyPEM)
        #expect(try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)"), options: options).status == .signedIn)
        #expect(try await client.authenticateRequest(apiRequest(authorization: "Bearer \(token)")).status == .signedOut)
        #expect(try await client.authenticateRequest(apiRequest(authorization: "Bearer \(try sessionToken())")).status == .signedIn)
        // The same secret key: the kept client shares this client's verification cache (same instance).
        let derived = try client.client(overridingSecretKey: nil, jwtKey: TestIssuers.other.publicKeyPEM, machineSecretKey: nil)
        #expect(derived !== client && derived.verificationCache === client.verificationCache)
        #expect(try client.client(overridingSecretKey: client.options.secretKey, jwtKey: nil, machineSecretKey: nil) === client)
    }

    @Test("machineSecretKey: M2M tokens are verified with the overriding machine key")
    func machineSecretKeyOverride() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let client = try serverClient(server)
            let machineKey = "ak_tenant_machine_" + UUID().uuidString
            let state = try await client.authenticateRequest(
                apiRequest(authorization: "Bearer \(MachineFixtures.opaque("mt_"))"),
                options: AuthenticateRequestOptions(acceptsToken: .m2mToken, machineSecretKey: Secret(machineKey))
            )
            #expect(state.status == .signedIn)
            #expect(server.requests.last?.headerFields.first(name: "authorization") == "Bearer \(machineKey)")
        }
    }

    @Test("A malformed overriding key is a ClerkError before any request; the kept clients are bounded")
    func malformedAndBounded() async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        await #expect(throws: ClerkError.self) {
            _ = try await client.authenticateRequest(apiRequest(), options: AuthenticateRequestOptions(secretKey: "pk_test_not_a_secret"))
        }
        await #expect(throws: ClerkError.self) {
            _ = try await client.verifyToken(try sessionToken(), options: VerifyTokenOptions(jwtKey: "not a key"))
        }
        #expect(transport.requests.isEmpty)
        for _ in 0..<(KeyOverrideClients.capacity + 6) {
            _ = try client.client(overridingSecretKey: Secret(uniqueSecretKey()), jwtKey: nil, machineSecretKey: nil)
        }
        #expect(client.keyOverrideClients.count == KeyOverrideClients.capacity)
    }
}
