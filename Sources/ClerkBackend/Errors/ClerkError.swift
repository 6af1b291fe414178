/// A problem the SDK found before sending anything: missing or malformed configuration, or an invalid argument.
public struct ClerkError: Error, Sendable, CustomStringConvertible {
    /// The kind of problem. An open set: new codes may be added.
    public struct Code: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// An API call needs a secret key and none is configured.
        public static let missingSecretKey: Self = "missing_secret_key"
        /// The secret key does not look like a Clerk secret key (`sk_live_…` / `sk_test_…`).
        public static let malformedSecretKey: Self = "malformed_secret_key"
        /// `apiURL` is not a valid URL, or not https on a non-loopback host.
        public static let invalidAPIURL: Self = "invalid_api_url"
        /// The publishable key cannot be parsed.
        public static let invalidPublishableKey: Self = "invalid_publishable_key"
        /// `jwtKey` is not a usable PEM RSA public key.
        public static let invalidJWTKey: Self = "invalid_jwt_key"
        /// A configuration value is invalid.
        public static let invalidConfiguration: Self = "invalid_configuration"
        /// A path parameter (an id) is empty, `.` or `..`, or otherwise unsafe.
        public static let invalidPathParameter: Self = "invalid_path_parameter"
        /// An argument is invalid (for example an empty list where the API needs one item).
        public static let invalidArgument: Self = "invalid_argument"
        /// The request body could not be encoded.
        public static let encodingFailed: Self = "encoding_failed"
    }

    /// The kind of problem.
    public let code: Code
    /// A readable explanation. Never contains a secret.
    public let message: String

    /// An error with a code and a message (which must not contain a secret).
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "ClerkError(\(code.rawValue): \(message))" }
}

extension ClerkError.Code {
    /// Matches a thrown error by code: `catch ClerkError.Code.missingSecretKey`.
    public static func ~= (code: ClerkError.Code, error: any Error) -> Bool { (error as? ClerkError)?.code == code }
}
