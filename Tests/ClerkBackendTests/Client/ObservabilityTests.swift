import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import InMemoryTracing
import Instrumentation
import Metrics
import MetricsTestKit
import Testing
import Tracing

/// The process-wide metrics and tracing backends used by the tests; bootstrapped once.
enum TestObservability {
    static let shared: (metrics: TestMetrics, tracer: InMemoryTracer) = {
        let metrics = TestMetrics()
        MetricsSystem.bootstrap(metrics)
        let tracer = InMemoryTracer()
        InstrumentationSystem.bootstrap(tracer)
        return (metrics, tracer)
    }()
}

@Suite("Observability: spans and metrics per API call")
struct ObservabilityTests {
    @Test("Each call makes a client span named after the operation, and counts requests, retries and 429s")
    func spansAndMetrics() async throws {
        let (metrics, tracer) = TestObservability.shared
        let userID = "user_observed_\(UInt32.random(in: 0...UInt32.max))"
        let attempts = ManagedAttempts()
        try await withServer({ request in
            if request.path.hasSuffix(userID), attempts.next() == 1 {
                return .json(status: 429, #"{"errors":[{"code":"too_many_requests","message":"slow"}]}"#, headers: [("Retry-After", "0")])
            }
            return .json(try Fixtures.userJSON(id: userID))
        }) { server in
            let clerk = try makeClient(apiURL: server.baseURL, retryPolicy: RetryPolicy(maxAttempts: 2, jitter: false))
            let user = try await clerk.users.getUser(userID)
            #expect(user.id == userID)
        }
        let span = try #require(tracer.finishedSpans.last { $0.attributes["url.path"]?.toSpanAttribute() == .string("/users/\(userID)") })
        #expect(span.operationName == "GetUser")
        #expect(span.kind == .client)
        #expect(span.attributes["http.request.method"]?.toSpanAttribute() == .string("GET"))
        #expect(span.attributes["http.response.status_code"]?.toSpanAttribute() == .int64(200))
        #expect(span.attributes["clerk.attempts"]?.toSpanAttribute() == .int64(2))

        let requests = try metrics.expectCounter("clerk_api_requests_total", [("operation", "GetUser"), ("status", "200")])
        #expect(requests.totalValue >= 1)
        let limited = try metrics.expectCounter("clerk_api_rate_limited_total", [("operation", "GetUser")])
        #expect(limited.totalValue >= 1)
        let retries = try metrics.expectCounter("clerk_api_retries_total", [("operation", "GetUser")])
        #expect(retries.totalValue >= 1)
    }
}

final class ManagedAttempts: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}

@Suite("Observability: token verification")
struct TokenObservabilityTests {
    @Test("verifyToken and authenticateRequest make spans; failures are counted by reason; JWKS fetches are counted")
    func tokenSpansAndMetrics() async throws {
        let (metrics, tracer) = TestObservability.shared
        let client = try networklessClient()
        let expired = try TestIssuers.primary.sign(claims: ["sub": "user_obs", "exp": .int(1_000)])
        await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(expired) }
        let failures = try metrics.expectCounter("clerk_token_verification_failures_total", [("reason", "token-expired")])
        #expect(failures.totalValue >= 1)
        #expect(tracer.finishedSpans.contains { $0.operationName == "verifyToken" })

        let state = JWKSServerState(TestIssuers.primary.jwksJSON)
        try await withServer(state.handle) { server in
            let jwksClient = try ClerkClient(
                options: ClerkOptions(secretKey: Secret(uniqueSecretKey()), apiURL: server.baseURL, retryPolicy: .none, clock: ManualClock(now: tokenNow).clerkClock)
            )
            _ = try await jwksClient.verifyToken(try TestIssuers.primary.sessionToken(now: tokenNow))
        }
        let fetches = try metrics.expectCounter("clerk_jwks_fetches_total", [])
        #expect(fetches.totalValue >= 1)
        #expect(tracer.finishedSpans.contains { $0.operationName == "GetJWKS" })

        let authClient = try networklessClient { options in
            options.secretKey = Secret(uniqueSecretKey())
            options.publishableKey = "pk_live_" + Data("clerk.example.test$".utf8).base64EncodedString()
        }
        let request = ClerkRequest(method: .get, url: "https://app.example.test/", headers: [("Authorization", "Bearer \(try TestIssuers.primary.sessionToken(now: tokenNow))")])
        #expect(try await authClient.authenticateRequest(request).isAuthenticated)
        // Counted once a backend is bootstrapped (the no-op factory's counters are skipped, not these).
        let requests = try metrics.expectCounter("clerk_authenticate_request_total", [("status", "signed-in"), ("reason", "")])
        #expect(requests.totalValue >= 1)
        let span = try #require(tracer.finishedSpans.last { $0.operationName == "authenticateRequest" })
        #expect(span.attributes["clerk.auth.status"]?.toSpanAttribute() == .string("signed-in"))
    }

    @Test("Every verification path counts its failures: verifyToken, the Authorization header, the __session cookie, an M2M JWT")
    func everyPathCounts() async throws {
        let (metrics, _) = TestObservability.shared
        let notYet: [String: JSONValue] = ["nbf": .int(Int64(tokenNow.timeIntervalSince1970) + 3_600)]
        func count() -> Int64 {
            (try? metrics.expectCounter("clerk_token_verification_failures_total", [("reason", "token-not-active-yet")]).totalValue) ?? 0
        }
        let before = count()
        let client = try authClient()
        let session = try sessionToken(claims: notYet)
        await #expect(throws: TokenVerificationError.self) { try await client.verifyToken(session) }
        let header = try await client.authenticateRequest(apiRequest(authorization: "Bearer \(session)"))
        #expect(header.reason?.rawValue == "session-token-nbf")
        let cookie = try await client.authenticateRequest(authRequest(cookies: [("__session", session), ("__client_uat", "1")]))
        #expect(cookie.status != .signedIn)
        let m2m = try await client.authenticateRequest(
            apiRequest(authorization: "Bearer \(try MachineFixtures.m2mJWT(claims: notYet))"),
            options: AuthenticateRequestOptions(acceptsToken: .m2mToken)
        )
        #expect(m2m.status == .signedOut)
        // Other tests may count the same reason meanwhile; these four must be among the counts.
        #expect(count() - before >= 4, "each of the four paths counts its failure")
    }
}
