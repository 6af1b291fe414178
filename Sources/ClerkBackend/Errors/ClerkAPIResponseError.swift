#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The Backend API answered with an error status (4xx or 5xx).
///
/// Mirrors `ClerkAPIResponseError` of `@clerk/backend`: the HTTP ``status``, Clerk's ``errors`` (code, message,
/// long message, meta), the ``clerkTraceID`` to quote to Clerk support, and ``retryAfter`` for 429s.
///
/// ```swift
/// do {
///     let user = try await clerk.users.getUser(userID)
/// } catch let error as ClerkAPIResponseError where error.status == 404 {
///     // no such user
/// } catch ClerkAPIError.Code.formIdentifierExists {
///     // pattern-match on Clerk's error code
/// }
/// ```
public struct ClerkAPIResponseError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// HTTP status code.
    public let status: Int
    /// Clerk's error entries, in the order the API gave them. Empty when the body was not Clerk's error format
    /// (for example an HTML page from a proxy).
    public let errors: [ClerkAPIError]
    /// The `clerk_trace_id` of the body, else the `cf-ray` header; `nil` if neither was present.
    public let clerkTraceID: String?
    /// Seconds to wait before retrying, from an integer `Retry-After` header.
    public let retryAfter: Int?
    /// The operation that failed (`GetUser`, …).
    public let operationID: String
    /// The HTTP method of the failed call.
    public let method: String
    /// The request path of the failed call (ids included, no query string).
    public let path: String
    /// How many attempts were made, retries included.
    public let attempts: Int
    /// `true` when this is a 404 answered to a `DELETE` that was retried after an earlier attempt got no usable
    /// answer: the first attempt most likely deleted the resource, so callers can usually treat this as done.
    public let isNotFoundAfterRetriedDelete: Bool
    /// The response body with token and secret fields redacted, truncated to 16 KiB, for debugging.
    public let redactedBody: String

    /// An API error as the client builds it from a non-2xx answer (useful to build expected errors in tests).
    public init(
        status: Int, errors: [ClerkAPIError], clerkTraceID: String? = nil, retryAfter: Int? = nil,
        operationID: String = "", method: String = "", path: String = "", attempts: Int = 1,
        isNotFoundAfterRetriedDelete: Bool = false, redactedBody: String = ""
    ) {
        self.status = status
        self.errors = errors
        self.clerkTraceID = clerkTraceID
        self.retryAfter = retryAfter
        self.operationID = operationID
        self.method = method
        self.path = path
        self.attempts = attempts
        self.isNotFoundAfterRetriedDelete = isNotFoundAfterRetriedDelete
        self.redactedBody = redactedBody
    }

    /// The first error's code, if any.
    public var code: ClerkAPIError.Code? { errors.first?.code }

    /// Whether any entry carries this code.
    public func contains(_ code: ClerkAPIError.Code) -> Bool { errors.contains { $0.code == code } }

    public var description: String {
        var text = "ClerkAPIResponseError(status: \(status), operation: \(operationID) \(method) \(path)"
        if !errors.isEmpty {
            let entries = errors.map { entry in
                var line = "\(entry.code.rawValue): \(entry.message)"
                if let long = entry.longMessage, long != entry.message { line += " — \(long)" }
                return line
            }
            text += ", errors: [\(entries.joined(separator: "; "))]"
        }
        if let clerkTraceID { text += ", clerkTraceID: \(clerkTraceID)" }
        if let retryAfter { text += ", retryAfter: \(retryAfter)s" }
        if attempts > 1 { text += ", attempts: \(attempts)" }
        if isNotFoundAfterRetriedDelete { text += ", notFoundAfterRetriedDelete" }
        return text + ")"
    }

    public var debugDescription: String { description }
}

/// One entry of the `errors` array of a Clerk error response.
public struct ClerkAPIError: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Machine-readable code, for example `form_identifier_exists` or `resource_not_found`.
    public var code: Code
    /// Short, human-readable message.
    public var message: String
    /// Longer explanation, when the API gives one.
    public var longMessage: String?
    /// Extra context (`param_name`, `session_id`, `email_addresses`, …) as the API sent it.
    public var meta: [String: JSONValue]?

    enum CodingKeys: String, CodingKey {
        case code, message, meta
        case longMessage = "long_message"
    }

    /// An error entry as Clerk sends it (useful to build answers in tests).
    public init(code: Code, message: String, longMessage: String? = nil, meta: [String: JSONValue]? = nil) {
        self.code = code
        self.message = message
        self.longMessage = longMessage
        self.meta = meta
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = (try? container.decodeIfPresent(Code.self, forKey: .code)) ?? Code(rawValue: "unknown")
        message = (try? container.decodeIfPresent(String.self, forKey: .message)) ?? ""
        longMessage = try? container.decodeIfPresent(String.self, forKey: .longMessage)
        meta = try? container.decodeIfPresent([String: JSONValue].self, forKey: .meta)
    }

    /// `meta.param_name`: the request parameter the error is about.
    public var paramName: String? { meta?["param_name"]?.stringValue }
    /// `meta.session_id`.
    public var sessionID: String? { meta?["session_id"]?.stringValue }
    /// `meta.email_addresses`.
    public var emailAddresses: [String]? { meta?["email_addresses"]?.arrayValue?.compactMap(\.stringValue) }
    /// `meta.identifiers`.
    public var identifiers: [String]? { meta?["identifiers"]?.arrayValue?.compactMap(\.stringValue) }
    /// `meta.zxcvbn`: password strength feedback.
    public var zxcvbn: JSONValue? { meta?["zxcvbn"] }
    /// `meta.plan`.
    public var plan: JSONValue? { meta?["plan"] }
    /// `meta.is_plan_upgrade_possible`.
    public var isPlanUpgradePossible: Bool? { meta?["is_plan_upgrade_possible"]?.boolValue }

    public var description: String { "\(code.rawValue): \(message)" }

    /// An error code. Clerk adds codes over time, so this is an open set: compare with the constants below or
    /// with any string.
    public struct Code: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// `resource_not_found`: the id names nothing (a 404).
        public static let resourceNotFound: Self = "resource_not_found"
        /// `form_identifier_exists`: the email address, phone number, username or web3 wallet is taken.
        public static let formIdentifierExists: Self = "form_identifier_exists"
        /// `form_identifier_not_found`: no user has that identifier.
        public static let formIdentifierNotFound: Self = "form_identifier_not_found"
        /// `form_param_missing`: a required parameter is missing; `meta.paramName` names it.
        public static let formParamMissing: Self = "form_param_missing"
        /// `form_param_format_invalid`: a parameter has the wrong format; `meta.paramName` names it.
        public static let formParamFormatInvalid: Self = "form_param_format_invalid"
        /// `form_param_value_invalid`: a parameter's value is not allowed; `meta.paramName` names it.
        public static let formParamValueInvalid: Self = "form_param_value_invalid"
        /// `form_param_unknown`: the body or query has a parameter the operation does not take.
        public static let formParamUnknown: Self = "form_param_unknown"
        /// `form_password_incorrect`: the password does not match (`verifyPassword`).
        public static let formPasswordIncorrect: Self = "form_password_incorrect"
        /// `form_password_pwned`: the password appears in a known data breach and was refused.
        public static let formPasswordPwned: Self = "form_password_pwned"
        /// `form_password_length_too_short`: the password is shorter than the instance allows.
        public static let formPasswordLengthTooShort: Self = "form_password_length_too_short"
        /// `form_password_validation_failed`: the password breaks one of the instance's password rules.
        public static let formPasswordValidationFailed: Self = "form_password_validation_failed"
        /// `form_username_invalid_length`: the username is too short or too long.
        public static let formUsernameInvalidLength: Self = "form_username_invalid_length"
        /// `duplicate_record`: a record with the same unique value exists (a membership, a domain, a role key).
        public static let duplicateRecord: Self = "duplicate_record"
        /// `authentication_invalid`: the secret key was not accepted (a 401).
        public static let authenticationInvalid: Self = "authentication_invalid"
        /// `authorization_invalid`: the key may not do this (a 403).
        public static let authorizationInvalid: Self = "authorization_invalid"
        /// `authorization_header_format_invalid`: the `Authorization` header is not `Bearer <secret key>`.
        public static let authorizationHeaderFormatInvalid: Self = "authorization_header_format_invalid"
        /// `clerk_key_invalid`: the secret key is malformed or belongs to no instance.
        public static let clerkKeyInvalid: Self = "clerk_key_invalid"
        /// `request_body_invalid`: the body is not valid JSON or not what the operation takes.
        public static let requestBodyInvalid: Self = "request_body_invalid"
        /// `unsupported_content_type`: the body's content type is not one the operation accepts.
        public static let unsupportedContentType: Self = "unsupported_content_type"
        /// `too_many_requests`: the instance's rate limit was hit (a 429; see ``ClerkAPIResponseError/retryAfter``).
        public static let tooManyRequests: Self = "too_many_requests"
        /// `user_locked`: the user is locked after too many failed sign-in attempts.
        public static let userLocked: Self = "user_locked"
        /// `user_banned`: the user is banned.
        public static let userBanned: Self = "user_banned"
        /// `not_allowed_access`: the identifier is refused by the instance's allowlist or blocklist.
        public static let identifierNotAllowed: Self = "not_allowed_access"
        /// `quota_exceeded`: a limit of the instance's plan was reached.
        public static let quotaExceeded: Self = "quota_exceeded"
        /// `payment_required`: the feature needs a paid plan.
        public static let paymentRequired: Self = "payment_required"
        /// `internal_clerk_error`: Clerk failed on its side (a 5xx).
        public static let internalClerkError: Self = "internal_clerk_error"
        /// `unexpected_error`: an error Clerk did not classify.
        public static let unexpectedError: Self = "unexpected_error"
        /// `not_implemented`: the operation is not available (the emulator answers it for the operations it lacks).
        public static let notImplemented: Self = "not_implemented"
    }
}

extension ClerkAPIError.Code {
    /// Matches an error thrown by the SDK against a Clerk error code: `catch ClerkAPIError.Code.resourceNotFound`.
    public static func ~= (code: ClerkAPIError.Code, error: any Error) -> Bool {
        (error as? ClerkAPIResponseError)?.contains(code) ?? false
    }
}
