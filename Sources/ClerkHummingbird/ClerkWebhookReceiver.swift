public import ClerkBackend
public import Hummingbird
import Logging
import NIOCore
import Synchronization

/// Receives Clerk webhooks in a Hummingbird route: reads the raw body (with its own size cap), verifies the Svix
/// signature over those exact bytes (never re-encoded), decodes the typed `WebhookEvent`, and optionally drops
/// messages already processed.
///
/// ```swift
/// let webhooks = try ClerkWebhookReceiver(client: clerk)      // CLERK_WEBHOOK_SIGNING_SECRET, parsed once
/// router.post("webhooks/clerk") { request, context in
///     try await webhooks.handle(request, context: context) { event in
///         if let user = event.data.user { try await upsert(user) }
///     }
/// }
/// ```
///
/// Answers:
/// - `200` after the handler returns (or for a message the ``deduplicator`` has already seen);
/// - `400` with a Clerk-style JSON body (`webhook_verification_failed`, `meta.reason` such as
///   `no_matching_signature`, `timestamp_too_old`, `missing_headers`) when the request is not an authentic Clerk
///   webhook, and then the handler never runs;
/// - `413` when the body is larger than ``maxBodySize``;
/// - `500` when the verifier's configuration is wrong (never the case once it is created) or the handler throws
///   (Svix then retries the delivery).
///
/// Nothing of the body, the signature or the secret is ever logged.
public struct ClerkWebhookReceiver: Sendable {
    /// The verifier (one signing secret, parsed once).
    public let verifier: WebhookVerifier
    /// The largest body read, in bytes (default: the verifier's, 1 MiB). Independent of the request context's
    /// `maxUploadSize`.
    public let maxBodySize: Int
    /// Drops messages already processed (by their `svix-id`); `nil` processes every delivery.
    public let deduplicator: (any ClerkWebhookDeduplicator)?

    /// A receiver with a verifier you made.
    ///
    /// - Parameters:
    ///   - verifier: the verifier.
    ///   - maxBodySize: the largest body read (default: `verifier.maxBodySize`).
    ///   - deduplicator: drops already-processed `svix-id`s (for example an `InMemoryWebhookDeduplicator`).
    public init(verifier: WebhookVerifier, maxBodySize: Int? = nil, deduplicator: (any ClerkWebhookDeduplicator)? = nil) {
        self.verifier = verifier
        self.maxBodySize = max(1, maxBodySize ?? verifier.maxBodySize)
        self.deduplicator = deduplicator
    }

    /// A receiver for a signing secret (`whsec_…`).
    ///
    /// - Throws: `WebhookVerificationError` (`missing_secret`, `invalid_secret`) when the secret is unusable.
    public init(
        signingSecret: Secret, maxBodySize: Int = WebhookVerifier.defaultMaxBodySize,
        deduplicator: (any ClerkWebhookDeduplicator)? = nil
    ) throws {
        try self.init(
            verifier: WebhookVerifier(signingSecret: signingSecret, maxBodySize: maxBodySize), maxBodySize: maxBodySize,
            deduplicator: deduplicator
        )
    }

    /// A receiver for `signingSecret`, else the client's `webhookSigningSecret` (`CLERK_WEBHOOK_SIGNING_SECRET`),
    /// using the client's clock.
    ///
    /// - Throws: `WebhookVerificationError` (`missing_secret`, `invalid_secret`) when there is no usable secret.
    public init(
        client: ClerkClient, signingSecret: Secret? = nil, maxBodySize: Int? = nil,
        deduplicator: (any ClerkWebhookDeduplicator)? = nil
    ) throws {
        try self.init(
            verifier: client.makeWebhookVerifier(signingSecret: signingSecret), maxBodySize: maxBodySize,
            deduplicator: deduplicator
        )
    }

    /// Reads the raw body and verifies it: the event, or an error that answers the request.
    ///
    /// Does not consult the ``deduplicator``; ``handle(_:context:_:)`` does.
    ///
    /// - Throws: ``ClerkHTTPError`` `400` when the webhook is not authentic (or not JSON), `413` when the body is
    ///   too large, `500` for a verifier configuration error.
    public func verify(_ request: Request, context: some RequestContext) async throws -> WebhookEvent {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodySize {
            throw Self.tooLarge(maxBodySize)
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            throw Self.tooLarge(maxBodySize)
        }
        let headers = request.headers
        do {
            return try verifier.verify(body: body.readableBytesView, headers: headers)
        } catch let error as WebhookVerificationError {
            if error.isConfigurationError {
                context.logger.error("Clerk webhook verifier is misconfigured", metadata: ["reason": "\(error.reason.rawValue)"])
            } else {
                context.logger.notice("Clerk webhook refused", metadata: ["reason": "\(error.reason.rawValue)"])
            }
            throw ClerkHTTPError(.webhookRefused(error))
        }
    }

    /// Verifies the webhook, skips it when the ``deduplicator`` has seen its `svix-id`, runs `handler`, and
    /// answers `200`.
    ///
    /// When `handler` throws, the message id is released from the deduplicator (so Svix's retry is processed) and
    /// the error propagates (Hummingbird answers `500`, or the status of an `HTTPResponseError`).
    public func handle(
        _ request: Request, context: some RequestContext, _ handler: (WebhookEvent) async throws -> Void
    ) async throws -> Response {
        let event = try await verify(request, context: context)
        if let deduplicator {
            if try await deduplicator.handleOnce(event, { try await handler(event) }) == nil {
                context.logger.debug("Clerk webhook already processed", metadata: ["svix_id": "\(event.messageID)"])
            }
        } else {
            try await handler(event)
        }
        return Response(status: .ok)
    }

    static func tooLarge(_ limit: Int) -> ClerkHTTPError {
        ClerkHTTPError(.webhookRefused(WebhookVerificationError(.bodyTooLarge, "The webhook body is larger than the \(limit) bytes accepted.")))
    }
}
