@testable import ClerkBackend
import ClerkTesting
import Foundation
import Testing
import Synchronization

@Suite("ClerkVerificationCache: what a client remembers is its own unless shared on purpose")
struct ClerkVerificationCacheTests {
    func client(_ server: LoopbackHTTPServer, secretKey: String, cache: ClerkVerificationCache? = nil) throws -> ClerkClient {
        var options = ClerkOptions(
            secretKey: Secret(secretKey), apiURL: server.baseURL, retryPolicy: .none, clock: ManualClock(now: tokenNow).clerkClock
        )
        options.verificationCache = cache
        return try ClerkClient(options: options)
    }

    @Test("Two clients of one instance with the same keys share nothing by default: each fetches the JWKS")
    func noHiddenSharing() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        let secretKey = uniqueSecretKey()
        try await withServer(state.handle) { server in
            let token = try TestIssuers.primary.sessionToken(now: tokenNow)
            _ = try await client(server, secretKey: secretKey).verifyToken(token)
            _ = try await client(server, secretKey: secretKey).verifyToken(token)
        }
        #expect(state.hits.withLock { $0 } == 2)
    }

    @Test("Clients given one cache share it: one JWKS fetch for both")
    func sharedOnPurpose() async throws {
        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        let secretKey = uniqueSecretKey()
        let cache = ClerkVerificationCache()
        try await withServer(state.handle) { server in
            let token = try TestIssuers.primary.sessionToken(now: tokenNow)
            _ = try await client(server, secretKey: secretKey, cache: cache).verifyToken(token)
            _ = try await client(server, secretKey: secretKey, cache: cache).verifyToken(token)
        }
        #expect(state.hits.withLock { $0 } == 1)
    }

    @Test("A cache serves one instance: a client of another instance cannot be created with it")
    func oneInstancePerCache() async throws {
        let cache = ClerkVerificationCache()
        try await withServer({ _ in .json(status: 404, "{}") }) { server in
            _ = try client(server, secretKey: uniqueSecretKey(), cache: cache)
            #expect(throws: ClerkError.self) { try client(server, secretKey: uniqueSecretKey(), cache: cache) }
        }
    }
}
