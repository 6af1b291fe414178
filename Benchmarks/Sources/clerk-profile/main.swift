import BenchmarkFixtures
import ClerkBackend
import Crypto
import Foundation
import JWTKit
import _CryptoExtras
import Metrics
import Tracing
import RouteFixtures
import ClerkVapor
import NIOCore

// A driver for valgrind's callgrind: runs one scenario of the benchmarks N times, with nothing else around it, so
// instruction counts are repeatable. Usage: clerk-profile <scenario> [iterations]
//
//   valgrind --tool=callgrind --callgrind-out-file=/tmp/verify.cg .build/release/clerk-profile verify 2000
//   callgrind_annotate --inclusive=yes /tmp/verify.cg | head -60

@inline(never) func consume<T>(_ value: T) { withExtendedLifetime(value) {} }

let scenarios: [String: @Sendable () async throws -> Void] = [
    "raw-rs256": {
        consume(
            Fixture.publicKey.isValidSignature(
                Fixture.signature, for: SHA256.hash(data: Fixture.signingInput), padding: .insecurePKCS1v1_5
            )
        )
    },
    "decode-jwt": { consume(try decodeJWT(Fixture.token)) },
    // vapor/jwt-kit 5 verifying the same token with the same key: signature, `exp`, `nbf` and `azp`, as
    // `verifyToken` checks them (the baseline a Swift developer would otherwise write).
    "jwt-kit": { consume(try await JWTKitBaseline.keys.verify(Fixture.token, as: JWTKitBaseline.Claims.self)) },
    "verify": { consume(try await Fixture.client.verifyToken(Fixture.token)) },
    "header": {
        let state = try await Fixture.client.authenticateRequest(Fixture.headerRequest)
        precondition(state.isAuthenticated)
    },
    "cookie": {
        let state = try await Fixture.client.authenticateRequest(Fixture.cookieRequest)
        precondition(state.isAuthenticated)
    },
    // The routes of the integration benchmarks, 100 requests per call (one event-loop hop per call for Vapor, as
    // its server runs requests on their event loop): (protected − open) / 100 is the added cost of Clerk on a route.
    "vapor-open-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/open/me", count: 100) },
    "vapor-protected-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/protected/me", count: 100) },
    "vapor-middleware-only-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/middleware-only/me", count: 100) },
    "vapor-async-noop-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/async-noop/me", count: 100) },
    "vapor-immediate-noop-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/immediate-noop/me", count: 100) },
    "vapor-authenticate-only-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/authenticate-only/me", count: 100) },
    "vapor-convert-only-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/convert-only/me", count: 100) },
    "vapor-verify-only-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/verify-only/me", count: 100) },
    "vapor-verify-twice-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/verify-twice/me", count: 100) },
    "verify-task-100": {
        for _ in 0..<100 { consume(try await Task.immediate { try await Fixture.client.verifyToken(Fixture.token) }.value) }
    },
    "noop-task-100": {
        for _ in 0..<100 { consume(await Task.immediate { 1 }.value) }
    },
    "vapor-raw-rsa-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/raw-rsa/me", count: 100) },
    "raw-rs256-100": {
        for _ in 0..<100 {
            consume(Fixture.publicKey.isValidSignature(Fixture.signature, for: SHA256.hash(data: Fixture.signingInput), padding: .insecurePKCS1v1_5))
        }
    },
    "vapor-floor-100": { try await VaporFixture.setUp(); try await VaporFixture.respond("/floor/me", count: 100) },
    "vapor-convert-100": {
        try await VaporFixture.setUp()
        let request = VaporFixture.request("/protected/me")
        for _ in 0..<100 { consume(try ClerkRequest(vapor: request)) }
    },
    "vapor-request-100": {
        try await VaporFixture.setUp()
        for _ in 0..<100 { consume(VaporFixture.request("/protected/me")) }
    },
    "header-100": {
        for _ in 0..<100 { consume(try await Fixture.client.authenticateRequest(Fixture.headerRequest)) }
    },
    "hop-check": {
        try await VaporFixture.setUp()
        let loop = VaporFixture.app.eventLoopGroup.any()
        let result = try await loop.submit { () -> EventLoopFuture<String> in
            let promise = loop.makePromise(of: String.self)
            let before = pthread_self()
            Task.immediate {
                let a = pthread_self()
                _ = try? await Fixture.client.verifyToken(Fixture.token)
                let b = pthread_self()
                _ = try? await Fixture.client.authenticateRequest(Fixture.headerRequest)
                let c = pthread_self()
                promise.succeed("start same: \(a == before), after verify: \(b == before), after authenticate: \(c == before)")
            }
            return promise.futureResult
        }.get().get()
        print(result)
    },
    "hummingbird-open-100": { try await hummingbird100("/open/me") },
    "hummingbird-protected-100": { try await hummingbird100("/protected/me") },
    "hummingbird-authenticator-only-100": { try await hummingbird100("/authenticator-only/me") },
    "hummingbird-verify-only-100": { try await hummingbird100("/verify-only/me") },
    "hummingbird-authenticate-only-100": { try await hummingbird100("/authenticate-only/me") },
    "hummingbird-noop-100": { try await hummingbird100("/noop/me") },
    "verify-100": { for _ in 0..<100 { consume(try await Fixture.client.verifyToken(Fixture.token)) } },
    "hmac": { consume(HMAC<SHA256>.authenticationCode(for: Fixture.hmacInput, using: Fixture.hmacKey)) },
    "webhook": { consume(try Fixture.verifier.verifySignature(body: Fixture.webhookBody, headers: Fixture.webhookHeaders)) },
    // Verified and decoded into the typed `User` (checked, so a payload that fell back to untyped JSON fails the run).
    "webhook-decode": {
        let event = try Fixture.verifier.verify(body: Fixture.webhookBody, headers: Fixture.webhookHeaders)
        precondition(event.data.user != nil)
        consume(event)
    },
    // The same, and `rawData` read too (built from the parsed body on first use).
    "webhook-decode-raw": {
        let event = try Fixture.verifier.verify(body: Fixture.webhookBody, headers: Fixture.webhookHeaders)
        precondition(event.data.user != nil && event.rawData.objectValue != nil)
        consume(event)
    },
    "users-foundation": { consume(try JSONSerialization.jsonObject(with: Fixture.userPage)) },
    // The observability every verification pays for, alone.
    "with-span": { try await withSpan("bench", ofKind: .internal) { span in consume(span) } },
    "start-span": { InstrumentationSystem.tracer.startSpan("bench", ofKind: .internal).end() },
    "counter": { Counter(label: "bench_total", dimensions: [("status", "signed-in"), ("reason", "")]).increment() },
    "users": { consume(try ClerkJSONDecoder().decode([User].self, from: Fixture.userPage)) },
    "users-jsondecoder": { consume(try JSONDecoder().decode([User].self, from: Fixture.userPage)) },
]

/// Answers 100 requests to a Hummingbird route, one after the other (each must succeed).
@Sendable func hummingbird100(_ path: String) async throws {
    for _ in 0..<100 {
        let response = try await HummingbirdFixture.respond(path)
        precondition(response.status == .ok)
    }
}

/// The jwt-kit baseline: one key collection with the fixture's RSA key under its kid.
enum JWTKitBaseline {
    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var iat: IssuedAtClaim
        var nbf: NotBeforeClaim?
        var azp: String?
        var sid: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired(currentDate: Fixture.now)
            try nbf?.verifyNotBefore(currentDate: Fixture.now.addingTimeInterval(5))
            guard azp == "https://app.example.test" else { throw JWTError.claimVerificationFailure(failedClaim: nil, reason: "azp") }
        }
    }

    nonisolated(unsafe) static let keys: JWTKeyCollection = {
        let keys = JWTKeyCollection()
        let semaphore = DispatchSemaphore(value: 0)
        Task {
            await keys.add(
                rsa: try! Insecure.RSA.PublicKey(pem: Fixture.issuer.publicKeyPEM), digestAlgorithm: .sha256,
                kid: JWKIdentifier(string: "ins_bench")
            )
            semaphore.signal()
        }
        semaphore.wait()
        return keys
    }()
}

/// `compare <baseline> <scenario>...`: interleaved rounds in one process (drift on a shared machine hits every
/// scenario alike), then the median time per call of each and its rate as a share of the baseline's.
@concurrent func compare(_ names: [String], rounds: Int, iterations: Int) async throws {
    var samples: [String: [Double]] = [:]
    for name in names { try await scenarios[name]?() }
    for _ in 0..<rounds {
        for name in names {
            guard let scenario = scenarios[name] else { continue }
            let start = ContinuousClock.now
            for _ in 0..<iterations { try await scenario() }
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            samples[name, default: []].append(seconds / Double(iterations))
        }
    }
    func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
    let baseline = median(samples[names[0]] ?? [1])
    for name in names {
        let value = median(samples[name] ?? [1])
        let share = baseline / value * 100
        print(name.padding(toLength: 18, withPad: " ", startingAt: 0), String(format: "%9.2f us   %6.1f%%", value * 1e6, share))
    }
}

let arguments = CommandLine.arguments
if arguments.count >= 3, arguments[1] == "compare" {
    let names = Array(arguments.dropFirst(2))
    guard names.allSatisfy({ scenarios[$0] != nil }) else {
        print("unknown scenario; known: \(scenarios.keys.sorted().joined(separator: ", "))")
        exit(2)
    }
    let rounds = Int(ProcessInfo.processInfo.environment["ROUNDS"] ?? "") ?? 31
    let iterations = Int(ProcessInfo.processInfo.environment["ITERATIONS"] ?? "") ?? 500
    try await compare(names, rounds: rounds, iterations: iterations)
    exit(0)
}
guard arguments.count >= 2, let scenario = scenarios[arguments[1]] else {
    print("usage: clerk-profile <\(scenarios.keys.sorted().joined(separator: "|"))> [iterations]")
    print("       clerk-profile compare <baseline> <scenario>...")
    exit(2)
}
let iterations = arguments.count >= 3 ? Int(arguments[2]) ?? 1000 : 1000

/// The loop runs off the main actor (top-level code is main-actor isolated): every call would hop otherwise.
@concurrent func run(_ scenario: @Sendable () async throws -> Void, iterations: Int) async throws -> Duration {
    // Build the fixtures (and warm caches) outside the measured loop.
    try await scenario()
    let start = ContinuousClock.now
    for _ in 0..<iterations { try await scenario() }
    return ContinuousClock.now - start
}
let elapsed = try await run(scenario, iterations: iterations)
print("\(arguments[1]): \(iterations) iterations, \(elapsed / iterations) each")
