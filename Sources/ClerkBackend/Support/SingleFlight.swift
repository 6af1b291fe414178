#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Runs at most one piece of work per key at a time, shares its result with every concurrent caller of the same key,
/// and remembers definite failures for a while so that replaying the same input costs nothing.
///
/// Used for Backend API calls that unauthenticated input can cause (handshake nonces, session refreshes): the budget
/// is charged only when no call for the key is running and no definite answer is remembered.
final class SingleFlight<Value: Sendable>: Sendable {
    private struct State {
        var inFlight: [String: Task<Value, any Error>] = [:]
        var failures: [String: (until: Date, error: any Error)] = [:]
    }

    private let state = Mutex(State())
    private let maxRemembered: Int

    init(maxRemembered: Int = 10_000) {
        self.maxRemembered = maxRemembered
    }

    /// The result of the work for `key`: a remembered failure, a share of the running call, or a new call.
    ///
    /// - Parameters:
    ///   - admit: asked (outside any lock) before a new call starts; `false` throws `refused()` and starts nothing.
    ///   - remember: whether a failure is definite, and so remembered for `failureTTL` (a transient one is not).
    func run(
        key: String, now: Date, failureTTL: Duration, clockNow: @escaping @Sendable () -> Date,
        admit: () async -> Bool, refused: () -> any Error,
        remember: @escaping @Sendable (any Error) -> Bool,
        work: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        // A remembered failure, or a running call to join; (nil, nil): start one.
        let (remembered, running): ((any Error)?, Task<Value, any Error>?) = state.withLock { state in
            if let failure = state.failures[key] {
                if failure.until > now { return (failure.error, nil) }
                state.failures[key] = nil
            }
            return (nil, state.inFlight[key])
        }
        if let remembered { throw remembered }
        if let running { return try await running.value }
        guard await admit() else { throw refused() }
        let task: Task<Value, any Error> = state.withLock { state in
            if let running = state.inFlight[key] { return running }
            let task = Task { [self] in
                do {
                    let value = try await work()
                    self.finish(key: key, failure: nil, until: nil, now: clockNow())
                    return value
                } catch {
                    let until = remember(error) ? clockNow().addingTimeInterval(failureTTL.seconds) : nil
                    self.finish(key: key, failure: error, until: until, now: clockNow())
                    throw error
                }
            }
            state.inFlight[key] = task
            return task
        }
        return try await task.value
    }

    private func finish(key: String, failure: (any Error)?, until: Date?, now: Date) {
        state.withLock { state in
            state.inFlight[key] = nil
            guard let failure, let until else { return }
            if state.failures.count >= maxRemembered {
                state.failures = state.failures.filter { $0.value.until > now }
                if state.failures.count >= maxRemembered { state.failures.removeAll(keepingCapacity: true) }
            }
            state.failures[key] = (until, failure)
        }
    }
}
