public import ClerkBackend
import HTTPTypes
import NIOCore
public import Vapor

/// Serves Clerk's Frontend API through your app: requests under the proxy path (`/__clerk/*`) are forwarded to the
/// instance's Frontend API by `ClerkFrontendAPIProxy` (headers Clerk requires, streamed bodies, never another host);
/// every other request goes on down the chain. The `frontendApiProxy` option of `@clerk/express`.
///
/// ```swift
/// var vapor = ClerkVaporOptions()
/// vapor.frontendAPIProxyPath = "/__clerk"        // also the proxyURL of ClerkMiddleware's authenticateRequest
/// try app.clerk.configure(options: options, vapor: vapor)
/// app.middleware.use(ClerkFrontendAPIProxyMiddleware())
/// ```
///
/// Register it with `app.middleware.use` (before routing, so no route is needed and bodies stream), and set the same
/// proxy URL in the Clerk Dashboard and in your frontend (`proxyUrl` of clerk-js).
public struct ClerkFrontendAPIProxyMiddleware: AsyncMiddleware {
    private let proxy: ClerkFrontendAPIProxy?

    /// The proxy of the application's configuration (``ClerkVaporOptions/frontendAPIProxyPath``).
    public init() { proxy = nil }

    /// A proxy of your own (another path, client or Frontend API URL).
    public init(proxy: ClerkFrontendAPIProxy) { self.proxy = proxy }

    /// Forwards requests under the proxy path; passes every other request on.
    public func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let configuration = try? request.application.clerk.configuration()
        // Without a proxy of its own the middleware needs the app's configuration: its absence is an error, not a
        // silent pass-through.
        guard let proxy = try proxy ?? (configuration ?? request.application.clerk.configuration()).frontendAPIProxy,
            proxy.matches(path: request.url.path)
        else {
            return try await next.respond(to: request)
        }
        let clerkRequest = try ClerkRequest(vapor: request, publicOrigin: configuration?.options.publicOrigin)
        let hasBody = (request.headers.first(name: .contentLength).flatMap(Int.init) ?? 0) > 0
            || request.headers.contains(name: .transferEncoding)
        let result: ClerkFrontendAPIProxy.Response
        if hasBody {
            result = await proxy.forward(clerkRequest, body: request.body)
        } else {
            result = await proxy.forward(clerkRequest, body: AsyncStream<ByteBuffer> { $0.finish() })
        }
        var headers = HTTPHeaders()
        var length: Int?
        for field in result.headerFields {
            if field.name == .contentLength {
                length = Int(field.value)
                continue
            }
            headers.add(name: field.name.rawName, value: field.value)
        }
        let response = Response(status: HTTPResponseStatus(statusCode: result.status.code), headers: headers)
        if let upstream = result.body {
            response.body = Response.Body(asyncStream: { writer in
                for try await chunk in upstream { try await writer.write(.buffer(chunk)) }
                try await writer.write(.end)
            }, count: length ?? -1)
        } else if let error = result.errorBody {
            response.body = Response.Body(data: error)
        }
        return response
    }
}
