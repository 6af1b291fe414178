import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

/// The parts of the reference's keys.test.ts that the Tokens suites do not already cover.
@Suite("Keys: jwtKey for any kid, kid mismatches, cache scopes")
struct KeysTests {
    @Test("A jwtKey verifies tokens whatever their kid (and without one)")
    func jwtKeyAnyKid() async throws {
        let client = try networklessClient()
        for kid: JSONValue in ["ins_primary", "ins_whatever", "local-test-kid", .null] {
            let token = try TestIssuers.primary.sessionToken(now: tokenNow, header: ["kid": kid])
            #expect(try await client.verifyToken(token).sub != nil)
        }
        // The same kid from another key still fails: the key is the PEM, not a kid-keyed cache.
        let forged = try TestIssuers.other.sessionToken(now: tokenNow, header: ["kid": "ins_primary"])
        await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(forged) }
    }

    @Test("A kid that is not in the JWKS: jwk-kid-mismatch, naming that kid and no other")
    func kidMismatch() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let client = try ClerkClient(
                options: ClerkOptions(secretKey: Secret(uniqueSecretKey()), apiURL: server.baseURL, retryPolicy: .none, clock: ManualClock(now: tokenNow).clerkClock)
            )
            _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            let token = try TestIssuers.primary.sessionToken(now: tokenNow, header: ["kid": "ins_unknown"])
            do {
                _ = try await client.verifyToken(token)
                Issue.record("an unknown kid verified")
            } catch let error as TokenVerificationError {
                #expect(error.reason == .jwkKidMismatch)
                #expect(error.message.contains("kid='ins_unknown'"))
                #expect(!error.fullMessage.contains("ins_primary"), "cached kids are not enumerated")
            }
        }
    }

    @Test("Each client fetches the JWKS of its own apiVersion (same server and secret key; no hidden sharing)")
    func perAPIVersion() async throws {
        let hits = Mutex<[String]>([])
        try await withServer({ request in
            hits.withLock { $0.append(request.path) }
            return request.path.hasSuffix("/jwks") ? .json(TestIssuers.primary.jwksJSON) : .json(status: 404, "{}")
        }) { server in
            let secret = uniqueSecretKey()
            for version in ["v1", "v2", "v1"] {
                let client = try ClerkClient(
                    options: ClerkOptions(
                        secretKey: Secret(secret), apiURL: server.baseURL, apiVersion: version, retryPolicy: .none,
                        clock: ManualClock(now: tokenNow).clerkClock
                    )
                )
                _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            }
            #expect(hits.withLock { $0 } == ["/v1/jwks", "/v2/jwks", "/v1/jwks"])
        }
    }
}
