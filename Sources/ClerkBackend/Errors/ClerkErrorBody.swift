#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import HTTPTypes

/// An error answer shaped like the Backend API's own: `{"errors":[{"code","message","long_message","meta"}]}`, so
/// one client-side handler serves your server's errors and Clerk's. The integrations answer with these (ClerkVapor's
/// `ClerkErrorResponse`, ClerkHummingbird's `ClerkHTTPError`); with another framework, send ``status``,
/// ``headerFields`` and ``json``.
///
/// ```swift
/// let body = ClerkErrorBody.reverificationRequired(.strict)
/// // 403, {"clerk_error":{"metadata":{"reverification":{…}},"reason":"reverification-error","type":"forbidden"},"errors":[…]}
/// ```
public struct ClerkErrorBody: Sendable, Hashable {
    /// One entry of `errors`.
    public struct Entry: Sendable, Hashable, Encodable {
        /// A machine-readable code (`authentication_invalid`, `authorization_invalid`, …).
        public var code: String
        /// A short message.
        public var message: String
        /// A longer explanation.
        public var longMessage: String
        /// Extra details (for example the authentication `reason` on development instances).
        public var meta: [String: String]?

        /// Creates an entry.
        public init(code: String, message: String, longMessage: String, meta: [String: String]? = nil) {
            self.code = code
            self.message = message
            self.longMessage = longMessage
            self.meta = meta
        }

        enum CodingKeys: String, CodingKey {
            case code, message, meta
            case longMessage = "long_message"
        }
    }

    /// The HTTP status (401, 403, 400, …).
    public var status: HTTPResponse.Status
    /// The error entries.
    public var errors: [Entry]
    /// Clerk's `clerk_error` object, which clerk-js reads (the reverification hint); `nil` for none.
    public var clerkError: JSONValue?
    /// Headers that go with the answer besides `Content-Type` (`WWW-Authenticate: Bearer` on a 401).
    public var headerFields: HTTPFields

    /// Creates an error body.
    public init(status: HTTPResponse.Status, errors: [Entry], clerkError: JSONValue? = nil, headerFields: HTTPFields = [:]) {
        self.status = status
        self.errors = errors
        self.clerkError = clerkError
        self.headerFields = headerFields
    }

    /// `401` `authentication_invalid`, with `WWW-Authenticate: Bearer`; `reason` (an ``AuthReason`` value) goes in
    /// `meta.reason` when given.
    public static func unauthenticated(
        reason: String? = nil, longMessage: String = "You must be signed in to access this resource."
    ) -> Self {
        Self(
            status: 401,
            errors: [Entry(code: "authentication_invalid", message: "Unauthenticated", longMessage: longMessage, meta: reason.map { ["reason": $0] })],
            headerFields: [.wwwAuthenticate: "Bearer"]
        )
    }

    /// `403` `authorization_invalid`.
    public static func forbidden(longMessage: String = "You are not allowed to access this resource.") -> Self {
        Self(status: 403, errors: [Entry(code: "authorization_invalid", message: "Forbidden", longMessage: longMessage)])
    }

    /// `403` with Clerk's reverification hint (`clerk_error.reason = "reverification-error"` and the missing
    /// `level` and `afterMinutes`), which clerk-js's `useReverification` reads to ask the user to verify again: the
    /// `reverificationErrorResponse` of `@clerk/backend`.
    public static func reverificationRequired(_ config: ReverificationConfig) -> Self {
        Self(
            status: 403,
            errors: [Entry(code: "authorization_invalid", message: "Reverification required", longMessage: "Verify your identity again to perform this action.")],
            clerkError: reverificationError(config)
        )
    }

    /// The `clerk_error` object of a reverification answer (the `reverificationError` of `@clerk/backend`).
    public static func reverificationError(_ config: ReverificationConfig) -> JSONValue {
        [
            "type": "forbidden", "reason": "reverification-error",
            "metadata": ["reverification": ["level": .string(config.level.rawValue), "afterMinutes": .int(Int64(config.afterMinutes))]],
        ]
    }

    /// The answer to a webhook that failed verification: `500` `webhook_configuration_error` for a missing or
    /// invalid secret (the sender is not at fault), `413` `request_body_too_large` past the size limit, else `400`
    /// `webhook_verification_failed` with `meta.reason` (and `meta.missing_headers` when headers were missing).
    public static func webhookRefused(_ error: WebhookVerificationError) -> Self {
        if error.isConfigurationError {
            return .error(
                status: 500, code: "webhook_configuration_error", message: "Webhook verification is not configured",
                longMessage: "The server cannot verify webhooks."
            )
        }
        var meta = ["reason": error.reason.rawValue]
        if !error.missingHeaders.isEmpty { meta["missing_headers"] = error.missingHeaders.joined(separator: ",") }
        if error.reason == .bodyTooLarge {
            return .error(status: 413, code: "request_body_too_large", message: "Payload too large", longMessage: error.message, meta: meta)
        }
        return .error(status: 400, code: "webhook_verification_failed", message: "Webhook verification failed", longMessage: error.message, meta: meta)
    }

    /// Any status with one entry.
    public static func error(status: HTTPResponse.Status, code: String, message: String, longMessage: String, meta: [String: String]? = nil) -> Self {
        Self(status: status, errors: [Entry(code: code, message: message, longMessage: longMessage, meta: meta)])
    }

    /// The body as JSON (keys sorted, `/` not escaped), sent with `Content-Type: application/json; charset=utf-8`.
    public var json: Data {
        struct Body: Encodable {
            let errors: [Entry]
            let clerkError: JSONValue?
            enum CodingKeys: String, CodingKey {
                case errors
                case clerkError = "clerk_error"
            }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(errors, forKey: .errors)
                try container.encodeIfPresent(clerkError, forKey: .clerkError)
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(Body(errors: errors, clerkError: clerkError))) ?? Data(#"{"errors":[]}"#.utf8)
    }
}
