public import Foundation
import HTTPTypes
public import Vapor

/// Building the framework-neutral request from a Vapor request.
extension ClerkRequest {
    /// The request as `authenticateRequest` reads it: method, absolute URL, every header and the socket peer's
    /// address (never a forwarded one: `X-Forwarded-*` are judged by `authenticateRequest` against
    /// `AuthenticateRequestOptions.trustedProxies`).
    ///
    /// The URL is `<origin><path and query>`. The origin is `publicOrigin` when given; otherwise the scheme is
    /// `https` when the server has TLS configured (else `http`) and the host is the `Host` header, or the server's
    /// configured hostname and port when the header is missing or is not a valid host.
    ///
    /// - Throws: `Abort(.badRequest)` when the request target cannot form a URL (a control character, an
    ///   unparsable target…), and `Abort(.internalServerError)` for an unusable `publicOrigin`.
    public init(vapor request: Request, publicOrigin: URL? = nil) throws {
        let origin: String
        if let publicOrigin {
            guard let parsed = ClerkRequest.origin(ofAbsoluteURL: publicOrigin.absoluteString) else {
                request.logger.error("ClerkVaporOptions.publicOrigin is not an absolute http(s) origin")
                throw Abort(.internalServerError, reason: "Clerk is misconfigured")
            }
            origin = parsed
        } else {
            let configuration = request.application.http.server.configuration
            let scheme = configuration.tlsConfiguration == nil ? "http" : "https"
            let host =
                request.headers.first(name: .host).flatMap(ClerkRequest.validatedHost)
                ?? request.url.host.flatMap { host in
                    ClerkRequest.validatedHost(request.url.port.map { "\(host):\($0)" } ?? host)
                }
                ?? ClerkRequest.validatedHost(ClerkRequest.hostAndPort(configuration.hostname, configuration.port))
                ?? "localhost"
            origin = "\(scheme)://\(host)"
        }
        guard let pathAndQuery = ClerkRequest.pathAndQuery(of: request.url.string) else {
            throw Abort(.badRequest, reason: "The request target is not a valid URL")
        }
        let url = origin + pathAndQuery
        // A plain http(s) URL is checked without URLComponents (microseconds per request); others go through it.
        if SimpleURL(url) == nil {
            guard let components = URLComponents(string: url), components.host?.isEmpty == false else {
                throw Abort(.badRequest, reason: "The request target is not a valid URL")
            }
        }
        guard let method = HTTPRequest.Method(request.method.rawValue) else {
            throw Abort(.badRequest, reason: "The request method is not a valid HTTP method")
        }
        self.init(
            method: method, url: url, headerFields: HTTPFields(request.headers),
            remoteAddress: request.remoteAddress?.ipAddress
        )
    }

    /// The path and query of a request target (origin form `/a?b`, or absolute form `http://h/a?b`), without any
    /// fragment; `nil` when it has control characters or spaces or cannot be parsed.
    static func pathAndQuery(of target: String) -> String? {
        guard target.utf8.count <= 16 * 1024, target.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        var target = Substring(target)
        if let hash = target.firstIndex(of: "#") { target = target[..<hash] }
        if target.hasPrefix("/") { return String(target) }
        if target == "*" || target.isEmpty { return "/" }
        guard let components = URLComponents(string: String(target)), components.scheme != nil else { return nil }
        let path = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
        guard path.hasPrefix("/") else { return nil }
        return path + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// `scheme://host[:port]` of an absolute http(s) URL.
    static func origin(ofAbsoluteURL text: String) -> String? {
        guard let components = URLComponents(string: text.trimmingCharacters(in: .whitespaces)),
            let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = components.host, !host.isEmpty, components.user == nil, components.password == nil
        else { return nil }
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(scheme)://\(hostPart)" + (components.port.map { ":\($0)" } ?? "")
    }

    /// `host` or `host:port`, bracketing IPv6 addresses.
    static func hostAndPort(_ host: String, _ port: Int) -> String {
        let hostPart = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(hostPart):\(port)"
    }
}
