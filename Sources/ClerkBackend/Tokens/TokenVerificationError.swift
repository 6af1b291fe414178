/// Why a token was not accepted.
///
/// `reason` is the reference SDK's `TokenVerificationErrorReason` set (`token-expired`, `token-invalid-signature`, …),
/// open so that new reasons can be added. The message never contains the token or a key.
public struct TokenVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A machine-readable reason, the same strings as `@clerk/backend`.
    public struct Reason: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// `token-expired`: `exp` is in the past, beyond the clock skew.
        public static let tokenExpired: Self = "token-expired"
        /// `token-invalid`: not a well-formed JWT, or a claim has the wrong type or value.
        public static let tokenInvalid: Self = "token-invalid"
        /// `token-invalid-algorithm`: the header's `alg` is not RS256 or not the key's.
        public static let tokenInvalidAlgorithm: Self = "token-invalid-algorithm"
        /// `token-invalid-authorized-parties`: `azp` is not one of the authorized parties.
        public static let tokenInvalidAuthorizedParties: Self = "token-invalid-authorized-parties"
        /// `token-invalid-signature`: the signature does not verify with the key.
        public static let tokenInvalidSignature: Self = "token-invalid-signature"
        /// `token-not-active-yet`: `nbf` is in the future, beyond the clock skew.
        public static let tokenNotActiveYet: Self = "token-not-active-yet"
        /// `token-iat-in-the-future`: `iat` is in the future, beyond the clock skew.
        public static let tokenIatInTheFuture: Self = "token-iat-in-the-future"
        /// `token-verification-failed`: verification failed for another reason (a wrong `cat`, an audience mismatch).
        public static let tokenVerificationFailed: Self = "token-verification-failed"
        /// `secret-key-invalid`: no secret key to fetch the JWKS with, or the Backend API refused it.
        public static let invalidSecretKey: Self = "secret-key-invalid"
        /// `jwk-local-missing`: no `jwtKey` and no way to fetch one.
        public static let localJWKMissing: Self = "jwk-local-missing"
        /// `jwk-remote-failed-to-load`: the JWKS could not be fetched and no cached key set is usable.
        public static let remoteJWKFailedToLoad: Self = "jwk-remote-failed-to-load"
        /// `jwk-remote-invalid`: the JWKS answer is not a usable key set.
        public static let remoteJWKInvalid: Self = "jwk-remote-invalid"
        /// `jwk-remote-missing`: the key set has no key with the token's `kid`.
        public static let remoteJWKMissing: Self = "jwk-remote-missing"
        /// `jwk-failed-to-resolve`: no key could be found for the token.
        public static let jwkFailedToResolve: Self = "jwk-failed-to-resolve"
        /// `jwk-kid-mismatch`: the token's `kid` is not the configured key's.
        public static let jwkKidMismatch: Self = "jwk-kid-mismatch"
    }

    /// Where the token came from, when known.
    public struct TokenCarrier: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The `Authorization: Bearer` header.
        public static let header: Self = "header"
        /// The `__session` cookie (or its suffixed form).
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

    /// An error with a reason, a message (never the token) and optional advice.
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
