public import ClerkBackend
public import Hummingbird
public import HummingbirdAuth
import HTTPTypes
import Logging
import NIOCore

/// Authenticates requests with Clerk, in hummingbird-auth's idiom: an `AuthenticatorMiddleware` that puts the
/// `ClerkAuth` of an authenticated request in `context.identity`.
///
/// ```swift
/// let clerk = try ClerkClient.fromEnvironment()                 // one client (one JWKS cache) for the app
/// let router = Router(context: ClerkRequestContext.self)
/// router.add(middleware: ClerkAuthenticator(client: clerk, options: .init(authorizedParties: ["https://app.example.com"])))
/// router.group("api")
///     .add(middleware: ClerkIsAuthenticatedMiddleware())          // 401 with a Clerk-style JSON body
///     .get("me") { _, context in try context.requireIdentity().userID ?? "" }
/// ```
///
/// For each request it runs `ClerkClient.authenticateRequest(_:options:)` (the `Authorization: Bearer` header or
/// the `__session` cookie; handshakes; satellites; machine tokens) and, as `@clerk/express` does:
/// - **Handshake** (and any state that carries a `Location`): answers `307` at once with the state's headers
///   (`Location`, `Set-Cookie`, `Cache-Control: no-store`); the route does not run.
/// - **Signed in**: sets `context.identity` to the Auth object, runs the route, and adds the state's headers to the
///   response (a refreshed session's `Set-Cookie`).
/// - **Signed out**: leaves `context.identity` `nil` and runs the route (guard it with
///   ``ClerkIsAuthenticatedMiddleware``); on development instances the `x-clerk-auth-status/-reason` debug headers
///   are added to the response.
/// When the context adopts ``ClerkAuthRequestContext`` (``ClerkRequestContext`` does), the whole `RequestState` is
/// kept in `context.clerkRequestState`.
///
/// **Defaults.** Only session tokens are accepted (`acceptsToken: .sessionToken`); pass `.apiKey`, `.m2mToken`,
/// `.oneOf([...])` or `.any` for machine routes. `X-Forwarded-Host`/`-Proto` are ignored unless you set
/// `trustedProxies` explicitly; the peer address comes from the context (`RemoteAddressRequestContext`).
/// A session with pending tasks counts as signed out unless `treatPendingAsSignedOut` is `false`.
///
/// **One client.** The authenticator keeps the `ClerkClient` it is given: create it once, when you build the
/// router, so that the JWKS is fetched once and cached, never per request.
///
/// A request whose `Host` is not a host name is answered `400`; a configuration problem (missing secret or
/// publishable key, incomplete satellite setup) is thrown, which Hummingbird answers with `500`.
/// Tokens and secrets are never logged.
public struct ClerkAuthenticator<Context: AuthRequestContext>: AuthenticatorMiddleware
where Context.Identity == ClerkAuth {
    /// The authenticated identity: Clerk's Auth object.
    public typealias Identity = ClerkAuth

    /// The client that verifies tokens (and whose JWKS cache serves every request).
    public let client: ClerkClient
    /// The options of every `authenticateRequest` call.
    public let options: AuthenticateRequestOptions
    /// Whether a session with pending tasks (`sts: pending`) counts as signed out (default `true`, as Clerk's SDKs).
    public let treatPendingAsSignedOut: Bool
    /// The scheme clients use to reach this server, when it is not the one Hummingbird reports; `nil` uses
    /// Hummingbird's. Set `"https"` when Hummingbird terminates TLS itself: it reports `http` for HTTP/1
    /// connections even over TLS, and Clerk's redirects (handshake `redirect_url`) must return to `https`.
    /// Behind a TLS-terminating proxy, use `trustedProxies` (and `X-Forwarded-Proto`) instead.
    public let scheme: String?
    /// Options resolved per request (``init(client:perRequestOptions:treatPendingAsSignedOut:scheme:context:)``);
    /// when set, ``options`` is not used.
    let perRequestOptions: (@Sendable (Request, Context) throws -> AuthenticateRequestOptions)?
    /// How this context type gives its peer address and keeps the request state, found once.
    let contextAccess = ContextAccess<Context>()

    /// Creates the authenticator.
    ///
    /// - Parameters:
    ///   - client: the app's Clerk client; create it once and share it.
    ///   - options: options of `authenticateRequest` (accepted token types, authorized parties, satellite
    ///     settings, trusted proxies…). Unset values come from the client's options.
    ///   - treatPendingAsSignedOut: whether a session with pending tasks counts as signed out.
    ///   - scheme: the public scheme, when Hummingbird's is not it (`"https"` when it terminates TLS itself).
    ///   - context: the request context type (for type inference only).
    public init(
        client: ClerkClient, options: AuthenticateRequestOptions = AuthenticateRequestOptions(),
        treatPendingAsSignedOut: Bool = true, scheme: String? = nil, context: Context.Type = Context.self
    ) {
        self.client = client
        self.options = options
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
        self.scheme = scheme
        self.perRequestOptions = nil
    }

    /// An authenticator whose `authenticateRequest` options depend on the request: the options callback of
    /// `clerkMiddleware((req) => options)` in `@clerk/express`. Resolve a satellite's `domain` and `isSatellite`, a
    /// tenant's `authorizedParties` or `proxyURL`, or another Clerk instance's keys (`AuthenticateRequestOptions`'s
    /// `secretKey`, `jwtKey` and `machineSecretKey`) from the request. The client keeps one client per set of keys,
    /// made on first use, so every instance's JWKS is still fetched once and cached.
    ///
    /// ```swift
    /// router.add(middleware: ClerkAuthenticator(client: clerk, perRequestOptions: { request, _ in
    ///     let tenant = try tenants.tenant(forHost: request.head.authority)
    ///     return AuthenticateRequestOptions(authorizedParties: [tenant.origin], secretKey: tenant.secretKey)
    /// }))
    /// ```
    ///
    /// The closure runs for every request: keep it quick and free of I/O. An error it throws fails the request.
    public init(
        client: ClerkClient, perRequestOptions: @escaping @Sendable (Request, Context) throws -> AuthenticateRequestOptions,
        treatPendingAsSignedOut: Bool = true, scheme: String? = nil, context: Context.Type = Context.self
    ) {
        self.client = client
        self.options = AuthenticateRequestOptions()
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
        self.scheme = scheme
        self.perRequestOptions = perRequestOptions
    }

    /// Authenticates the request: the Auth object when it is authenticated, `nil` when it is not.
    ///
    /// This is the `AuthenticatorMiddleware` requirement; ``handle(_:context:next:)`` uses
    /// ``requestState(for:context:)`` directly so it can also keep the state and add its headers.
    ///
    /// - Throws: a `307` `HTTPResponseError` carrying the redirect when Clerk asks for one (handshake), `400` for
    ///   an unusable `Host`, and configuration errors.
    public func authenticate(request: Request, context: Context) async throws -> ClerkAuth? {
        let state = try await requestState(for: request, context: context)
        if let redirect = ClerkRedirectError(state: state) { throw redirect }
        try Self.checkHandshakeHasRedirect(state)
        return identity(from: state)
    }

    /// Runs `authenticateRequest` for a Hummingbird request (with the peer address when the context is a
    /// `RemoteAddressRequestContext`).
    ///
    /// - Throws: `HTTPError(.badRequest)` when the request cannot be turned into a URL (a hostile `Host`), and the
    ///   configuration errors of `authenticateRequest`.
    public func requestState(for request: Request, context: Context) async throws -> RequestState {
        let remoteAddress = contextAccess.remoteAddress?(context).flatMap(Self.ipText)
        let clerkRequest: ClerkRequest
        do {
            clerkRequest = try ClerkRequest(request, scheme: scheme, remoteAddress: remoteAddress, addingHost: false)
        } catch {
            throw HTTPError(.badRequest, message: "Invalid Host header")
        }
        do {
            // `self.options` is passed as it is (no copy of its fields per request).
            if let perRequestOptions {
                return try await client.authenticateRequest(clerkRequest, options: try perRequestOptions(request, context))
            }
            return try await client.authenticateRequest(clerkRequest, options: options)
        } catch ClerkError.Code.invalidArgument {
            throw HTTPError(.badRequest, message: "Invalid request URL")
        }
    }

    /// The identity a state gives: the Auth object when the request is authenticated, else `nil`.
    public func identity(from state: RequestState) -> ClerkAuth? {
        guard state.status == .signedIn, let auth = state.toAuth(treatPendingAsSignedOut: treatPendingAsSignedOut),
            auth.isAuthenticated
        else { return nil }
        return auth
    }

    /// Authenticates, then either answers the handshake redirect or runs the rest of the chain with the identity
    /// set and the state's headers added to the response.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let state = try await requestState(for: request, context: context)
        if let redirect = ClerkRedirectError(state: state) {
            context.logger.debug(
                "Clerk: redirecting", metadata: ["clerk.status": "\(state.status.rawValue)", "clerk.reason": "\(state.reason?.rawValue ?? "")"]
            )
            return redirect.response()
        }
        try Self.checkHandshakeHasRedirect(state)
        var context = context
        context.identity = identity(from: state)
        contextAccess.setRequestState?(&context, state)
        if context.identity == nil {
            context.logger.debug(
                "Clerk: request not authenticated",
                metadata: ["clerk.status": "\(state.status.rawValue)", "clerk.reason": "\(state.reason?.rawValue ?? "")"]
            )
        }
        let extraHeaders = state.headerFields
        guard !extraHeaders.isEmpty else { return try await next(request, context) }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            // As @clerk/express, the headers go on every response, error responses included.
            response = try error.response(from: request, context: context)
        }
        response.headers.append(contentsOf: extraHeaders)
        return response
    }

    static func checkHandshakeHasRedirect(_ state: RequestState) throws {
        if state.status == .handshake {
            throw ClerkError(.invalidConfiguration, "Clerk: unexpected handshake without redirect")
        }
    }

    static func ipText(_ address: SocketAddress) -> String? {
        address.ipAddress
    }
}

/// The response a `RequestState` with a `Location` asks for: `307` with the state's headers.
struct ClerkRedirectError: HTTPResponseError {
    let headers: HTTPFields
    var status: HTTPResponse.Status { .temporaryRedirect }

    init?(state: RequestState) {
        guard state.headerFields.contains(.location) else { return nil }
        headers = state.headerFields
    }

    func response(from request: Request, context: some RequestContext) throws -> Response { response() }

    func response() -> Response { Response(status: status, headers: headers) }
}

/// What a middleware reads from and writes to its request context beyond `RequestContext`: the peer address of a
/// `RemoteAddressRequestContext`, the request state of a ``ClerkAuthRequestContext``. The conformance checks run
/// once, when the middleware is made, not on every request; the context is read and written in place through its
/// own type (a cast to the protocol would copy it into an existential box).
struct ContextAccess<Context: RequestContext>: Sendable {
    /// The peer address, when `Context` is a `RemoteAddressRequestContext`.
    let remoteAddress: (@Sendable (Context) -> SocketAddress?)?
    /// Stores the request state, when `Context` is a ``ClerkAuthRequestContext``.
    let setRequestState: (@Sendable (inout Context, RequestState) -> Void)?

    init() {
        func reader<C: RemoteAddressRequestContext>(_: C.Type) -> @Sendable (Context) -> SocketAddress? {
            { context in
                withUnsafePointer(to: context) { UnsafeRawPointer($0).assumingMemoryBound(to: C.self).pointee.remoteAddress }
            }
        }
        func writer<C: ClerkAuthRequestContext>(_: C.Type) -> @Sendable (inout Context, RequestState) -> Void {
            { context, state in
                withUnsafeMutablePointer(to: &context) {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: C.self).pointee.clerkRequestState = state
                }
            }
        }
        remoteAddress = (Context.self as? any RemoteAddressRequestContext.Type).map { reader($0) }
        setRequestState = (Context.self as? any ClerkAuthRequestContext.Type).map { writer($0) }
    }
}
