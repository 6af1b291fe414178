#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import HTTPTypes

/// The outcome of ``ClerkClient/authenticateRequest(_:options:)``.
public struct AuthStatus: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// The request carries a valid credential.
    public static let signedIn: Self = "signed-in"
    /// The request is not authenticated (see ``RequestState/reason``).
    public static let signedOut: Self = "signed-out"
    /// The browser must go through Clerk's handshake: answer with ``RequestState/headerFields`` (a `307` with `Location`).
    public static let handshake: Self = "handshake"
}

/// Why a request is signed out or needs a handshake: the reference's `AuthErrorReason` values, a
/// ``TokenVerificationError/Reason``, a machine-token error code, or `No token in header`.
public struct AuthReason: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// `client-uat-but-no-session-token`: the `__client_uat` cookie says a session exists, but there is no
    /// `__session` cookie; a handshake fetches one.
    public static let clientUATWithoutSessionToken: Self = "client-uat-but-no-session-token"
    /// `dev-browser-missing`: a development instance's page load without the dev-browser token; a handshake sets it.
    public static let devBrowserMissing: Self = "dev-browser-missing"
    /// `dev-browser-sync`: the request carries a dev-browser token in its URL, to be stored as a cookie.
    public static let devBrowserSync: Self = "dev-browser-sync"
    /// `primary-responds-to-syncing`: the primary domain answers a satellite's sync request.
    public static let primaryRespondsToSyncing: Self = "primary-responds-to-syncing"
    /// `primary-domain-cross-origin-sync`: a page load on the primary domain arrived from another origin with a
    /// session cookie that may be stale.
    public static let primaryDomainCrossOriginSync: Self = "primary-domain-cross-origin-sync"
    /// `satellite-needs-syncing`: a satellite has no session cookies of its own yet and syncs them from the primary.
    public static let satelliteCookieNeedsSyncing: Self = "satellite-needs-syncing"
    /// `session-token-and-uat-missing`: neither a session token nor a `__client_uat` cookie: simply signed out.
    public static let sessionTokenAndUATMissing: Self = "session-token-and-uat-missing"
    /// `session-token-missing`: `__client_uat` is set but no session token came with the request.
    public static let sessionTokenMissing: Self = "session-token-missing"
    /// `session-token-expired`: the session token verified but has expired; a handshake or refresh renews it.
    public static let sessionTokenExpired: Self = "session-token-expired"
    /// `session-token-iat-before-client-uat`: the token was issued before the client's last sign-in or sign-out
    /// (`__client_uat`), so it may belong to an older session.
    public static let sessionTokenIATBeforeClientUAT: Self = "session-token-iat-before-client-uat"
    /// `session-token-nbf`: the token is not valid yet (`nbf` in the future, beyond the clock skew).
    public static let sessionTokenNBF: Self = "session-token-nbf"
    /// `session-token-iat-in-the-future`: the token claims to be issued in the future, beyond the clock skew.
    public static let sessionTokenIatInTheFuture: Self = "session-token-iat-in-the-future"
    /// `session-token-but-no-client-uat`: a session cookie without the `__client_uat` cookie that must accompany it.
    public static let sessionTokenWithoutClientUAT: Self = "session-token-but-no-client-uat"
    /// `active-organization-mismatch`: the URL names an organization other than the session's active one
    /// (``OrganizationSyncOptions``); a handshake switches it.
    public static let activeOrganizationMismatch: Self = "active-organization-mismatch"
    /// `token-type-mismatch`: the token is of a type this request does not accept (``AcceptsToken``).
    public static let tokenTypeMismatch: Self = "token-type-mismatch"
    /// `unexpected-error`: something failed that is not the token's fault (the Backend API did not answer, say).
    public static let unexpectedError: Self = "unexpected-error"
    /// `No token in header`: a route accepting only machine tokens got no `Authorization: Bearer` token.
    public static let noTokenInHeader: Self = "No token in header"
    /// A redirect target from the request was not allowed (this SDK's hardening; not in the reference).
    public static let redirectNotAllowed: Self = "redirect-url-not-allowed"
    /// Machine-token verification was refused locally to protect the Backend API rate limit (this SDK's hardening).
    public static let machineTokenRateLimited: Self = "machine-token-rate-limited"
}

/// The authentication state of one request: signed in, signed out, or handshake.
public struct RequestState: Sendable {
    /// Signed in, signed out or handshake.
    public var status: AuthStatus { storage.status }
    /// Why the request is signed out or needs a handshake; `nil` when signed in.
    public var reason: AuthReason? { storage.reason }
    /// A readable explanation of ``reason``.
    public var message: String? { storage.message }
    /// Headers to add to the response: `Location`, `Set-Cookie`, `Cache-Control` for handshakes and refreshes, and
    /// (when enabled) the `x-clerk-auth-*` debug headers.
    public var headerFields: HTTPFields { storage.headers }
    /// The verified token, when signed in.
    public var token: String? { storage.token }
    /// The credential type (`nil` when the token's type is not accepted).
    public var tokenType: TokenType? { storage.tokenType }
    /// The publishable key in use.
    public var publishableKey: String { storage.publishableKey }
    /// The Frontend API proxy URL in use (`nil` when the app does not proxy the Frontend API).
    public var proxyURL: URL? { Self.url(storage.proxyURL) }
    /// The satellite domain in use.
    public var domain: String { storage.domain }
    /// Whether the app is a satellite.
    public var isSatellite: Bool { storage.isSatellite }
    /// The sign-in page in use (`nil` when none is configured).
    public var signInURL: URL? { Self.url(storage.signInURL) }
    /// The sign-up page in use (`nil` when none is configured).
    public var signUpURL: URL? { Self.url(storage.signUpURL) }
    /// Where to go after signing in (`nil` when not set).
    public var afterSignInURL: URL? { Self.url(storage.afterSignInURL) }
    /// Where to go after signing up (`nil` when not set).
    public var afterSignUpURL: URL? { Self.url(storage.afterSignUpURL) }

    private static func url(_ value: String) -> URL? { value.isEmpty ? nil : URL(string: value) }
    var auth: ClerkAuth? { storage.auth }
    /// `true` when signed in.

    /// The fields, shared by every copy (a state is handed through several layers per request).
    final class Storage: Sendable {
        let status: AuthStatus
        let reason: AuthReason?
        let message: String?
        let headers: HTTPFields
        let token: String?
        let tokenType: TokenType?
        let publishableKey: String
        let proxyURL: String
        let domain: String
        let isSatellite: Bool
        let signInURL: String
        let signUpURL: String
        let afterSignInURL: String
        let afterSignUpURL: String
        let auth: ClerkAuth?
        let devBrowserToken: String?
        let requestURL: String

        init(status: AuthStatus, reason: AuthReason?, message: String?, headers: HTTPFields, token: String?, tokenType: TokenType?, publishableKey: String, proxyURL: String, domain: String, isSatellite: Bool, signInURL: String, signUpURL: String, afterSignInURL: String, afterSignUpURL: String, auth: ClerkAuth?, devBrowserToken: String?, requestURL: String) {
            self.status = status
            self.reason = reason
            self.message = message
            self.headers = headers
            self.token = token
            self.tokenType = tokenType
            self.publishableKey = publishableKey
            self.proxyURL = proxyURL
            self.domain = domain
            self.isSatellite = isSatellite
            self.signInURL = signInURL
            self.signUpURL = signUpURL
            self.afterSignInURL = afterSignInURL
            self.afterSignUpURL = afterSignUpURL
            self.auth = auth
            self.devBrowserToken = devBrowserToken
            self.requestURL = requestURL
        }
    }
    private let storage: Storage

    init(status: AuthStatus, reason: AuthReason?, message: String?, headers: HTTPFields, token: String?, tokenType: TokenType?, publishableKey: String, proxyURL: String, domain: String, isSatellite: Bool, signInURL: String, signUpURL: String, afterSignInURL: String, afterSignUpURL: String, auth: ClerkAuth?, devBrowserToken: String? = nil, requestURL: String = "") {
        storage = Storage(status: status, reason: reason, message: message, headers: headers, token: token, tokenType: tokenType, publishableKey: publishableKey, proxyURL: proxyURL, domain: domain, isSatellite: isSatellite, signInURL: signInURL, signUpURL: signUpURL, afterSignInURL: afterSignInURL, afterSignUpURL: afterSignUpURL, auth: auth, devBrowserToken: devBrowserToken, requestURL: requestURL)
    }

    /// The redirect builder for this request: the instance's keys and URLs, the app's origin, the browser's
    /// dev-browser token and the session's status (see ``ClerkRedirect``).
    public var redirect: ClerkRedirect {
        let base = URLComponents(string: storage.requestURL).map(AuthenticateContext.origin(of:)).flatMap(URL.init(string:))
        return ClerkRedirect(
            publishableKey: publishableKey.isEmpty ? nil : publishableKey, signInURL: signInURL, signUpURL: signUpURL,
            baseURL: base, devBrowserToken: storage.devBrowserToken, sessionStatus: auth?.sessionStatus,
            isSatellite: isSatellite
        )
    }

    /// Where to send this visitor to sign in: your sign-in URL or the hosted page, with `redirect_url` back to
    /// `returnBackURL` (default: the URL of this request). See ``ClerkRedirect``.
    ///
    /// - Throws: ``ClerkError`` when neither a sign-in URL nor a valid publishable key is configured.
    public func redirectToSignIn(returnBackURL: URL? = nil) throws -> URL {
        try redirect.redirectToSignIn(returnBackURL: returnBackURL ?? Self.url(storage.requestURL))
    }

    /// ``redirectToSignIn(returnBackURL:)`` to another sign-in page than the configured one (a guard's own), with
    /// the same rules: a satellite's `__clerk_synced=false`, the dev-browser token across origins, session tasks.
    public func redirectToSignIn(signInURL: URL, returnBackURL: URL? = nil) throws -> URL {
        var redirect = self.redirect
        redirect.signInURL = signInURL
        return try redirect.redirectToSignIn(returnBackURL: returnBackURL ?? Self.url(storage.requestURL))
    }

    /// Where to send this visitor to sign up, with `redirect_url` back to `returnBackURL` (default: this request's
    /// URL). See ``ClerkRedirect``.
    ///
    /// - Throws: ``ClerkError`` when neither a sign-up or sign-in URL nor a valid publishable key is configured.
    public func redirectToSignUp(returnBackURL: URL? = nil) throws -> URL {
        try redirect.redirectToSignUp(returnBackURL: returnBackURL ?? Self.url(storage.requestURL))
    }

    /// Whether the request is signed in (``status`` is ``AuthStatus/signedIn``).
    public var isAuthenticated: Bool { status == .signedIn }

    /// The Auth object for this request; `nil` for a handshake (answer with ``headerFields`` instead).
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
