import Synchronization

/// Remembers the `svix-id` of webhook messages already handled, so a redelivery is not handled twice.
///
/// Svix delivers at least once: a message whose answer was lost, slow or not `2xx` is sent again with the same
/// `svix-id`. The webhook routes of ClerkVapor and ClerkHummingbird call ``claim(_:)`` after the signature is verified
/// (an unverified id is never recorded) and before the handler; when the handler throws they call ``release(_:)``,
/// so that Svix's retry is handled.
///
/// ``InMemoryWebhookDeduplicator`` suits one process; with several instances, implement this protocol over a
/// shared store (a unique key in your database, Redis `SET NX` with an expiry of a few days…).
public protocol ClerkWebhookDeduplicator: Sendable {
    /// Records `messageID` and returns `true` when it was not recorded yet; returns `false` for a message already
    /// seen (the webhook is then answered `200` without calling the handler).
    func claim(_ messageID: String) async throws -> Bool
    /// Forgets `messageID` (its handler failed), so the next delivery is handled.
    func release(_ messageID: String) async
}

extension ClerkWebhookDeduplicator {
    /// Runs `handler` for a message not handled yet: `nil` (answer `200` without running it) when the message id is
    /// already claimed; otherwise the handler's result. The claim is released when the handler throws or when
    /// `succeeded` says its result is a failure (a non-2xx answer), so that Svix's retry is handled. Both
    /// integrations' webhook routes go through this.
    public func handleOnce<Result>(
        _ event: WebhookEvent, succeeded: (Result) -> Bool = { _ in true }, _ handler: () async throws -> Result
    ) async throws -> Result? {
        guard try await claim(event.messageID) else { return nil }
        do {
            let result = try await handler()
            if !succeeded(result) { await release(event.messageID) }
            return result
        } catch {
            await release(event.messageID)
            throw error
        }
    }
}

/// A ``ClerkWebhookDeduplicator`` in memory, for one process: the most recent `capacity` message ids, each for
/// `retention`. Claims and releases take constant time.
public final class InMemoryWebhookDeduplicator: ClerkWebhookDeduplicator {
    private struct State {
        /// When each id was claimed, and the sequence number of that claim.
        var seen: [String: (at: ContinuousClock.Instant, sequence: Int)] = [:]
        /// Claims in order; a slot whose sequence no longer matches `seen` is stale (released or claimed again).
        var order: [(id: String, sequence: Int)] = []
        var nextSequence = 0
        var head = 0
    }

    /// The most ids remembered (default 10 000); the oldest are forgotten first.
    public let capacity: Int
    /// How long an id is remembered (default 3 days: Svix retries for about a day and a half).
    public let retention: Duration
    private let state = Mutex(State())

    /// Creates a deduplicator.
    public init(capacity: Int = 10_000, retention: Duration = .seconds(3 * 24 * 3600)) {
        self.capacity = max(1, capacity)
        self.retention = retention
    }

    /// Records `messageID`; `false` when it is already recorded and not expired.
    public func claim(_ messageID: String) async throws -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in
            if let seen = state.seen[messageID], seen.at + retention > now { return false }
            state.nextSequence += 1
            state.seen[messageID] = (now, state.nextSequence)
            state.order.append((messageID, state.nextSequence))
            while state.seen.count > capacity, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if state.seen[oldest.id]?.sequence == oldest.sequence { state.seen[oldest.id] = nil }
            }
            if state.head > 1_024 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            return true
        }
    }

    /// Forgets `messageID`.
    public func release(_ messageID: String) async {
        state.withLock { state in _ = state.seen.removeValue(forKey: messageID) }
    }

    /// Whether `messageID` is remembered now (claimed, not released, not expired or forgotten).
    public func contains(_ messageID: String) -> Bool {
        let now = ContinuousClock.now
        return state.withLock { state in state.seen[messageID].map { $0.at + retention > now } ?? false }
    }
}
