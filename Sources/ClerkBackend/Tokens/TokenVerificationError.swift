/// Why a token was not accepted.
///
/// `reason` is the reference SDK's `TokenVerificationErrorReason` set (`token-expired`, `token-invalid-signature`, …),
/// open so that new reasons can be added. The message never contains the token or a key.
public struct TokenVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A machine-readable reason, the same strings as `@clerk/backend`.
    public struct Reason: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let tokenExpired: Self = "token-expired"
        public static let tokenInvalid: Self = "token-invalid"
        public static let tokenInvalidAlgorithm: Self = "token-invalid-algorithm"
        public static let tokenInvalidAuthorizedParties: Self = "token-invalid-authorized-parties"
        public static let tokenInvalidSignature: Self = "token-invalid-signature"
        public static let tokenNotActiveYet: Self = "token-not-active-yet"
        public static let tokenIatInTheFuture: Self = "token-iat-in-the-future"
        public static let tokenVerificationFailed: Self = "token-verification-failed"
        public static let invalidSecretKey: Self = "secret-key-invalid"
        public static let localJWKMissing: Self = "jwk-local-missing"
        public static let remoteJWKFailedToLoad: Self = "jwk-remote-failed-to-load"
        public static let remoteJWKInvalid: Self = "jwk-remote-invalid"
        public static let remoteJWKMissing: Self = "jwk-remote-missing"
        public static let jwkFailedToResolve: Self = "jwk-failed-to-resolve"
        public static let jwkKidMismatch: Self = "jwk-kid-mismatch"
    }

    /// Where the token came from, when known.
    public struct TokenCarrier: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let header: Self = "header"
        public static let cookie: Self = "cookie"
    }

    /// The reason, to switch on.
    public let reason: Reason
    /// A readable explanation.
    public let message: String
    /// What to do about it, when there is advice.
    public let action: String?
    /// Where the token came from (set by `authenticateRequest`).
    public var tokenCarrier: TokenCarrier?

    public init(reason: Reason, message: String, action: String? = nil, tokenCarrier: TokenCarrier? = nil) {
        self.reason = reason
        self.message = message
        self.action = action
        self.tokenCarrier = tokenCarrier
    }

    /// The reference's full message: `<message>[ <action>] (reason=<reason>, token-carrier=<carrier>)`.
    public var fullMessage: String {
        var text = message
        if let action, !action.isEmpty { text += " " + action }
        text += " (reason=\(reason.rawValue), token-carrier=\(tokenCarrier?.rawValue ?? "unknown"))"
        return text
    }

    public var description: String { "TokenVerificationError(\(fullMessage))" }

    static let actionContactSupport = "Contact support@clerk.com"
    static let actionEnsureClerkJWT = "Make sure that this is a valid Clerk-generated JWT."
    static let actionSetClerkJWTKey = "Set the CLERK_JWT_KEY environment variable."
    static let actionSetClerkSecretKey = "Set the CLERK_SECRET_KEY environment variable."
}

extension TokenVerificationError.Reason {
    /// Matches a thrown error by reason: `catch TokenVerificationError.Reason.tokenExpired`.
    public static func ~= (reason: TokenVerificationError.Reason, error: any Error) -> Bool {
        (error as? TokenVerificationError)?.reason == reason
    }
}
