public import HTTPTypes
import Logging

extension ClerkClient {
    /// Verifies a Clerk webhook and decodes its event: the Swift counterpart of `verifyWebhook` in `@clerk/backend`.
    ///
    /// Uses `signingSecret` when given, else ``ClerkOptions/webhookSigningSecret`` (`CLERK_WEBHOOK_SIGNING_SECRET`),
    /// and the client's clock. As in the reference SDK, an explicitly passed secret never falls back to the option,
    /// even when empty. See ``WebhookVerifier`` for the algorithm, and for Vapor and Hummingbird examples.
    ///
    /// ```swift
    /// let event = try clerk.verifyWebhook(body: rawBody, headers: req.headers)
    /// if let user = event.data.user { … }
    /// ```
    ///
    /// **Pass the raw body bytes** exactly as received (`Data`, `[UInt8]`, a `ByteBuffer`'s `readableBytesView`),
    /// never JSON that was decoded and re-encoded: the signature covers the exact bytes.
    ///
    /// The secret is parsed on every call. To parse it once, keep a verifier from ``makeWebhookVerifier(signingSecret:)``.
    ///
    /// - Parameters:
    ///   - body: the raw request body.
    ///   - headers: the request's headers as (name, value) pairs.
    ///   - signingSecret: the endpoint's signing secret (`whsec_…`); `nil` to use the option.
    /// - Throws: ``WebhookVerificationError``: ``WebhookVerificationError/Reason/missingSecret`` when there is no
    ///   secret at all, a configuration or authenticity reason otherwise (see ``WebhookVerificationError/Reason``).
    public func verifyWebhook(
        body: some Collection<UInt8>, headers: some Sequence<(String, String)>, signingSecret: Secret? = nil
    ) throws -> WebhookEvent {
        let event = try WebhookObservability.observe(eventType: { $0.type.rawValue }) {
            do {
                return try makeWebhookVerifier(signingSecret: signingSecret)
                    .verifyEvent(body: body, headers: WebhookHeaderValues(headers))
            } catch let error as WebhookVerificationError {
                options.logger.debug(
                    "Clerk webhook verification failed", metadata: ["reason": "\(error.reason.rawValue)"]
                )
                throw error
            }
        }
        if let failure = event.dataDecodingFailure {
            options.logger.debug(
                "Clerk webhook payload did not decode into its model; data is .other",
                metadata: ["type": "\(event.type.rawValue)", "problem": "\(failure)"]
            )
        }
        return event
    }

    /// Verifies a Clerk webhook and decodes its event; the headers as a dictionary (names in any case).
    public func verifyWebhook(
        body: some Collection<UInt8>, headers: [String: String], signingSecret: Secret? = nil
    ) throws -> WebhookEvent {
        try verifyWebhook(body: body, headers: headers.lazy.map { ($0.key, $0.value) }, signingSecret: signingSecret)
    }

    /// Verifies a Clerk webhook and decodes its event; the headers as swift-http-types' `HTTPFields` (Hummingbird's
    /// `request.headers`; ClerkVapor adds the same call for Vapor's `HTTPHeaders`).
    public func verifyWebhook(
        body: some Collection<UInt8>, headers: HTTPFields, signingSecret: Secret? = nil
    ) throws -> WebhookEvent {
        try verifyWebhook(body: body, headers: headers.lazy.map { ($0.name.canonicalName, $0.value) }, signingSecret: signingSecret)
    }

    /// A verifier for `signingSecret` (else ``ClerkOptions/webhookSigningSecret``) using the client's clock, with
    /// the default tolerance and limits. Keep it to parse the secret only once.
    ///
    /// - Throws: ``WebhookVerificationError`` with ``WebhookVerificationError/Reason/missingSecret`` when neither
    ///   secret is set or the secret is empty, ``WebhookVerificationError/Reason/invalidSecret`` when it is not
    ///   base64.
    public func makeWebhookVerifier(signingSecret: Secret? = nil) throws -> WebhookVerifier {
        guard let secret = signingSecret ?? options.webhookSigningSecret else {
            throw WebhookVerificationError(
                .missingSecret,
                "Missing webhook signing secret. Set the CLERK_WEBHOOK_SIGNING_SECRET environment variable "
                    + "(ClerkOptions.webhookSigningSecret) with the webhook secret from the Clerk Dashboard, "
                    + "or pass signingSecret."
            )
        }
        return try WebhookVerifier(signingSecret: secret, clock: options.clock)
    }
}
