public import Vapor

/// What ``ClerkMiddleware`` stored on a request.
/// A class: the guard and the route read it from `request.storage` several times per request (a struct would be
/// copied, with every field of its request state and auth object, on each read).
final class ClerkRequestStorage: Sendable {
    let state: RequestState
    let auth: ClerkAuth
    let client: ClerkClient
    /// The middlewares that already authenticated this request (a middleware registered twice runs once).
    let middlewareIDs: Set<ObjectIdentifier>
    /// What the middleware authenticated with, so that a route asking for a token type the middleware did not
    /// accept can verify it on demand (`auth(acceptsToken:)`).
    let request: ClerkRequest
    let options: AuthenticateRequestOptions
    let treatPendingAsSignedOut: Bool

    init(
        state: RequestState, auth: ClerkAuth, client: ClerkClient, middlewareIDs: Set<ObjectIdentifier>,
        request: ClerkRequest, options: AuthenticateRequestOptions, treatPendingAsSignedOut: Bool
    ) {
        self.state = state
        self.auth = auth
        self.client = client
        self.middlewareIDs = middlewareIDs
        self.request = request
        self.options = options
        self.treatPendingAsSignedOut = treatPendingAsSignedOut
    }
}

struct ClerkRequestStorageKey: StorageKey {
    typealias Value = ClerkRequestStorage
}

/// Clerk's entry point on a Vapor request.
extension Request {
    /// Clerk for this request: the Auth object stored by ``ClerkMiddleware``, the client, webhook verification.
    ///
    /// ```swift
    /// let auth = req.clerk.auth                     // signed out unless ClerkMiddleware signed the request in
    /// if let userID = auth.userID {
    ///     let user = try await req.clerk.client.users.getUser(userID)
    /// }
    /// ```
    ///
    /// Vapor's own `req.auth` keeps its meaning; a signed-in `ClerkAuth` is also logged in there, so
    /// `try req.auth.require(ClerkAuth.self)` and `ClerkAuth.guardMiddleware()` work too.
    public var clerk: Clerk { Clerk(request: self) }

    /// Clerk for one request. See ``Vapor/Request/clerk``.
    public struct Clerk: Sendable {
        /// The request.
        public let request: Request

        /// The Auth object of this request: what ``ClerkMiddleware`` found, or a signed-out session object when no
        /// ``ClerkMiddleware`` ran (fail closed). Check `ClerkAuth.isAuthenticated` and read `ClerkAuth.userID`,
        /// or authorize with `has(role:permission:feature:plan:reverification:)`.
        public var auth: ClerkAuth { request.storage[ClerkRequestStorageKey.self]?.auth ?? .signedOut() }

        /// The Auth object as a route accepting `acceptsToken` must see it (`getAuth(req, { acceptsToken })` of
        /// `@clerk/express`).
        ///
        /// When the ``ClerkMiddleware`` that ran accepted every type of `acceptsToken` (it accepted `.any`, say), its
        /// answer is filtered (`ClerkAuth.forAcceptedToken(_:)`): a token of another type reads as signed out, and
        /// nothing is verified again. When it did not (a plain `ClerkMiddleware()` accepts session tokens only, and
        /// this route asks for `.apiKey`), the request's token is verified now, for `acceptsToken`, with the
        /// middleware's client and options; without any `ClerkMiddleware`, with the application's. So an API key
        /// sent to such a route is checked, never silently treated as signed out. Each such call verifies again
        /// (keys and machine-token answers are cached by the client); a handshake it would need reads as signed out.
        ///
        /// - Throws: `Abort(.internalServerError)` when Clerk is not configured or the verification failed for a
        ///   reason that is not the token's (the details are logged, never a token).
        public func auth(acceptsToken: AcceptsToken) async throws -> ClerkAuth {
            if let covered = storedAuth(acceptsToken: acceptsToken) { return covered }
            return try await verifyOnDemand(acceptsToken, stored: request.storage[ClerkRequestStorageKey.self])
        }

        /// The stored answer when the middleware covered `acceptsToken`; `nil` when it must be verified again.
        func storedAuth(acceptsToken: AcceptsToken) -> ClerkAuth? {
            guard let stored = request.storage[ClerkRequestStorageKey.self],
                stored.options.acceptsToken.covers(acceptsToken)
            else { return nil }
            return stored.auth.forAcceptedToken(acceptsToken)
        }

        func verifyOnDemand(_ acceptsToken: AcceptsToken, stored: ClerkRequestStorage?) async throws -> ClerkAuth {
            let client: ClerkClient
            let clerkRequest: ClerkRequest
            var options: AuthenticateRequestOptions
            let pending: Bool
            if let stored {
                (client, clerkRequest, options, pending) = (stored.client, stored.request, stored.options, stored.treatPendingAsSignedOut)
            } else {
                let configuration: ClerkConfiguration
                do {
                    configuration = try request.application.clerk.configuration()
                } catch {
                    request.logger.error("req.clerk.auth(acceptsToken:): Clerk is not configured; call app.clerk.configure(options:)")
                    throw Abort(.internalServerError, reason: "Clerk is not configured")
                }
                client = configuration.client
                clerkRequest = try ClerkRequest(vapor: request, publicOrigin: configuration.options.publicOrigin)
                options = configuration.options.authenticate
                pending = configuration.options.treatPendingAsSignedOut
            }
            options.acceptsToken = acceptsToken
            let state: RequestState
            do {
                state = try await client.authenticateRequest(clerkRequest, options: options)
            } catch let error as CancellationError {
                throw error
            } catch {
                request.logger.error("Clerk authenticateRequest failed", metadata: ["error": "\(type(of: error))"])
                throw Abort(.internalServerError, reason: "Clerk authentication failed")
            }
            return state.toAuth(treatPendingAsSignedOut: pending) ?? .signedOut()
        }

        /// The full result of `authenticateRequest` for this request (status, reason, headers…); `nil` when no
        /// ``ClerkMiddleware`` ran.
        public var requestState: RequestState? { request.storage[ClerkRequestStorageKey.self]?.state }

        /// Whether a ``ClerkMiddleware`` authenticated this request.
        public var isAuthenticatedByMiddleware: Bool { request.storage[ClerkRequestStorageKey.self] != nil }

        /// The `ClerkClient` that authenticated this request, else the application's.
        ///
        /// - Throws: `ClerkError` with `ClerkError.Code.invalidConfiguration` when neither exists.
        public var client: ClerkClient {
            get throws {
                if let stored = request.storage[ClerkRequestStorageKey.self] { return stored.client }
                return try request.application.clerk.client
            }
        }
    }
}

/// A signed-in `ClerkAuth` is a Vapor `Authenticatable`: ``ClerkMiddleware`` logs it in, so
/// `try req.auth.require(ClerkAuth.self)`, `req.auth.has(ClerkAuth.self)` and `ClerkAuth.guardMiddleware()` work.
/// Signed-out objects are never logged in.
extension ClerkAuth: Authenticatable {}
