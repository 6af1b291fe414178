#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import ClerkBackend
import Synchronization

/// A clock for tests: time stands still until you advance it, and `sleep` returns at once after moving time
/// forward by the requested duration (and recording it).
///
/// ```swift
/// let clock = ManualClock(now: Date(timeIntervalSince1970: 1_700_000_000))
/// var options = ClerkOptions(secretKey: "sk_test_…", clock: clock.clerkClock)
/// … // retries back off instantly; clock.sleeps lists the waits
/// ```
public final class ManualClock: Sendable {
    private let state: Mutex<(now: Date, sleeps: [Duration])>

    /// A clock stopped at `now` (14 November 2023 by default) until ``advance(by:)`` moves it.
    public init(now: Date = Date(timeIntervalSince1970: 1_700_000_000)) {
        state = Mutex((now, []))
    }

    /// The current time.
    public var now: Date { state.withLock { $0.now } }

    /// Every duration passed to `sleep`, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Moves time forward.
    public func advance(by duration: Duration) {
        state.withLock { $0.now = $0.now.addingTimeInterval(ManualClock.seconds(duration)) }
    }

    /// Sets the current time.
    public func set(_ date: Date) {
        state.withLock { $0.now = date }
    }

    /// A `ClerkClock` backed by this manual clock.
    public var clerkClock: ClerkClock {
        ClerkClock(
            now: { [self] in self.now },
            sleep: { [self] duration in
                try Task.checkCancellation()
                self.state.withLock {
                    $0.sleeps.append(duration)
                    $0.now = $0.now.addingTimeInterval(ManualClock.seconds(duration))
                }
            }
        )
    }

    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
