import HTTPTypes
public import Vapor

/// Authenticates every request with Clerk (`clerkMiddleware()` of `@clerk/express`).
///
/// For each request it runs `authenticateRequest` (the `Authorization` header or the `__session` cookie,
/// handshakes, satellites, machine tokens):
/// - **Handshake** (a browser page whose session must be refreshed through Clerk): answers at once with a `307` and
///   the state's `Location`, `Set-Cookie` and `Cache-Control` headers, as `@clerk/express` does.
/// - Otherwise stores the Auth object on the request (`req.clerk.auth`, signed in or not), logs a signed-in one in
///   to Vapor's `req.auth` (`ClerkAuth` is `Authenticatable`), calls the next responder and adds the state's
///   headers (refreshed-session cookies, debug headers on development instances) to its response.
///
/// It never refuses a signed-out request by itself: put ``ClerkGuardMiddleware`` on the routes that need a user.
///
/// ```swift
/// try app.clerk.configureFromEnvironment()
/// app.middleware.use(ClerkMiddleware())                                   // session tokens
/// let api = app.grouped("api").grouped(ClerkMiddleware(acceptsToken: .apiKey))  // API keys on /api
/// ```
///
/// Answers `400` when the request target cannot form a URL and `500` when Clerk is not configured or
/// `authenticateRequest` reports a configuration error (logged; the response says nothing more).
public struct ClerkMiddleware: Middleware {
    /// Identifies this middleware value, so that registering the same one twice authenticates once.
    private final class Identity: Sendable {}

    private let identity = Identity()
    private let options: AuthenticateRequestOptions?
    private let acceptsToken: AcceptsToken?
    private let client: ClerkClient?
    private let treatPendingAsSignedOut: Bool?
    private let perRequestOptions: (@Sendable (Request) throws -> AuthenticateRequestOptions)?

    /// A middleware using the application's client and ``ClerkVaporOptions/authenticate``.
    ///
    /// - Parameters:
    ///   - acceptsToken: overrides the accepted credential types of ``ClerkVaporOptions/authenticate``
    ///     (default: session tokens only).
    ///   - treatPendingAsSignedOut: overrides ``ClerkVaporOptions/treatPendingAsSignedOut``.
    public init(acceptsToken: AcceptsToken? = nil, treatPendingAsSignedOut: Bool? = nil) {
        self.options = nil
        self.acceptsToken = acceptsToken
        self.client = nil
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
        self.perRequestOptions = nil
    }

    /// A middleware whose `authenticateRequest` options depend on the request: the options callback of
    /// `clerkMiddleware((req) => options)` in `@clerk/express`. Resolve a satellite's `domain` and `isSatellite`, a
    /// tenant's `authorizedParties` or `proxyURL`, or another Clerk instance's keys (`AuthenticateRequestOptions`'s
    /// `secretKey`, `jwtKey` and `machineSecretKey`) from the host or path. The client keeps one client per set of
    /// keys, made on first use, so every instance's JWKS is still fetched once and cached.
    ///
    /// ```swift
    /// app.grouped(ClerkMiddleware(perRequestOptions: { req in
    ///     let tenant = try tenants.tenant(forHost: req.headers.first(name: .host))
    ///     return AuthenticateRequestOptions(authorizedParties: [tenant.origin], secretKey: tenant.secretKey, jwtKey: tenant.jwtKey)
    /// }))
    /// ```
    ///
    /// The closure runs on the event loop for every request: keep it quick and free of I/O. An error it throws fails
    /// the request (Vapor answers it as usual; an `Abort(.notFound)` for an unknown tenant, say).
    public init(
        perRequestOptions: @escaping @Sendable (Request) throws -> AuthenticateRequestOptions, client: ClerkClient? = nil,
        treatPendingAsSignedOut: Bool? = nil
    ) {
        self.options = nil
        self.acceptsToken = nil
        self.client = client
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
        self.perRequestOptions = perRequestOptions
    }

    /// A middleware with its own `authenticateRequest` options, and optionally its own client (another Clerk
    /// instance; keep that client for the life of the app, so its JWKS cache is shared by every request).
    public init(options: AuthenticateRequestOptions, client: ClerkClient? = nil, treatPendingAsSignedOut: Bool? = nil) {
        self.options = options
        self.acceptsToken = nil
        self.client = client
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
        self.perRequestOptions = nil
    }

    /// Authenticates the request; see ``ClerkMiddleware``.
    ///
    /// Future-based on purpose: `authenticateRequest` runs in a task started on the event loop (`Task.immediate`, so
    /// a networkless verification completes without leaving it), and the rest of the chain is called on the event
    /// loop as a plain responder (an `AsyncMiddleware` would add a task and two event-loop hops per request).
    public func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        let id = ObjectIdentifier(identity)
        let previous = request.storage[ClerkRequestStorageKey.self]
        if let previous, previous.middlewareIDs.contains(id) {
            return next.respond(to: request)
        }
        let configuration: ClerkConfiguration?
        do {
            configuration = try request.application.clerk.configuration()
        } catch {
            configuration = nil
            if client == nil {
                request.logger.error("ClerkMiddleware: Clerk is not configured; call app.clerk.configure(options:) or app.clerk.configureFromEnvironment()")
                return request.eventLoop.makeFailedFuture(Abort(.internalServerError, reason: "Clerk is not configured"))
            }
        }
        guard let client = client ?? configuration?.client else {
            return request.eventLoop.makeFailedFuture(Abort(.internalServerError, reason: "Clerk is not configured"))
        }
        var options: AuthenticateRequestOptions
        if let perRequestOptions {
            do {
                options = try perRequestOptions(request)
            } catch {
                return request.eventLoop.makeFailedFuture(error)
            }
        } else {
            options = self.options ?? configuration?.options.authenticate ?? AuthenticateRequestOptions()
        }
        if let acceptsToken { options.acceptsToken = acceptsToken }
        let clerkRequest: ClerkRequest
        do {
            clerkRequest = try ClerkRequest(vapor: request, publicOrigin: configuration?.options.publicOrigin)
        } catch {
            return request.eventLoop.makeFailedFuture(error)
        }
        let logger = request.logger
        let authenticateOptions = options
        let promise = request.eventLoop.makePromise(of: RequestState.self)
        let authenticate: @Sendable () async throws -> RequestState = {
            do {
                return try await client.authenticateRequest(clerkRequest, options: authenticateOptions)
            } catch let error as CancellationError {
                throw error
            } catch let error as ClerkError {
                // Configuration problems; the message never contains a secret or a token.
                logger.error("Clerk authenticateRequest failed: \(error.message)", metadata: ["code": "\(error.code.rawValue)"])
                throw Abort(.internalServerError, reason: "Clerk authentication failed")
            } catch {
                logger.error("Clerk authenticateRequest failed", metadata: ["error": "\(type(of: error))"])
                throw Abort(.internalServerError, reason: "Clerk authentication failed")
            }
        }
        if #available(macOS 26.0, iOS 26.0, tvOS 26.0, watchOS 26.0, *) {
            // Started on the event loop and run there until it first suspends: a networkless verification never
            // does, so the whole request stays on the event loop (no hop to the task pool and back).
            Task.immediate {
                do {
                    promise.succeed(try await authenticate())
                } catch {
                    promise.fail(error)
                }
            }
        } else {
            promise.completeWithTask(authenticate)
        }
        let pending = treatPendingAsSignedOut ?? configuration?.options.treatPendingAsSignedOut ?? true
        return promise.futureResult.flatMap { state -> EventLoopFuture<Response> in
            // Handshakes, and a development instance's cleanup redirect after one, carry a Location: answer it now.
            if state.headerFields.contains(.location) {
                return request.eventLoop.makeSucceededFuture(Response(status: .temporaryRedirect, headers: HTTPHeaders(state.headerFields)))
            }
            if state.status == .handshake {
                request.logger.error("Clerk: unexpected handshake without redirect")
                return request.eventLoop.makeFailedFuture(Abort(.internalServerError, reason: "Clerk authentication failed"))
            }
            let auth = state.toAuth(treatPendingAsSignedOut: pending) ?? .signedOut()
            request.storage[ClerkRequestStorageKey.self] = ClerkRequestStorage(
                state: state, auth: auth, client: client,
                middlewareIDs: (previous?.middlewareIDs ?? []).union([id]),
                request: clerkRequest, options: authenticateOptions, treatPendingAsSignedOut: pending
            )
            if auth.isAuthenticated {
                request.auth.login(auth)
            } else {
                request.auth.logout(ClerkAuth.self)
            }
            guard !state.headerFields.isEmpty else { return next.respond(to: request) }
            return next.respond(to: request).map { response in
                for field in state.headerFields {
                    response.headers.add(name: field.name.rawName, value: field.value)
                }
                return response
            }
        }
    }
}
