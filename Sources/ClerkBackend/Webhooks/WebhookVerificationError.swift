/// A webhook could not be verified, or the verifier could not be configured.
///
/// Thrown by ``WebhookVerifier`` and by `ClerkClient.verifyWebhook(body:headers:signingSecret:)`.
/// Every reason except the configuration ones (``Reason/missingSecret``, ``Reason/invalidSecret``,
/// ``Reason/invalidConfiguration``) means the request must be refused: answer it with a 4xx status (400 is what
/// Svix expects) and do not act on its body.
///
/// ```swift
/// do {
///     let event = try clerk.verifyWebhook(body: body, headers: headers)
/// } catch let error as WebhookVerificationError where error.reason == .missingHeaders {
///     print(error.missingHeaders)   // ["svix-signature"]
/// } catch WebhookVerificationError.Reason.noMatchingSignature {
///     // forged, altered, or signed with another secret
/// }
/// ```
///
/// Neither ``message`` nor ``description`` ever contains the signing secret or a signature value.
public struct WebhookVerificationError: Error, Sendable, CustomStringConvertible {
    /// Why verification failed. An open set: new reasons may be added.
    ///
    /// The raw values are also the `result` dimension of the `clerk_webhook_verifications_total` metric.
    public struct Reason: OpenStringEnum {
        /// The reason as a snake_case string, such as `no_matching_signature`.
        public let rawValue: String
        /// Creates a reason from its string.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// No signing secret was given and `ClerkOptions.webhookSigningSecret` is not set, or the secret is empty.
        public static let missingSecret: Self = "missing_secret"
        /// The signing secret is not `whsec_` followed by standard base64 (or the base64 decodes to no bytes).
        public static let invalidSecret: Self = "invalid_secret"
        /// A verifier option is out of range (negative tolerance, a size cap below 1, …).
        public static let invalidConfiguration: Self = "invalid_configuration"
        /// One or more of the id, timestamp and signature headers is absent or blank (see
        /// ``WebhookVerificationError/missingHeaders``).
        public static let missingHeaders: Self = "missing_headers"
        /// The timestamp header is not an integer.
        public static let invalidHeaders: Self = "invalid_headers"
        /// The timestamp is more than the tolerance in the past (a replay, or a badly skewed clock).
        public static let timestampTooOld: Self = "timestamp_too_old"
        /// The timestamp is more than the tolerance in the future.
        public static let timestampTooNew: Self = "timestamp_too_new"
        /// No `v1` signature in the header matches: the body, id or timestamp was altered, the secret is wrong,
        /// or the body is not the exact bytes that were signed (for example JSON re-encoded by a framework).
        public static let noMatchingSignature: Self = "no_matching_signature"
        /// The signature header holds more entries than the verifier accepts.
        public static let tooManySignatures: Self = "too_many_signatures"
        /// The body is larger than the verifier accepts.
        public static let bodyTooLarge: Self = "body_too_large"
        /// The signature is valid but the body is not a JSON object (only thrown by the `verify` methods that
        /// decode the event).
        public static let invalidPayload: Self = "invalid_payload"
    }

    /// Why verification failed.
    public let reason: Reason
    /// A readable explanation. Never contains the secret or a signature.
    public let message: String
    /// For ``Reason/missingHeaders``: the names of the missing headers, in the order id, timestamp, signature
    /// (`svix-…` names, or `webhook-…` names when the request used the Standard Webhooks names). Empty otherwise.
    public let missingHeaders: [String]

    /// Creates an error.
    public init(_ reason: Reason, _ message: String, missingHeaders: [String] = []) {
        self.reason = reason
        self.message = message
        self.missingHeaders = missingHeaders
    }

    /// Whether the error is about the verifier's configuration (the secret or an option) rather than about the
    /// request. A configuration error is a server problem (answer 500); any other reason is the sender's (400).
    public var isConfigurationError: Bool {
        reason == .missingSecret || reason == .invalidSecret || reason == .invalidConfiguration
    }

    /// `WebhookVerificationError(<reason>: <message>)`; never contains the secret or a signature.
    public var description: String { "WebhookVerificationError(\(reason.rawValue): \(message))" }
}

extension WebhookVerificationError.Reason {
    /// Matches a thrown error by reason: `catch WebhookVerificationError.Reason.timestampTooOld`.
    public static func ~= (reason: WebhookVerificationError.Reason, error: any Error) -> Bool {
        (error as? WebhookVerificationError)?.reason == reason
    }
}
