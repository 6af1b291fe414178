#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
public import HTTPTypes

/// A framework-neutral HTTP request, as ``ClerkClient/authenticateRequest(_:options:)`` reads it.
///
/// Framework integrations build it from their own request type; you can too:
/// ```swift
/// let request = ClerkRequest(method: .get, url: "https://app.example.com/dashboard", headers: [
///     ("Cookie", "__session=…; __client_uat=1700000000"), ("Sec-Fetch-Dest", "document"),
/// ])
/// ```
public struct ClerkRequest: Sendable {
    /// The HTTP method.
    public var method: HTTPRequest.Method
    /// The absolute URL the request was made to (scheme, host, path and query), as the server sees it.
    public var url: String
    /// Every request header field.
    public var headerFields: HTTPFields
    /// The address of the peer that sent the request (the last proxy, if any). `X-Forwarded-*` headers are honoured
    /// only when this address is one of the configured trusted proxies.
    public var remoteAddress: String?

    /// Creates a request from its method, absolute URL and header fields.
    public init(method: HTTPRequest.Method = .get, url: String, headerFields: HTTPFields = [:], remoteAddress: String? = nil) {
        self.method = method
        self.url = url
        self.headerFields = headerFields
        self.remoteAddress = remoteAddress
    }

    /// Creates a request with header names given as strings (convenient in tests and scripts); a name that is not a
    /// valid HTTP field name is left out.
    public init(method: HTTPRequest.Method = .get, url: String, headers: [(String, String)], remoteAddress: String? = nil) {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        self.init(method: method, url: url, headerFields: fields, remoteAddress: remoteAddress)
    }

    /// A request from its path and query, with the scheme the server listens on and the host from the `Host` header.
    public init(
        method: HTTPRequest.Method, pathAndQuery: String, scheme: String, headerFields: HTTPFields, remoteAddress: String? = nil
    ) {
        let host = headerFields.firstValue(for: .hostHeader) ?? "localhost"
        let path = pathAndQuery.hasPrefix("/") ? pathAndQuery : "/" + pathAndQuery
        self.init(method: method, url: "\(scheme)://\(host)\(path)", headerFields: headerFields, remoteAddress: remoteAddress)
    }

    /// The largest value read from any header (longer ones are ignored).
    static let maxHeaderValueBytes = 16 * 1024

    /// A header value (the first one), ignoring over-long values.
    func header(_ name: HTTPField.Name) -> String? {
        guard let value = headerFields.firstValue(for: name), value.utf8.count <= ClerkRequest.maxHeaderValueBytes
        else { return nil }
        return value
    }

    /// The cookies, parsed per RFC 6265 and percent-decoded per value; the first occurrence of a name wins.
    /// Each `Cookie` header is split at `;` only (a `,` belongs to the value, as in the reference's parser).
    func parseCookies() -> [String: String] {
        CookieParser.parse(headers: headerFields[values: .cookie], maxValueBytes: ClerkRequest.maxHeaderValueBytes)
    }

    /// Clerk's cookies only: those whose name starts with `__` (the others are skipped without building strings).
    func parseClerkCookies() -> [String: String] {
        guard headerFields.contains(.cookie) else { return [:] }
        return CookieParser.parse(headers: headerFields[values: .cookie], maxValueBytes: ClerkRequest.maxHeaderValueBytes, namePrefix: "__")
    }

    /// The token of the `Authorization` header: `Bearer <token>`, or a scheme-less value; `nil` for other schemes.
    func tokenInHeader() -> String? {
        guard var value = header(.authorization) else { return nil }
        // One pass over the bytes; a new string only for the token itself.
        return value.withUTF8 { bytes -> String? in
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
            var start = 0
            var end = bytes.count
            while start < end, isSpace(bytes[start]) { start += 1 }
            while end > start, isSpace(bytes[end - 1]) { end -= 1 }
            guard start < end else { return nil }
            var space = start
            while space < end, bytes[space] != UInt8(ascii: " ") { space += 1 }
            if space < end {
                // `<scheme> <token>`: only `Bearer` is a session or machine token.
                let bearer: [UInt8] = [0x42, 0x65, 0x61, 0x72, 0x65, 0x72]
                guard space - start == 6, (0..<6).allSatisfy({ bytes[start + $0] == bearer[$0] }) else { return nil }
                start = space + 1
                while start < end, isSpace(bytes[start]) { start += 1 }
                guard start < end else { return nil }
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        }
    }
}

extension HTTPFields {
    /// The value of the first field called `name`, found without building the array `self[fields:]` makes.
    package func firstValue(for name: HTTPField.Name) -> String? {
        firstIndex { $0.name == name }.map { self[$0].value }
    }
}

extension HTTPField.Name {
    /// Field names the SDK reads or writes that swift-http-types does not name (`package`: the integrations use them).
    package static let hostHeader = HTTPField.Name("Host")!
    package static let secFetchDest = HTTPField.Name("Sec-Fetch-Dest")!
    static let xForwardedHost = HTTPField.Name("X-Forwarded-Host")!
    static let xForwardedProto = HTTPField.Name("X-Forwarded-Proto")!
    static let cloudfrontForwardedProto = HTTPField.Name("CloudFront-Forwarded-Proto")!
    package static let clerkAuthStatus = HTTPField.Name("x-clerk-auth-status")!
    static let clerkAuthReason = HTTPField.Name("x-clerk-auth-reason")!
    static let clerkAuthMessage = HTTPField.Name("x-clerk-auth-message")!
}

extension ClerkRequest {
    /// Whether a request is a browser loading a page into a window or a frame: `Sec-Fetch-Dest: document` or
    /// `iframe`, or, from a browser that sends no `Sec-Fetch-Dest`, an `Accept` header starting with `text/html`.
    /// This is the test Clerk's handshake applies (with `GET`); the guards of ClerkVapor and ClerkHummingbird use it
    /// (with `GET` or `HEAD`) to choose between a redirect to sign-in and a `401`.
    public static func isDocumentRequest(secFetchDest: String?, accept: String?) -> Bool {
        if let destination = secFetchDest?.lowercased() {
            return destination == "document" || destination == "iframe"
        }
        return accept?.lowercased().hasPrefix("text/html") ?? false
    }
}

extension ClerkRequest {
    /// The text without leading and trailing spaces and tabs (on bytes: this runs for every request).
    static func trimmingSpaces(_ text: String) -> String {
        let utf8 = text.utf8
        guard let first = utf8.first, let last = utf8.last, first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        else { return text }
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, utf8[start] == 0x20 || utf8[start] == 0x09 { start = utf8.index(after: start) }
        while end > start, utf8[utf8.index(before: end)] == 0x20 || utf8[utf8.index(before: end)] == 0x09 {
            end = utf8.index(before: end)
        }
        return String(text[start..<end])
    }

    /// The value, without surrounding spaces, when it is a plausible `host[:port]` (letters, digits, `-._`, an IPv6
    /// literal in brackets, an optional port up to 65535), else `nil`: a hostile `Host` or `X-Forwarded-Host` header
    /// never reaches a URL the SDK builds. The integrations check the `Host` of every request with it.
    public static func validatedHost(_ value: String) -> String? {
        let host = ClerkRequest.trimmingSpaces(value)
        guard !host.isEmpty, host.utf8.count <= 261 else { return nil }
        // One pass over the bytes: the allowed characters, brackets, and the usual `name[:port]` shape.
        enum Verdict { case host, refused, unusual }
        let verdict = host.utf8.withContiguousStorageIfAvailable { bytes -> Verdict in
            var hasBracket = false
            var colons = 0
            var nameLength = 0
            var port = 0
            var portDigits = 0
            var portIsNumeric = true
            for byte in bytes {
                switch byte {
                case 0x61...0x7A, 0x41...0x5A, 0x30...0x39, 0x2D, 0x2E, 0x5F:
                    if colons == 0 {
                        nameLength += 1
                    } else if colons == 1 {
                        if byte >= 0x30 && byte <= 0x39, portDigits < 5 {
                            port = port * 10 + Int(byte - 0x30)
                        } else {
                            portIsNumeric = false
                        }
                        portDigits += 1
                    }
                case 0x3A: colons += 1
                case 0x5B, 0x5D: hasBracket = true
                default: return .refused
                }
            }
            // An IPv6 literal (brackets) goes through URLComponents.
            if hasBracket { return .unusual }
            if colons == 0, nameLength > 0 { return .host }
            if colons == 1, nameLength > 0, (1...5).contains(portDigits), portIsNumeric, port <= 65_535 { return .host }
            if colons >= 2 { return .refused }
            return .unusual
        }
        switch verdict {
        case .host?: return host
        case .refused?: return nil
        case .unusual?: break
        case nil:
            // Not contiguous UTF-8 (a bridged string): the same check on a native copy.
            var native = host
            native.makeContiguousUTF8()
            return validatedHost(native)
        }
        guard let components = URLComponents(string: "http://\(host)"), let parsed = components.host, !parsed.isEmpty,
            components.path.isEmpty, components.user == nil
        else { return nil }
        if let port = components.port, !(0...65_535).contains(port) { return nil }
        return host
    }
}
