import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

@Suite("verifyToken through JWKS over loopback")
struct JWKSTests {
    func jwksClient(_ server: LoopbackHTTPServer, clock: ManualClock, secret: String = uniqueSecretKey(), configure: (inout ClerkOptions) -> Void = { _ in }) throws -> ClerkClient {
        var options = ClerkOptions(secretKey: Secret(secret), apiURL: server.baseURL, retryPolicy: .none, clock: clock.clerkClock)
        configure(&options)
        return try ClerkClient(options: options)
    }

    @Test("Keys are fetched once with the secret key and cached")
    func caching() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let secret = uniqueSecretKey()
            let cache = ClerkVerificationCache()
            let client = try jwksClient(server, clock: clock, secret: secret) { $0.verificationCache = cache }
            for _ in 0..<5 {
                let token = try TestIssuers.primary.sessionToken(now: tokenNow)
                #expect(try await client.verifyToken(token).sub != nil)
            }
            #expect(state.hits.withLock { $0 } == 1)
            let request = try #require(server.requests.first)
            #expect(request.headerFields.first(name: "authorization") == "Bearer \(secret)")
            #expect(request.headerFields.first(name: "clerk-api-version") == "2026-05-12")
            // Another client for the same instance shares the cache when given it, and only then.
            let sibling = try jwksClient(server, clock: clock, secret: secret) { $0.verificationCache = cache }
            _ = try await sibling.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            #expect(state.hits.withLock { $0 } == 1)
            let stranger = try jwksClient(server, clock: clock, secret: secret)
            _ = try await stranger.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            #expect(state.hits.withLock { $0 } == 2)
        }
    }

    @Test("The cache expires after its TTL (5 minutes by default)")
    func ttl() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try jwksClient(server, clock: clock)
            _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: clock.now))
            clock.advance(by: .seconds(299))
            _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: clock.now))
            #expect(state.hits.withLock { $0 } == 1)
            clock.advance(by: .seconds(2))
            _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: clock.now))
            #expect(state.hits.withLock { $0 } == 2)
        }
    }

    @Test("Key rotation: an unknown kid refetches and finds the new key")
    func rotation() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try jwksClient(server, clock: clock)
            _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            state.jwks.withLock { $0 = TestIssuers.rotated.jwksJSON }
            #expect(try await client.verifyToken(try TestIssuers.rotated.sessionToken(now: tokenNow)).sub != nil)
            #expect(state.hits.withLock { $0 } == 2)
            // The old key was replaced, not merged.
            clock.advance(by: .seconds(10))
            await #expect(throws: TokenVerificationError.self) {
                try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            }
        }
    }

    @Test("1,000 concurrent verifications with the same unknown kid make one JWKS request")
    func singleFlight() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        state.delay.withLock { $0 = .milliseconds(300) }
        try await withServer(state.handle) { server in
            let client = try jwksClient(server, clock: ManualClock(now: tokenNow))
            let token = try TestIssuers.primary.sessionToken(now: tokenNow)
            let successes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<1_000 { group.addTask { try await client.verifyToken(token).sub != nil } }
                var count = 0
                for try await ok in group where ok { count += 1 }
                return count
            }
            #expect(successes == 1_000)
            #expect(state.hits.withLock { $0 } == 1)
        }
    }

    @Test("A cancelled caller does not fail the others waiting for the same fetch")
    func cancellationIsolation() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        state.delay.withLock { $0 = .milliseconds(300) }
        try await withServer(state.handle) { server in
            let client = try jwksClient(server, clock: ManualClock(now: tokenNow))
            let token = try TestIssuers.primary.sessionToken(now: tokenNow)
            let first = Task { try await client.verifyToken(token) }
            try await Task.sleep(for: .milliseconds(50))
            let second = Task { try await client.verifyToken(token) }
            first.cancel()
            #expect(try await second.value.sub != nil)
            #expect(state.hits.withLock { $0 } == 1)
        }
    }

    @Test("A flood of random kids makes at most one refetch per interval (with a budget that does not bind)")
    func randomKidFlood() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try jwksClient(server, clock: clock) { $0.apiBudget = .unlimited }
            _ = try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
            #expect(state.hits.withLock { $0 } == 1)
            for round in 0..<3 {
                for _ in 0..<200 {
                    let token = try TestIssuers.other.sessionToken(now: tokenNow, header: ["kid": .string("kid_\(UUID().uuidString)")])
                    do {
                        _ = try await client.verifyToken(token)
                        Issue.record("a random kid verified")
                    } catch let error as TokenVerificationError {
                        #expect(error.reason == .jwkKidMismatch)
                    }
                }
                #expect(state.hits.withLock { $0 } == 2 + round, "one refetch per interval")
                clock.advance(by: .seconds(5))
            }
        }
    }

    @Test("Instance scoping: a kid of one instance never verifies another instance's token")
    func scoping() async throws {
        // Two instances publish different keys under the same kid.
        let forgedIssuer = try TestTokenIssuer(kid: "ins_primary")
        let stateA = JWKSServerState(TestIssuers.primary.jwksJSON)
        let stateB = JWKSServerState(forgedIssuer.jwksJSON)
        try await withServer(stateA.handle) { serverA in
            try await withServer(stateB.handle) { serverB in
                let clock = ManualClock(now: tokenNow)
                let clientA = try jwksClient(serverA, clock: clock)
                let clientB = try jwksClient(serverB, clock: clock)
                let tokenA = try TestIssuers.primary.sessionToken(now: tokenNow)
                let tokenB = try forgedIssuer.sessionToken(now: tokenNow)
                #expect(try await clientA.verifyToken(tokenA).sub != nil)
                #expect(try await clientB.verifyToken(tokenB).sub != nil)
                await #expect(throws: TokenVerificationError.self) { try await clientA.verifyToken(tokenB) }
                await #expect(throws: TokenVerificationError.self) { try await clientB.verifyToken(tokenA) }
                // Same server, another secret key: another cache.
                let clientA2 = try jwksClient(serverA, clock: clock)
                _ = try await clientA2.verifyToken(tokenA)
                #expect(stateA.hits.withLock { $0 } == 2)
            }
        }
    }

    @Test("A failing JWKS endpoint: 401 clerk_key_invalid and 5xx map to their reasons, and failures are not hammered")
    func failingEndpoint() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        state.status.withLock { $0 = 401 }
        try await withServer(state.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try jwksClient(server, clock: clock)
            let token = try TestIssuers.primary.sessionToken(now: tokenNow)
            do {
                _ = try await client.verifyToken(token)
                Issue.record("expected failure")
            } catch let error as TokenVerificationError {
                #expect(error.reason == .invalidSecretKey)
            }
            // Within the refetch interval the failure is served from memory.
            await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(token) }
            #expect(state.hits.withLock { $0 } == 1)
            state.status.withLock { $0 = 503 }
            clock.advance(by: .seconds(6))
            do {
                _ = try await client.verifyToken(token)
            } catch let error as TokenVerificationError {
                #expect(error.reason == .remoteJWKFailedToLoad)
            }
            // Two failures in a row: the next attempt waits twice the interval (backoff), then succeeds.
            state.status.withLock { $0 = 200 }
            clock.advance(by: .seconds(6))
            await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(token) }
            #expect(state.hits.withLock { $0 } == 2)
            clock.advance(by: .seconds(5))
            #expect(try await client.verifyToken(token).sub != nil)
            #expect(state.hits.withLock { $0 } == 3)
        }
    }

    @Test("A lenient JWKS: unsupported keys are skipped, an alg-less RSA key is RS256 only")
    func lenientJWKS() async throws {
        var jwk = try #require(TestIssuers.primary.jwk.objectValue)
        jwk["alg"] = nil
        let jwks: JSONValue = [
            "keys": [
                ["kty": "oct", "kid": "sym", "k": "c2VjcmV0"],
                ["kty": "EC", "kid": "ec", "crv": "P-256", "x": "AAAA", "y": "BBBB"],
                ["kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"],
                ["kty": "RSA", "kid": "weird", "alg": "RSA-OAEP-256", "n": "AQAB", "e": "AQAB"],
                .object(jwk),
            ]
        ]
        let state = JWKSServerState(String(decoding: try JSONEncoder().encode(jwks), as: UTF8.self))
        try await withServer(state.handle) { server in
            let client = try jwksClient(server, clock: ManualClock(now: tokenNow))
            #expect(try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow)).sub != nil)
            // Pinning: an RS384 token never verifies against the alg-less key (it was pinned to RS256 when parsed).
            let rs384 = try TestIssuers.primary.sign(claims: ["sub": "u", "exp": .int(1_764_432_600)], algorithm: "RS384")
            do {
                _ = try await client.verifyToken(rs384)
                Issue.record("RS384 accepted")
            } catch let error as TokenVerificationError {
                #expect(error.reason == .tokenInvalidAlgorithm)
            }
            #expect(try await client.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow)).sub != nil)
        }
    }

    @Test("A token without kid never falls back to some key")
    func missingKid() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let client = try jwksClient(server, clock: ManualClock(now: tokenNow))
            let token = try TestIssuers.primary.sessionToken(now: tokenNow, header: ["kid": .null])
            await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(token) }
            #expect(state.hits.withLock { $0 } == 0)
        }
    }
}
