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

    init(state: RequestState, auth: ClerkAuth, client: ClerkClient, middlewareIDs: Set<ObjectIdentifier>) {
        self.state = state
        self.auth = auth
        self.client = client
        self.middlewareIDs = middlewareIDs
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
        /// `@clerk/express`): useful after a ``ClerkMiddleware`` that accepts more types than this route. A token of
        /// another type reads as signed out (see `ClerkAuth.forAcceptedToken(_:)`).
        public func auth(acceptsToken: AcceptsToken) -> ClerkAuth { auth.forAcceptedToken(acceptsToken) }

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
