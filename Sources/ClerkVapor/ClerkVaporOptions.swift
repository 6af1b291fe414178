public import Foundation
/// How the Vapor integration authenticates requests and answers refused ones; set with
/// ``Vapor/Application/Clerk/configure(options:vapor:)``.
///
/// ```swift
/// var vapor = ClerkVaporOptions()
/// vapor.authenticate.authorizedParties = ["https://app.example.com"]
/// vapor.signInURL = URL(string: "https://app.example.com/sign-in")
/// try app.clerk.configure(options: ClerkOptions(secretKey: …, publishableKey: …), vapor: vapor)
/// ```
public struct ClerkVaporOptions: Sendable {
    /// The options `ClerkMiddleware()` passes to `authenticateRequest`: by default session tokens only
    /// (`AcceptsToken.sessionToken`) and no trusted proxies. Unset values (`authorizedParties`, `domain`,
    /// `isSatellite`, …) come from the `ClerkOptions`.
    public var authenticate: AuthenticateRequestOptions
    /// Where ``ClerkGuardMiddleware`` sends signed-out page navigations (a browser asking for a document). `nil`:
    /// `ClerkOptions.signInURL` (`CLERK_SIGN_IN_URL`); when that is unset too, page navigations get the same
    /// `401` as API requests.
    public var signInURL: URL?
    /// A session with pending tasks (`sts: pending`) counts as signed out (default `true`, as the reference).
    public var treatPendingAsSignedOut: Bool
    /// The app's public origin (`https://app.example.com`). When set, it replaces the scheme and `Host` header of
    /// every request in the URL given to `authenticateRequest` (used for handshake redirects and cross-origin
    /// checks). When `nil`, the scheme is `https` if the server has TLS configured, else `http`, and the host comes
    /// from the `Host` header (or the server's configured hostname and port when that is missing or malformed).
    /// `X-Forwarded-*` headers are honoured only from `AuthenticateRequestOptions.trustedProxies`.
    public var publicOrigin: URL?
    /// Whether the `ClerkClient` sends its Backend API calls through the application's HTTP client
    /// (`app.http.client.shared`), sharing its connection pool, when `ClerkOptions` has neither `httpClient` nor
    /// `transport` (default `true`). Redirected API responses are refused either way; set
    /// `app.http.client.configuration.redirectConfiguration = .disallow` to stop them from being followed at all.
    public var useApplicationHTTPClient: Bool
    /// The largest webhook body accepted by ``Vapor/RoutesBuilder/clerkWebhook(_:options:use:)`` and
    /// ``Vapor/Request/Clerk/verifyWebhook(signingSecret:maxBodySize:tolerance:)``, in bytes (default 1 MiB).
    public var webhookMaxBodySize: Int
    /// Serve Clerk's Frontend API through the app under this path (`/__clerk`) with
    /// ``ClerkFrontendAPIProxyMiddleware``; `nil` (the default) for no proxy. When set, it is also the
    /// `proxyURL` of ``authenticate`` unless that has one, as `@clerk/express`'s `frontendApiProxy` does.
    public var frontendAPIProxyPath: String?

    /// Creates options.
    public init(
        authenticate: AuthenticateRequestOptions = AuthenticateRequestOptions(),
        signInURL: URL? = nil,
        treatPendingAsSignedOut: Bool = true,
        publicOrigin: URL? = nil,
        useApplicationHTTPClient: Bool = true,
        webhookMaxBodySize: Int = WebhookVerifier.defaultMaxBodySize,
        frontendAPIProxyPath: String? = nil
    ) {
        self.frontendAPIProxyPath = frontendAPIProxyPath
        self.authenticate = authenticate
        self.signInURL = signInURL
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
        self.publicOrigin = publicOrigin
        self.useApplicationHTTPClient = useApplicationHTTPClient
        self.webhookMaxBodySize = webhookMaxBodySize
    }
}
