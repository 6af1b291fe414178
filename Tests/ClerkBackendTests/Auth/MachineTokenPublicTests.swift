import ClerkBackend
import ClerkTesting
import Foundation
import Testing

/// The machine-token API for code that has a token but no HTTP request (gRPC, WebSockets, queues).
@Suite("Machine tokens without a request: isMachineToken, machineTokenType, verifyMachineAuthToken, m2m.verify(token:), apiKeys.verify(secret:)")
struct MachineTokenPublicTests {
    @Test("isMachineToken and machineTokenType tell the three types apart and refuse session tokens, without verifying")
    func detection() throws {
        #expect(ClerkClient.machineTokenType(of: "ak_" + String(repeating: "a", count: 20)) == .apiKey)
        #expect(ClerkClient.machineTokenType(of: "mt_" + String(repeating: "a", count: 20)) == .m2mToken)
        #expect(ClerkClient.machineTokenType(of: "oat_" + String(repeating: "a", count: 20)) == .oauthToken)
        #expect(ClerkClient.machineTokenType(of: try MachineFixtures.m2mJWT()) == .m2mToken)
        #expect(ClerkClient.machineTokenType(of: try MachineFixtures.oauthJWT()) == .oauthToken)
        let session = try TestIssuers.primary.sign(claims: ["sub": "user_1", "sid": "sess_1", "exp": .int(MachineFixtures.iat + 60)])
        #expect(ClerkClient.machineTokenType(of: session) == nil)
        #expect(!ClerkClient.isMachineToken(session) && ClerkClient.isMachineToken("ak_x"))
        #expect(!ClerkClient.isMachineToken("") && !ClerkClient.isMachineToken("Bearer ak_x"))
    }

    @Test("verifyMachineAuthToken: an API key through the Backend API, cached like authenticateRequest's; an M2M JWT locally")
    func verifyMachineAuthToken() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let client = try serverClient(server) { $0.machineTokenCacheTTL = .seconds(60) }
            let key = MachineFixtures.opaque("ak_")
            let auth = try await client.verifyMachineAuthToken(key)
            #expect(auth.isAuthenticated && auth.tokenType == .apiKey)
            #expect(auth.userID == "user_2vYVtestTESTtestTESTtestTESTtest")
            #expect(auth.machine?.scopes == ["read:foo", "write:bar"])
            _ = try await client.verifyMachineAuthToken(key)
            #expect(server.requests.filter { $0.path == "/v1/api_keys/verify" }.count == 1, "the second check is answered from the cache")

            let jwt = try await client.verifyMachineAuthToken(try MachineFixtures.m2mJWT())
            #expect(jwt.tokenType == .m2mToken && jwt.machine?.machineID == "mch_1xxxxx")
            #expect(server.requests.allSatisfy { $0.path != "/v1/m2m_tokens/verify" }, "M2M JWTs are verified locally")
        }
    }

    @Test("verifyMachineAuthToken refuses session tokens, other types and rejected tokens with MachineTokenVerificationError")
    func refusals() async throws {
        try await withServer(MachineFixtures.routes(status: 404).handle) { server in
            let client = try serverClient(server)
            let session = try TestIssuers.primary.sign(claims: ["sub": "user_1", "sid": "sess_1", "exp": .int(MachineFixtures.iat + 60)])
            for (token, accepts) in [(session, AcceptsToken.any), ("ak_" + String(repeating: "k", count: 20), .m2mToken)] {
                await #expect(throws: MachineTokenVerificationError.self) {
                    _ = try await client.verifyMachineAuthToken(token, acceptsToken: accepts)
                }
            }
            #expect(server.requests.isEmpty, "refused before any call")
            do {
                _ = try await client.verifyMachineAuthToken(MachineFixtures.opaque("ak_"))
                Issue.record("an unknown key verified")
            } catch let error as MachineTokenVerificationError {
                #expect(error.code == .tokenInvalid && error.status == 404)
            }
        }
    }

    @Test("m2m.verify(token:): a JWT verifies locally into an M2MToken; an opaque token goes to the Backend API")
    func m2mVerify() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let client = try serverClient(server)
            let token = try await client.m2m.verify(token: try MachineFixtures.m2mJWT(claims: ["job": "nightly"]))
            #expect(token.id == "mt_jwt_1" && token.subject == "mch_1xxxxx" && !token.revoked)
            #expect(token.scopes == ["mch_1xxxxx", "mch_2xxxxx"])
            #expect(token.claims?["job"] == "nightly")
            #expect(token.createdAt == Double(MachineFixtures.iat) * 1000 && token.expiration == Double(MachineFixtures.iat + 300) * 1000)
            #expect(server.requests.allSatisfy { $0.path != "/v1/m2m_tokens/verify" })

            let opaque = try await client.m2m.verify(token: MachineFixtures.opaque("mt_"))
            #expect(opaque.id == "mt_id_123")
            #expect(server.requests.last?.path == "/v1/m2m_tokens/verify")

            await #expect(throws: MachineTokenVerificationError.self) {
                _ = try await client.m2m.verify(token: try MachineFixtures.oauthJWT())
            }
            let forged = try MachineFixtures.m2mJWT(issuer: TestIssuers.other)
            await #expect(throws: MachineTokenVerificationError.self) { _ = try await client.m2m.verify(token: forged) }
        }
    }

    @Test("apiKeys.verify(secret:) sends the secret itself")
    func apiKeysVerifySecret() async throws {
        try await withServer(MachineFixtures.routes().handle) { server in
            let key = try await serverClient(server).apiKeys.verify(secret: "ak_the_secret_itself_123")
            #expect(key.id == "ak_id_123" && key.name == "My key")
            #expect(server.requests.last?.jsonBody == ["secret": "ak_the_secret_itself_123"])
        }
    }
}
