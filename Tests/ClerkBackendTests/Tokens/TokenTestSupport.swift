import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Synchronization

/// Issuers are expensive to create (RSA key generation), so tests share a few.
enum TestIssuers {
    static let primary: TestTokenIssuer = try! TestTokenIssuer(kid: "ins_primary")
    static let other: TestTokenIssuer = try! TestTokenIssuer(kid: "ins_other")
    static let rotated: TestTokenIssuer = try! TestTokenIssuer(kid: "ins_rotated")
}

/// A fixed "now" for token tests.
let tokenNow = Date(timeIntervalSince1970: 1_764_432_000)

/// A secret key unique to one test, so process-wide JWKS caches never mix between tests.
func uniqueSecretKey() -> String { "sk_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "") }

/// A networkless client verifying with `issuer`'s public key, at `tokenNow` unless a clock is given.
func networklessClient(
    _ issuer: TestTokenIssuer = TestIssuers.primary, clock: ManualClock = ManualClock(now: tokenNow),
    configure: (inout ClerkOptions) -> Void = { _ in }
) throws -> ClerkClient {
    var options = ClerkOptions(jwtKey: issuer.publicKeyPEM, clock: clock.clerkClock)
    configure(&options)
    return try ClerkClient(options: options)
}

/// Counts the JWKS requests a loopback server answers, and serves whatever JWKS the test sets.
final class JWKSServerState: Sendable {
    let jwks: Mutex<String>
    let status = Mutex(200)
    let delay = Mutex<Duration>(.zero)
    let hits = Mutex(0)

    init(_ jwks: String) { self.jwks = Mutex(jwks) }

    func handle(_ request: LoopbackHTTPServer.Request) async throws -> ClerkHTTPResponse {
        guard request.path == "/v1/jwks" else { return .json(status: 404, "{}") }
        hits.withLock { $0 += 1 }
        let wait = delay.withLock { $0 }
        if wait > .zero { try await Task.sleep(for: wait) }
        let code = status.withLock { $0 }
        if code == 401 {
            return .json(status: code, #"{"errors":[{"code":"clerk_key_invalid","message":"The provided Clerk Secret Key is invalid."}]}"#)
        }
        if code != 200 {
            return .json(status: code, #"{"errors":[{"code":"internal_clerk_error","message":"Unavailable"}]}"#)
        }
        return .json(jwks.withLock { $0 })
    }
}
