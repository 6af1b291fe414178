import Foundation
import NIOConcurrencyHelpers
import Vapor

/// Remembers the `svix-id` of webhook messages already handled, so a redelivery is not handled twice.
///
/// Svix delivers at least once: a message whose answer was lost, slow or not `2xx` is sent again with the same
/// `svix-id`. ``Vapor/RoutesBuilder/clerkWebhook(_:options:use:)`` calls ``claim(_:)`` after the signature is
/// verified (an unverified id is never recorded) and before the handler; when the handler throws it calls
/// ``release(_:)``, so that Svix's retry is handled.
///
/// ``InMemoryWebhookDeduplicator`` suits one process; with several instances, implement this protocol over a
/// shared store (a unique key in your database, Redis `SET NX` with an expiry of a few days…).
public protocol ClerkWebhookDeduplicator: Sendable {
    /// Records `messageId` and returns `true` when it was not recorded yet; returns `false` for a message already
    /// seen (the webhook is then answered `200` without calling the handler).
    func claim(_ messageId: String) async throws -> Bool
    /// Forgets `messageId` (its handler failed), so the next delivery is handled.
    func release(_ messageId: String) async
}

/// A ``ClerkWebhookDeduplicator`` in memory: the most recent `capacity` message ids, each for `retention`.
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
    private let state = NIOLockedValueBox(State())

    /// Creates a deduplicator.
    public init(capacity: Int = 10_000, retention: Duration = .seconds(3 * 24 * 3600)) {
        self.capacity = max(1, capacity)
        self.retention = retention
    }

    /// Records `messageId`; `false` when it is already recorded and not expired.
    public func claim(_ messageId: String) async throws -> Bool {
        let now = ContinuousClock.now
        return state.withLockedValue { state in
            if let seen = state.seen[messageId], seen.at + retention > now { return false }
            state.nextSequence += 1
            state.seen[messageId] = (now, state.nextSequence)
            state.order.append((messageId, state.nextSequence))
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

    /// Forgets `messageId`.
    public func release(_ messageId: String) async {
        state.withLockedValue { state in _ = state.seen.removeValue(forKey: messageId) }
    }
}

/// Options of ``Vapor/RoutesBuilder/clerkWebhook(_:options:use:)``.
public struct ClerkWebhookOptions: Sendable {
    /// The endpoint's signing secret (`whsec_…`); `nil`: ``ClerkOptions/webhookSigningSecret`` of the application's
    /// client (`CLERK_WEBHOOK_SIGNING_SECRET`).
    public var signingSecret: Secret?
    /// The largest body accepted, in bytes; `nil`: ``ClerkVaporOptions/webhookMaxBodySize`` (1 MiB by default).
    /// The route collects the body itself, so Vapor's default 16 KB limit does not apply.
    public var maxBodySize: Int?
    /// How far the signed timestamp may be from now (default 5 minutes).
    public var tolerance: Duration
    /// Drops redeliveries of messages already handled (`nil`: none are dropped).
    public var deduplicator: (any ClerkWebhookDeduplicator)?

    /// Creates options.
    public init(
        signingSecret: Secret? = nil, maxBodySize: Int? = nil, tolerance: Duration = WebhookVerifier.defaultTolerance,
        deduplicator: (any ClerkWebhookDeduplicator)? = nil
    ) {
        self.signingSecret = signingSecret
        self.maxBodySize = maxBodySize
        self.tolerance = tolerance
        self.deduplicator = deduplicator
    }
}

extension RoutesBuilder {
    /// A `POST` route receiving Clerk webhooks: it collects the raw body (up to its own cap), verifies the Svix
    /// signature over those exact bytes, decodes the typed ``WebhookEvent`` and calls `handler`.
    ///
    /// ```swift
    /// app.clerkWebhook("webhooks", "clerk", options: .init(deduplicator: InMemoryWebhookDeduplicator())) { req, event in
    ///     switch event.data {
    ///     case .user(let user): req.logger.info("user \(user.id): \(event.type.rawValue)")
    ///     default: break
    ///     }
    ///     return HTTPStatus.ok
    /// }
    /// ```
    ///
    /// Answers:
    /// - `400` (Clerk-style JSON, `code: "webhook_verification_failed"`, `meta.reason` one of
    ///   ``WebhookVerificationError/Reason``) for missing headers, a bad or stale signature, a body that is not a
    ///   JSON object; the handler is not called.
    /// - `413` for a body over the cap; `500` when no signing secret is configured (logged).
    /// - `200` without calling the handler for a message the deduplicator has already seen.
    /// - Otherwise the handler's response. When the handler throws, the message is released from the
    ///   deduplicator and the error propagates (Svix retries on any non-`2xx` answer).
    @discardableResult
    @preconcurrency
    public func clerkWebhook<Result: AsyncResponseEncodable>(
        _ path: PathComponent..., options: ClerkWebhookOptions = ClerkWebhookOptions(),
        use handler: @escaping @Sendable (Request, WebhookEvent) async throws -> Result
    ) -> Route {
        on(.POST, path, body: .stream) { request async throws -> Response in
            let event: WebhookEvent
            do {
                event = try await request.clerk.verifyWebhook(
                    signingSecret: options.signingSecret, maxBodySize: options.maxBodySize, tolerance: options.tolerance
                )
            } catch let error as WebhookVerificationError {
                return ClerkWebhookResponses.response(for: error, request: request)
            }
            if let deduplicator = options.deduplicator {
                guard try await deduplicator.claim(event.messageId) else {
                    request.logger.debug("Clerk webhook already handled; dropped", metadata: ["svix-id": "\(event.messageId)"])
                    return Response(status: .ok)
                }
                do {
                    let response = try await handler(request, event).encodeResponse(for: request)
                    // Not handled (non-2xx): forget the id so that Svix's retry is processed.
                    if !(200..<300).contains(response.status.code) { await deduplicator.release(event.messageId) }
                    return response
                } catch {
                    await deduplicator.release(event.messageId)
                    throw error
                }
            }
            return try await handler(request, event).encodeResponse(for: request)
        }
    }
}

extension Request.Clerk {
    /// Verifies that this request is a Clerk webhook and decodes its event.
    ///
    /// The body is collected here, up to `maxBodySize`, and verified as the exact bytes received (never
    /// re-encoded). Register the route with `body: .stream` (as ``Vapor/RoutesBuilder/clerkWebhook(_:options:use:)``
    /// does), or Vapor refuses bodies over its default 16 KB before your handler runs.
    ///
    /// - Parameters:
    ///   - signingSecret: the endpoint's secret; `nil`: the application client's ``ClerkOptions/webhookSigningSecret``.
    ///   - maxBodySize: the largest body accepted; `nil`: ``ClerkVaporOptions/webhookMaxBodySize`` (1 MiB).
    ///   - tolerance: how far the signed timestamp may be from now.
    /// - Throws: ``WebhookVerificationError`` (``WebhookVerificationError/Reason/bodyTooLarge`` for a body over the
    ///   cap; ``WebhookVerificationError/isConfigurationError`` for a missing or invalid secret).
    public func verifyWebhook(
        signingSecret: Secret? = nil, maxBodySize: Int? = nil, tolerance: Duration = WebhookVerifier.defaultTolerance
    ) async throws -> WebhookEvent {
        let configuration = try? request.application.clerk.configuration()
        let clientOptions = configuration?.client.options
        let limit = max(1, maxBodySize ?? configuration?.options.webhookMaxBodySize ?? WebhookVerifier.defaultMaxBodySize)
        guard let secret = signingSecret ?? clientOptions?.webhookSigningSecret else {
            throw WebhookVerificationError(
                .missingSecret,
                "Missing webhook signing secret. Set CLERK_WEBHOOK_SIGNING_SECRET (ClerkOptions.webhookSigningSecret) "
                    + "or pass signingSecret."
            )
        }
        let verifier = try WebhookVerifier(
            signingSecret: secret, tolerance: tolerance, maxBodySize: limit, clock: clientOptions?.clock ?? .system
        )
        let body = try await ClerkWebhookResponses.collectBody(of: request, limit: limit)
        return try verifier.verify(body: body.readableBytesView, headers: request.headers)
    }
}

enum ClerkWebhookResponses {
    /// The raw body, at most `limit` bytes.
    static func collectBody(of request: Request, limit: Int) async throws -> ByteBuffer {
        let tooLarge = WebhookVerificationError(.bodyTooLarge, "The webhook body is larger than the \(limit) bytes accepted")
        if let declared = request.headers.first(name: .contentLength).flatMap({ Int($0) }), declared > limit {
            throw tooLarge
        }
        if let collected = request.body.data {
            guard collected.readableBytes <= limit else { throw tooLarge }
            return collected
        }
        do {
            // Vapor refuses a body once it reaches `max` bytes: ask for one more than the limit.
            let buffer = try await request.body.collect(max: limit == Int.max ? limit : limit + 1).get()
            return buffer ?? ByteBuffer()
        } catch let abort as Abort where abort.status == .payloadTooLarge {
            throw tooLarge
        }
    }

    static func response(for error: WebhookVerificationError, request: Request) -> Response {
        if error.isConfigurationError {
            request.logger.error("Clerk webhook verification is misconfigured: \(error.message)", metadata: ["reason": "\(error.reason.rawValue)"])
            return ClerkErrorResponse.error(
                status: .internalServerError, code: "webhook_configuration_error", message: "Webhook verification is not configured",
                longMessage: "The server cannot verify webhooks."
            )
        }
        request.logger.info("Clerk webhook refused", metadata: ["reason": "\(error.reason.rawValue)"])
        if error.reason == .bodyTooLarge {
            return ClerkErrorResponse.error(
                status: .payloadTooLarge, code: "webhook_verification_failed", message: "Webhook body too large",
                longMessage: error.message, meta: ["reason": .string(error.reason.rawValue)]
            )
        }
        return ClerkErrorResponse.badRequest(
            code: "webhook_verification_failed", message: "Webhook verification failed", longMessage: error.message,
            meta: ["reason": .string(error.reason.rawValue)]
        )
    }
}
