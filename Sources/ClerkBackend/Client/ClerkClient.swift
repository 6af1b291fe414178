#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
public import Configuration
import Crypto
import Logging
import Metrics

/// The entry point of ClerkBackend: Backend API resources and authentication helpers for one Clerk instance.
///
/// The Swift counterpart of `createClerkClient` in `@clerk/backend`:
///
/// ```swift
/// let clerk = try ClerkClient(options: ClerkOptions(secretKey: "sk_live_…"))
/// let page = try await clerk.users.getUserList(.init(limit: 20))
/// let user = try await clerk.users.getUser("user_123")
/// ```
///
/// or, from `CLERK_*` environment variables:
///
/// ```swift
/// let clerk = try ClerkClient.fromEnvironment()
/// ```
///
/// A client is cheap to share: create one per Clerk instance and keep it for the life of the process.
/// It is `Sendable`; every method is safe to call concurrently.
public final class ClerkClient: Sendable, CustomStringConvertible, CustomReflectable {
    /// The options this client was created with.
    public let options: ClerkOptions
    let transport: any ClerkHTTPTransport
    let apiBase: String
    let versionedBase: String
    let userAgent: String
    /// The parsed `jwtKey`, for networkless verification (parsed once, here).
    let localKey: VerificationKey?
    /// The parsed `publishableKey` (parsed once, here), when it is valid.
    let parsedPublishableKey: PublishableKey?
    /// The budget for calls that unauthenticated requests can cause (``ClerkOptions/apiBudget`` or the instance's
    /// default).
    let budget: BackendAPIBudget
    /// This instance's name in budget stores and verification caches: a digest of the API URL and secret key.
    let instanceScope: String
    /// The JWKS, machine-token answers and single-flight tables (``ClerkOptions/verificationCache`` or its own).
    let verificationCache: ClerkVerificationCache
    /// The clients made for per-call key overrides, kept so that each instance's caches outlive one call.
    let keyOverrideClients = KeyOverrideClients()

    /// Creates a client.
    ///
    /// - Throws: ``ClerkError`` when `apiURL` is not a valid https URL (http is accepted on loopback only, for the
    ///   emulator), or when a secret key is given that does not look like a Clerk secret key. A missing secret key
    ///   is not an error here: it is reported by the first API call that needs one.
    public init(options: ClerkOptions) throws {
        self.options = options
        apiBase = try ClerkClient.validateAPIURL(options.apiURL.absoluteString)
        let version = options.apiVersion.trimmed.trimming(["/"])
        let versionIsSegment = version.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_" || scalar == "."
        }
        guard !version.isEmpty, version != ".", version != "..", versionIsSegment else {
            throw ClerkError(.invalidConfiguration, "apiVersion must be a single path segment such as v1")
        }
        versionedBase = apiBase + "/" + version
        if let secretKey = options.secretKey { try ClerkClient.validateSecretKey(secretKey, name: "secretKey") }
        parsedPublishableKey = options.publishableKey.flatMap { try? PublishableKey($0) }
        budget = options.apiBudget ?? BackendAPIBudget.defaults(secretKey: options.secretKey)
        instanceScope = String(
            hexString(SHA256.hash(data: Array("\(apiBase)|\(options.secretKey?.revealed ?? "")".utf8))).prefix(32)
        )
        verificationCache = options.verificationCache ?? ClerkVerificationCache()
        guard verificationCache.claim(for: instanceScope) else {
            throw ClerkError(
                .invalidConfiguration,
                "verificationCache already serves another Clerk instance (another apiURL or secret key); give each instance its own"
            )
        }
        if let jwtKey = options.jwtKey, !jwtKey.trimmed.isEmpty {
            localKey = try VerificationKey(pem: jwtKey)
        } else {
            localKey = nil
        }
        if let transport = options.transport {
            self.transport = transport
        } else if let httpClient = options.httpClient {
            self.transport = AsyncHTTPClientTransport(client: httpClient)
        } else {
            self.transport = AsyncHTTPClientTransport()
        }
        var agent = options.userAgent ?? ClerkBackendVersion.userAgent
        if options.userAgent == nil, let metadata = options.sdkMetadata {
            agent = "\(metadata.name)/\(metadata.version) \(agent)"
        }
        userAgent = agent.filter { $0 != "\r" && $0 != "\n" }
        if options.telemetry.debug && !options.telemetry.disabled {
            options.logger.debug(
                "Clerk telemetry is in debug mode: events are logged here and never sent",
                metadata: ["sdk": "\(userAgent)"]
            )
        }
    }

    /// A client configured from `CLERK_*` environment variables (see ``ClerkOptions/environmentVariables``).
    ///
    /// - Parameters:
    ///   - environment: the variables to read; the process environment by default.
    ///   - requireSecretKey: throw at once when `CLERK_SECRET_KEY` is missing (default `true`).
    ///   - configure: adjusts the options before the client is built (timeouts, logger, HTTP client…).
    /// - Throws: ``ClerkError`` with ``ClerkError/Code/missingSecretKey`` or ``ClerkError/Code/malformedSecretKey``,
    ///   or any error of ``init(options:)``. The message names the variable, never its value.
    public static func fromEnvironment(
        _ environment: [String: String] = ProcessInfo.processInfo.environment,
        requireSecretKey: Bool = true,
        configure: (inout ClerkOptions) -> Void = { _ in }
    ) throws -> ClerkClient {
        var options = try ClerkOptions(environment: environment)
        if requireSecretKey && options.secretKey == nil {
            throw ClerkError(.missingSecretKey, "CLERK_SECRET_KEY is not set. Find your secret key in the Clerk Dashboard under API keys.")
        }
        configure(&options)
        return try ClerkClient(options: options)
    }

    /// A client configured through swift-configuration (keys listed in ``ClerkOptions/environmentVariables``).
    @available(macOS 15, iOS 18, *)
    public static func fromConfig(
        _ config: ConfigReader,
        requireSecretKey: Bool = true,
        configure: (inout ClerkOptions) -> Void = { _ in }
    ) throws -> ClerkClient {
        var options = try ClerkOptions(config: config)
        if requireSecretKey && options.secretKey == nil {
            throw ClerkError(.missingSecretKey, "clerk.secretKey (CLERK_SECRET_KEY) is not set")
        }
        configure(&options)
        return try ClerkClient(options: options)
    }

    public var description: String { "ClerkClient(\(options))" }

    /// Takes one call of `category` from the budget; `false` (and a count in `clerk_api_budget_refusals_total`) when
    /// the budget is spent, in which case the caller makes no call.
    func spendBudget(_ category: BackendAPIBudget.Category) async -> Bool {
        let allowed = await options.apiBudgetStore.consume(
            key: instanceScope + "|" + category.rawValue, rate: budget.rate(for: category), now: options.clock.now()
        )
        if !allowed {
            Counter(label: "clerk_api_budget_refusals_total", dimensions: [("category", category.rawValue)]).increment()
            options.logger.debug("Clerk: Backend API budget spent; call refused", metadata: ["category": "\(category.rawValue)"])
        }
        return allowed
    }
    public var customMirror: Mirror { Mirror(self, children: ["options": options], displayStyle: .class) }

    // MARK: - Validation

    static func validateSecretKey(_ key: Secret, name: String) throws {
        let value = key.revealed
        guard value.hasPrefix("sk_live_") || value.hasPrefix("sk_test_") else {
            throw ClerkError(.malformedSecretKey, "\(name) must start with sk_live_ or sk_test_ (check that you did not paste the publishable key)")
        }
        guard value.count > 8, value.count <= 512,
            value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F })
        else {
            throw ClerkError(.malformedSecretKey, "\(name) contains whitespace or characters a Clerk secret key never has")
        }
    }

    /// Returns the API base URL without a trailing slash, or throws when it is not acceptable.
    static func validateAPIURL(_ raw: String) throws -> String {
        let trimmed = raw.trimmed
        guard let components = URLComponents(string: trimmed), let scheme = components.scheme?.lowercased(),
            let host = components.host, !host.isEmpty
        else {
            throw ClerkError(.invalidAPIURL, "apiURL must be an absolute URL such as https://api.clerk.com")
        }
        guard components.query == nil, components.fragment == nil, components.user == nil, components.password == nil
        else {
            throw ClerkError(.invalidAPIURL, "apiURL must not contain credentials, a query or a fragment")
        }
        switch scheme {
        case "https": break
        case "http":
            guard isLiteralLoopback(host: host) else {
                throw ClerkError(
                    .invalidAPIURL,
                    "apiURL must use https (http is allowed only for localhost, 127.x.x.x and [::1], for the emulator)"
                )
            }
        default:
            throw ClerkError(.invalidAPIURL, "apiURL must use https")
        }
        var base = trimmed
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    /// `localhost`, `127.x.x.x` or `::1`: names that never leave the machine. Unlike ``isLoopback(host:)``, not
    /// `*.localhost`: browsers map those to loopback themselves, but this process resolves them through DNS, and a
    /// resolver that answers for `evil.localhost` would receive the secret key over plain http.
    static func isLiteralLoopback(host: String) -> Bool {
        let lowered = host.lowercased().trimming(["[", "]"])
        if lowered == "localhost" || lowered == "::1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { !$0.isEmpty && $0.count <= 3 && UInt8($0) != nil }
    }

    /// A loopback host as a browser sees it: ``isLiteralLoopback(host:)`` or any `*.localhost` name.
    static func isLoopback(host: String) -> Bool {
        let lowered = host.lowercased().trimming(["[", "]"])
        if lowered == "localhost" || lowered.hasSuffix(".localhost") || lowered == "::1" { return true }
        let parts = lowered.split(separator: ".")
        if parts.count == 4, parts[0] == "127", parts.allSatisfy({ UInt8($0) != nil }) { return true }
        return false
    }
}
