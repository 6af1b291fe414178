public import ClerkBackend
public import Hummingbird
public import HummingbirdAuth
public import NIOCore

/// A request context that ``ClerkAuthenticator`` fills: the Clerk `ClerkBackend.ClerkAuth` as its `identity`, and
/// the whole `RequestState` (why a request is signed out, the headers Clerk wants on the response).
///
/// ``ClerkRequestContext`` is a ready-made one. Your own context can adopt it too:
///
/// ```swift
/// struct AppContext: ClerkAuthRequestContext, RemoteAddressRequestContext {
///     var coreContext: CoreRequestContextStorage
///     var identity: ClerkAuth?
///     var clerkRequestState: RequestState?
///     let remoteAddress: SocketAddress?
///     init(source: ApplicationRequestContextSource) {
///         coreContext = .init(source: source)
///         remoteAddress = source.channel.remoteAddress
///     }
/// }
/// ```
///
/// Any `AuthRequestContext` whose `Identity` is `ClerkAuth` works with ``ClerkAuthenticator``; adopting this
/// protocol adds the request state, which the guards use to say *why* a request was refused (on development
/// instances).
public protocol ClerkAuthRequestContext: AuthRequestContext where Identity == ClerkAuth {
    /// The outcome of `authenticateRequest` for this request; `nil` until ``ClerkAuthenticator`` ran.
    var clerkRequestState: RequestState? { get set }
}

extension ClerkAuthRequestContext {
    /// The Auth object of this request, signed in or not: the `identity` when authenticated, else the signed-out
    /// (or unauthenticated machine) object of the request state. Its `has(…)` is `false` when signed out.
    public var auth: ClerkAuth {
        identity ?? clerkRequestState?.toAuth() ?? .signedOut()
    }
}

/// The request context for Clerk-authenticated Hummingbird apps.
///
/// ```swift
/// let router = Router(context: ClerkRequestContext.self)
/// router.add(middleware: ClerkAuthenticator(client: clerk))
/// router.get("me") { _, context in context.identity?.userID ?? "signed out" }
/// ```
///
/// - `identity`: the `ClerkAuth` of an authenticated request (a signed-in session, or an accepted machine token),
///   `nil` otherwise, so hummingbird-auth's `IsAuthenticatedMiddleware` and `requireIdentity()` work as usual.
/// - `clerkRequestState`: the full `RequestState`.
/// - `remoteAddress`: the peer's address (from the channel), which ``ClerkAuthenticator`` passes on so that
///   `trustedProxies` can be checked; the `TracingMiddleware` records it too.
public struct ClerkRequestContext: ClerkAuthRequestContext, RemoteAddressRequestContext, RequestContext {
    /// Hummingbird's own storage.
    public var coreContext: CoreRequestContextStorage
    /// The authenticated Clerk identity; `nil` when the request is not authenticated.
    public var identity: ClerkAuth?
    /// The outcome of `authenticateRequest`, once ``ClerkAuthenticator`` ran.
    public var clerkRequestState: RequestState?
    /// The address of the connected peer, when the channel knows it.
    public let remoteAddress: SocketAddress?

    /// Creates the context for one request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
        clerkRequestState = nil
        remoteAddress = source.channel.remoteAddress
    }
}
