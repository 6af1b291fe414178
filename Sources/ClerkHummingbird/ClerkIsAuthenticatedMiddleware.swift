#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import ClerkBackend
public import Hummingbird
public import HummingbirdAuth

/// Refuses requests that ``ClerkAuthenticator`` did not authenticate: hummingbird-auth's
/// `IsAuthenticatedMiddleware`, answering the way a Clerk app expects.
///
/// ```swift
/// router.group("api")
///     .add(middleware: ClerkIsAuthenticatedMiddleware())
///     .get("me") { _, context in try context.requireIdentity().userID ?? "" }
///
/// router.group("dashboard")
///     .add(middleware: ClerkIsAuthenticatedMiddleware(signInURL: URL(string: "https://accounts.example.com/sign-in")))
/// ```
///
/// - **API requests**: `401` with a Clerk-style JSON body,
///   `{"errors":[{"code":"authentication_invalid","message":"Unauthenticated",…}]}`, and `WWW-Authenticate: Bearer`.
///   On development instances (or when `AuthenticateRequestOptions.debugHeaders` is on, or with
///   `exposeReason: true`) `meta.reason` says why (`session-token-and-uat-missing`, `token-invalid-authorized-parties`,
///   …); production instances do not tell a caller why it was refused, unless asked to.
/// - **Page navigations** (a browser `GET` of a document): `302` to the sign-in page with `redirect_url` set to the
///   page asked for (as `requireAuth` of `@clerk/express`): `signInURL` when set, else the instance's hosted sign-in
///   page derived from the publishable key (`RequestState.redirectToSignIn()`, which needs a context that keeps the
///   request state, such as ``ClerkRequestContext``).
///
/// Put it after ``ClerkAuthenticator``. With `tokenTypes`, only those credential types pass (for example
/// `[.apiKey]` behind an authenticator that accepts `.any`).
public struct ClerkIsAuthenticatedMiddleware<Context: AuthRequestContext>: RouterMiddleware
where Context.Identity == ClerkAuth {
    /// Where to send signed-out page navigations; `nil`: the instance's hosted sign-in page.
    public let signInURL: URL?
    /// Add `redirect_url=<the page asked for>` to the sign-in redirect (default `true`).
    public let includeReturnURL: Bool
    /// The credential types that pass; `nil` lets every authenticated identity pass.
    public let tokenTypes: Set<TokenType>?
    /// Put the authentication `reason` in the 401 body: `nil` (default) does so on development instances and when
    /// the authenticator emits Clerk's debug headers.
    public let exposeReason: Bool?

    /// Creates the guard.
    ///
    /// - Parameters:
    ///   - signInURL: redirect signed-out page navigations there (absolute, or a path on this app).
    ///   - includeReturnURL: add `redirect_url` with the requested page to that redirect.
    ///   - tokenTypes: the credential types that pass (`nil`: all that the authenticator accepted).
    ///   - exposeReason: whether the 401 body says why (`nil`: on development instances and with debug headers).
    ///   - context: the request context type (for type inference only).
    public init(
        signInURL: URL? = nil, includeReturnURL: Bool = true, tokenTypes: Set<TokenType>? = nil,
        exposeReason: Bool? = nil, context: Context.Type = Context.self
    ) {
        self.signInURL = signInURL.flatMap { $0.absoluteString.isEmpty ? nil : $0 }
        self.includeReturnURL = includeReturnURL
        self.tokenTypes = tokenTypes
        self.exposeReason = exposeReason
    }

    /// Runs the rest of the chain when the request is authenticated (and of an accepted type); answers 401 or
    /// redirects otherwise.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        // hummingbird-auth's `IsAuthenticatedMiddleware` rule (an identity, else 401), checked here directly: no
        // closure, no thrown error on the way to the route.
        guard let identity = context.identity else {
            return unauthenticatedResponse(request: request, context: context, typeMismatch: false)
        }
        if let tokenTypes, !tokenTypes.contains(identity.tokenType ?? TokenType(rawValue: "")) {
            var context = context
            context.identity = nil
            return unauthenticatedResponse(request: request, context: context, typeMismatch: true)
        }
        return try await next(request, context)
    }

    func unauthenticatedResponse(request: Request, context: Context, typeMismatch: Bool) -> Response {
        let state = (context as? any ClerkAuthRequestContext)?.clerkRequestState
        if ClerkRequestBuilding.isPageNavigation(request) {
            if let signInURL {
                // Through the request state's redirect when there is one (a satellite's `__clerk_synced=false`, the
                // dev-browser token across origins), unless the URL already names its `redirect_url`.
                if includeReturnURL, !signInURL.absoluteString.contains("redirect_url="),
                    let location = try? state?.redirectToSignIn(signInURL: signInURL)
                {
                    return Response.redirect(to: location.absoluteString, type: .found)
                }
                return Response.redirect(to: redirectLocation(signInURL: signInURL.absoluteString, request: request), type: .found)
            }
            // Without a configured page: the instance's hosted sign-in page (the request state's redirect).
            if let state, let location = try? (includeReturnURL ? state.redirectToSignIn() : state.redirect.redirectToSignIn()) {
                return Response.redirect(to: location.absoluteString, type: .found)
            }
        }
        // By default the reason is told when Clerk's debug headers are (development instances, or the
        // `debugHeaders` option), or on a development instance.
        let expose =
            exposeReason
            ?? (state.map { $0.headerFields.contains(.clerkAuthStatus) || $0.publishableKey.hasPrefix("pk_test_") } ?? false)
        var reason: String?
        if expose {
            reason = typeMismatch ? AuthReason.tokenTypeMismatch.rawValue : state?.reason?.rawValue
        }
        return ClerkHTTPError.unauthorized(reason: reason).response()
    }

    func redirectLocation(signInURL: String, request: Request) -> String {
        guard includeReturnURL else { return signInURL }
        let returnURL = (try? ClerkRequest(request))?.url ?? ClerkRequestBuilding.pathAndQuery(of: request)
        let encoded = ClerkRequestBuilding.percentEncodeComponent(returnURL)
        var base = Substring(signInURL)
        var fragment = Substring("")
        if let hash = base.firstIndex(of: "#") {
            fragment = base[hash...]
            base = base[..<hash]
        }
        let separator = base.contains("?") ? (base.hasSuffix("?") || base.hasSuffix("&") ? "" : "&") : "?"
        return "\(base)\(separator)redirect_url=\(encoded)\(fragment)"
    }
}
