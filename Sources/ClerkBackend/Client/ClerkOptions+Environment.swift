#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Configuration

extension ClerkOptions {
    /// The environment variables read by ``init(environment:)`` and ``init(config:)``, with the
    /// swift-configuration key each one corresponds to.
    ///
    /// | variable | config key | option |
    /// |---|---|---|
    /// | `CLERK_SECRET_KEY` | `clerk.secretKey` (secret) | ``secretKey`` |
    /// | `CLERK_MACHINE_SECRET_KEY` | `clerk.machineSecretKey` (secret) | ``machineSecretKey`` |
    /// | `CLERK_WEBHOOK_SIGNING_SECRET` | `clerk.webhookSigningSecret` (secret) | ``webhookSigningSecret`` |
    /// | `CLERK_API_URL` | `clerk.apiURL` | ``apiURL`` |
    /// | `CLERK_API_VERSION` | `clerk.apiVersion` | ``apiVersion`` |
    /// | `CLERK_JWT_KEY` | `clerk.jwtKey` | ``jwtKey`` |
    /// | `CLERK_PUBLISHABLE_KEY` | `clerk.publishableKey` | ``publishableKey`` |
    /// | `CLERK_DOMAIN` | `clerk.domain` | ``domain`` |
    /// | `CLERK_IS_SATELLITE` | `clerk.isSatellite` | ``isSatellite`` |
    /// | `CLERK_PROXY_URL` | `clerk.proxyURL` | ``proxyURL`` |
    /// | `CLERK_SIGN_IN_URL` | `clerk.signInURL` | ``signInURL`` |
    /// | `CLERK_SIGN_UP_URL` | `clerk.signUpURL` | ``signUpURL`` |
    /// | `CLERK_TELEMETRY_DISABLED` | `clerk.telemetryDisabled` | ``telemetry`` |
    /// | `CLERK_TELEMETRY_DEBUG` | `clerk.telemetryDebug` | ``telemetry`` |
    /// | `CLERK_JWKS_CACHE_TTL` | `clerk.jwksCacheTTL` | ``jwksCacheTTL`` (seconds) |
    /// | `CLERK_JWKS_MAX_STALENESS` | `clerk.jwksMaxStaleness` | ``jwksMaxStaleness`` (seconds) |
    /// | `CLERK_JWKS_REFETCH_INTERVAL` | `clerk.jwksRefetchInterval` | ``jwksRefetchInterval`` (seconds) |
    /// | `CLERK_MACHINE_TOKEN_CACHE_TTL` | `clerk.machineTokenCacheTTL` | ``machineTokenCacheTTL`` (seconds) |
    /// | `CLERK_MACHINE_TOKEN_MAX_STALENESS` | `clerk.machineTokenMaxStaleness` | ``machineTokenMaxStaleness`` (seconds) |
    /// | `CLERK_BUDGET_HANDSHAKE_PAYLOAD` | `clerk.budget.handshakePayload` | ``apiBudget`` (`calls/seconds`) |
    /// | `CLERK_BUDGET_SESSION_REFRESH` | `clerk.budget.sessionRefresh` | ``apiBudget`` (`calls/seconds`) |
    /// | `CLERK_BUDGET_MACHINE_TOKENS` | `clerk.budget.machineTokens` | ``apiBudget`` (`calls/seconds`) |
    /// | `CLERK_BUDGET_JWKS_REFETCH` | `clerk.budget.jwksRefetch` | ``apiBudget`` (`calls/seconds`) |
    public static let environmentVariables: [(variable: String, configKey: String, isSecret: Bool)] = [
        ("CLERK_SECRET_KEY", "clerk.secretKey", true),
        ("CLERK_MACHINE_SECRET_KEY", "clerk.machineSecretKey", true),
        ("CLERK_WEBHOOK_SIGNING_SECRET", "clerk.webhookSigningSecret", true),
        ("CLERK_API_URL", "clerk.apiURL", false),
        ("CLERK_API_VERSION", "clerk.apiVersion", false),
        ("CLERK_JWT_KEY", "clerk.jwtKey", false),
        ("CLERK_PUBLISHABLE_KEY", "clerk.publishableKey", false),
        ("CLERK_DOMAIN", "clerk.domain", false),
        ("CLERK_IS_SATELLITE", "clerk.isSatellite", false),
        ("CLERK_PROXY_URL", "clerk.proxyURL", false),
        ("CLERK_SIGN_IN_URL", "clerk.signInURL", false),
        ("CLERK_SIGN_UP_URL", "clerk.signUpURL", false),
        ("CLERK_TELEMETRY_DISABLED", "clerk.telemetryDisabled", false),
        ("CLERK_TELEMETRY_DEBUG", "clerk.telemetryDebug", false),
        ("CLERK_JWKS_CACHE_TTL", "clerk.jwksCacheTTL", false),
        ("CLERK_JWKS_MAX_STALENESS", "clerk.jwksMaxStaleness", false),
        ("CLERK_JWKS_REFETCH_INTERVAL", "clerk.jwksRefetchInterval", false),
        ("CLERK_MACHINE_TOKEN_CACHE_TTL", "clerk.machineTokenCacheTTL", false),
        ("CLERK_MACHINE_TOKEN_MAX_STALENESS", "clerk.machineTokenMaxStaleness", false),
        ("CLERK_BUDGET_HANDSHAKE_PAYLOAD", "clerk.budget.handshakePayload", false),
        ("CLERK_BUDGET_SESSION_REFRESH", "clerk.budget.sessionRefresh", false),
        ("CLERK_BUDGET_MACHINE_TOKENS", "clerk.budget.machineTokens", false),
        ("CLERK_BUDGET_JWKS_REFETCH", "clerk.budget.jwksRefetch", false),
    ]

    /// Options read from environment variables (see ``environmentVariables``).
    ///
    /// - Parameter environment: the variables to read; the process environment by default. Tests pass a
    ///   dictionary instead of calling `setenv`.
    /// - Throws: ``ClerkError`` with ``ClerkError/Code/invalidConfiguration`` when a boolean variable holds
    ///   something that is not a boolean, a duration variable something that is not a number of seconds, or a budget
    ///   variable something that is not `calls` or `calls/seconds`.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(lookup: { name, _ in environment[name] })
    }

    /// Options read through swift-configuration, with the keys listed in ``environmentVariables``; secrets are read
    /// with `isSecret: true`, so access reporters redact them.
    ///
    /// With an `EnvironmentVariablesProvider`, the key `clerk.secretKey` reads `CLERK_SECRET_KEY`, and so on.
    @available(macOS 15, iOS 18, *)
    public init(config: ConfigReader) throws {
        var keys: [String: (String, Bool)] = [:]
        for entry in ClerkOptions.environmentVariables { keys[entry.variable] = (entry.configKey, entry.isSecret) }
        try self.init(lookup: { name, _ in
            guard let (key, isSecret) = keys[name] else { return nil }
            return config.string(forKey: ConfigKey(key.split(separator: ".").map(String.init)), isSecret: isSecret)
        })
    }

    init(lookup: (String, Bool) -> String?) throws {
        func read(_ name: String, secret: Bool = false) -> String? {
            guard let raw = lookup(name, secret) else { return nil }
            let trimmed = raw.trimmed
            return trimmed.isEmpty ? nil : trimmed
        }
        func flag(_ name: String) throws -> Bool? {
            guard let value = read(name) else { return nil }
            if let parsed = ClerkOptions.parseTruthy(value) { return parsed }
            throw ClerkError(.invalidConfiguration, "\(name) must be true, false or an integer")
        }
        self.init(secretKey: nil)
        secretKey = read("CLERK_SECRET_KEY", secret: true).map { Secret($0) }
        machineSecretKey = read("CLERK_MACHINE_SECRET_KEY", secret: true).map { Secret($0) }
        webhookSigningSecret = read("CLERK_WEBHOOK_SIGNING_SECRET", secret: true).map { Secret($0) }
        func url(_ name: String) throws -> URL? {
            guard let value = read(name) else { return nil }
            guard let url = URL(string: value) else {
                throw ClerkError(.invalidConfiguration, "\(name) must be a URL")
            }
            return url
        }
        if let value = try url("CLERK_API_URL") { apiURL = value }
        if let value = read("CLERK_API_VERSION") { apiVersion = value }
        jwtKey = read("CLERK_JWT_KEY")
        publishableKey = read("CLERK_PUBLISHABLE_KEY")
        domain = read("CLERK_DOMAIN")
        isSatellite = try flag("CLERK_IS_SATELLITE") ?? false
        proxyURL = try url("CLERK_PROXY_URL")
        signInURL = try url("CLERK_SIGN_IN_URL")
        signUpURL = try url("CLERK_SIGN_UP_URL")
        telemetry = TelemetryOptions(
            disabled: try flag("CLERK_TELEMETRY_DISABLED") ?? false,
            debug: try flag("CLERK_TELEMETRY_DEBUG") ?? false
        )
        func seconds(_ name: String) throws -> Duration? {
            guard let value = read(name) else { return nil }
            guard let number = Double(value), number.isFinite, number >= 0, number <= 31_536_000 else {
                throw ClerkError(.invalidConfiguration, "\(name) must be a number of seconds")
            }
            return .milliseconds(Int64((number * 1000).rounded()))
        }
        if let value = try seconds("CLERK_JWKS_CACHE_TTL") { jwksCacheTTL = value }
        if let value = try seconds("CLERK_JWKS_MAX_STALENESS") { jwksMaxStaleness = value }
        if let value = try seconds("CLERK_JWKS_REFETCH_INTERVAL") { jwksRefetchInterval = value }
        if let value = try seconds("CLERK_MACHINE_TOKEN_CACHE_TTL") { machineTokenCacheTTL = value }
        if let value = try seconds("CLERK_MACHINE_TOKEN_MAX_STALENESS") { machineTokenMaxStaleness = value }
        func rate(_ name: String) throws -> BackendAPIBudget.Rate? {
            guard let value = read(name) else { return nil }
            guard let rate = BackendAPIBudget.Rate(parsing: value) else {
                throw ClerkError(.invalidConfiguration, "\(name) must be calls or calls/seconds, for example 30/10")
            }
            return rate
        }
        let handshake = try rate("CLERK_BUDGET_HANDSHAKE_PAYLOAD")
        let refresh = try rate("CLERK_BUDGET_SESSION_REFRESH")
        let machine = try rate("CLERK_BUDGET_MACHINE_TOKENS")
        let jwks = try rate("CLERK_BUDGET_JWKS_REFETCH")
        if handshake != nil || refresh != nil || machine != nil || jwks != nil {
            var budget = BackendAPIBudget.defaults(secretKey: secretKey)
            if let handshake { budget.handshakePayload = handshake }
            if let refresh { budget.sessionRefresh = refresh }
            if let machine { budget.machineTokenVerification = machine }
            if let jwks { budget.jwksRefetch = jwks }
            apiBudget = budget
        }
    }

    /// Parses a boolean the way Clerk's SDKs do: `true`/`false` in any case, or an integer (`> 0` is true).
    static func parseTruthy(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return Int(value).map { $0 > 0 }
        }
    }
}
