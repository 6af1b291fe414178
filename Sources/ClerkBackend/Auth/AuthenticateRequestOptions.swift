#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
/// Which credential types a route accepts.
public struct AcceptsToken: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case single(TokenType)
        case any
        case list([TokenType])
    }

    let kind: Kind

    /// Session tokens only (the default).
    public static let sessionToken = AcceptsToken(kind: .single(.sessionToken))
    /// API keys (`ak_…`) only.
    public static let apiKey = AcceptsToken(kind: .single(.apiKey))
    /// M2M tokens (`mt_…` and M2M JWTs) only.
    public static let m2mToken = AcceptsToken(kind: .single(.m2mToken))
    /// OAuth access tokens (`oat_…` and `at+jwt` JWTs) only.
    public static let oauthToken = AcceptsToken(kind: .single(.oauthToken))
    /// Any credential type.
    public static let any = AcceptsToken(kind: .any)
    /// Any of these types.
    public static func oneOf(_ types: [TokenType]) -> AcceptsToken { AcceptsToken(kind: .list(types)) }
}

/// The proxies whose `X-Forwarded-Host` / `X-Forwarded-Proto` headers are believed.
///
/// By default none are: a client could otherwise make the SDK compute redirect URLs for a host of its choosing.
public struct TrustedProxies: Sendable, Hashable {
    enum Kind: Sendable, Hashable {
        case none
        case all
        case addresses([String])
    }

    let kind: Kind

    /// Never honour forwarded headers (the default).
    public static let none = TrustedProxies(kind: .none)
    /// Always honour them: only when every request reaches the app through your own proxy.
    public static let all = TrustedProxies(kind: .all)
    /// Honour them from these peers: IPv4/IPv6 addresses or CIDR ranges (`10.0.0.0/8`, `::1`).
    public static func addresses(_ list: [String]) -> TrustedProxies { TrustedProxies(kind: .addresses(list)) }

    func trusts(_ remoteAddress: String?) -> Bool {
        switch kind {
        case .none: return false
        case .all: return true
        case .addresses(let list):
            guard let remoteAddress else { return false }
            return list.contains { IPAddressMatcher.matches(remoteAddress, pattern: $0) }
        }
    }
}

/// Keeps the active organization in sync with the URL (`/orgs/:slug/...`), as `organizationSyncOptions` does.
public struct OrganizationSyncOptions: Sendable, Hashable {
    /// Patterns whose `:id` or `:slug` parameter names the organization that must be active (`/orgs/:slug`,
    /// `/orgs/:slug/(.*)`).
    public var organizationPatterns: [String]
    /// Patterns where the personal account must be active (`/me`, `/me/(.*)`).
    public var personalAccountPatterns: [String]

    /// Patterns for the paths that name an organization and for those of the personal account.
    public init(organizationPatterns: [String] = [], personalAccountPatterns: [String] = []) {
        self.organizationPatterns = organizationPatterns
        self.personalAccountPatterns = personalAccountPatterns
    }
}

/// Options of ``ClerkClient/authenticateRequest(_:options:)``. Unset values come from the client's options.
public struct AuthenticateRequestOptions: Sendable {
    /// Credential types accepted (default: session tokens only).
    public var acceptsToken: AcceptsToken
    /// Allowed `azp` values; strongly recommended for cookie authentication.
    public var authorizedParties: [String]?
    /// Expected `aud` values.
    public var audience: [String]?
    /// Allowed clock difference.
    public var clockSkew: Duration?
    /// Overrides ``ClerkOptions/publishableKey`` for this call.
    public var publishableKey: String?
    /// Overrides ``ClerkOptions/domain`` (the satellite domain).
    public var domain: String?
    /// Overrides ``ClerkOptions/isSatellite``.
    public var isSatellite: Bool?
    /// Overrides ``ClerkOptions/proxyURL``; a relative path (`/__clerk`) resolves against the request origin.
    public var proxyURL: URL?
    /// Sync a satellite on the first page load even without cookies (default: only when `__clerk_synced=false`).
    public var satelliteAutoSync: Bool?
    /// The sign-in page (required for development satellites; absolute and on another origin).
    public var signInURL: URL?
    /// The sign-up page.
    public var signUpURL: URL?
    /// Where to go after signing in (copied into the state).
    public var afterSignInURL: URL?
    /// Where to go after signing up (copied into the state).
    public var afterSignUpURL: URL?
    /// Organization sync from URL patterns.
    public var organizationSyncOptions: OrganizationSyncOptions?
    /// Whose forwarded headers to believe (default: nobody's).
    public var trustedProxies: TrustedProxies
    /// Extra origins a `__clerk_redirect_url` may point to (the request's own origin and, on development instances,
    /// loopback origins are always allowed).
    public var allowedRedirectOrigins: [String]
    /// Emit the `x-clerk-auth-status/-reason/-message` debug headers. `nil`: on for development instances, off for
    /// production ones (they tell a caller why it was refused).
    public var debugHeaders: Bool?
    /// Overrides ``ClerkOptions/secretKey`` for this call: a multi-tenant app serving several Clerk instances with one
    /// client. Each instance gets a client of its own, made once and kept (with its own JWKS cache and budgets).
    public var secretKey: Secret?
    /// Overrides ``ClerkOptions/jwtKey`` for this call (networkless verification with this instance's key).
    public var jwtKey: String?
    /// Overrides ``ClerkOptions/machineSecretKey`` for this call (M2M token verification).
    public var machineSecretKey: Secret?

    /// Options for one `authenticateRequest` call; each left `nil` falls back to the client's ``ClerkOptions``.
    public init(
        acceptsToken: AcceptsToken = .sessionToken, authorizedParties: [String]? = nil, audience: [String]? = nil,
        clockSkew: Duration? = nil, publishableKey: String? = nil, domain: String? = nil, isSatellite: Bool? = nil,
        proxyURL: URL? = nil, satelliteAutoSync: Bool? = nil, signInURL: URL? = nil, signUpURL: URL? = nil,
        afterSignInURL: URL? = nil, afterSignUpURL: URL? = nil,
        organizationSyncOptions: OrganizationSyncOptions? = nil, trustedProxies: TrustedProxies = .none,
        allowedRedirectOrigins: [String] = [], debugHeaders: Bool? = nil, secretKey: Secret? = nil, jwtKey: String? = nil,
        machineSecretKey: Secret? = nil
    ) {
        self.secretKey = secretKey
        self.jwtKey = jwtKey
        self.machineSecretKey = machineSecretKey
        self.acceptsToken = acceptsToken
        self.authorizedParties = authorizedParties
        self.audience = audience
        self.clockSkew = clockSkew
        self.publishableKey = publishableKey
        self.domain = domain
        self.isSatellite = isSatellite
        self.proxyURL = proxyURL
        self.satelliteAutoSync = satelliteAutoSync
        self.signInURL = signInURL
        self.signUpURL = signUpURL
        self.afterSignInURL = afterSignInURL
        self.afterSignUpURL = afterSignUpURL
        self.organizationSyncOptions = organizationSyncOptions
        self.trustedProxies = trustedProxies
        self.allowedRedirectOrigins = allowedRedirectOrigins
        self.debugHeaders = debugHeaders
    }
}

/// IPv4/IPv6 address and CIDR matching for trusted proxies.
enum IPAddressMatcher {
    static func matches(_ address: String, pattern: String) -> Bool {
        let parts = pattern.split(separator: "/", maxSplits: 1)
        guard let base = parse(String(parts[0])), let candidate = parse(address), base.count == candidate.count else {
            return false
        }
        let prefix = parts.count == 2 ? Int(parts[1]) ?? -1 : base.count * 8
        guard prefix >= 0, prefix <= base.count * 8 else { return false }
        var remaining = prefix
        for index in 0..<base.count where remaining > 0 {
            let bits = min(8, remaining)
            let mask: UInt8 = bits == 8 ? 0xFF : ~(0xFF >> UInt8(bits))
            if base[index] & mask != candidate[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    static func parse(_ text: String) -> [UInt8]? {
        var text = text.trimming(["[", "]"])
        if text.hasPrefix("::ffff:"), text.contains(".") { text = String(text.dropFirst(7)) }
        if text.contains(".") && !text.contains(":") {
            let octets = text.split(separator: ".", omittingEmptySubsequences: false).compactMap { UInt8($0) }
            return octets.count == 4 ? octets : nil
        }
        guard text.contains(":") else { return nil }
        let halves = text.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ part: String) -> [UInt16]? {
            if part.isEmpty { return [] }
            let values = part.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16) }
            return values.contains(nil) ? nil : values.compactMap { $0 }
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        return all.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}
