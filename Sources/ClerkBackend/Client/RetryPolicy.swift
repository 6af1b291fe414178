import HTTPTypes

/// When and how API calls are retried.
///
/// By default `GET`, `PUT` and `DELETE` (idempotent) are retried on 429, 502, 503, 504 and on connection failures
/// and timeouts, with exponential backoff and full jitter, honouring `Retry-After`, at most ``maxAttempts`` attempts
/// and never past ``totalDeadline``. A `Retry-After` that would end beyond the deadline fails at once.
/// `POST` and `PATCH` are retried only when ``retryNonIdempotent`` is set (or per call).
public struct RetryPolicy: Sendable, Hashable {
    /// Attempts in all, the first included. `1` disables retries.
    public var maxAttempts: Int
    /// Backoff before the first retry.
    public var initialBackoff: Duration
    /// Upper bound of one backoff.
    public var maxBackoff: Duration
    /// Growth factor between backoffs.
    public var multiplier: Double
    /// Total time budget of one call, attempts and waits included.
    public var totalDeadline: Duration
    /// Status codes that are retried.
    public var retryableStatuses: Set<Int>
    /// Retry `POST` and `PATCH` too. Off by default: those calls may not be safe to repeat.
    public var retryNonIdempotent: Bool
    /// Random jitter: the wait is drawn uniformly between half the backoff and the full backoff.
    public var jitter: Bool
    /// The longest `Retry-After` honoured; a longer one fails at once.
    public var maxRetryAfter: Duration

    /// A policy; the defaults are the ones ``ClerkOptions`` uses (3 attempts within 60 s, idempotent methods only).
    public init(
        maxAttempts: Int = 3,
        initialBackoff: Duration = .milliseconds(500),
        maxBackoff: Duration = .seconds(10),
        multiplier: Double = 2,
        totalDeadline: Duration = .seconds(60),
        retryableStatuses: Set<Int> = [429, 502, 503, 504],
        retryNonIdempotent: Bool = false,
        jitter: Bool = true,
        maxRetryAfter: Duration = .seconds(60)
    ) {
        self.maxAttempts = max(1, maxAttempts)
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.multiplier = multiplier
        self.totalDeadline = totalDeadline
        self.retryableStatuses = retryableStatuses
        self.retryNonIdempotent = retryNonIdempotent
        self.jitter = jitter
        self.maxRetryAfter = maxRetryAfter
    }

    /// The default policy: 3 attempts, 500 ms initial backoff doubling up to 10 s, 60 s total deadline.
    public static let `default` = RetryPolicy()
    /// No retries at all.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before retry number `retry` (1-based), jitter applied with `random` in `0..<1`.
    func backoff(forRetry retry: Int, random: Double) -> Duration {
        let base = Double(initialBackoff.nanoseconds) * pow(multiplier, Double(retry - 1))
        let capped = min(base, Double(maxBackoff.nanoseconds))
        let value = jitter ? capped * (0.5 + 0.5 * random) : capped
        return .nanoseconds(Int64(value))
    }

    func allowsRetry(method: HTTPRequest.Method, overrideNonIdempotent: Bool?) -> Bool {
        switch method {
        case .get, .put, .delete, .head, .options: true
        default: overrideNonIdempotent ?? retryNonIdempotent
        }
    }
}

private func pow(_ base: Double, _ exponent: Double) -> Double {
    var result = 1.0
    var remaining = Int(exponent)
    while remaining > 0 {
        result *= base
        remaining -= 1
    }
    return result
}
