#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import AsyncHTTPClient
public import Logging

/// Everything a ``ClerkClient`` can be configured with: the options of `createClerkClient` in `@clerk/backend`,
/// plus what a Swift server needs (timeouts, retries, logging, an injected HTTP client or transport, a clock).
///
/// ```swift
/// var options = ClerkOptions(secretKey: "sk_live_…")
/// options.requestTimeout = .seconds(10)
/// let clerk = try ClerkClient(options: options)
/// ```
///
/// Secrets are held as ``Secret`` values: printing or dumping the options never shows them.
/// This is a server library: never ship a secret key inside an app that runs on users' devices.
public struct ClerkOptions: Sendable, CustomStringConvertible, CustomReflectable {
    /// The instance's secret key (`sk_live_…` / `sk_test_…`). Required for Backend API calls and JWKS fetches.
    public var secretKey: Secret?
    /// A machine secret key (`ak_…`), used instead of the secret key for machine-to-machine token calls.
    public var machineSecretKey: Secret?
    /// The instance's JWT verification key (PEM, with or without armour), for networkless token verification.
    public var jwtKey: String?
    /// The instance's publishable key (`pk_live_…` / `pk_test_…`), which encodes the Frontend API host.
    public var publishableKey: String?
    /// The satellite domain, for multi-domain setups.
    public var domain: String?
    /// Whether this app is a satellite of another domain.
    public var isSatellite: Bool
    /// Whether a satellite syncs its session with the primary domain on the first page load.
    public var satelliteAutoSync: Bool?
    /// The Frontend API proxy URL, if the app proxies Clerk's Frontend API.
    public var proxyURL: URL?
    /// Identifies a framework integration built on this SDK: `<name>/<version>` goes in front of this SDK's own
    /// `User-Agent` (ClerkVapor and ClerkHummingbird set it). `@clerk/backend` puts its `sdkMetadata` in telemetry
    /// events instead, which this SDK never sends; a `User-Agent` is where Clerk's logs can still tell the
    /// integration apart. Ignored when ``userAgent`` is set.
    public var sdkMetadata: SDKMetadata?
    /// Telemetry switches, accepted so that options written for `@clerk/backend` carry over. This SDK never sends
    /// telemetry to Clerk, whatever they say (see ``TelemetryOptions``).
    public var telemetry: TelemetryOptions
    /// A `User-Agent` to send instead of this SDK's own.
    public var userAgent: String?
    /// The Backend API base URL. Must be https, except on loopback (for the emulator).
    public var apiURL: URL
    /// The API path version (`v1`).
    public var apiVersion: String
    /// Expected `aud` claim(s) of session tokens.
    public var audience: [String]?
    /// The webhook signing secret (`whsec_…`), used by `verifyWebhook` when none is passed.
    public var webhookSigningSecret: Secret?
    /// Allowed `azp` values of session tokens: the origins your frontend runs on (`https://app.example.com`).
    /// Strongly recommended for cookie-based authentication (it stops tokens minted for other sites).
    public var authorizedParties: [String]?
    /// Allowed clock difference for `exp`, `nbf` and `iat` (default 5 s, as the reference).
    public var clockSkew: Duration
    /// How long fetched JWKS keys are fresh (default 5 minutes, `CLERK_JWKS_CACHE_TTL` in seconds). The first lookup
    /// after that refetches the key set.
    public var jwksCacheTTL: Duration
    /// How long past ``jwksCacheTTL`` the last good key set keeps verifying tokens while refetching it fails (default
    /// 1 hour, `CLERK_JWKS_MAX_STALENESS` in seconds; zero turns stale keys off). Failed refetches are retried in the
    /// background with exponential backoff, from ``jwksRefetchInterval`` up to 5 minutes. A key removed from the
    /// instance's JWKS stops verifying at the first successful refetch.
    public var jwksMaxStaleness: Duration
    /// The shortest time between two JWKS refetches caused by unknown kids, and the first backoff after a failed
    /// fetch (default 5 s, `CLERK_JWKS_REFETCH_INTERVAL` in seconds): a flood of tokens with random kids makes at most
    /// one Backend API request per interval (and no more than ``BackendAPIBudget/jwksRefetch`` allows).
    public var jwksRefetchInterval: Duration
    /// How long a machine-token verification by the Backend API is remembered (default 10 s,
    /// `CLERK_MACHINE_TOKEN_CACHE_TTL` in seconds). After that, a token that verified is revalidated on its next use
    /// (outside the ``BackendAPIBudget/machineTokenVerification`` budget), so revoking an API key or M2M token takes
    /// effect within this time.
    public var machineTokenCacheTTL: Duration
    /// How long past ``machineTokenCacheTTL`` a machine token that verified keeps working when its revalidation fails
    /// for a reason that says nothing about the token (the Backend API answers 429 or 5xx, or cannot be reached); default
    /// 5 minutes, `CLERK_MACHINE_TOKEN_MAX_STALENESS` in seconds. A definite answer (revoked, not found) ends it at once.
    public var machineTokenMaxStaleness: Duration
    /// The limits on Backend API calls that requests without valid credentials can cause (handshake nonces, session
    /// refreshes, unknown machine tokens, unknown JWKS kids). `nil` (the default) picks ``BackendAPIBudget/production``
    /// for a `sk_live_` secret key and ``BackendAPIBudget/development`` otherwise. Each rate can also be set with
    /// `CLERK_BUDGET_HANDSHAKE_PAYLOAD`, `CLERK_BUDGET_SESSION_REFRESH`, `CLERK_BUDGET_MACHINE_TOKENS` and
    /// `CLERK_BUDGET_JWKS_REFETCH` (`calls/seconds`, for example `30/10`).
    public var apiBudget: BackendAPIBudget?
    /// Where the budget's buckets live (default: ``InMemoryBackendAPIBudgetStore/shared``, this process). Give every
    /// replica of an app the same shared store to enforce one budget across a fleet.
    public var apiBudgetStore: any BackendAPIBudgetStore
    /// The sign-in page, for integrations that redirect signed-out page navigations: absolute, or a path
    /// (`/sign-in`) on the app's origin.
    public var signInURL: URL?
    /// The sign-up page, absolute or a path on the app's origin.
    public var signUpURL: URL?
    /// Time allowed for one HTTP attempt.
    public var requestTimeout: Duration
    /// Retry behaviour of API calls.
    public var retryPolicy: RetryPolicy
    /// Where the SDK logs (at most `info`, never secrets). Defaults to a logger that discards everything.
    public var logger: Logger
    /// An AsyncHTTPClient client to send requests with (for example your app's shared client).
    public var httpClient: HTTPClient?
    /// A transport to use instead of AsyncHTTPClient (for example an in-memory one in tests). Wins over ``httpClient``.
    public var transport: (any ClerkHTTPTransport)?
    /// The clock and sleeper for backoff, deadlines, token times and cache lifetimes.
    public var clock: ClerkClock
    /// What this client remembers between requests: the instance's JWKS, machine-token answers, and the calls in
    /// flight (see ``ClerkVerificationCache``). `nil` (the default): the client has its own. Give clients of the same
    /// instance one cache to share what they learn; a cache serves one instance only.
    public var verificationCache: ClerkVerificationCache?

    /// Options with every value given or defaulted; see each property for its default and its environment variable.
    public init(
        secretKey: Secret? = nil,
        machineSecretKey: Secret? = nil,
        jwtKey: String? = nil,
        publishableKey: String? = nil,
        domain: String? = nil,
        isSatellite: Bool = false,
        satelliteAutoSync: Bool? = nil,
        proxyURL: URL? = nil,
        sdkMetadata: SDKMetadata? = nil,
        telemetry: TelemetryOptions = TelemetryOptions(),
        userAgent: String? = nil,
        apiURL: URL = ClerkOptions.defaultAPIURL,
        apiVersion: String = ClerkOptions.defaultAPIVersion,
        audience: [String]? = nil,
        webhookSigningSecret: Secret? = nil,
        signInURL: URL? = nil,
        signUpURL: URL? = nil,
        authorizedParties: [String]? = nil,
        clockSkew: Duration = .seconds(5),
        jwksCacheTTL: Duration = .seconds(300),
        jwksMaxStaleness: Duration = .seconds(3600),
        jwksRefetchInterval: Duration = .seconds(5),
        machineTokenCacheTTL: Duration = .seconds(10),
        machineTokenMaxStaleness: Duration = .seconds(300),
        apiBudget: BackendAPIBudget? = nil,
        apiBudgetStore: any BackendAPIBudgetStore = InMemoryBackendAPIBudgetStore.shared,
        requestTimeout: Duration = .seconds(30),
        retryPolicy: RetryPolicy = .default,
        logger: Logger = ClerkOptions.disabledLogger,
        httpClient: HTTPClient? = nil,
        transport: (any ClerkHTTPTransport)? = nil,
        clock: ClerkClock = .system
    ) {
        self.secretKey = secretKey
        self.machineSecretKey = machineSecretKey
        self.jwtKey = jwtKey
        self.publishableKey = publishableKey
        self.domain = domain
        self.isSatellite = isSatellite
        self.satelliteAutoSync = satelliteAutoSync
        self.proxyURL = proxyURL
        self.sdkMetadata = sdkMetadata
        self.telemetry = telemetry
        self.userAgent = userAgent
        self.apiURL = apiURL
        self.apiVersion = apiVersion
        self.audience = audience
        self.webhookSigningSecret = webhookSigningSecret
        self.signInURL = signInURL
        self.signUpURL = signUpURL
        self.authorizedParties = authorizedParties
        self.clockSkew = clockSkew
        self.jwksCacheTTL = jwksCacheTTL
        self.jwksMaxStaleness = jwksMaxStaleness
        self.jwksRefetchInterval = jwksRefetchInterval
        self.machineTokenCacheTTL = machineTokenCacheTTL
        self.machineTokenMaxStaleness = machineTokenMaxStaleness
        self.apiBudget = apiBudget
        self.apiBudgetStore = apiBudgetStore
        self.requestTimeout = requestTimeout
        self.retryPolicy = retryPolicy
        self.logger = logger
        self.httpClient = httpClient
        self.transport = transport
        self.clock = clock
    }

    /// `https://api.clerk.com`.
    public static let defaultAPIURL = URL(string: "https://api.clerk.com")!
    /// `v1`.
    public static let defaultAPIVersion = "v1"
    /// A logger that discards everything (the default).
    public static let disabledLogger = Logger(label: "clerk-do-not-log", factory: { _ in SwiftLogNoOpLogHandler() })

    public var description: String {
        var parts: [String] = []
        parts.append("secretKey: \(secretKey.map(\.description) ?? "nil")")
        if machineSecretKey != nil { parts.append("machineSecretKey: (redacted)") }
        if webhookSigningSecret != nil { parts.append("webhookSigningSecret: (redacted)") }
        if let publishableKey { parts.append("publishableKey: \(publishableKey)") }
        if jwtKey != nil { parts.append("jwtKey: (set)") }
        parts.append("apiURL: \(apiURL.absoluteString)")
        parts.append("apiVersion: \(apiVersion)")
        if let domain { parts.append("domain: \(domain)") }
        if isSatellite { parts.append("isSatellite: true") }
        if let proxyURL { parts.append("proxyURL: \(proxyURL.absoluteString)") }
        parts.append("requestTimeout: \(requestTimeout)")
        parts.append("maxAttempts: \(retryPolicy.maxAttempts)")
        return "ClerkOptions(\(parts.joined(separator: ", ")))"
    }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "secretKey": secretKey as Any, "machineSecretKey": machineSecretKey as Any,
                "webhookSigningSecret": webhookSigningSecret as Any, "publishableKey": publishableKey as Any,
                "apiURL": apiURL, "apiVersion": apiVersion, "domain": domain as Any, "isSatellite": isSatellite,
                "proxyURL": proxyURL as Any, "requestTimeout": requestTimeout, "retryPolicy": retryPolicy,
            ],
            displayStyle: .struct
        )
    }
}

/// Identifies a framework integration built on ClerkBackend.
public struct SDKMetadata: Sendable, Hashable {
    /// The integration's name (`clerk-vapor`).
    public var name: String
    /// The integration's version.
    public var version: String
    /// The environment (`production`, `development`), if known.
    public var environment: String?
    /// Names the SDK or framework built on this one, its version and, optionally, the environment.
    public init(name: String, version: String, environment: String? = nil) {
        self.name = name
        self.version = version
        self.environment = environment
    }
}

/// Telemetry switches, accepted for parity with `@clerk/backend`.
///
/// ClerkBackend for Swift sends nothing to Clerk's telemetry service, whatever these say, and records no events.
/// With ``debug`` on (and ``disabled`` off), the client logs one line at `debug` level when it is created, saying so;
/// that is all either switch does.
public struct TelemetryOptions: Sendable, Hashable {
    /// `CLERK_TELEMETRY_DISABLED`.
    public var disabled: Bool
    /// `CLERK_TELEMETRY_DEBUG`: log, once per client at `debug` level, that no telemetry is sent.
    public var debug: Bool
    /// Telemetry options, as `createClerkClient` takes them.
    public init(disabled: Bool = false, debug: Bool = false) {
        self.disabled = disabled
        self.debug = debug
    }
}
