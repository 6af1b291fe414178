import AsyncHTTPClient

/// No usable HTTP response arrived: the connection failed, the request timed out, or the response was refused.
public struct ClerkTransportError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. An open set: new kinds may be added.
    public struct Kind: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The connection could not be made or broke before a response (refused, reset, DNS, TLS).
        public static let connectionFailed: Self = "connection_failed"
        /// One attempt took longer than the request timeout.
        public static let timeout: Self = "timeout"
        /// Retrying would run past the total deadline of the retry policy.
        public static let deadlineExceeded: Self = "deadline_exceeded"
        /// The server answered with a redirect, which API calls never follow.
        public static let redirectRefused: Self = "redirect_refused"
        /// The response body was larger than the transport accepts.
        public static let responseTooLarge: Self = "response_too_large"
        /// Anything else the transport reported.
        public static let other: Self = "other"
    }

    /// What went wrong.
    public let kind: Kind
    /// A readable explanation (never contains the secret key).
    public let message: String
    /// The underlying error's description, if any.
    public let underlyingDescription: String?
    /// The operation that failed, when known.
    public internal(set) var operationID: String?
    /// How many attempts were made, retries included.
    public internal(set) var attempts: Int

    /// A transport failure of `kind`, with an optional message and the error that caused it.
    public init(kind: Kind, message: String? = nil, underlying: (any Error)? = nil) {
        self.kind = kind
        self.underlyingDescription = underlying.map { String(describing: $0) }
        self.message = message ?? ClerkTransportError.defaultMessage(kind)
        self.operationID = nil
        self.attempts = 1
    }

    init(mapping error: HTTPClientError) {
        switch error {
        case .deadlineExceeded, .readTimeout, .writeTimeout:
            self.init(kind: .timeout, underlying: error)
        case .connectTimeout, .tlsHandshakeTimeout, .remoteConnectionClosed, .getConnectionFromPoolTimeout,
            .httpProxyHandshakeTimeout, .socksHandshakeTimeout:
            self.init(kind: .connectionFailed, underlying: error)
        case .redirectLimitReached, .redirectCycleDetected:
            self.init(kind: .redirectRefused, underlying: error)
        default:
            self.init(kind: .other, underlying: error)
        }
    }

    private static func defaultMessage(_ kind: Kind) -> String {
        switch kind {
        case .connectionFailed: "Could not connect to the Backend API"
        case .timeout: "The request timed out"
        case .deadlineExceeded: "The retry deadline was reached"
        case .redirectRefused: "The server answered with a redirect, which API calls do not follow"
        case .responseTooLarge: "The response body is too large"
        default: "The request failed"
        }
    }

    /// Whether the request may be retried: connection failures and timeouts.
    public var isRetryable: Bool { kind == .connectionFailed || kind == .timeout }

    public var description: String {
        var text = "ClerkTransportError(\(kind.rawValue): \(message)"
        if let operationID { text += ", operation: \(operationID)" }
        if attempts > 1 { text += ", attempts: \(attempts)" }
        if let underlyingDescription { text += ", underlying: \(Redaction.redactText(underlyingDescription))" }
        return text + ")"
    }
}
