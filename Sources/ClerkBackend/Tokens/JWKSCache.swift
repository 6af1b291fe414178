#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import Metrics
import Synchronization

/// The signing keys of one Clerk instance, fetched from `GET /v1/jwks` and cached.
///
/// - One cache per instance: caches are shared process-wide by `apiUrl + apiVersion + secret key` (the key is kept
///   only as a SHA-256 digest), so a kid of one instance never verifies another instance's token, and every
///   `ClerkClient` of the same instance (one per request in a web framework, say) shares one cache.
/// - Keys live for the TTL (5 minutes by default) and are then refetched; each fetch replaces the whole set
///   atomically.
/// - A kid that is not in the cache triggers one refetch (key rotation), single-flight: concurrent callers wait for
///   the same request, and a caller's cancellation never fails the others. Refetches caused by unknown kids happen
///   at most once per `refetchInterval`, so a flood of tokens with random kids cannot flood the Backend API.
final class JWKSCache: Sendable {
    struct Snapshot: Sendable {
        var keys: [String: VerificationKey] = [:]
        var fetchedAt: Date?
    }

    private struct State: Sendable {
        var snapshot = Snapshot()
        var inFlight: Task<Snapshot, any Error>?
        var lastMissRefetch: Date?
        var lastFailure: (at: Date, error: TokenVerificationError)?
    }

    private let state = Mutex(State())

    // MARK: Registry

    private static let registry = Mutex<[String: JWKSCache]>([:])

    /// The cache for one instance scope.
    static func shared(apiUrl: String, apiVersion: String, secretKey: String) -> JWKSCache {
        let digest = SHA256.hash(data: Array("\(apiUrl)|\(apiVersion)|\(secretKey)".utf8))
        let scope = hexString(digest)
        return registry.withLock { caches in
            if let cache = caches[scope] { return cache }
            let cache = JWKSCache()
            caches[scope] = cache
            return cache
        }
    }

    // MARK: Lookup

    /// Returns the key for `kid`, fetching the JWKS when the cache is empty, expired or misses the kid.
    func key(
        kid: String, now: Date, ttl: Duration, refetchInterval: Duration, skipCache: Bool,
        fetch: @escaping @Sendable () async throws -> [String: VerificationKey],
        clockNow: @escaping @Sendable () -> Date
    ) async throws -> VerificationKey {
        enum Decision {
            case hit(VerificationKey)
            case wait(Task<Snapshot, any Error>)
            case fail(TokenVerificationError)
        }
        let decision: Decision = state.withLock { state in
            let fresh = state.snapshot.fetchedAt.map { now.timeIntervalSince($0) < ttl.seconds } ?? false
            if fresh, !skipCache, let key = state.snapshot.keys[kid] { return .hit(key) }
            if let task = state.inFlight { return .wait(task) }
            if let failure = state.lastFailure, now.timeIntervalSince(failure.at) < refetchInterval.seconds {
                return .fail(failure.error)
            }
            if fresh && !skipCache {
                // A kid miss on a fresh cache: refetch (key rotation), but not more than once per interval.
                if let last = state.lastMissRefetch, now.timeIntervalSince(last) < refetchInterval.seconds {
                    return .fail(JWKSCache.kidMismatch(kid))
                }
                state.lastMissRefetch = now
            }
            let task = Task { [self] in
                do {
                    let keys = try await fetch()
                    let snapshot = Snapshot(keys: keys, fetchedAt: clockNow())
                    self.state.withLock { state in
                        state.snapshot = snapshot
                        state.inFlight = nil
                        state.lastFailure = nil
                    }
                    return snapshot
                } catch {
                    let failure =
                        (error as? TokenVerificationError)
                        ?? TokenVerificationError(
                            reason: .remoteJWKFailedToLoad,
                            message: "Failed to load JWKS from Clerk Backend API.",
                            action: TokenVerificationError.actionContactSupport
                        )
                    self.state.withLock { state in
                        state.inFlight = nil
                        state.lastFailure = (clockNow(), failure)
                    }
                    throw failure
                }
            }
            state.inFlight = task
            Counter(label: "clerk_jwks_fetches_total").increment()
            return .wait(task)
        }
        switch decision {
        case .hit(let key):
            return key
        case .fail(let error):
            throw error
        case .wait(let task):
            let snapshot = try await task.value
            guard let key = snapshot.keys[kid] else { throw JWKSCache.kidMismatch(kid) }
            return key
        }
    }

    /// Forgets every key (for tests and key-rotation drills).
    func clear() {
        state.withLock { $0 = State() }
    }

    static func kidMismatch(_ kid: String) -> TokenVerificationError {
        let shown = kid.count <= 64 ? kid : String(kid.prefix(64)) + "…"
        return TokenVerificationError(
            reason: .jwkKidMismatch,
            message: "Unable to find a signing key in JWKS that matches the kid='\(shown)' of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT.",
            action: "Go to your Dashboard and validate your secret and public keys are correct. Contact support@clerk.com if the issue persists."
        )
    }
}
