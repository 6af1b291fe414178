@testable import ClerkBackend
import ClerkTesting
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

@Suite("ClerkRequest: cookies, Authorization and the public URL")
struct ClerkRequestTests {
    func cookies(_ headers: [String]) -> [String: String] {
        ClerkRequest(method: .get, url: appOrigin, headers: headers.map { ("Cookie", $0) }).parseCookies()
    }

    // MARK: Instantiating

    @Test("Method, headers, URL and peer address are kept; header lookup ignores case")
    func instantiation() {
        let request = ClerkRequest(
            method: .get, url: appOrigin + "/path?x=1", headers: [("X-Custom", "v"), ("Referer", "https://ref.test/")],
            remoteAddress: "10.0.0.1"
        )
        #expect(request.method == .get)
        #expect(request.url == appOrigin + "/path?x=1")
        #expect(request.header(HTTPField.Name("x-custom")!) == "v")
        #expect(request.header(HTTPField.Name("X-CUSTOM")!) == "v")
        #expect(request.header(.referer) == "https://ref.test/")
        #expect(request.remoteAddress == "10.0.0.1")
    }

    @Test("A request from path and query takes its host from the Host header")
    func fromPathAndQuery() {
        let request = ClerkRequest(method: .post, pathAndQuery: "path?a=1", scheme: "https", headerFields: [HTTPField.Name("Host")!: "app.example.test:8443"])
        #expect(request.url == "https://app.example.test:8443/path?a=1")
        #expect(request.method == .post)
    }

    @Test("An over-long header value is ignored")
    func overLongHeader() {
        let request = ClerkRequest(method: .get, url: appOrigin, headers: [("Authorization", "Bearer " + String(repeating: "a", count: 17 * 1024))])
        #expect(request.tokenInHeader() == nil)
    }

    // MARK: Cookies

    @Test("Cookies are parsed into name → value")
    func parse() {
        let parsed = cookies(["__session=abc; __client_uat=1700000000;other=x"])
        #expect(parsed == ["__session": "abc", "__client_uat": "1700000000", "other": "x"])
    }

    @Test("Values are percent-decoded one by one")
    func percentDecoding() {
        #expect(cookies(["a=hello%20world; b=%E2%9C%93; c=a%2Bb"]) == ["a": "hello world", "b": "✓", "c": "a+b"])
    }

    @Test("Encoded delimiters inside a value never split it")
    func encodedDelimiters() {
        #expect(cookies(["a=x%3By%3Dz; b=2"]) == ["a": "x;y=z", "b": "2"])
    }

    @Test("An encoded value cannot forge a session cookie")
    func forgedSession() {
        let parsed = cookies(["theme=dark%3B%20__session%3Devil"])
        #expect(parsed["__session"] == nil)
        #expect(parsed["theme"] == "dark; __session=evil")
    }

    @Test("The first occurrence of a repeated name wins, across headers too")
    func firstWins() {
        #expect(cookies(["__session=first; __session=second"])["__session"] == "first")
        #expect(cookies(["__session=first", "__session=second"])["__session"] == "first")
    }

    @Test("Malformed percent sequences are kept raw and never throw", arguments: ["%", "%zz", "100%", "%E2%9C", "a%2"])
    func malformedPercent(value: String) {
        #expect(cookies(["a=\(value); b=ok"]) == ["a": value, "b": "ok"])
    }

    @Test("No Cookie header, or an empty one, gives no cookies")
    func noCookies() {
        #expect(ClerkRequest(method: .get, url: appOrigin).parseCookies().isEmpty)
        #expect(cookies([""]).isEmpty)
        #expect(cookies([";;; ; "]).isEmpty)
    }

    @Test("Quotes around a value are removed; pairs without = are skipped; names and values are trimmed")
    func shapes() {
        #expect(cookies([#"a="quoted"; novalue; b = spaced ; =nameless"#]) == ["a": "quoted", "b": "spaced"])
    }

    // MARK: Authorization

    @Test("Authorization parsing: Bearer, scheme-less, other schemes and case-sensitivity", arguments: [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("abc.def.ghi", "abc.def.ghi"),
        ("ak_1234567890abcdef", "ak_1234567890abcdef"),
        ("Bearer", "Bearer"),
        ("Bearer   padded  ", "padded"),
    ] as [(String, String)])
    func authorization(value: String, token: String) {
        let request = ClerkRequest(method: .get, url: appOrigin, headers: [("Authorization", value)])
        #expect(request.tokenInHeader() == token)
    }

    @Test("Other schemes, a lower-case bearer and empty values carry no token", arguments: [
        "Basic dXNlcjpwYXNz", "bearer abc.def.ghi", "BEARER abc.def.ghi", "Token abc", "", "   ",
    ])
    func noToken(value: String) {
        let request = ClerkRequest(method: .get, url: appOrigin, headers: [("Authorization", value)])
        #expect(request.tokenInHeader() == nil)
    }

    @Test("The header name is case-insensitive")
    func headerNameCase() {
        let request = ClerkRequest(method: .get, url: appOrigin, headers: [("AUTHORIZATION", "Bearer tok")])
        #expect(request.tokenInHeader() == "tok")
    }
}

@Suite("AuthenticateContext: public URL, proxy URL, suffixed cookies")
struct AuthenticateContextTests {
    func context(
        _ request: ClerkRequest, options: AuthenticateRequestOptions = AuthenticateRequestOptions(),
        pk: String = AuthKeys.pkLive, clock: ManualClock = ManualClock(now: tokenNow)
    ) throws -> AuthenticateContext {
        try AuthenticateContext(request: request, options: options, client: try authClient(pk: pk, clock: clock))
    }

    func forwarded(_ headers: [(String, String)], url: String = "http://internal:3000/path?q=1", remote: String? = "10.0.0.5")
        -> ClerkRequest
    {
        ClerkRequest(method: .get, url: url, headers: headers, remoteAddress: remote)
    }

    // MARK: clerkURL (clerkRequest.test.ts)

    @Test("Without forwarded headers the public URL is the request URL (path and query kept)")
    func plainURL() throws {
        let ctx = try context(forwarded([], url: "https://app.example.test/a/b?x=1&y=2"))
        #expect(ctx.clerkURLString == "https://app.example.test/a/b?x=1&y=2")
        #expect(ctx.origin == "https://app.example.test")
    }

    @Test("Forwarded host and proto are ignored unless the peer is a trusted proxy")
    func untrustedForwarded() throws {
        let ctx = try context(forwarded([("X-Forwarded-Host", "evil.test"), ("X-Forwarded-Proto", "https")]))
        #expect(ctx.origin == "http://internal:3000")
    }

    @Test("Trusted forwarded headers rebuild the origin", arguments: [
        ([("X-Forwarded-Host", "app.example.test"), ("X-Forwarded-Proto", "https")], "https://app.example.test"),
        ([("X-Forwarded-Host", "app.example.test, proxy.internal"), ("X-Forwarded-Proto", "https, http")], "https://app.example.test"),
        ([("X-Forwarded-Host", "app.example.test:8443"), ("X-Forwarded-Proto", "https")], "https://app.example.test:8443"),
        ([("X-Forwarded-Host", "app.example.test"), ("CloudFront-Forwarded-Proto", "https"), ("X-Forwarded-Proto", "http")], "https://app.example.test"),
        // Without a protocol the request's scheme is kept.
        ([("X-Forwarded-Host", "app.example.test")], "http://app.example.test"),
        // Without a host, the protocol alone still applies (TLS terminated at the proxy).
        ([("X-Forwarded-Proto", "https")], "https://internal:3000"),
        // Neither: unchanged.
        ([], "http://internal:3000"),
        // Malicious or empty values fall back to the request URL.
        ([("X-Forwarded-Host", "<script>alert(1)</script>"), ("X-Forwarded-Proto", "https")], "http://internal:3000"),
        ([("X-Forwarded-Host", "evil.test/path?x"), ("X-Forwarded-Proto", "https")], "http://internal:3000"),
        ([("X-Forwarded-Host", ""), ("X-Forwarded-Proto", "")], "http://internal:3000"),
        ([("X-Forwarded-Host", "app.example.test"), ("X-Forwarded-Proto", "javascript")], "http://app.example.test"),
    ] as [([(String, String)], String)])
    func trustedForwarded(headers: [(String, String)], origin: String) throws {
        let ctx = try context(forwarded(headers), options: AuthenticateRequestOptions(trustedProxies: .all))
        #expect(ctx.origin == origin)
        #expect(ctx.clerkURLString == origin + "/path?q=1")
    }

    @Test("Duplicate leading slashes in the path are kept as a path")
    func duplicateSlashes() throws {
        let ctx = try context(forwarded([], url: "https://app.example.test//evil.test/x"))
        #expect(ctx.origin == "https://app.example.test")
        #expect(ctx.clerkURL.host == "app.example.test")
    }

    @Test("Trusted proxies by CIDR: only peers in the range are believed", arguments: [
        ("10.0.0.0/8", "10.1.2.3", true),
        ("10.0.0.0/8", "192.0.2.1", false),
        ("10.0.0.0/8", nil, false),
        ("192.0.2.7", "192.0.2.7", true),
        ("192.0.2.0/25", "192.0.2.200", false),
        ("2001:db8::/32", "2001:db8:1::5", true),
        ("2001:db8::/32", "2001:db9::5", false),
        ("::1", "::1", true),
        ("127.0.0.0/8", "::ffff:127.0.0.1", true),
    ] as [(String, String?, Bool)])
    func cidr(pattern: String, remote: String?, trusted: Bool) throws {
        let ctx = try context(
            forwarded([("X-Forwarded-Host", "app.example.test"), ("X-Forwarded-Proto", "https")], remote: remote),
            options: AuthenticateRequestOptions(trustedProxies: .addresses([pattern]))
        )
        #expect(ctx.origin == (trusted ? "https://app.example.test" : "http://internal:3000"))
    }

    // MARK: proxyURL (authenticateContext.test.ts)

    @Test("A relative proxyURL resolves against the (forwarded) public origin; an absolute one is kept")
    func proxyURL() throws {
        let behindProxy = try context(
            forwarded([("X-Forwarded-Host", "app.example.test"), ("X-Forwarded-Proto", "https")]),
            options: AuthenticateRequestOptions(proxyURL: URL(string: "/__clerk")!, trustedProxies: .all)
        )
        #expect(behindProxy.proxyURL == "https://app.example.test/__clerk")
        #expect(behindProxy.frontendAPI == "https://app.example.test/__clerk")
        #expect(behindProxy.expectedIssuerHost == "clerk.example.test")

        let direct = try context(forwarded([], url: "https://direct.example.test/x"), options: AuthenticateRequestOptions(proxyURL: URL(string: "/__clerk/")!))
        #expect(direct.proxyURL == "https://direct.example.test/__clerk")

        let absolute = try context(forwarded([]), options: AuthenticateRequestOptions(proxyURL: URL(string: "https://proxy.example.test/__clerk")!))
        #expect(absolute.proxyURL == "https://proxy.example.test/__clerk")
    }

    @Test("Production satellite: the Frontend API and the expected issuer are clerk.<domain>, even behind a proxy")
    func satelliteFrontendAPI() throws {
        let request = ClerkRequest(method: .get, url: "https://sat.example.test/")
        let client = try authClient(secretKey: AuthKeys.liveSecretKey())
        let plain = try AuthenticateContext(
            request: request, options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true), client: client
        )
        #expect(plain.frontendAPI == "clerk.satellite.test")
        #expect(plain.expectedIssuerHost == "clerk.satellite.test")
        let proxied = try AuthenticateContext(
            request: request,
            options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, proxyURL: URL(string: "https://sat.example.test/__clerk")!),
            client: client
        )
        #expect(proxied.frontendAPI == "https://sat.example.test/__clerk")
        #expect(proxied.expectedIssuerHost == "clerk.satellite.test")
        // A development satellite keeps the key's host.
        let dev = try AuthenticateContext(
            request: request,
            options: AuthenticateRequestOptions(domain: "satellite.test", isSatellite: true, signInURL: URL(string: "https://primary.test/sign-in")!),
            client: try authClient(pk: AuthKeys.pkTest)
        )
        #expect(dev.frontendAPI == "clerk.example.test")
    }

    // MARK: Cookie values

    @Test("Token sources: query wins over cookie for handshake values and the dev browser; the refresh cookie is suffixed only")
    func tokenSources() throws {
        let suffix = try PublishableKey(AuthKeys.pkTest).cookieSuffix
        let request = authRequest(
            appOrigin + "/?__clerk_handshake=qtoken&__clerk_handshake_nonce=qnonce&__clerk_db_jwt=qdb",
            cookies: [
                ("__clerk_handshake", "ctoken"), ("__clerk_handshake_nonce", "cnonce"), ("__clerk_db_jwt", "cdb"),
                ("__refresh", "unsuffixed"), ("__refresh_\(suffix)", "suffixed"), ("__clerk_redirect_count", "2"),
                ("__client_uat", "abc"),
            ]
        )
        let ctx = try context(request, pk: AuthKeys.pkTest)
        #expect(ctx.handshakeToken == "qtoken")
        #expect(ctx.handshakeNonce == "qnonce")
        #expect(ctx.devBrowserToken == "qdb")
        #expect(ctx.refreshTokenInCookie == "suffixed")
        #expect(ctx.redirectCount == 2)
        #expect(ctx.clientUat == 0, "a non-numeric client_uat counts as 0")

        let cookieOnly = try context(authRequest(cookies: [("__clerk_handshake_nonce", "cnonce"), ("__clerk_db_jwt", "cdb"), ("__refresh", "x")]), pk: AuthKeys.pkTest)
        #expect(cookieOnly.handshakeNonce == "cnonce")
        #expect(cookieOnly.devBrowserToken == "cdb")
        #expect(cookieOnly.refreshTokenInCookie == nil)
        #expect(cookieOnly.redirectCount == 0)
    }
}

@Suite("ClerkRequest: the one-pass host check")
struct ValidatedHostTests {
    /// The check as it was written before the one-pass version (split at `:`), for comparison.
    static func reference(_ value: String) -> String? {
        let host = ClerkRequest.trimmingSpaces(value)
        guard !host.isEmpty, host.utf8.count <= 261 else { return nil }
        let isAllowed: (UInt8) -> Bool = { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x30 && byte <= 0x39)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x3A || byte == 0x5B || byte == 0x5D
        }
        guard host.utf8.allSatisfy(isAllowed) else { return nil }
        if !host.utf8.contains(0x5B) && !host.utf8.contains(0x5D) {
            let parts = host.utf8.split(separator: 0x3A, maxSplits: 2, omittingEmptySubsequences: false)
            if parts.count == 1, !parts[0].isEmpty { return host }
            if parts.count == 2, !parts[0].isEmpty, (1...5).contains(parts[1].count),
                parts[1].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let port = Int(Substring(parts[1])), port <= 65_535
            {
                return host
            }
            if parts.count > 2 { return nil }
        }
        guard let components = URLComponents(string: "http://\(host)"), let parsed = components.host, !parsed.isEmpty,
            components.path.isEmpty, components.user == nil
        else { return nil }
        if let port = components.port, !(0...65_535).contains(port) { return nil }
        return host
    }

    @Test("Agrees with the split-based check on names, ports, colons and brackets")
    func agreesWithReference() {
        let names = ["", "a", "app.example.test", "127.0.0.1", "x_y-z", "[::1]", "::1", "a]", "[a", "a b", "é.test", "a/b", "u@h", "h%41", "[::1]]"]
        let ports = ["", ":", ":0", ":80", ":080", ":8443", ":65535", ":65536", ":99999", ":123456", ":8a", ":a", "::", ":1:2", " :80"]
        for name in names {
            for port in ports {
                for padding in ["", " ", "\t"] {
                    let host = padding + name + port + padding
                    #expect(ClerkRequest.validatedHost(host) == Self.reference(host), "\(host)")
                }
            }
        }
    }
}
