public import NIOHTTP1

/// The outcome of ``ClerkClient/authenticateRequest(_:options:)``.
public struct AuthStatus: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The request carries a valid credential.
    public static let signedIn: Self = "signed-in"
    /// The request is not authenticated (see ``RequestState/reason``).
    public static let signedOut: Self = "signed-out"
    /// The browser must go through Clerk's handshake: answer with ``RequestState/headers`` (a `307` with `Location`).
    public static let handshake: Self = "handshake"
}

/// Why a request is signed out or needs a handshake: the reference's `AuthErrorReason` values, a
/// ``TokenVerificationError/Reason``, a machine-token error code, or `No token in header`.
public struct AuthReason: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let clientUATWithoutSessionToken: Self = "client-uat-but-no-session-token"
    public static let devBrowserMissing: Self = "dev-browser-missing"
    public static let devBrowserSync: Self = "dev-browser-sync"
    public static let primaryRespondsToSyncing: Self = "primary-responds-to-syncing"
    public static let primaryDomainCrossOriginSync: Self = "primary-domain-cross-origin-sync"
    public static let satelliteCookieNeedsSyncing: Self = "satellite-needs-syncing"
    public static let sessionTokenAndUATMissing: Self = "session-token-and-uat-missing"
    public static let sessionTokenMissing: Self = "session-token-missing"
    public static let sessionTokenExpired: Self = "session-token-expired"
    public static let sessionTokenIATBeforeClientUAT: Self = "session-token-iat-before-client-uat"
    public static let sessionTokenNBF: Self = "session-token-nbf"
    public static let sessionTokenIatInTheFuture: Self = "session-token-iat-in-the-future"
    public static let sessionTokenWithoutClientUAT: Self = "session-token-but-no-client-uat"
    public static let activeOrganizationMismatch: Self = "active-organization-mismatch"
    public static let tokenTypeMismatch: Self = "token-type-mismatch"
    public static let unexpectedError: Self = "unexpected-error"
    public static let noTokenInHeader: Self = "No token in header"
    /// A redirect target from the request was not allowed (this SDK's hardening; not in the reference).
    public static let redirectNotAllowed: Self = "redirect-url-not-allowed"
    /// Machine-token verification was refused locally to protect the Backend API rate limit (this SDK's hardening).
    public static let machineTokenRateLimited: Self = "machine-token-rate-limited"
}

/// The authentication state of one request: signed in, signed out, or handshake.
public struct RequestState: Sendable {
    /// Signed in, signed out or handshake.
    public let status: AuthStatus
    /// Why the request is signed out or needs a handshake; `nil` when signed in.
    public let reason: AuthReason?
    /// A readable explanation of ``reason``.
    public let message: String?
    /// Headers to add to the response: `Location`, `Set-Cookie`, `Cache-Control` for handshakes and refreshes, and
    /// (when enabled) the `x-clerk-auth-*` debug headers.
    public let headers: HTTPHeaders
    /// The verified token, when signed in.
    public let token: String?
    /// The credential type (`nil` when the token's type is not accepted).
    public let tokenType: TokenType?
    /// The publishable key in use.
    public let publishableKey: String
    /// The Frontend API proxy URL in use.
    public let proxyUrl: String
    /// The satellite domain in use.
    public let domain: String
    /// Whether the app is a satellite.
    public let isSatellite: Bool
    /// The sign-in page in use (empty when none is configured).
    public let signInUrl: String
    /// The sign-up page in use.
    public let signUpUrl: String
    /// Where to go after signing in.
    public let afterSignInUrl: String
    /// Where to go after signing up.
    public let afterSignUpUrl: String
    let auth: ClerkAuth?

    /// `true` when signed in.
    public var isAuthenticated: Bool { status == .signedIn }

    /// The Auth object for this request; `nil` for a handshake (answer with ``headers`` instead).
    ///
    /// - Parameter treatPendingAsSignedOut: a session with pending tasks (`sts: pending`) counts as signed out (with
    ///   `sessionStatus == "pending"`) unless this is `false`. The state itself stays signed in.
    public func toAuth(treatPendingAsSignedOut: Bool = true) -> ClerkAuth? {
        switch status {
        case .handshake:
            return nil
        case .signedIn:
            guard let auth else { return nil }
            if treatPendingAsSignedOut, auth.machine == nil, auth.sessionStatus == "pending" {
                return .signedOut(sessionStatus: "pending")
            }
            return auth
        default:
            if let auth { return auth }
            guard let tokenType else { return .invalidToken }
            return .signedOut(tokenType: tokenType)
        }
    }
}
