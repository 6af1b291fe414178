public import ClerkBackend
public import Hummingbird
import HTTPTypes
import NIOCore

/// Serves Clerk's Frontend API through your app: requests under the proxy path (`/__clerk/*`) are forwarded to the
/// instance's Frontend API by `ClerkFrontendAPIProxy` (headers Clerk requires, streamed bodies, never another host);
/// every other request goes on down the chain. The `frontendApiProxy` option of `@clerk/express`.
///
/// ```swift
/// let proxy = try ClerkFrontendAPIProxy(client: clerk)                      // /__clerk
/// router.add(middleware: ClerkFrontendAPIProxyMiddleware(proxy: proxy))
/// router.add(middleware: ClerkAuthenticator(client: clerk, options: .init(proxyURL: URL(string: proxy.path))))
/// ```
///
/// Add it before ``ClerkAuthenticator`` (proxied requests need no authentication of their own), and set the same proxy
/// URL as the authenticator's `proxyURL`, in the Clerk Dashboard and in your frontend (`proxyUrl` of clerk-js). The
/// client address comes from the context when it is a `RemoteAddressRequestContext`.
public struct ClerkFrontendAPIProxyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The proxy.
    public let proxy: ClerkFrontendAPIProxy
    /// The scheme clients use to reach this server, when it is not the one Hummingbird reports (see
    /// ``ClerkAuthenticator/scheme``).
    public let scheme: String?

    /// How this context type gives its peer address, found once.
    let contextAccess = ContextAccess<Context>()

    /// Creates the middleware.
    public init(proxy: ClerkFrontendAPIProxy, scheme: String? = nil, context: Context.Type = Context.self) {
        self.proxy = proxy
        self.scheme = scheme
    }

    /// Forwards requests under the proxy path; passes every other request on.
    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard proxy.matches(path: request.uri.path) else { return try await next(request, context) }
        let remoteAddress = contextAccess.remoteAddress?(context)?.ipAddress
        let clerkRequest: ClerkRequest
        do {
            clerkRequest = try ClerkRequest(request, scheme: scheme, remoteAddress: remoteAddress)
        } catch {
            throw HTTPError(.badRequest, message: "Invalid Host header")
        }
        let result = await proxy.forward(clerkRequest, body: request.body)
        var fields = HTTPFields()
        var length: Int?
        for field in result.headerFields {
            if field.name == .contentLength {
                length = Int(field.value)
            } else {
                fields.append(field)
            }
        }
        if let upstream = result.body {
            return Response(
                status: result.status, headers: fields,
                body: ResponseBody(contentLength: length) { writer in
                    for try await chunk in upstream { try await writer.write(chunk) }
                    try await writer.finish(nil)
                }
            )
        }
        return Response(
            status: result.status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: result.errorBody.map(Array.init) ?? []))
        )
    }

}
