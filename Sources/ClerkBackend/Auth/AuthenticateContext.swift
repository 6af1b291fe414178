#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes

/// Everything `authenticateRequest` derives from the request and the options before deciding. A class: it is built
/// once per request and shared by every step, never copied field by field.
final class AuthenticateContext: Sendable {
    let request: ClerkRequest
    let acceptsToken: AcceptsToken
    let verifyOptions: VerifyTokenOptions
    let publishableKey: PublishableKey?
    let isProduction: Bool
    let isSatellite: Bool
    let domain: String
    let proxyURL: String
    let signInURL: String
    let signUpURL: String
    let afterSignInURL: String
    let afterSignUpURL: String
    let satelliteAutoSync: Bool
    let organizationSync: OrganizationSyncOptions?
    let allowedRedirectOrigins: [String]
    let debugHeaders: Bool

    /// The public URL of the request, as text (scheme lower-cased).
    let clerkURLString: String
    /// The public URL of the request, parsed (on demand: only handshakes, satellites and organization sync need it).
    var clerkURL: URLComponents { URLComponents(string: clerkURLString) ?? URLComponents() }
    /// `scheme://host[:port]` of ``clerkURL``.
    let origin: String
    /// The query items of the URL, for looking up Clerk's `__clerk_*` parameters: empty when the query cannot name
    /// one (it has no `__` and no percent escape), so do not use it for other parameters.
    let clerkQueryItems: [URLQueryItem]
    /// The Frontend API (host, or absolute proxy URL).
    let frontendAPI: String
    /// The token issuer host expected for cookie selection.
    let expectedIssuerHost: String

    let cookies: [String: String]
    let tokenInHeader: String?
    let usesSuffixedCookies: Bool
    let cookieSuffix: String
    let sessionTokenInCookie: String?
    /// ``sessionTokenInCookie`` decoded, when the suffix decision already had to decode it (decode once).
    let decodedSessionCookie: DecodedJWT?
    let clientUat: Int64
    let devBrowserToken: String?
    let refreshTokenInCookie: String?
    let handshakeToken: String?
    let handshakeNonce: String?
    let redirectCount: Int

    var method: HTTPRequest.Method { request.method }
    var secFetchDest: String? { request.header(.secFetchDest) }
    var accept: String? { request.header(.accept) }
    var referrer: String? { request.header(.referer) }

    static let maxCookieBytes = 8 * 1024

    init(request: ClerkRequest, options: AuthenticateRequestOptions, client: ClerkClient) throws {
        // Read the client's options in place (a copy of `ClerkOptions` retains every one of its fields).
        let clientOptions = ClientOptionsView(client: client)
        self.request = request
        acceptsToken = options.acceptsToken
        verifyOptions = VerifyTokenOptions(
            authorizedParties: options.authorizedParties ?? clientOptions.authorizedParties,
            audience: options.audience ?? clientOptions.audience,
            clockSkew: options.clockSkew ?? clientOptions.clockSkew
        )
        isSatellite = options.isSatellite ?? clientOptions.isSatellite
        domain = options.domain ?? clientOptions.domain ?? ""
        signInURL = (options.signInURL ?? clientOptions.signInURL)?.absoluteString ?? ""
        signUpURL = (options.signUpURL ?? clientOptions.signUpURL)?.absoluteString ?? ""
        afterSignInURL = options.afterSignInURL?.absoluteString ?? ""
        afterSignUpURL = options.afterSignUpURL?.absoluteString ?? ""
        satelliteAutoSync = (options.satelliteAutoSync ?? clientOptions.satelliteAutoSync) == true
        organizationSync = options.organizationSyncOptions
        allowedRedirectOrigins = options.allowedRedirectOrigins

        // Pre-flight, in the reference's order.
        let machineOnly: Bool
        switch options.acceptsToken.kind {
        // As the reference, only `m2m_token` and `api_key` skip the publishable key (`oauth_token` does not).
        case .single(let type): machineOnly = type == .m2mToken || type == .apiKey
        default: machineOnly = false
        }
        let pkText = options.publishableKey ?? clientOptions.publishableKey ?? ""
        if let cached = client.parsedPublishableKey, options.publishableKey == nil || options.publishableKey == cached.key {
            publishableKey = cached
        } else if machineOnly {
            publishableKey = pkText.isEmpty ? nil : try? PublishableKey(pkText)
        } else {
            publishableKey = try PublishableKey(pkText)
        }
        isProduction = publishableKey?.isProduction ?? false
        let acceptsOnlyM2M = options.acceptsToken.kind == .single(.m2mToken)
        if acceptsOnlyM2M {
            let hasMachineKey = !(clientOptions.machineSecretKey?.isEmpty ?? true)
            let hasSecretKey = !(clientOptions.secretKey?.isEmpty ?? true)
            guard hasMachineKey || hasSecretKey else {
                throw ClerkError(.missingSecretKey, "Machine token authentication requires either a Machine secret key or a Clerk secret key. Ensure a Clerk secret key or Machine secret key is set.")
            }
        } else if clientOptions.secretKey?.isEmpty ?? true {
            throw ClerkError(.missingSecretKey, "Missing Clerk Secret Key. Go to https://dashboard.clerk.com and get your key for your instance.")
        }

        // The public URL, honouring forwarded headers only from trusted proxies. Plain http(s) URLs (the usual case)
        // are read without URLComponents; anything unusual (IDNA, IPv6, user info, odd characters) goes through it.
        let trusted = options.trustedProxies.trusts(request.remoteAddress)
        if !trusted, let simple = SimpleURL(request.url) {
            clerkURLString = simple.text
            origin = simple.origin
            clerkQueryItems = simple.mayHaveClerkParameters ? (URLComponents(string: simple.text)?.queryItems ?? []) : []
        } else {
            guard var url = URLComponents(string: request.url), let scheme = url.scheme?.lowercased(), url.host != nil else {
                throw ClerkError(.invalidArgument, "ClerkRequest.url must be an absolute URL")
            }
            url.scheme = scheme
            if trusted {
                let forwardedHost = request.header(.xForwardedHost).flatMap { $0.split(separator: ",").first?.trimmed }
                let forwardedProto = (request.header(.cloudfrontForwardedProto) ?? request.header(.xForwardedProto))
                    .flatMap { $0.split(separator: ",").first?.trimmed.lowercased() }
                let validProto = forwardedProto.flatMap { $0 == "http" || $0 == "https" ? $0 : nil }
                if let host = forwardedHost, !host.isEmpty {
                    let proto = validProto ?? scheme
                    if ClerkRequest.validatedHost(host) == host, let rebuilt = URLComponents(string: "\(proto)://\(host)"),
                        rebuilt.host != nil
                    {
                        url.scheme = proto
                        url.host = rebuilt.host
                        url.port = rebuilt.port
                    }
                } else if let validProto {
                    // A proxy that terminates TLS and keeps the Host header sends only X-Forwarded-Proto.
                    url.scheme = validProto
                }
            }
            clerkURLString = url.string ?? request.url
            origin = AuthenticateContext.origin(of: url)
            clerkQueryItems = url.queryItems ?? []
        }

        // Proxy URL (relative ones resolve against the request origin).
        var proxy = (options.proxyURL ?? clientOptions.proxyURL)?.absoluteString ?? ""
        if proxy.hasPrefix("/") { proxy = origin + proxy }
        while proxy.hasSuffix("/") { proxy.removeLast() }
        proxyURL = proxy

        // Satellite assertions.
        if isSatellite && !acceptsOnlyM2M {
            let secret = clientOptions.secretKey?.revealed ?? ""
            let devSecret = secret.hasPrefix("sk_test_") || secret.hasPrefix("test_")
            if devSecret && signInURL.isEmpty {
                throw ClerkError(.invalidConfiguration, "Missing signInURL. Pass a signInURL for dev instances if an app is satellite")
            }
            if !signInURL.isEmpty, let requestOrigin = request.header(.origin) {
                guard let signIn = URLComponents(string: signInURL), signIn.scheme != nil, signIn.host != nil else {
                    throw ClerkError(.invalidConfiguration, "The signInURL needs to have a absolute url format.")
                }
                if AuthenticateContext.origin(of: signIn) == requestOrigin {
                    throw ClerkError(.invalidConfiguration, "The signInURL needs to be on a different origin than your satellite application.")
                }
            }
            if proxyURL.isEmpty && domain.isEmpty {
                throw ClerkError(.invalidConfiguration, "Missing domain and proxyURL. A satellite application needs to specify a domain or a proxyURL")
            }
        }

        // Frontend API host.
        var issuerHost = publishableKey?.frontendAPI ?? ""
        if isProduction && isSatellite && !domain.isEmpty {
            // The expected issuer keeps the satellite override even behind a proxy (the reference's
            // `originalFrontendAPI`); only `frontendAPI` becomes the proxy URL.
            issuerHost = "clerk." + domain
        }
        expectedIssuerHost = issuerHost
        frontendAPI = proxyURL.isEmpty ? issuerHost : proxyURL
        debugHeaders = options.debugHeaders ?? !isProduction

        // Cookies and tokens.
        var cookies = request.parseClerkCookies()
        if cookies.values.contains(where: { $0.utf8.count > AuthenticateContext.maxCookieBytes }) {
            cookies = cookies.filter { $0.value.utf8.count <= AuthenticateContext.maxCookieBytes }
        }
        self.cookies = cookies
        tokenInHeader = request.tokenInHeader().flatMap { $0.utf8.count <= maxTokenBytes ? $0 : nil }
        let suffix = publishableKey?.cookieSuffix ?? ""
        cookieSuffix = suffix
        let unsuffixedSession = cookies["__session"].flatMap { $0.isEmpty ? nil : try? decodeJWT($0) }
        // Without cookies (API calls with a header token) nothing can be suffixed: no clock read, no decision.
        let suffixed =
            !cookies.isEmpty
            && AuthenticateContext.decideSuffixedCookies(
                cookies: cookies, decodedSession: unsuffixedSession, suffix: suffix, expectedIssuerHost: issuerHost,
                isProduction: isProduction, now: client.options.clock.now().timeIntervalSince1970
            )
        usesSuffixedCookies = suffixed
        func cookie(_ name: String) -> String? {
            suffixed ? cookies[name + "_" + suffix] : cookies[name]
        }
        sessionTokenInCookie = cookie("__session").flatMap { $0.isEmpty ? nil : $0 }
        decodedSessionCookie = suffixed ? nil : unsuffixedSession
        clientUat = cookie("__client_uat").flatMap { Int64($0) } ?? 0
        let queryItems = clerkQueryItems
        func query(_ name: String) -> String? { queryItems.first { $0.name == name }?.value.flatMap { $0.isEmpty ? nil : $0 } }
        devBrowserToken = query("__clerk_db_jwt") ?? cookie("__clerk_db_jwt")
        refreshTokenInCookie = suffix.isEmpty ? nil : cookies[publishableKey?.refreshCookieName ?? "__refresh_" + suffix]
        handshakeToken = query("__clerk_handshake") ?? cookies["__clerk_handshake"]
        handshakeNonce = query("__clerk_handshake_nonce") ?? cookies["__clerk_handshake_nonce"]
        redirectCount = cookies["__clerk_redirect_count"].flatMap { Int($0) } ?? 0
    }

    /// The reference's `usesSuffixedCookies` decision table (§2.5).
    static func decideSuffixedCookies(
        cookies: [String: String], decodedSession: DecodedJWT?, suffix: String, expectedIssuerHost: String,
        isProduction: Bool, now: Double
    ) -> Bool {
        let session = cookies["__session"]
        let uat = cookies["__client_uat"]
        // No suffixed cookie can be there when no cookie name has the suffix (the common, unsuffixed case): skip
        // building the suffixed names.
        let anySuffixed = !suffix.isEmpty && cookies.keys.contains { $0.hasSuffix(suffix) }
        let suffixedSession = anySuffixed ? cookies["__session_" + suffix] : nil
        let suffixedUat = anySuffixed ? cookies["__client_uat_" + suffix] : nil
        if let session, !session.isEmpty {
            guard let decoded = decodedSession, let issValue = decoded.claims["iss"] else { return false }
            guard let iss = issValue.stringValue else { return true }
            let host = AuthenticateContext.strippingScheme(iss)
            if host != expectedIssuerHost { return true }
        }
        if suffixedUat == nil && suffixedSession == nil { return false }
        func iat(_ token: String?) -> Double {
            guard let token, let decoded = try? decodeJWT(token) else { return 0 }
            return decoded.claims.iat ?? 0
        }
        let sessionIat = decodedSession?.claims.iat ?? 0
        if suffixedUat != "0" && uat != "0" && sessionIat > iat(suffixedSession) { return false }
        if suffixedUat == "0" && uat != "0" { return false }
        if !isProduction, suffixedUat != "0", uat == "0", let suffixedSession,
            let decoded = try? decodeJWT(suffixedSession), let exp = decoded.claims.exp, exp <= now.rounded(.down)
        {
            return false
        }
        if suffixedUat == nil && suffixedSession != nil { return false }
        return true
    }

    /// The few client options the context reads, without copying the whole `ClerkOptions`.
    private struct ClientOptionsView {
        let client: ClerkClient
        var authorizedParties: [String]? { client.options.authorizedParties }
        var audience: [String]? { client.options.audience }
        var clockSkew: Duration { client.options.clockSkew }
        var isSatellite: Bool { client.options.isSatellite }
        var domain: String? { client.options.domain }
        var signInURL: URL? { client.options.signInURL }
        var signUpURL: URL? { client.options.signUpURL }
        var satelliteAutoSync: Bool? { client.options.satelliteAutoSync }
        var publishableKey: String? { client.options.publishableKey }
        var machineSecretKey: Secret? { client.options.machineSecretKey }
        var secretKey: Secret? { client.options.secretKey }
        var proxyURL: URL? { client.options.proxyURL }
    }

    /// The text after a leading `https://` or `http://` (no regex: this runs on every cookie request).
    static func strippingScheme(_ url: String) -> String {
        if url.hasPrefix("https://") { return String(url.dropFirst(8)) }
        if url.hasPrefix("http://") { return String(url.dropFirst(7)) }
        return url
    }

    static func origin(of url: URLComponents) -> String {
        let scheme = url.scheme?.lowercased() ?? "https"
        var origin = "\(scheme)://\(url.host?.lowercased() ?? "")"
        if let port = url.port, !(scheme == "https" && port == 443) && !(scheme == "http" && port == 80) {
            origin += ":\(port)"
        }
        return origin
    }

}

/// An absolute `http(s)://host[:port][/path][?query][#fragment]` URL whose host is a plain DNS name or IPv4 address
/// and whose other characters are all ones URLComponents keeps as they are: read without URLComponents (which
/// costs microseconds per request). `nil` for anything else, which then goes through URLComponents.
package struct SimpleURL {
    /// The URL with its scheme lower-cased.
    package let text: String
    /// `scheme://host[:port]`, host lower-cased, default ports dropped.
    package let origin: String
    /// Whether the query could carry a `__clerk_*` parameter (it has `__` or a percent escape).
    package let mayHaveClerkParameters: Bool

    package init?(_ url: String) {
        var url = url
        guard url.utf8.count <= 16 * 1024 else { return nil }
        guard let parsed = url.withUTF8({ SimpleURL.parse($0) }) else { return nil }
        (text, origin, mayHaveClerkParameters) = (parsed.text ?? url, parsed.origin, parsed.mayHaveClerkParameters)
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// `text` is `nil` when the input can be used as it is (its scheme is lower-case already).
    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> (text: String?, origin: String, mayHaveClerkParameters: Bool)? {
        // Scheme.
        let schemeLength: Int
        if bytes.count >= 8, lower(bytes[0]) == UInt8(ascii: "h"), lower(bytes[1]) == UInt8(ascii: "t"),
            lower(bytes[2]) == UInt8(ascii: "t"), lower(bytes[3]) == UInt8(ascii: "p")
        {
            if lower(bytes[4]) == UInt8(ascii: "s") {
                schemeLength = 5
            } else {
                schemeLength = 4
            }
        } else {
            return nil
        }
        guard bytes.count > schemeLength + 3, bytes[schemeLength] == UInt8(ascii: ":"),
            bytes[schemeLength + 1] == UInt8(ascii: "/"), bytes[schemeLength + 2] == UInt8(ascii: "/")
        else { return nil }
        let isHTTPS = schemeLength == 5
        // Host: letters, digits, `-`, `.`, `_`; then an optional port of 1–5 digits.
        var index = schemeLength + 3
        let hostStart = index
        while index < bytes.count {
            let byte = bytes[index]
            let isHostByte =
                (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F
            guard isHostByte else { break }
            index += 1
        }
        let hostEnd = index
        guard hostEnd > hostStart else { return nil }
        var port: Int?
        var portHasLeadingZero = false
        if index < bytes.count, bytes[index] == UInt8(ascii: ":") {
            index += 1
            portHasLeadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
            var value = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39, digits < 5 {
                value = value * 10 + Int(bytes[index] - 0x30)
                digits += 1
                index += 1
            }
            // A leading zero (`:080`) is normalised by URLComponents: leave such ports to it.
            guard digits > 0, value <= 65_535, !portHasLeadingZero || digits == 1 else { return nil }
            port = value
        }
        // The rest must start a path, query or fragment, with only characters URLComponents keeps unchanged.
        guard index == bytes.count || bytes[index] == UInt8(ascii: "/") || bytes[index] == UInt8(ascii: "?") else {
            return nil
        }
        var inQuery = false
        var queryMentionsClerk = false
        var sawFragment = false
        var position = index
        while position < bytes.count {
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"),
                UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","),
                UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: "@"), UInt8(ascii: "/"):
                if inQuery, byte == UInt8(ascii: "_"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "_") {
                    queryMentionsClerk = true
                }
            case UInt8(ascii: "?"):
                if !sawFragment { inQuery = true }
            case UInt8(ascii: "#"):
                guard !sawFragment else { return nil }
                sawFragment = true
                inQuery = false
            case UInt8(ascii: "%"):
                guard position + 2 < bytes.count, bytes[position + 1].isHexDigit, bytes[position + 2].isHexDigit else {
                    return nil
                }
                if inQuery { queryMentionsClerk = true }
            default:
                return nil
            }
            position += 1
        }
        var text: String?
        if (0..<schemeLength).contains(where: { bytes[$0] >= 0x41 && bytes[$0] <= 0x5A }) {
            text = (isHTTPS ? "https://" : "http://")
                + String(decoding: UnsafeBufferPointer(rebasing: bytes[(schemeLength + 3)...]), as: UTF8.self)
        }
        let keepsPort = port.map { !(isHTTPS && $0 == 443) && !(!isHTTPS && $0 == 80) } ?? false
        let isLowercase = !(0..<hostEnd).contains { bytes[$0] >= 0x41 && bytes[$0] <= 0x5A }
        let origin: String
        if isLowercase && (port == nil || keepsPort) {
            // The input starts with the origin exactly as it is spelled: one slice, no lower-casing.
            origin = String(decoding: UnsafeBufferPointer(rebasing: bytes[0..<index]), as: UTF8.self)
        } else {
            var built = isHTTPS ? "https://" : "http://"
            built += String(decoding: UnsafeBufferPointer(rebasing: bytes[hostStart..<hostEnd]), as: UTF8.self).lowercased()
            if let port, keepsPort { built += ":" + String(port) }
            origin = built
        }
        return (text, origin, queryMentionsClerk)
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }
}
