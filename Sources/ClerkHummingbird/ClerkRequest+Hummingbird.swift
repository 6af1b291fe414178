public import ClerkBackend
public import Hummingbird
import HTTPTypes

/// Building the framework-neutral request from a Hummingbird request.
extension ClerkRequest {
    /// The framework-neutral request that ``ClerkAuthenticator`` passes to
    /// `ClerkClient.authenticateRequest(_:options:)`, built from a Hummingbird request.
    ///
    /// - The URL is `scheme://host/path?query`: the scheme Hummingbird reports for the connection (`http` when it
    ///   reports none), the host of the request's authority (HTTP/1's `Host` header, HTTP/2's `:authority`).
    ///   `X-Forwarded-Host`/`-Proto` are *not* applied here: `authenticateRequest` honours them only for the
    ///   proxies listed in `AuthenticateRequestOptions.trustedProxies`.
    /// - The header fields are Hummingbird's own (no copy), with `Host` added back when Hummingbird moved it into the
    ///   authority.
    ///
    /// Use it when you call `authenticateRequest` yourself instead of through ``ClerkAuthenticator``.
    ///
    /// - Parameters:
    ///   - request: the Hummingbird request.
    ///   - scheme: the public scheme (`http`/`https`) when it is not the one Hummingbird reports (Hummingbird reports
    ///     `http` for HTTP/1 even when it terminates TLS itself); `nil` uses Hummingbird's.
    ///   - remoteAddress: the IP address of the peer (the last proxy, if any), as text; `nil` when unknown.
    /// - Throws: `ClerkError` with code `invalidArgument` when the host is missing characters a host name can
    ///   have (a hostile `Host` header), so that no URL is built from it.
    public init(_ request: Request, scheme: String? = nil, remoteAddress: String? = nil) throws {
        try self.init(request, scheme: scheme, remoteAddress: remoteAddress, addingHost: true)
    }

    /// The same, without adding `Host` back when it is only the authority (`authenticateRequest` reads the host from
    /// the URL, never from the header fields: the authenticator's own requests skip the copy of the fields).
    init(_ request: Request, scheme: String?, remoteAddress: String?, addingHost: Bool) throws {
        let scheme = (scheme ?? request.head.scheme).map { $0 == "http" || $0 == "https" ? $0 : $0.lowercased() }
            .flatMap { $0 == "https" || $0 == "http" ? $0 : nil } ?? "http"
        // The Host field is read when it is the host (no authority) or may have to be added.
        let hostField = request.head.authority == nil || addingHost ? request.headers.firstValue(for: .hostHeader) : nil
        guard let host = ClerkRequest.validatedHost(request.head.authority ?? hostField ?? "localhost") else {
            throw ClerkError(.invalidArgument, "The request's Host is not a valid host name")
        }
        var fields = request.headers
        if hostField == nil, addingHost { fields.append(HTTPField(name: .hostHeader, value: host)) }
        // Appended into one reserved buffer (an interpolation grows its buffer as it goes).
        let path = ClerkRequestBuilding.pathAndQuery(of: request)
        var url = ""
        url.reserveCapacity(scheme.utf8.count + 3 + host.utf8.count + path.utf8.count)
        url += scheme
        url += "://"
        url += host
        url += path
        self.init(method: request.method, url: url, headerFields: fields, remoteAddress: remoteAddress)
    }
}

/// Helpers shared by the request conversion and the guards.
enum ClerkRequestBuilding {
    /// The request target as an origin-form path (`/path?query`).
    static func pathAndQuery(of request: Request) -> String {
        let raw = request.head.path ?? "/"
        return raw.hasPrefix("/") ? raw : "/" + raw
    }

    /// Percent-encodes everything but RFC 3986's unreserved characters (for a query parameter value).
    static func percentEncodeComponent(_ text: String) -> String {
        let hex: [Character] = Array("0123456789ABCDEF")
        var result = ""
        for byte in text.utf8 {
            let unreserved =
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            if unreserved {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result.append("%")
                result.append(hex[Int(byte >> 4)])
                result.append(hex[Int(byte & 0x0F)])
            }
        }
        return result
    }

    /// A page navigation by a browser (what Clerk's handshake treats as eligible): `GET`/`HEAD` with
    /// `Sec-Fetch-Dest: document` or `iframe`, or without `Sec-Fetch-Dest` and with `Accept: text/html…`.
    static func isPageNavigation(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        return ClerkRequest.isDocumentRequest(
            secFetchDest: request.headers.firstValue(for: .secFetchDest),
            accept: request.headers[.accept]
        )
    }
}
