#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Builds the URLs that send a signed-out visitor to sign in or sign up and bring them back: the Swift
/// `createRedirect` of `@clerk/backend` (`redirectToSignIn`, `redirectToSignUp`).
///
/// Without a configured sign-in or sign-up URL, the targets are the instance's hosted pages (the Account Portal,
/// `https://accounts.<your domain>/sign-in`, derived from the publishable key). On a development instance whose Frontend
/// API host is loopback or a `*.localhost` name (the emulator), the portal is reached over `http://`.
///
/// ```swift
/// let state = try await clerk.authenticateRequest(request)
/// if !state.isAuthenticated {
///     let location = try state.redirectToSignIn()           // back to this page after signing in
///     return Response(status: .temporaryRedirect, headers: ["Location": location.absoluteString])
/// }
/// ```
///
/// Rules, as the reference SDK applies them:
/// - A session with pending tasks (`sessionStatus == "pending"`) goes to `<target>/tasks` instead.
/// - Relative targets and return URLs are resolved against ``baseURL`` (the app's origin).
/// - When the target is on another origin: a satellite's return URL gets `__clerk_synced=false`, and on a development
///   instance the dev-browser token travels as `__clerk_db_jwt`, so the hosted pages sign in the same browser.
public struct ClerkRedirect: Sendable, Hashable {
    /// The instance's publishable key (the hosted pages are derived from it when no URL is configured).
    public var publishableKey: String?
    /// Your sign-in page, absolute or a path (`/sign-in`) resolved against ``baseURL``.
    public var signInURL: URL?
    /// Your sign-up page, absolute or a path resolved against ``baseURL``.
    public var signUpURL: URL?
    /// The app's origin (`https://app.example.com`), against which relative URLs are resolved.
    public var baseURL: URL?
    /// The browser's dev-browser token (development instances).
    public var devBrowserToken: String?
    /// The session's status; `"pending"` sends the visitor to the session tasks.
    public var sessionStatus: String?
    /// Whether the app is a satellite.
    public var isSatellite: Bool

    /// A redirect builder.
    public init(
        publishableKey: String?, signInURL: URL? = nil, signUpURL: URL? = nil, baseURL: URL? = nil,
        devBrowserToken: String? = nil, sessionStatus: String? = nil, isSatellite: Bool = false
    ) {
        self.publishableKey = publishableKey
        self.signInURL = signInURL
        self.signUpURL = signUpURL
        self.baseURL = baseURL
        self.devBrowserToken = devBrowserToken
        self.sessionStatus = sessionStatus
        self.isSatellite = isSatellite
    }

    /// The sign-in URL, with `redirect_url` set to `returnBackURL` when given.
    ///
    /// - Throws: ``ClerkError`` (`invalidConfiguration`) when neither a sign-in URL nor a valid publishable key is
    ///   known, or when, without a ``baseURL``, neither URL is absolute.
    public func redirectToSignIn(returnBackURL: URL? = nil) throws -> URL {
        let target: String
        if let signInURL = nonEmpty(signInURL?.absoluteString) {
            target = signInURL
        } else {
            target = try accountsPortal(missing: "signInURL") + "/sign-in"
        }
        return try build(target: target, returnBackURL: returnBackURL)
    }

    /// The sign-up URL, with `redirect_url` set to `returnBackURL` when given. Without a sign-up URL: the sign-in URL
    /// plus `/create`, else the hosted sign-up page.
    ///
    /// - Throws: as ``redirectToSignIn(returnBackURL:)``.
    public func redirectToSignUp(returnBackURL: URL? = nil) throws -> URL {
        let target: String
        if let signUpURL = nonEmpty(signUpURL?.absoluteString) {
            target = signUpURL
        } else if let signInURL = nonEmpty(signInURL?.absoluteString) {
            target = signInURL.hasSuffix("/") ? signInURL + "create" : signInURL + "/create"
        } else {
            target = try accountsPortal(missing: "signUpURL") + "/sign-up"
        }
        return try build(target: target, returnBackURL: returnBackURL)
    }

    // MARK: Building

    private func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmed, !value.isEmpty else { return nil }
        return value
    }

    private var parsedKey: PublishableKey? { publishableKey.flatMap { try? PublishableKey($0) } }

    private func accountsPortal(missing option: String) throws -> String {
        guard let key = parsedKey else {
            throw ClerkError(
                .invalidConfiguration,
                "Missing publishableKey: set it, or set \(option), to build a redirect to Clerk's hosted pages"
            )
        }
        let host = Handshake.accountsPortalHost(for: key.frontendAPI)
        return FrontendAPIURL.scheme(forHost: host, isProduction: key.isProduction) + "://" + host
    }

    private func build(target rawTarget: String, returnBackURL: URL?) throws -> URL {
        let returnBackURL = returnBackURL?.absoluteString
        let base = nonEmpty(baseURL?.absoluteString).flatMap { URLComponents(string: $0) }.flatMap { $0.scheme != nil && $0.host != nil ? $0 : nil }
        var rawTarget = rawTarget
        if sessionStatus == "pending" {
            while rawTarget.hasSuffix("/") { rawTarget.removeLast() }
            rawTarget += "/tasks"
        }
        guard var target = FrontendAPIURL.resolve(rawTarget, against: base) else {
            throw ClerkError(.invalidConfiguration, "The redirect target \(rawTarget) is not an absolute URL and no base URL is known")
        }
        var returnURL: URLComponents?
        if let returnBackURL = nonEmpty(returnBackURL) {
            guard let resolved = FrontendAPIURL.resolve(returnBackURL, against: base) else {
                throw ClerkError(.invalidConfiguration, "The return URL \(returnBackURL) is not an absolute URL and no base URL is known")
            }
            returnURL = resolved
        }
        let crossOrigin = returnURL.map { AuthenticateContext.origin(of: $0) != AuthenticateContext.origin(of: target) }
            ?? (base.map { AuthenticateContext.origin(of: $0) != AuthenticateContext.origin(of: target) } ?? true)
        var added: [String] = []
        if var returnURL {
            if crossOrigin && isSatellite {
                returnURL = Handshake.removingQueryParameters(["__clerk_synced"], from: returnURL)
                returnURL.percentEncodedQuery = ([returnURL.percentEncodedQuery].compactMap { $0 } + ["__clerk_synced=false"])
                    .joined(separator: "&")
            }
            added.append("redirect_url=" + APIRequest.percentEncodeSegment(returnURL.string ?? ""))
        }
        let isDevelopment = !(parsedKey?.isProduction ?? false)
        if crossOrigin, isDevelopment, let token = nonEmpty(devBrowserToken) {
            added.append("__clerk_db_jwt=" + APIRequest.percentEncodeSegment(token))
        }
        if !added.isEmpty {
            target = Handshake.removingQueryParameters(["redirect_url", "__clerk_db_jwt"], from: target)
            target.percentEncodedQuery = ([target.percentEncodedQuery].compactMap { $0 } + added).joined(separator: "&")
        }
        guard let result = target.url else {
            throw ClerkError(.invalidConfiguration, "The redirect target \(rawTarget) is not a valid URL")
        }
        return result
    }
}

/// URL rules for the Frontend API and the hosted pages.
enum FrontendAPIURL {
    /// `http` for a development instance whose host is loopback or `*.localhost` (the emulator, reached without TLS:
    /// browsers treat these names as secure contexts), `https` for everything else.
    static func scheme(forHost hostAndPort: String, isProduction: Bool) -> String {
        guard !isProduction else { return "https" }
        return ClerkClient.isLoopback(host: hostOnly(hostAndPort)) ? "http" : "https"
    }

    /// An absolute URL for a Frontend API value that may lack a scheme (`clerk.example.com` → `https://clerk.example.com`).
    static func absolute(_ frontendAPI: String, isProduction: Bool) -> String {
        if frontendAPI.hasPrefix("http://") || frontendAPI.hasPrefix("https://") { return frontendAPI }
        return scheme(forHost: frontendAPI, isProduction: isProduction) + "://" + frontendAPI
    }

    /// `host` of `host[:port]`, `[v6]:port` or `host/path`.
    static func hostOnly(_ hostAndPort: String) -> String {
        var value = Substring(hostAndPort)
        if let slash = value.firstIndex(of: "/") { value = value[..<slash] }
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return String(value[value.index(after: value.startIndex)..<close])
        }
        if let colon = value.lastIndex(of: ":") { value = value[..<colon] }
        return String(value)
    }

    /// `raw` as an absolute http(s) URL: itself when absolute, else resolved against `base`'s origin.
    static func resolve(_ raw: String, against base: URLComponents?) -> URLComponents? {
        guard !raw.contains(where: { $0.isNewline }) else { return nil }
        if let absolute = URLComponents(string: raw), let scheme = absolute.scheme?.lowercased(),
            scheme == "http" || scheme == "https", absolute.host?.isEmpty == false
        {
            return absolute
        }
        guard let base, raw.hasPrefix("/"), !raw.hasPrefix("//") else { return nil }
        return URLComponents(string: AuthenticateContext.origin(of: base) + raw)
    }
}
