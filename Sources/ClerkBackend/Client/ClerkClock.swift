#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The time source and sleeper the SDK uses for retry backoff, deadlines, token expiry and cache lifetimes.
///
/// Production code uses ``system``. Tests inject a manual clock (see `ManualClock` in `ClerkTesting`) so backoff,
/// clock skew and cache TTL behaviour runs instantly and deterministically.
public struct ClerkClock: Sendable {
    /// Returns the current wall-clock time.
    public var now: @Sendable () -> Date
    /// Suspends for the given duration (throws `CancellationError` when the task is cancelled).
    public var sleep: @Sendable (Duration) async throws -> Void

    /// A clock from a source of the current time and a way to wait (tests pass a manual clock).
    public init(now: @escaping @Sendable () -> Date, sleep: @escaping @Sendable (Duration) async throws -> Void) {
        self.now = now
        self.sleep = sleep
    }

    /// The real clock: `Date()` and `Task.sleep`.
    public static let system = ClerkClock(
        now: { Date() },
        sleep: { duration in try await Task.sleep(for: duration) }
    )

    /// The current time in Unix epoch milliseconds.
    public var nowMilliseconds: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded(.down)) }
}
