#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import AsyncHTTPClient
public import HTTPTypes
public import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Forwards your app's `/__clerk/*` requests to your instance's Frontend API: the `clerkFrontendApiProxy` of
/// `@clerk/backend` (Clerk's "proxy" setup, where the browser talks to Clerk through your own domain).
///
/// For a request to `<proxy path>/<rest>` it sends `<rest>` and the query to the instance's Frontend API, with every
/// header but the hop-by-hop ones and `Host`, plus the ones Clerk requires of a proxy: `Clerk-Proxy-Url` (the public
/// URL of the proxy path), `Clerk-Secret-Key`, and the client's address in `X-Forwarded-For`. Request and response
/// bodies are streamed, not buffered; a redirect to the Frontend API's own host is rewritten to go through the proxy.
///
/// **Not an open proxy.** The target is always the instance's Frontend API (from the publishable key, or
/// `frontendAPIURL`); nothing in the request can change the host, and a path that is not under the proxy path is
/// refused. `X-Forwarded-For` comes from the socket peer, or from the request's own header only when the peer is one
/// of `trustedProxies`.
///
/// The integrations wrap it (ClerkVapor's `ClerkFrontendAPIProxyMiddleware`, ClerkHummingbird's
/// `ClerkFrontendAPIProxyMiddleware`); set the same path as ``AuthenticateRequestOptions/proxyURL`` (`/__clerk`) so that
/// handshakes go through the proxy too, and the proxy URL in the Clerk Dashboard.
public struct ClerkFrontendAPIProxy: Sendable {
    /// The path prefix served by the proxy, without a trailing slash (`/__clerk`).
    public let path: String
    /// Where requests go: the Frontend API's base URL.
    public let frontendAPIURL: URL
    /// The value of the `Host` header upstream (the Frontend API's host).
    public let frontendAPIHost: String
    /// Peers whose `X-Forwarded-For` is believed.
    public let trustedProxies: TrustedProxies
    /// The largest request body forwarded, in bytes (default 10 MiB); a larger one is answered `413`.
    public let maxRequestBodyBytes: Int
    /// How long one proxied exchange may take until the response head arrives (default: the client's
    /// ``ClerkOptions/requestTimeout``).
    public let timeout: Duration
    let secretKey: Secret
    let httpClient: HTTPClient

    /// A proxy for `client`'s instance.
    ///
    /// - Parameters:
    ///   - client: supplies the secret key, the publishable key (which names the Frontend API) and the timeout.
    ///   - path: the path prefix (default `/__clerk`).
    ///   - frontendAPIURL: where to send requests, when not the one the publishable key implies: Clerk's
    ///     `https://frontend-api.clerk.dev` for production and development instances, or, for an emulator's key
    ///     (`clerk.emulator.localhost:<port>`), `http://127.0.0.1:<port>` with that `Host`.
    ///   - trustedProxies: peers allowed to set `X-Forwarded-For` (default: none).
    ///   - maxRequestBodyBytes: the largest request body forwarded.
    ///   - httpClient: the client to send with; by default a process-wide one that neither follows redirects nor
    ///     decompresses (bodies pass through as they are).
    /// - Throws: ``ClerkError`` (``ClerkError/Code/invalidConfiguration``) without a secret key, without a valid
    ///   publishable key (and no `frontendAPIURL`), or with a path that is not `/` followed by path characters.
    public init(
        client: ClerkClient, path: String = "/__clerk", frontendAPIURL: URL? = nil, trustedProxies: TrustedProxies = .none,
        maxRequestBodyBytes: Int = 10 << 20, httpClient: HTTPClient? = nil
    ) throws {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard path.hasPrefix("/"), path.count > 1, !path.contains("?"), !path.contains("#"), !path.contains("..") else {
            throw ClerkError(.invalidConfiguration, "the Frontend API proxy path must look like /__clerk")
        }
        guard let secretKey = client.options.secretKey, !secretKey.revealed.isEmpty else {
            throw ClerkError(.invalidConfiguration, "the Frontend API proxy needs the secret key (CLERK_SECRET_KEY)")
        }
        let target: URL
        let host: String
        if let frontendAPIURL {
            guard let parsedHost = frontendAPIURL.host, ["http", "https"].contains(frontendAPIURL.scheme ?? "") else {
                throw ClerkError(.invalidConfiguration, "frontendAPIURL must be an absolute http(s) URL")
            }
            target = frontendAPIURL
            host = frontendAPIURL.port.map { "\(parsedHost):\($0)" } ?? parsedHost
        } else {
            guard let key = client.parsedPublishableKey, let frontendAPI = Self.frontendAPI(for: key.frontendAPI) else {
                throw ClerkError(
                    .invalidConfiguration, "the Frontend API proxy needs a valid publishable key (CLERK_PUBLISHABLE_KEY)"
                )
            }
            (target, host) = frontendAPI
        }
        self.path = path
        self.frontendAPIURL = target
        self.frontendAPIHost = host
        self.trustedProxies = trustedProxies
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.timeout = client.options.requestTimeout
        self.secretKey = secretKey
        self.httpClient = httpClient ?? sharedProxyClient
    }

    /// The base URL and `Host` of the Frontend API for a publishable key's host, as `@clerk/backend` derives them:
    /// Clerk's shared Frontend API host for its own instances (staging and local hosts have their own), and loopback
    /// for `*.localhost` hosts (an emulator), which resolve to loopback by definition.
    static func frontendAPI(for keyHost: String) -> (URL, String)? {
        let bare = keyHost.split(separator: ":").first.map(String.init) ?? keyHost
        if bare == "localhost" || bare.hasSuffix(".localhost") {
            let port = keyHost.split(separator: ":").dropFirst().first.map(String.init) ?? "80"
            guard let portNumber = UInt16(port), let url = URL(string: "http://127.0.0.1:\(portNumber)") else { return nil }
            return (url, keyHost)
        }
        let stagingSuffixes = [".lclstage.dev", ".stgstage.dev", ".clerkstage.dev", ".accountsstage.dev"]
        let localSuffixes = [".lcl.dev", ".lclclerk.com"]
        let base: String
        if stagingSuffixes.contains(where: bare.hasSuffix) {
            base = "frontend-api.clerkstage.dev"
        } else if localSuffixes.contains(where: bare.hasSuffix) {
            base = "frontend-api.lclclerk.com"
        } else {
            base = "frontend-api.clerk.dev"
        }
        return URL(string: "https://" + base).map { ($0, base) }
    }

    /// Whether a request path (without the query) is served by the proxy: the path itself or anything under it.
    public func matches(path requestPath: some StringProtocol) -> Bool {
        requestPath == path || (requestPath.hasPrefix(path) && requestPath.dropFirst(path.count).hasPrefix("/"))
    }

    /// A proxied answer: status and headers to send, and the body to stream.
    public struct Response: Sendable {
        /// The Frontend API's status.
        public var status: HTTPResponse.Status
        /// The headers to send (hop-by-hop ones removed, `Location` rewritten to the proxy).
        public var headerFields: HTTPFields
        /// The body, streamed from the Frontend API; `nil` for the proxy's own error answers (see ``errorBody``).
        public var body: Body?
        /// The JSON of the proxy's own error answer (`proxy_configuration_error`, `proxy_path_mismatch`,
        /// `proxy_request_failed`, `request_body_too_large`), when ``body`` is `nil`.
        public var errorBody: Data?
    }

    /// A response body streamed from the Frontend API, chunk by chunk, as it arrives.
    public struct Body: AsyncSequence, Sendable {
        /// A chunk of the body.
        public typealias Element = ByteBuffer
        let base: HTTPClientResponse.Body

        /// Iterates the chunks.
        public struct AsyncIterator: AsyncIteratorProtocol {
            var base: HTTPClientResponse.Body.AsyncIterator

            /// The next chunk, `nil` at the end; throws when the Frontend API's connection fails midway.
            public mutating func next() async throws -> ByteBuffer? { try await base.next() }
        }

        /// Starts the iteration (once: the body is read from the network).
        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator()) }
    }

    /// Forwards `request` with its body and answers what the Frontend API answered. Never throws: a request that
    /// cannot be forwarded gets an error answer in Clerk's format (`400` outside the proxy path, `413` past
    /// ``maxRequestBodyBytes``, `502` when the Frontend API cannot be reached).
    ///
    /// - Parameters:
    ///   - request: the request as the integration saw it (its URL is the public one).
    ///   - body: the request body, streamed; pass an empty sequence for none.
    public func forward<RequestBody: AsyncSequence & Sendable>(_ request: ClerkRequest, body: RequestBody) async -> Response
    where RequestBody.Element == ByteBuffer {
        guard let components = URLComponents(string: request.url), matches(path: components.percentEncodedPath) else {
            return Self.error(400, "proxy_path_mismatch", "The request path is not under the Frontend API proxy path \(path).")
        }
        let rest = components.percentEncodedPath.dropFirst(path.count)
        var base = frontendAPIURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        let query = components.percentEncodedQuery.map { "?" + $0 } ?? ""
        let targetText = base + (rest.isEmpty ? "/" : String(rest)) + query
        // Concatenation keeps the authority: a path such as //evil.example stays a path of the Frontend API.
        guard let target = URL(string: targetText), target.host == frontendAPIURL.host, target.port == frontendAPIURL.port else {
            return Self.error(400, "proxy_path_mismatch", "The request path cannot be forwarded.")
        }
        if let length = request.headerFields[.contentLength].flatMap(Int.init), length > maxRequestBodyBytes {
            return Self.error(413, "request_body_too_large", "The request body is larger than the proxy forwards.")
        }
        let publicOrigin = (components.scheme ?? "https") + "://" + (components.percentEncodedHost ?? "")
            + (components.port.map { ":\($0)" } ?? "")
        let proxyURL = publicOrigin + path

        var outgoing = HTTPClientRequest(url: target.absoluteString)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        var headers = HTTPHeaders()
        let connectionListed = Set(
            request.headerFields[values: .connection].flatMap { $0.split(separator: ",") }
                .map { (part: Substring) in String(part).trimmed.lowercased() }
        )
        for field in request.headerFields {
            let name = field.name.canonicalName
            if Self.hopByHop.contains(name) || connectionListed.contains(name) || Self.replaced.contains(name) { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        headers.add(name: "Host", value: frontendAPIHost)
        headers.add(name: ClerkConstants.Headers.clerkProxyURL, value: proxyURL)
        headers.add(name: ClerkConstants.Headers.clerkSecretKey, value: secretKey.revealed)
        if let client = clientAddress(of: request) { headers.add(name: "X-Forwarded-For", value: client) }
        if let host = components.percentEncodedHost {
            headers.add(name: "X-Forwarded-Host", value: host + (components.port.map { ":\($0)" } ?? ""))
        }
        headers.add(name: "X-Forwarded-Proto", value: components.scheme ?? "https")
        outgoing.headers = headers
        if [.post, .put, .patch, .delete].contains(request.method) {
            let length = request.headerFields[.contentLength].flatMap(Int.init)
            let limited = LimitedBody(base: body, limit: maxRequestBodyBytes)
            outgoing.body = .stream(limited, length: length.map { .known(Int64($0)) } ?? .unknown)
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(outgoing, timeout: .nanoseconds(timeout.nanoseconds))
        } catch is BodyTooLarge {
            return Self.error(413, "request_body_too_large", "The request body is larger than the proxy forwards.")
        } catch {
            return Self.error(502, "proxy_request_failed", "The Frontend API could not be reached through the proxy.")
        }
        var fields = HTTPFields()
        for (name, value) in response.headers {
            let lower = name.lowercased()
            if Self.hopByHop.contains(lower) { continue }
            guard let fieldName = HTTPField.Name(name) else { continue }
            if lower == "location", let rewritten = rewriteLocation(value, proxyURL: proxyURL) {
                fields.append(HTTPField(name: fieldName, value: rewritten))
            } else {
                fields.append(HTTPField(name: fieldName, value: value))
            }
        }
        return Response(status: HTTPResponse.Status(code: Int(response.status.code)), headerFields: fields, body: Body(base: response.body))
    }

    /// A `Location` on the Frontend API's host, sent back through the proxy; any other left as it is.
    func rewriteLocation(_ location: String, proxyURL: String) -> String? {
        guard let url = URL(string: location, relativeTo: frontendAPIURL)?.absoluteURL,
            let components = URLComponents(url: url, resolvingAgainstBaseURL: true),
            components.host == frontendAPIURL.host, components.port == frontendAPIURL.port
        else { return nil }
        return proxyURL + components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
            + (components.percentEncodedFragment.map { "#" + $0 } ?? "")
    }

    /// The client's address: the socket peer, or the first `X-Forwarded-For` entry when the peer is trusted.
    func clientAddress(of request: ClerkRequest) -> String? {
        if trustedProxies.trusts(request.remoteAddress),
            let forwarded = request.headerFields[.xForwardedFor]?.split(separator: ",").first
        {
            let first = String(forwarded).trimmed
            if !first.isEmpty { return first }
        }
        return request.remoteAddress
    }

    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
        "transfer-encoding", "upgrade",
    ]
    /// Request headers the proxy sets itself (a client cannot choose them).
    static let replaced: Set<String> = [
        "host", "clerk-proxy-url", "clerk-secret-key", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto",
    ]

    static func error(_ status: Int, _ code: String, _ message: String) -> Response {
        let body = ClerkErrorBody.error(status: HTTPResponse.Status(code: status), code: code, message: message, longMessage: message)
        return Response(
            status: body.status, headerFields: [.contentType: "application/json; charset=utf-8", .cacheControl: "no-store"],
            body: nil, errorBody: body.json
        )
    }
}

/// Thrown by ``LimitedBody`` past its limit.
struct BodyTooLarge: Error {}

/// A request body that fails once more than `limit` bytes went through.
struct LimitedBody<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ByteBuffer {
    typealias Element = ByteBuffer
    let base: Base
    let limit: Int

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        let limit: Int
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw BodyTooLarge() }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit) }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("x-forwarded-for")!
}

/// The proxy's client: no redirects (the browser follows them through the proxy), no decompression (bodies and their
/// `Content-Encoding` pass through unchanged), never shut down.
private let sharedProxyClient: HTTPClient = {
    var configuration = HTTPClient.Configuration(
        certificateVerification: .fullVerification, redirectConfiguration: .disallow,
        timeout: .init(connect: .seconds(10), read: .seconds(90)), connectionPool: .seconds(600), proxy: nil,
        ignoreUncleanSSLShutdown: false, decompression: .disabled, backgroundActivityLogger: nil
    )
    configuration.httpVersion = .automatic
    // A refused connection is answered 502 at once rather than retried for the whole connect timeout.
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(
        eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration,
        backgroundActivityLogger: ClerkOptions.disabledLogger
    )
}()
