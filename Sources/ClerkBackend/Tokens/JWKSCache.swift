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
/// - One cache per instance, held by a ``ClerkVerificationCache`` (which refuses clients of another instance), so a
///   kid of one instance never verifies another instance's token.
/// - Keys are fresh for the TTL (5 minutes by default). The first lookup after that refetches them (concurrent
///   callers wait for the same request); each fetch replaces the whole set atomically.
/// - **Stale if error**: when that refetch fails (the Backend API answers 429 or 5xx, or cannot be reached), the last
///   good key set keeps verifying tokens for up to `maxStaleness` past the TTL. Meanwhile the fetch is retried in the
///   background with exponential backoff (from `refetchInterval` up to 5 minutes), never once per request.
/// - A kid that is not in the cache triggers one refetch (key rotation), single-flight: concurrent callers wait for
///   the same request, and a caller's cancellation never fails the others. Such refetches happen at most once per
///   `refetchInterval` and only while the ``BackendAPIBudget/jwksRefetch`` budget allows, so a flood of tokens with
///   random kids cannot flood the Backend API, and never evicts the keys that valid tokens use.
final class JWKSCache: Sendable {
    struct Snapshot: Sendable {
        var keys: [String: VerificationKey] = [:]
        var fetchedAt: Date
    }

    /// The lifetimes a lookup works with.
    struct Policy: Sendable {
        var ttl: Duration
        var maxStaleness: Duration
        var refetchInterval: Duration
        /// The longest wait between two background retries of a failed refresh.
        var maxBackoff: Duration = .seconds(300)

        func backoff(afterFailures failures: Int) -> Double {
            let base = max(refetchInterval.seconds, 0.001)
            let exponent = Double(min(max(failures - 1, 0), 20))
            return min(base * pow2(exponent), max(maxBackoff.seconds, base))
        }

        private func pow2(_ exponent: Double) -> Double {
            var result = 1.0
            for _ in 0..<Int(exponent) { result *= 2 }
            return result
        }
    }

    private struct State: Sendable {
        /// The last good key set.
        var snapshot: Snapshot?
        var inFlight: Task<Snapshot, any Error>?
        var lastMissRefetch: Date?
        /// Consecutive failed fetches, the last failure, and when the next fetch may start.
        var failures = 0
        var lastFailure: TokenVerificationError?
        var nextAttemptAt: Date?
    }

    private let state = Mutex(State())

    // MARK: Lookup

    /// Returns the key for `kid`: from the cache while it is fresh, after a refetch when it is not (or misses the kid),
    /// and from the last good key set when a refetch fails and that set is at most `maxStaleness` past its TTL.
    ///
    /// - Parameters:
    ///   - admitMissRefetch: asked before a refetch caused by an unknown kid (the budget); `false` refuses it.
    func key(
        kid: String, now: Date, policy: Policy, skipCache: Bool,
        fetch: @escaping @Sendable () async throws -> [String: VerificationKey],
        admitMissRefetch: () async -> Bool,
        clockNow: @escaping @Sendable () -> Date
    ) async throws -> VerificationKey {
        enum Decision {
            case hit(VerificationKey)
            /// Wait for the fetch; on failure, answer `fallback` (a stale key) if there is one.
            case wait(Task<Snapshot, any Error>, fallback: VerificationKey?)
            case fail(TokenVerificationError)
            /// An unknown kid on a usable key set: a refetch, if the budget allows.
            case missRefetch
        }
        let decision: Decision = state.withLock { state in
            let age = state.snapshot.map { now.timeIntervalSince($0.fetchedAt) }
            let fresh = age.map { $0 < policy.ttl.seconds } ?? false
            let usable = age.map { $0 < policy.ttl.seconds + policy.maxStaleness.seconds } ?? false
            let cached = usable ? state.snapshot?.keys[kid] : nil
            if let cached, !skipCache {
                if fresh { return .hit(cached) }
                // Past the TTL, within the staleness limit.
                if state.inFlight != nil { return .hit(cached) }
                if let next = state.nextAttemptAt, now < next { return .hit(cached) }
                let task = startFetch(&state, fetch: fetch, policy: policy, clockNow: clockNow)
                // The first refresh after the TTL is waited for; retries after a failure run in the background.
                return state.failures == 0 ? .wait(task, fallback: cached) : .hit(cached)
            }
            if let task = state.inFlight { return .wait(task, fallback: nil) }
            if let next = state.nextAttemptAt, now < next, let failure = state.lastFailure {
                return .fail(usable && !skipCache ? JWKSCache.kidMismatch(kid) : failure)
            }
            if usable && !skipCache {
                if let last = state.lastMissRefetch, now.timeIntervalSince(last) < policy.refetchInterval.seconds {
                    return .fail(JWKSCache.kidMismatch(kid))
                }
                return .missRefetch
            }
            return .wait(startFetch(&state, fetch: fetch, policy: policy, clockNow: clockNow), fallback: nil)
        }
        let task: Task<Snapshot, any Error>
        var fallback: VerificationKey?
        switch decision {
        case .hit(let key):
            return key
        case .fail(let error):
            throw error
        case .wait(let running, let stale):
            task = running
            fallback = stale
        case .missRefetch:
            guard await admitMissRefetch() else { throw JWKSCache.kidMismatch(kid) }
            let admitted: Task<Snapshot, any Error>? = state.withLock { state in
                if let running = state.inFlight { return running }
                if let last = state.lastMissRefetch, now.timeIntervalSince(last) < policy.refetchInterval.seconds {
                    return nil
                }
                state.lastMissRefetch = now
                return startFetch(&state, fetch: fetch, policy: policy, clockNow: clockNow)
            }
            guard let admitted else { throw JWKSCache.kidMismatch(kid) }
            task = admitted
        }
        do {
            let snapshot = try await task.value
            guard let key = snapshot.keys[kid] else { throw JWKSCache.kidMismatch(kid) }
            return key
        } catch let error as TokenVerificationError where error.reason != .jwkKidMismatch {
            guard let fallback else { throw error }
            Counter(label: "clerk_jwks_stale_served_total").increment()
            return fallback
        }
    }

    /// Starts a fetch (the caller holds the lock and has checked that none is running).
    private func startFetch(
        _ state: inout State, fetch: @escaping @Sendable () async throws -> [String: VerificationKey], policy: Policy,
        clockNow: @escaping @Sendable () -> Date
    ) -> Task<Snapshot, any Error> {
        let task = Task { [self] in
            do {
                let keys = try await fetch()
                let snapshot = Snapshot(keys: keys, fetchedAt: clockNow())
                self.state.withLock { state in
                    state.snapshot = snapshot
                    state.inFlight = nil
                    state.failures = 0
                    state.lastFailure = nil
                    state.nextAttemptAt = nil
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
                    state.failures += 1
                    state.lastFailure = failure
                    state.nextAttemptAt = clockNow().addingTimeInterval(policy.backoff(afterFailures: state.failures))
                }
                Counter(label: "clerk_jwks_fetch_failures_total").increment()
                throw failure
            }
        }
        state.inFlight = task
        Counter(label: "clerk_jwks_fetches_total").increment()
        return task
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
