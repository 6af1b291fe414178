#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
import Synchronization

/// Limits on the Backend API calls that requests *without valid credentials* can make this SDK send.
///
/// Four kinds of call can be caused by a request that proves nothing: resolving a handshake nonce
/// (`GET /v1/clients/handshake_payload`), refreshing an expired session (`POST /v1/sessions/{id}/refresh`),
/// verifying an opaque machine token the SDK has not seen (API key, M2M token, OAuth token), and refetching the JWKS for
/// a `kid` it does not know. Each goes through a token bucket of its own, so a flood on one path never starves another,
/// and each bucket is shared by every ``ClerkClient`` of the same instance through a ``BackendAPIBudgetStore``.
///
/// Calls that valid credentials need are *not* charged here: a known machine token is revalidated without touching
/// the bucket, and the JWKS is refreshed when its time-to-live ends whatever the budget says.
///
/// The defaults keep what an attacker can spend under 10 % of the instance's documented Backend API rate limit
/// (100 requests per 10 s for development instances, 1,000 for production ones), *per process*. With several
/// replicas, either share one store between them, or size the budget so that
/// `sum of the four rates × replicas` stays under the share of the limit you are willing to give away.
///
/// ```swift
/// var options = ClerkOptions(secretKey: "sk_live_…")
/// options.apiBudget = .production
/// options.apiBudget?.handshakePayload = .init(calls: 100, per: .seconds(10))  // a busy site with many page loads
/// ```
public struct BackendAPIBudget: Sendable, Hashable, CustomStringConvertible {
    /// A token bucket: `calls` regained per `interval`, up to `burst` at once.
    public struct Rate: Sendable, Hashable, CustomStringConvertible {
        /// The calls regained per ``interval`` (the sustained rate an attacker can spend). `0` refuses every call.
        public var calls: Int
        /// The time in which ``calls`` calls are regained.
        public var interval: Duration
        /// The bucket's size: how many calls may go at once after a quiet time (at least ``calls``). A person
        /// clicking through sign-in, an organization switch and sign-out makes a few handshakes in seconds; the burst
        /// absorbs that, while a flood is held to ``calls`` per ``interval``.
        public var burst: Int

        /// A rate of `calls` per `interval`, with a bucket of `burst` (default: `calls`).
        public init(calls: Int, per interval: Duration, burst: Int? = nil) {
            self.calls = max(0, calls)
            self.interval = interval
            self.burst = max(self.calls, burst ?? 0)
        }

        /// Parses `"30/10"` (30 calls per 10 seconds), `"30"` (per 10 seconds) or `"30/10/60"` (with a burst of 60),
        /// as in the `CLERK_BUDGET_*` environment variables. `nil` for anything else.
        public init?(parsing text: String) {
            let parts = text.trimmed.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...3).contains(parts.count), let calls = Int(parts[0].trimmed), calls >= 0 else { return nil }
            var seconds = 10.0
            if parts.count >= 2 {
                var unit = parts[1].trimmed
                if unit.hasSuffix("s") { unit.removeLast() }
                guard let parsed = Double(unit), parsed.isFinite, parsed > 0, parsed <= 86_400 else { return nil }
                seconds = parsed
            }
            var burst: Int?
            if parts.count == 3 {
                guard let parsed = Int(parts[2].trimmed), parsed >= calls else { return nil }
                burst = parsed
            }
            self.init(calls: calls, per: .milliseconds(Int64(seconds * 1000)), burst: burst)
        }

        /// `30/10s` (and `, burst 60` when the burst is larger than the rate).
        public var description: String {
            let seconds = interval.seconds
            let shown = seconds == seconds.rounded() ? String(Int64(seconds)) : String(seconds)
            return "\(calls)/\(shown)s" + (burst > calls ? ", burst \(burst)" : "")
        }

        /// Calls regained per second.
        var perSecond: Double {
            let seconds = interval.seconds
            return seconds > 0 ? Double(calls) / seconds : Double(calls)
        }
    }

    /// The kind of Backend API call a budget is for. Open: a custom store may see categories added later.
    public struct Category: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// `GET /v1/clients/handshake_payload`, for a `__clerk_handshake_nonce` in the URL or a cookie.
        public static let handshakePayload: Self = "handshake-payload"
        /// `POST /v1/sessions/{id}/refresh`, for an expired (but validly signed) session token and a refresh cookie.
        public static let sessionRefresh: Self = "session-refresh"
        /// The verification of an API key, M2M token or OAuth token that is not in the SDK's cache.
        public static let machineTokenVerification: Self = "machine-token-verification"
        /// `GET /v1/jwks`, for a token whose `kid` the cached key set does not have.
        public static let jwksRefetch: Self = "jwks-refetch"
    }

    /// Handshake-payload lookups.
    public var handshakePayload: Rate
    /// Session refreshes.
    public var sessionRefresh: Rate
    /// Verifications of machine tokens the SDK has not seen (known ones are revalidated without this budget).
    public var machineTokenVerification: Rate
    /// JWKS refetches for unknown key ids (on top of ``ClerkOptions/jwksRefetchInterval``).
    public var jwksRefetch: Rate

    /// A budget with the given rates.
    public init(handshakePayload: Rate, sessionRefresh: Rate, machineTokenVerification: Rate, jwksRefetch: Rate) {
        self.handshakePayload = handshakePayload
        self.sessionRefresh = sessionRefresh
        self.machineTokenVerification = machineTokenVerification
        self.jwksRefetch = jwksRefetch
    }

    /// For development instances (`sk_test_…`): 3 + 3 + 3 + 1 calls per 10 s sustained, 10 % of the 100 per 10 s a
    /// development instance allows, with bursts of 10 for the first three (a developer clicking through the flows).
    public static let development = BackendAPIBudget(
        handshakePayload: Rate(calls: 3, per: .seconds(10), burst: 10),
        sessionRefresh: Rate(calls: 3, per: .seconds(10), burst: 10),
        machineTokenVerification: Rate(calls: 3, per: .seconds(10), burst: 10),
        jwksRefetch: Rate(calls: 1, per: .seconds(10))
    )

    /// For production instances (`sk_live_…`): 30 + 30 + 30 + 1 calls per 10 s sustained, under 10 % of the 1,000
    /// per 10 s a production instance allows, with bursts of 60 for the first three.
    public static let production = BackendAPIBudget(
        handshakePayload: Rate(calls: 30, per: .seconds(10), burst: 60),
        sessionRefresh: Rate(calls: 30, per: .seconds(10), burst: 60),
        machineTokenVerification: Rate(calls: 30, per: .seconds(10), burst: 60),
        jwksRefetch: Rate(calls: 1, per: .seconds(10))
    )

    /// No limit at all (a bucket far larger than any flood). For tests of other behaviour; never for a deployed app.
    public static let unlimited = BackendAPIBudget(
        handshakePayload: Rate(calls: Int(Int32.max), per: .seconds(1)),
        sessionRefresh: Rate(calls: Int(Int32.max), per: .seconds(1)),
        machineTokenVerification: Rate(calls: Int(Int32.max), per: .seconds(1)),
        jwksRefetch: Rate(calls: Int(Int32.max), per: .seconds(1))
    )

    /// ``production`` for a `sk_live_` secret key, ``development`` for anything else.
    public static func defaults(secretKey: Secret?) -> BackendAPIBudget {
        (secretKey?.revealed.hasPrefix("sk_live_") ?? false) ? .production : .development
    }

    /// The rate of one category (a category this version does not know gets the smallest of the four).
    public func rate(for category: Category) -> Rate {
        switch category {
        case .handshakePayload: handshakePayload
        case .sessionRefresh: sessionRefresh
        case .machineTokenVerification: machineTokenVerification
        case .jwksRefetch: jwksRefetch
        default:
            [sessionRefresh, machineTokenVerification, jwksRefetch].reduce(handshakePayload) { $1.perSecond < $0.perSecond ? $1 : $0 }
        }
    }

    public var description: String {
        "BackendAPIBudget(handshakePayload: \(handshakePayload), sessionRefresh: \(sessionRefresh), machineTokenVerification: \(machineTokenVerification), jwksRefetch: \(jwksRefetch))"
    }
}

/// Where the buckets of a ``BackendAPIBudget`` live.
///
/// The default, ``InMemoryBackendAPIBudgetStore/shared``, keeps them in this process. A fleet of app servers can share
/// one budget by implementing this protocol over a store they all reach (for example Redis: one key per bucket, an
/// atomic script that refills and takes). An implementation must answer quickly and must not throw: when the shared
/// store is unreachable, answering `false` (refuse) is the safe choice.
public protocol BackendAPIBudgetStore: Sendable {
    /// Takes one call from the bucket named `key`, if `rate` leaves one at `now`.
    ///
    /// - Parameters:
    ///   - key: the bucket: an instance scope (a digest, never a secret) and a ``BackendAPIBudget/Category``.
    ///   - rate: the bucket's refill rate (``BackendAPIBudget/Rate/calls`` per ``BackendAPIBudget/Rate/interval``)
    ///     and size (``BackendAPIBudget/Rate/burst``).
    ///   - now: the current time of the client's clock.
    /// - Returns: `true` when the call may go ahead.
    func consume(key: String, rate: BackendAPIBudget.Rate, now: Date) async -> Bool
}

/// Token buckets in this process's memory: the default ``BackendAPIBudgetStore``.
public final class InMemoryBackendAPIBudgetStore: BackendAPIBudgetStore {
    private struct Bucket {
        var tokens: Double
        var refilledAt: Date
    }

    private let buckets = Mutex<[String: Bucket]>([:])
    private let maxBuckets: Int

    /// The store every ``ClerkClient`` uses unless its options name another.
    public static let shared = InMemoryBackendAPIBudgetStore()

    /// A store of its own (for tests, or to give some clients a separate budget).
    ///
    /// - Parameter maxBuckets: how many buckets it keeps; past that, full buckets are forgotten first (forgetting a
    ///   full bucket loses nothing).
    public init(maxBuckets: Int = 4096) {
        self.maxBuckets = max(16, maxBuckets)
    }

    public func consume(key: String, rate: BackendAPIBudget.Rate, now: Date) async -> Bool {
        take(key: key, rate: rate, now: now)
    }

    /// The synchronous body of ``consume(key:rate:now:)``.
    func take(key: String, rate: BackendAPIBudget.Rate, now: Date) -> Bool {
        let capacity = Double(rate.burst)
        guard rate.calls >= 1, capacity >= 1 else { return false }
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, refilledAt: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.refilledAt))
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate.perSecond)
            bucket.refilledAt = max(now, bucket.refilledAt)
            let allowed = bucket.tokens >= 1
            if allowed { bucket.tokens -= 1 }
            if buckets[key] == nil && buckets.count >= maxBuckets {
                // Buckets that are full again (or nearly) carry no state worth keeping.
                buckets = buckets.filter { $0.value.tokens < capacity - 1 }
                if buckets.count >= maxBuckets { buckets.removeAll(keepingCapacity: true) }
            }
            buckets[key] = bucket
            return allowed
        }
    }
}
