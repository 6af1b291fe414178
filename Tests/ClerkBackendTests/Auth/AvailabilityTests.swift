@testable import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization
import Testing

/// Floods of requests without valid credentials against a counting loopback Backend API: each path may cost at most
/// its budget in calls, never retries a 429, and never locks out credentials that are known to be good.
enum Flood {
    static let answer429: RouteTable.Route = { _ in
        .json(status: 429, #"{"errors":[{"code":"too_many_requests","message":"slow down"}]}"#, headers: [("Retry-After", "0")])
    }

    /// A random nonce of Clerk's shape.
    static func nonce() -> String { "hsn_" + UUID().uuidString.replacingOccurrences(of: "-", with: "") }

    /// Runs `body` `count` times concurrently.
    static func concurrently<T: Sendable>(_ count: Int, _ body: @escaping @Sendable (Int) async throws -> T) async throws -> [T] {
        try await withThrowingTaskGroup(of: T.self) { group in
            for index in 0..<count { group.addTask { try await body(index) } }
            var results: [T] = []
            for try await result in group { results.append(result) }
            return results
        }
    }

    static func calls(_ server: LoopbackHTTPServer, _ path: String) -> Int {
        server.requests.filter { $0.path == path }.count
    }

    /// A budget of `calls` per 10 s for every category, in a store of the test's own.
    static func budget(_ calls: Int) -> (inout ClerkOptions) -> Void {
        { options in
            let rate = BackendAPIBudget.Rate(calls: calls, per: .seconds(10))
            options.apiBudget = BackendAPIBudget(handshakePayload: rate, sessionRefresh: rate, machineTokenVerification: rate, jwksRefetch: rate)
            options.apiBudgetStore = InMemoryBackendAPIBudgetStore()
            options.retryPolicy = .default
        }
    }
}

@Suite("Availability: handshake nonces")
struct HandshakeNonceFloodTests {
    @Test("300 concurrent requests with random nonces against a 429ing API make at most the budget in calls, none retried")
    func nonceFlood() async throws {
        let routes = RouteTable.withJWKS()
        routes.set("GET /v1/clients/handshake_payload", Flood.answer429)
        try await withServer(routes.handle) { server in
            let client = try serverClient(server, configure: Flood.budget(5))
            let states = try await Flood.concurrently(300) { _ in
                try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=" + Flood.nonce()))
            }
            #expect(Flood.calls(server, "/v1/clients/handshake_payload") <= 5)
            #expect(Flood.calls(server, "/v1/clients/handshake_payload") >= 1)
            #expect(states.allSatisfy { $0.status == .signedOut })
        }
    }

    @Test("The default budget of a development instance: a burst of 10, then 3 calls per 10 s")
    func defaultBudget() async throws {
        let routes = RouteTable.withJWKS()
        routes.set("GET /v1/clients/handshake_payload", Flood.answer429)
        try await withServer(routes.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock)
            #expect(client.budget == .development)
            for _ in 0..<20 {
                _ = try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=" + Flood.nonce()))
            }
            #expect(Flood.calls(server, "/v1/clients/handshake_payload") == 10, "the burst")
            clock.advance(by: .seconds(10))
            for _ in 0..<20 {
                _ = try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=" + Flood.nonce()))
            }
            #expect(Flood.calls(server, "/v1/clients/handshake_payload") == 13, "then 3 per 10 s")
            let live = try serverClient(server, secretKey: AuthKeys.liveSecretKey())
            #expect(live.budget == .production)
        }
    }

    @Test("Malformed nonces are refused before any call", arguments: [
        "n", "short", String(repeating: "a", count: 513), "nonce with spaces", "nonce%00null", "nönce_unicode_x", "a;b=c;d=eeee",
    ])
    func malformed(nonce: String) async throws {
        let routes = RouteTable.withJWKS()
        routes.set("GET /v1/clients/handshake_payload", Flood.answer429)
        try await withServer(routes.handle) { server in
            let client = try serverClient(server, configure: Flood.budget(100))
            let encoded = nonce.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let state = try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=" + encoded))
            expectState(state, .signedOut, .sessionTokenMissing)
            #expect(server.requests.isEmpty)
        }
    }

    @Test("One nonce: concurrent requests share one call, and a nonce the API rejected is not asked again")
    func singleFlight() async throws {
        let routes = RouteTable.withJWKS()
        routes.set("GET /v1/clients/handshake_payload") { _ in
            try await Task.sleep(for: .milliseconds(200))
            return .json(status: 400, #"{"errors":[{"code":"invalid_nonce","message":"bad nonce","meta":{"param_name":"nonce"}}]}"#)
        }
        try await withServer(routes.handle) { server in
            let client = try serverClient(server, configure: Flood.budget(100))
            let nonce = Flood.nonce()
            _ = try await Flood.concurrently(50) { _ in
                try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=" + nonce))
            }
            #expect(Flood.calls(server, "/v1/clients/handshake_payload") == 1)
            for _ in 0..<10 {
                _ = try await client.authenticateRequest(authRequest(appOrigin + "/", cookies: [("__clerk_handshake_nonce", nonce)]))
            }
            #expect(Flood.calls(server, "/v1/clients/handshake_payload") == 1)
        }
    }
}

@Suite("Availability: session refresh")
struct RefreshFloodTests {
    let suffix = try! PublishableKey(AuthKeys.pkLive).cookieSuffix
    let expired = try! sessionToken(now: tokenNow.addingTimeInterval(-3_600), sessionID: "sess_REAL")

    func routes(_ answer: @escaping RouteTable.Route = Flood.answer429) -> RouteTable {
        let routes = RouteTable.withJWKS()
        routes.set("POST /v1/sessions/sess_REAL/refresh", answer)
        return routes
    }

    func cookies(token: String, refresh: String = "refresh_token_value") -> [(String, String)] {
        [("__session_\(suffix)", token), ("__client_uat_\(suffix)", "1"), ("__refresh_\(suffix)", refresh)]
    }

    @Test("A flood of refreshes with different refresh cookies makes at most the budget in calls, none retried")
    func refreshFlood() async throws {
        try await withServer(routes().handle) { server in
            let client = try serverClient(server, configure: Flood.budget(4))
            let expired = self.expired
            let suffix = self.suffix
            let states = try await Flood.concurrently(200) { index in
                try await client.authenticateRequest(authRequest(cookies: [
                    ("__session_\(suffix)", expired), ("__client_uat_\(suffix)", "1"), ("__refresh_\(suffix)", "r_\(index)"),
                ]))
            }
            #expect(Flood.calls(server, "/v1/sessions/sess_REAL/refresh") == 4)
            #expect(states.contains { $0.reason?.rawValue == "session-token-expired-refresh-budget-exhausted" })
        }
    }

    @Test("Replaying one expired token and refresh cookie: one call, and a rejected pair is remembered")
    func replay() async throws {
        let rejecting = routes { _ in .json(status: 401, #"{"errors":[{"code":"authentication_invalid","message":"no"}]}"#) }
        try await withServer(rejecting.handle) { server in
            let client = try serverClient(server, configure: Flood.budget(100))
            let cookies = self.cookies(token: expired)
            _ = try await Flood.concurrently(30) { _ in try await client.authenticateRequest(authRequest(cookies: cookies)) }
            for _ in 0..<10 {
                let state = try await client.authenticateRequest(authRequest(cookies: cookies))
                expectState(state, .handshake, "session-token-expired-refresh-authentication_invalid")
            }
            #expect(Flood.calls(server, "/v1/sessions/sess_REAL/refresh") == 1)
        }
    }

    @Test("An unsigned expired cookie never reaches the API; the header's verified token is the one refreshed")
    func forgedCookie() async throws {
        // An attacker's forged token: a valid-looking JWT with another key, naming a session that is not theirs.
        let forged = try TestIssuers.other.sessionToken(
            userID: "user_victim", sessionID: "sess_FORGED_unverified", now: tokenNow.addingTimeInterval(-3_600),
            header: ["kid": "ins_primary"]
        )
        try await withServer(routes().handle) { server in
            let client = try serverClient(server, configure: Flood.budget(100))
            // Cookie path: the forged cookie fails its signature check, so nothing is refreshed.
            let cookieState = try await client.authenticateRequest(authRequest(cookies: cookies(token: forged)))
            expectState(cookieState, .signedOut, AuthReason(rawValue: "token-invalid-signature"))
            // Header path with the forged cookie beside it: the expired header token (validly signed) is the one sent.
            let headerState = try await client.authenticateRequest(
                authRequest(cookies: cookies(token: forged), authorization: "Bearer " + expired)
            )
            #expect(headerState.status != .signedIn)
            #expect(!server.requests.contains { $0.path.contains("FORGED") })
            let refresh = server.requests.filter { $0.method == .post }
            #expect(refresh.map(\.path) == ["/v1/sessions/sess_REAL/refresh"])
            #expect(refresh.first?.jsonBody?["expired_token"] == .string(expired))
        }
    }

    @Test("A malformed refresh cookie is refused before any call")
    func malformedRefreshCookie() async throws {
        try await withServer(routes().handle) { server in
            let client = try serverClient(server, configure: Flood.budget(100))
            let state = try await client.authenticateRequest(
                authRequest(cookies: cookies(token: expired, refresh: String(repeating: "r", count: 5000)))
            )
            expectState(state, .handshake, "session-token-expired-refresh-invalid-refresh-token")
            #expect(server.requests.allSatisfy { $0.method != .post })
        }
    }
}

@Suite("Availability: machine tokens")
struct MachineTokenFloodTests {
    static func apiKeyRoutes(known: String) -> RouteTable {
        RouteTable([
            "POST /v1/api_keys/verify": { request in
                guard request.jsonBody?["secret"] == .string(known) else {
                    return .json(status: 404, #"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#)
                }
                return .json(MachineFixtures.apiKeyJSON)
            },
        ])
    }

    func authenticate(_ client: ClerkClient, _ token: String) async throws -> RequestState {
        try await client.authenticateRequest(
            authRequest(authorization: "Bearer " + token), options: AuthenticateRequestOptions(acceptsToken: .apiKey)
        )
    }

    @Test("A key verified earlier keeps working past its cache lifetime while random keys flood in")
    func noLockout() async throws {
        let known = MachineFixtures.opaque("ak_")
        try await withServer(Self.apiKeyRoutes(known: known).handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock, configure: Flood.budget(5))
            expectState(try await authenticate(client, known), .signedIn, nil)
            var refusedRandom = 0
            var knownOK = 0
            for round in 0..<20 {
                for _ in 0..<50 {
                    let state = try await authenticate(client, MachineFixtures.opaque("ak_"))
                    if state.reason == .machineTokenRateLimited { refusedRandom += 1 }
                }
                if try await authenticate(client, known).status == .signedIn { knownOK += 1 }
                // Past the 10 s cache lifetime every other round.
                if round.isMultiple(of: 2) { clock.advance(by: .seconds(11)) }
            }
            #expect(knownOK == 20, "the known key was refused \(20 - knownOK) times")
            #expect(refusedRandom > 900)
            let randomCalls = server.requests.filter { $0.jsonBody?["secret"] != .string(known) }.count
            // 5 at once, then 5 per 10 s over 110 s.
            #expect(randomCalls <= 5 + 55 + 5)
        }
    }

    @Test("A known key survives a 5xx storm within its staleness limit; a definite rejection ends it at once")
    func staleIfError() async throws {
        let known = MachineFixtures.opaque("ak_")
        let routes = Self.apiKeyRoutes(known: known)
        try await withServer(routes.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock, configure: Flood.budget(5))
            expectState(try await authenticate(client, known), .signedIn, nil)
            routes.set("POST /v1/api_keys/verify") { _ in .json(status: 503, #"{"errors":[{"code":"unexpected_error","message":"down"}]}"#) }
            clock.advance(by: .seconds(60))
            expectState(try await authenticate(client, known), .signedIn, nil)
            clock.advance(by: .seconds(300))
            let tooStale = try await authenticate(client, known)
            #expect(tooStale.status == .signedOut, "past TTL + 5 minutes the earlier answer no longer stands")
            // Revocation: a definite 404 on revalidation signs the key out at once.
            let revoked = MachineFixtures.opaque("ak_")
            routes.set("POST /v1/api_keys/verify") { _ in .json(MachineFixtures.apiKeyJSON) }
            expectState(try await authenticate(client, revoked), .signedIn, nil)
            routes.set("POST /v1/api_keys/verify") { _ in .json(status: 404, #"{"errors":[{"code":"resource_not_found","message":"gone"}]}"#) }
            clock.advance(by: .seconds(11))
            expectState(try await authenticate(client, revoked), .signedOut, AuthReason(rawValue: "token-invalid"))
        }
    }

    @Test("Rejections never evict accepted tokens, even past the cache's size")
    func negativesDoNotEvictPositives() async throws {
        let known = MachineFixtures.opaque("ak_")
        let transport = InMemoryTransport { request in
            let body = try? JSONDecoder().decode(JSONValue.self, from: request.body ?? Data())
            if body?["secret"] == .string(known) { return .json(MachineFixtures.apiKeyJSON) }
            return .json(status: 404, #"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#)
        }
        let client = try authClient(transport: transport) {
            $0.jwtKey = nil
            $0.apiBudget = .unlimited
            $0.apiBudgetStore = InMemoryBackendAPIBudgetStore()
        }
        expectState(try await authenticate(client, known), .signedIn, nil)
        for _ in 0..<(MachineTokenGuard.maxCacheEntries + 10) {
            _ = try await authenticate(client, MachineFixtures.opaque("ak_"))
        }
        let before = transport.requests.count
        expectState(try await authenticate(client, known), .signedIn, nil)
        #expect(transport.requests.count == before, "the known key is still answered from the cache")
    }
}

@Suite("Availability: JWKS")
struct JWKSStormTests {
    @Test("Valid sessions keep verifying through a 429 storm that outlasts the TTL; retries back off in the background")
    func storm() async throws {
        let routes = RouteTable.withJWKS()
        try await withServer(routes.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock) { $0.retryPolicy = .default }
            _ = try await client.verifyToken(try sessionToken())
            #expect(Flood.calls(server, "/v1/jwks") == 1)
            routes.set("GET /v1/jwks", Flood.answer429)
            // 30 minutes of requests, one every 5 s, all past the 5-minute TTL after the first minutes.
            var failures = 0
            for _ in 0..<360 {
                clock.advance(by: .seconds(5))
                do {
                    _ = try await client.verifyToken(try sessionToken(now: clock.now))
                } catch {
                    failures += 1
                }
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(failures == 0)
            // One synchronous attempt at the TTL, then background retries backing off 5, 10, 20 … 300 s: far fewer
            // calls than the 300 requests made past the TTL.
            let calls = Flood.calls(server, "/v1/jwks")
            #expect(calls >= 3 && calls <= 20, "\(calls) JWKS calls")
            // Past TTL + the staleness limit (1 hour), a failing refresh fails verification.
            clock.advance(by: .seconds(3_700))
            await #expect(throws: TokenVerificationError.self) { _ = try await client.verifyToken(try sessionToken(now: clock.now)) }
            // The API recovers: the next attempt after the backoff succeeds.
            routes.set("GET /v1/jwks") { _ in .json(TestIssuers.primary.jwksJSON) }
            clock.advance(by: .seconds(301))
            _ = try await client.verifyToken(try sessionToken(now: clock.now))
        }
    }

    @Test("Random kids: at most one refetch per interval, within the budget")
    func randomKids() async throws {
        let routes = RouteTable.withJWKS()
        try await withServer(routes.handle) { server in
            let clock = ManualClock(now: tokenNow)
            let client = try serverClient(server, clock: clock, configure: Flood.budget(2))
            _ = try await client.verifyToken(try sessionToken())
            for _ in 0..<60 {
                for _ in 0..<10 {
                    let random = try TestIssuers.other.sign(
                        claims: ["sub": "user_x", "exp": .int(Int64(clock.now.timeIntervalSince1970) + 60)],
                        header: ["kid": .string("kid_\(UUID().uuidString)")]
                    )
                    _ = try? await client.verifyToken(random)
                }
                clock.advance(by: .seconds(1))
            }
            // 60 s: the 5 s interval allows 12 refetches, the budget of 2 per 10 s allows 2 + 12.
            #expect(Flood.calls(server, "/v1/jwks") <= 1 + 12)
            _ = try await client.verifyToken(try sessionToken(now: clock.now))
        }
    }
}

@Suite("Availability: configuration")
struct BudgetConfigurationTests {
    @Test("Rates parse from calls/seconds; the defaults by instance kind")
    func rates() {
        #expect(BackendAPIBudget.Rate(parsing: "30/10") == .init(calls: 30, per: .seconds(10)))
        #expect(BackendAPIBudget.Rate(parsing: "5") == .init(calls: 5, per: .seconds(10)))
        #expect(BackendAPIBudget.Rate(parsing: " 7 / 1.5s ") == .init(calls: 7, per: .milliseconds(1500)))
        #expect(BackendAPIBudget.Rate(parsing: "3/10/12") == .init(calls: 3, per: .seconds(10), burst: 12))
        for bad in ["", "x", "-1", "3/0", "3/-2", "5/2/3", "3/abc", "1/2/3/4"] { #expect(BackendAPIBudget.Rate(parsing: bad) == nil, "\(bad)") }
        #expect(BackendAPIBudget.defaults(secretKey: "sk_live_abc") == .production)
        #expect(BackendAPIBudget.defaults(secretKey: "sk_test_abc") == .development)
        #expect(BackendAPIBudget.defaults(secretKey: nil) == .development)
        #expect(BackendAPIBudget.Rate(calls: 30, per: .seconds(10)).description == "30/10s")
        #expect(BackendAPIBudget.Rate(calls: 3, per: .seconds(10), burst: 10).description == "3/10s, burst 10")
        #expect(BackendAPIBudget.Rate(calls: 5, per: .seconds(1), burst: 2).burst == 5, "never smaller than the rate")
    }

    @Test("CLERK_* variables set the JWKS lifetimes, the machine-token cache and the budgets")
    func environment() throws {
        let options = try ClerkOptions(environment: [
            "CLERK_SECRET_KEY": "sk_live_abcdefgh", "CLERK_JWKS_CACHE_TTL": "60", "CLERK_JWKS_MAX_STALENESS": "7200",
            "CLERK_JWKS_REFETCH_INTERVAL": "2.5", "CLERK_MACHINE_TOKEN_CACHE_TTL": "30",
            "CLERK_MACHINE_TOKEN_MAX_STALENESS": "0", "CLERK_BUDGET_HANDSHAKE_PAYLOAD": "100/10",
            "CLERK_BUDGET_MACHINE_TOKENS": "7",
        ])
        #expect(options.jwksCacheTTL == .seconds(60))
        #expect(options.jwksMaxStaleness == .seconds(7200))
        #expect(options.jwksRefetchInterval == .milliseconds(2500))
        #expect(options.machineTokenCacheTTL == .seconds(30))
        #expect(options.machineTokenMaxStaleness == .zero)
        let budget = try #require(options.apiBudget)
        #expect(budget.handshakePayload == .init(calls: 100, per: .seconds(10)))
        #expect(budget.machineTokenVerification == .init(calls: 7, per: .seconds(10)))
        #expect(budget.sessionRefresh == BackendAPIBudget.production.sessionRefresh, "the others keep the live defaults")
        #expect(try ClerkOptions(environment: [:]).apiBudget == nil)
        for (name, value) in [("CLERK_JWKS_CACHE_TTL", "soon"), ("CLERK_JWKS_MAX_STALENESS", "-1"), ("CLERK_BUDGET_SESSION_REFRESH", "lots")] {
            #expect(throws: ClerkError.self) { _ = try ClerkOptions(environment: [name: value]) }
        }
    }

    @Test("A custom store sees one bucket per instance and category, named without the secret key")
    func customStore() async throws {
        final class Recording: BackendAPIBudgetStore {
            let keys = Mutex<[String]>([])
            func consume(key: String, rate: BackendAPIBudget.Rate, now: Date) async -> Bool {
                keys.withLock { $0.append(key) }
                return false
            }
        }
        let store = Recording()
        let routes = RouteTable.withJWKS()
        routes.set("GET /v1/clients/handshake_payload", Flood.answer429)
        try await withServer(routes.handle) { server in
            let secret = uniqueSecretKey()
            let client = try serverClient(server, secretKey: secret) { $0.apiBudgetStore = store }
            _ = try await client.authenticateRequest(authRequest(appOrigin + "/?__clerk_handshake_nonce=" + Flood.nonce()))
            #expect(server.requests.isEmpty, "a refusing store stops the call")
            let keys = store.keys.withLock { $0 }
            #expect(keys.count == 1)
            #expect(keys.first?.hasSuffix("|handshake-payload") == true)
            #expect(keys.allSatisfy { !$0.contains(secret) && !$0.contains("sk_") })
        }
    }
}

@Suite("Security: smaller findings of the availability review")
struct AvailabilityReviewFindingsTests {
    @Test("Plain-http apiURL only for localhost and literal loopback addresses, never *.localhost")
    func plainHTTP() throws {
        for good in ["http://localhost:4010", "http://127.0.0.1:8080", "http://127.3.2.1", "http://[::1]:9000", "https://evil.localhost"] {
            #expect(throws: Never.self, "\(good)") { _ = try ClerkClient(options: ClerkOptions(secretKey: "sk_test_abcdefgh", apiURL: URL(string: good)!)) }
        }
        for bad in ["http://evil.localhost", "http://clerk.emulator.localhost:4010", "http://127.0.0.1.nip.io", "http://10.0.0.1", "http://localhost.evil.test"] {
            #expect(throws: ClerkError.self, "\(bad)") { _ = try ClerkClient(options: ClerkOptions(secretKey: "sk_test_abcdefgh", apiURL: URL(string: bad)!)) }
        }
    }

    @Test("An encoded backslash is refused like a literal one", arguments: ["/users/%5Cfoo", "/users/%5cfoo", "/users/%255Cfoo", "/users/a\\b"])
    func encodedBackslash(path: String) async throws {
        let transport = refusingTransport()
        let client = try authClient(transport: transport)
        await #expect(throws: ClerkError.self) { _ = try await client.request(method: .get, path: path) }
        #expect(transport.requests.isEmpty)
    }

    @Test("verifyToken accepts a template token but says so; authenticateRequest never takes one as a session")
    func templateCategory() async throws {
        let client = try authClient()
        let template = try sessionToken(header: ["cat": .string(JWTCategory.jwtTemplate.rawValue)])
        let claims = try await client.verifyToken(template)
        #expect(claims.category == .jwtTemplate)
        #expect(try await client.verifyToken(try sessionToken(header: ["cat": .string(JWTCategory.session.rawValue)])).category == .session)
        #expect(try await client.verifyToken(try sessionToken()).category == nil)
        let header = try await client.authenticateRequest(authRequest(authorization: "Bearer " + template))
        expectState(header, .signedOut, .tokenTypeMismatch)
        let any = try await client.authenticateRequest(authRequest(authorization: "Bearer " + template), options: .init(acceptsToken: .any))
        expectState(any, .signedOut, .tokenTypeMismatch)
        await #expect(throws: TokenVerificationError.self) {
            _ = try await client.verifyToken(try sessionToken(header: ["cat": .string(JWTCategory.m2m.rawValue)]))
        }
    }
}
