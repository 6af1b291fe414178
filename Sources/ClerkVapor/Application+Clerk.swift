public import Foundation
public import Vapor

/// The configured Clerk instance of an application.
struct ClerkConfiguration: Sendable {
    let client: ClerkClient
    let options: ClerkVaporOptions
    /// The Frontend API proxy, when ``ClerkVaporOptions/frontendAPIProxyPath`` is set.
    var frontendAPIProxy: ClerkFrontendAPIProxy? = nil

    /// The sign-in page for page navigations: the integration's option, else the client's.
    var signInURL: URL? {
        let value = options.signInURL ?? client.options.signInURL
        guard let value, !value.absoluteString.isEmpty else { return nil }
        return value
    }
}

struct ClerkConfigurationKey: StorageKey {
    typealias Value = ClerkConfiguration
}

/// Clerk's entry point on a Vapor application.
extension Application {
    /// Clerk for this application: configure it once, then use ``ClerkMiddleware``, ``ClerkGuardMiddleware`` and
    /// `req.clerk`.
    ///
    /// ```swift
    /// try app.clerk.configureFromEnvironment()     // or app.clerk.configure(options:)
    /// let user = try await app.clerk.client.users.getUser("user_…")
    /// ```
    public var clerk: Clerk { Clerk(application: self) }

    /// Clerk for one application. See ``Vapor/Application/clerk``.
    public struct Clerk: Sendable {
        /// The application.
        public let application: Application

        /// Configures Clerk with explicit options.
        ///
        /// The `ClerkClient` is created once, here, and shared by every request: one connection pool, one JWKS
        /// cache and one machine-token cache for the instance (keys are fetched once per cache lifetime, never per
        /// request). Unless the options carry an `httpClient` or a `transport` (or
        /// ``ClerkVaporOptions/useApplicationHTTPClient`` is `false`), Backend API calls go through
        /// `app.http.client.shared`. Configuring again replaces the previous configuration.
        ///
        /// - Throws: `ClerkError` for invalid options (an `apiURL` that is not https, a malformed secret key…).
        public func configure(options: ClerkOptions, vapor: ClerkVaporOptions = ClerkVaporOptions()) throws {
            var options = options
            if options.sdkMetadata == nil { options.sdkMetadata = ClerkVaporVersion.sdkMetadata }
            if vapor.useApplicationHTTPClient && options.httpClient == nil && options.transport == nil {
                options.httpClient = application.http.client.shared
            }
            let client = try ClerkClient(options: options)
            var vapor = vapor
            var proxy: ClerkFrontendAPIProxy?
            if let path = vapor.frontendAPIProxyPath {
                proxy = try ClerkFrontendAPIProxy(client: client, path: path)
                if vapor.authenticate.proxyURL == nil { vapor.authenticate.proxyURL = URL(string: proxy?.path ?? path) }
            }
            application.storage[ClerkConfigurationKey.self] = ClerkConfiguration(
                client: client, options: vapor, frontendAPIProxy: proxy
            )
        }

        /// Configures Clerk from `CLERK_*` environment variables (`CLERK_SECRET_KEY`, `CLERK_PUBLISHABLE_KEY`,
        /// `CLERK_JWT_KEY`, `CLERK_API_URL`, `CLERK_SIGN_IN_URL`, `CLERK_WEBHOOK_SIGNING_SECRET`, … — see
        /// `ClerkOptions.environmentVariables`).
        ///
        /// - Parameters:
        ///   - environment: the variables to read; the process environment by default.
        ///   - vapor: the integration's options.
        ///   - adjust: adjusts the options read before the client is created (timeouts, logger…).
        /// - Throws: `ClerkError` with `ClerkError.Code.missingSecretKey` when `CLERK_SECRET_KEY` is not set
        ///   (the message names the variable, never a value), or any error of ``configure(options:vapor:)``.
        public func configureFromEnvironment(
            _ environment: [String: String] = ProcessInfo.processInfo.environment,
            vapor: ClerkVaporOptions = ClerkVaporOptions(),
            configure adjust: (inout ClerkOptions) -> Void = { _ in }
        ) throws {
            var options = try ClerkOptions(environment: environment)
            guard options.secretKey != nil else {
                throw ClerkError(
                    .missingSecretKey,
                    "CLERK_SECRET_KEY is not set. Find your secret key in the Clerk Dashboard under API keys."
                )
            }
            adjust(&options)
            try configure(options: options, vapor: vapor)
        }

        /// Whether ``configure(options:vapor:)`` or ``configureFromEnvironment(_:vapor:configure:)`` was called.
        public var isConfigured: Bool { application.storage[ClerkConfigurationKey.self] != nil }

        /// The application's `ClerkClient`.
        ///
        /// - Throws: `ClerkError` with `ClerkError.Code.invalidConfiguration` when Clerk was not configured.
        public var client: ClerkClient {
            get throws { try configuration().client }
        }

        /// The integration's options (`nil` until configured).
        public var options: ClerkVaporOptions? { application.storage[ClerkConfigurationKey.self]?.options }

        func configuration() throws -> ClerkConfiguration {
            guard let configuration = application.storage[ClerkConfigurationKey.self] else {
                throw ClerkError(
                    .invalidConfiguration,
                    "Clerk is not configured: call app.clerk.configure(options:) or app.clerk.configureFromEnvironment() before handling requests"
                )
            }
            return configuration
        }
    }
}
