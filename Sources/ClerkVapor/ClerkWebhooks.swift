import Foundation
public import Vapor

/// Options of ``Vapor/RoutesBuilder/clerkWebhook(_:options:use:)``.
public struct ClerkWebhookOptions: Sendable {
    /// The endpoint's signing secret (`whsec_…`); `nil`: `ClerkOptions.webhookSigningSecret` of the application's
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

/// Routes that receive Clerk webhooks.
extension RoutesBuilder {
    /// A `POST` route receiving Clerk webhooks: it collects the raw body (up to its own cap), verifies the Svix
    /// signature over those exact bytes, decodes the typed `WebhookEvent` and calls `handler`.
    ///
    /// ```swift
    /// app.clerkWebhook("webhooks", "clerk", options: .init(deduplicator: InMemoryWebhookDeduplicator())) { req, event in
    ///     if let user = event.data.user { req.logger.info("user \(user.id): \(event.type.rawValue)") }
    ///     return HTTPStatus.ok
    /// }
    /// ```
    ///
    /// Answers:
    /// - `400` (Clerk-style JSON, `code: "webhook_verification_failed"`, `meta.reason` one of
    ///   `WebhookVerificationError.Reason`) for missing headers, a bad or stale signature, a body that is not a
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
                // A non-2xx answer releases the id too, so that Svix's retry is processed.
                let response = try await deduplicator.handleOnce(event, succeeded: { (200..<300).contains($0.status.code) }) {
                    try await handler(request, event).encodeResponse(for: request)
                }
                guard let response else {
                    request.logger.debug("Clerk webhook already handled; dropped", metadata: ["svix-id": "\(event.messageID)"])
                    return Response(status: .ok)
                }
                return response
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
    ///   - signingSecret: the endpoint's secret; `nil`: the application client's `ClerkOptions.webhookSigningSecret`.
    ///   - maxBodySize: the largest body accepted; `nil`: ``ClerkVaporOptions/webhookMaxBodySize`` (1 MiB).
    ///   - tolerance: how far the signed timestamp may be from now.
    /// - Throws: `WebhookVerificationError` (`WebhookVerificationError.Reason.bodyTooLarge` for a body over the
    ///   cap; `WebhookVerificationError.isConfigurationError` for a missing or invalid secret).
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
        } else {
            request.logger.info("Clerk webhook refused", metadata: ["reason": "\(error.reason.rawValue)"])
        }
        return ClerkErrorResponse.response(.webhookRefused(error))
    }
}

/// Signature checks with Vapor's header type.
extension WebhookVerifier {
    /// Checks the signature; the headers as Vapor's `HTTPHeaders`.
    @discardableResult
    public func verifySignature(body: some Collection<UInt8>, headers: HTTPHeaders) throws -> VerifiedWebhook {
        try verifySignature(body: body, headers: headers.lazy.map { ($0.name, $0.value) })
    }

    /// Verifies the signature, then decodes the event; the headers as Vapor's `HTTPHeaders`.
    public func verify(body: some Collection<UInt8>, headers: HTTPHeaders) throws -> WebhookEvent {
        try verify(body: body, headers: headers.lazy.map { ($0.name, $0.value) })
    }
}

/// Webhook verification with Vapor's header type.
extension ClerkClient {
    /// Verifies a Clerk webhook and decodes its event; the headers as Vapor's `HTTPHeaders` (`req.headers`).
    public func verifyWebhook(
        body: some Collection<UInt8>, headers: HTTPHeaders, signingSecret: Secret? = nil
    ) throws -> WebhookEvent {
        try verifyWebhook(body: body, headers: headers.lazy.map { ($0.name, $0.value) }, signingSecret: signingSecret)
    }
}
