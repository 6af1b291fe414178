import Synchronization

/// What a ``ClerkClient`` remembers between requests about one Clerk instance: its signing keys (the JWKS, with the
/// stale-if-error and refetch rules of ``ClerkOptions/jwksCacheTTL``), the Backend API's answers about machine tokens
/// (``ClerkOptions/machineTokenCacheTTL``), and the single-flight tables of handshake and session-refresh calls.
///
/// Every client owns one unless ``ClerkOptions/verificationCache`` gives it one. Nothing is shared behind your back
/// (there is no process-wide registry): to let several clients of one instance share what they learn (for example
/// a client built per tenant request with the same keys), create one cache and pass it to each of them.
///
/// ```swift
/// let cache = ClerkVerificationCache()
/// var options = ClerkOptions(secretKey: secret)
/// options.verificationCache = cache
/// let clerk = try ClerkClient(options: options)
/// ```
///
/// A cache belongs to the instance of the first client created with it (its API URL and secret key): creating a
/// client of another instance with it throws, so a key of one instance never verifies another instance's token.
public final class ClerkVerificationCache: Sendable {
    let jwks = JWKSCache()
    let machineTokens = MachineTokenGuard()
    let requests = RequestGuards()
    private let owner = Mutex<String?>(nil)

    /// Creates an empty cache.
    public init() {}

    /// Binds the cache to `scope` (an instance's digest) on first use; `false` when it serves another instance.
    func claim(for scope: String) -> Bool {
        owner.withLock { owner in
            if let owner { return owner == scope }
            owner = scope
            return true
        }
    }
}
