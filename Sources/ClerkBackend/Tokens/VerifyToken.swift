#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Metrics
import Tracing

/// Options of one ``ClerkClient/verifyToken(_:options:)`` call. Unset values fall back to the client's options.
public struct VerifyTokenOptions: Sendable, Hashable {
    /// Allowed `azp` values (the origins your frontend runs on). When set, a token without `azp` is rejected.
    public var authorizedParties: [String]?
    /// Expected `aud` values; checked only when both this and the token's `aud` are non-empty.
    public var audience: [String]?
    /// Allowed clock difference for `exp`, `nbf` and `iat` (default 5 s).
    public var clockSkew: Duration?
    /// Allowed `typ` header values. `nil`: `JWT`, or no `typ` at all.
    public var headerType: [String]?
    /// Refetch the JWKS even when the cache has the key.
    public var skipJWKSCache: Bool
    /// Overrides ``ClerkOptions/secretKey`` for this call (another instance's JWKS; see
    /// ``AuthenticateRequestOptions/secretKey``).
    public var secretKey: Secret?
    /// Overrides ``ClerkOptions/jwtKey`` for this call.
    public var jwtKey: String?

    /// Options for one `verifyToken` call; each left `nil` falls back to the client's ``ClerkOptions``.
    public init(
        authorizedParties: [String]? = nil, audience: [String]? = nil, clockSkew: Duration? = nil,
        headerType: [String]? = nil, skipJWKSCache: Bool = false, secretKey: Secret? = nil, jwtKey: String? = nil
    ) {
        self.secretKey = secretKey
        self.jwtKey = jwtKey
        self.authorizedParties = authorizedParties
        self.audience = audience
        self.clockSkew = clockSkew
        self.headerType = headerType
        self.skipJWKSCache = skipJWKSCache
    }
}

/// Clerk's JWT header categories (`cat`).
enum TokenCategory {
    static let session = JWTCategory.session.rawValue
    static let jwtTemplate = JWTCategory.jwtTemplate.rawValue
    static let m2m = JWTCategory.m2m.rawValue
    static let ignore = JWTCategory.ignore.rawValue
}

/// The `cat` header values a verification accepts (a token without `cat` is accepted by all of them).
enum AcceptedCategories: Sendable {
    /// `verifyToken`: anything but an M2M token.
    case notM2M
    /// A session carrier of `authenticateRequest` (header, cookie, handshake): `session` or `ignore`.
    case session
    /// An M2M JWT: `m2m`.
    case m2m
    /// An OAuth access token: its `typ` is checked instead.
    case any

    func accepts(_ decoded: DecodedJWT) -> Bool {
        guard let cat = decoded.header.cat else { return true }
        switch self {
        case .notM2M: return cat != TokenCategory.m2m
        case .session: return cat == TokenCategory.session || cat == TokenCategory.ignore
        case .m2m: return cat == TokenCategory.m2m
        case .any: return true
        }
    }
}

extension ClerkClient {
    /// Verifies a JWT signed by your Clerk instance and returns its claims: the Swift `verifyToken` of
    /// `@clerk/backend`.
    ///
    /// With `jwtKey` configured the check is networkless; otherwise the instance's JWKS is fetched with the secret
    /// key and cached (see ``ClerkOptions/jwksCacheTTL``). The signature is checked before any claim; then `sub`,
    /// `aud`, `azp`, `exp`, `nbf`, `iat` in that order, with ``ClerkOptions/clockSkew``. Only RS256, RS384 and RS512
    /// are accepted, and the header's `alg` must be the key's.
    ///
    /// **Which tokens it accepts**, by their `cat` header, as the reference SDK does:
    /// - session tokens (``JWTCategory/session``), tokens of instances that opted out of tagging
    ///   (``JWTCategory/ignore``), and tokens with no `cat`;
    /// - tokens minted from your JWT templates (``JWTCategory/jwtTemplate``), so that you can verify them too. Such a
    ///   token is *not* a session: tell it apart with ``JWTClaims/category`` before treating `sub` as a signed-in
    ///   user. ``authenticateRequest(_:options:)`` never accepts one as a session token, on any path.
    ///
    /// M2M tokens in JWT form (``JWTCategory/m2m``) are refused (`token-invalid`); verify machine tokens with
    /// ``authenticateRequest(_:options:)`` and an `acceptsToken` that names them.
    ///
    /// ```swift
    /// let claims = try await clerk.verifyToken(token, options: .init(authorizedParties: ["https://app.example.com"]))
    /// print(claims.sub ?? "", claims.sid ?? "")
    /// ```
    ///
    /// - Throws: ``TokenVerificationError``; switch on its `reason`.
    public func verifyToken(_ token: String, options: VerifyTokenOptions = VerifyTokenOptions()) async throws
        -> JWTClaims
    {
        if let client = try keyOverrideClient(options) {
            return try await client.verifyToken(token, options: options.withoutKeyOverrides)
        }
        return try await withClerkSpan("verifyToken", ofKind: .internal) { span in
            try await verifyJWT(token, decoded: nil, accepting: .notM2M, options: options, span: span)
        }
    }

    /// The one verification of a JWT, for every path (``verifyToken(_:options:)``, the header and cookie carriers of
    /// `authenticateRequest`, M2M and OAuth JWTs): the `cat` rule, then the key (``ClerkOptions/jwtKey`` or the
    /// instance's JWKS through the ``ClerkVerificationCache``), header, signature and claims. Each failure is counted
    /// in `clerk_token_verification_failures_total` and its reason recorded on `span`.
    ///
    /// `decoded` is the token already decoded, when the caller had to (so a token is decoded once).
    func verifyJWT(
        _ token: String, decoded alreadyDecoded: DecodedJWT?, accepting categories: AcceptedCategories,
        options: VerifyTokenOptions, span: (any Span)? = nil
    ) async throws -> JWTClaims {
        do {
            let decoded = try alreadyDecoded ?? decodeJWT(token)
            guard categories.accepts(decoded) else {
                throw TokenVerificationError(
                    reason: .tokenInvalid, message: categories == .m2m ? "Invalid M2M JWT category." : "Invalid session token category.",
                    action: TokenVerificationError.actionEnsureClerkJWT
                )
            }
            return try await verifyKeyAndClaims(decoded, options: options)
        } catch let error as TokenVerificationError {
            span?.attributes["clerk.token.failure_reason"] = error.reason.rawValue
            Counter(label: "clerk_token_verification_failures_total", dimensions: [("reason", error.reason.rawValue)])
                .increment()
            throw error
        }
    }

    /// Resolves the key and runs header, signature and claim checks on a decoded JWT (only through ``verifyJWT``).
    private func verifyKeyAndClaims(_ decoded: DecodedJWT, options: VerifyTokenOptions) async throws -> JWTClaims {
        let key: VerificationKey
        if let localKey {
            key = localKey  // networkless: no suspension point at all
        } else {
            key = try await resolveKey(for: decoded.header, skipCache: options.skipJWKSCache)
        }
        try checkHeaderAndSignature(decoded, key: key, headerType: options.headerType)
        try checkClaims(decoded.claims, options: options)
        var claims = decoded.claims
        if let cat = decoded.header.cat { claims.category = JWTCategory(rawValue: cat) }
        return claims
    }

    func resolveKey(for header: JWTHeader, skipCache: Bool) async throws -> VerificationKey {
        if let localKey { return localKey }
        guard let secretKey = options.secretKey, !secretKey.isEmpty else {
            throw TokenVerificationError(
                reason: .jwkFailedToResolve, message: "Failed to resolve JWK during verification.",
                action: TokenVerificationError.actionSetClerkJWTKey
            )
        }
        guard let kid = header.kid, !kid.isEmpty else {
            throw TokenVerificationError(
                reason: .jwkKidMismatch, message: "The token has no kid header, so no JWKS key can verify it.",
                action: TokenVerificationError.actionEnsureClerkJWT
            )
        }
        let cache = verificationCache.jwks
        let clock = options.clock
        let policy = JWKSCache.Policy(
            ttl: options.jwksCacheTTL, maxStaleness: options.jwksMaxStaleness, refetchInterval: options.jwksRefetchInterval
        )
        return try await cache.key(
            kid: kid, now: clock.now(), policy: policy, skipCache: skipCache,
            fetch: { [self] in try await self.fetchJWKS() },
            admitMissRefetch: { await self.spendBudget(.jwksRefetch) },
            clockNow: clock.now
        )
    }


    /// The largest JWKS response accepted.
    static let maxJWKSBytes = 256 * 1024

    /// Fetches `GET /v1/jwks` and keeps the usable RSA signing keys.
    func fetchJWKS() async throws -> [String: VerificationKey] {
        let response: ClerkHTTPResponse
        do {
            response = try await sendRaw(APIRequest(.getJWKS, retries: false))
        } catch let error as ClerkAPIResponseError {
            if let invalid = error.errors.first(where: { $0.code == .clerkKeyInvalid }) {
                throw TokenVerificationError(
                    reason: .invalidSecretKey, message: invalid.message, action: TokenVerificationError.actionContactSupport
                )
            }
            throw TokenVerificationError(
                reason: .remoteJWKFailedToLoad,
                message: "Error loading Clerk JWKS from \(apiBase)/\(options.apiVersion)/jwks with code=\(error.status)",
                action: TokenVerificationError.actionContactSupport
            )
        } catch let error as ClerkError {
            throw TokenVerificationError(reason: .remoteJWKFailedToLoad, message: error.message)
        } catch {
            throw TokenVerificationError(
                reason: .remoteJWKFailedToLoad, message: "Failed to load JWKS from Clerk Backend API: \(error)",
                action: TokenVerificationError.actionContactSupport
            )
        }
        guard response.body.count <= ClerkClient.maxJWKSBytes else {
            throw TokenVerificationError(reason: .remoteJWKFailedToLoad, message: "The JWKS response is too large.")
        }
        guard let document = JSONObjectParser.parseObject(Array(response.body)),
            let entries = document["keys"]?.arrayValue
        else {
            throw TokenVerificationError(reason: .remoteJWKFailedToLoad, message: "The JWKS response is not a JWKS.")
        }
        var keys: [String: VerificationKey] = [:]
        for entry in entries.prefix(100) {
            guard let jwk = entry.objectValue, let kid = jwk["kid"]?.stringValue, !kid.isEmpty,
                let key = VerificationKey(jwk: jwk)
            else { continue }
            keys[kid] = key
        }
        guard !keys.isEmpty else {
            throw TokenVerificationError(
                reason: .remoteJWKFailedToLoad,
                message: "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com."
            )
        }
        return keys
    }

    func checkHeaderAndSignature(_ decoded: DecodedJWT, key: VerificationKey, headerType: [String]?) throws {
        try Self.checkHeaderAndSignature(decoded, key: key, headerType: headerType)
    }

    static func checkHeaderAndSignature(_ decoded: DecodedJWT, key: VerificationKey, headerType: [String]?) throws {
        let header = decoded.header
        if let typValue = header.members[claim: "typ"] {
            let allowed = headerType ?? ["JWT"]
            guard let typ = typValue.stringValue, allowed.contains(typ) else {
                throw TokenVerificationError(
                    reason: .tokenInvalid,
                    message: "Invalid JWT type \(ClerkClient.jsonText(typValue)). Expected \"\(allowed.joined(separator: ", "))\"."
                )
            }
        } else if let headerType, !headerType.isEmpty {
            throw TokenVerificationError(
                reason: .tokenInvalid,
                message: "Invalid JWT type undefined. Expected \"\(headerType.joined(separator: ", "))\"."
            )
        }
        guard let alg = header.alg, let algorithm = JWTAlgorithm(rawValue: alg) else {
            throw TokenVerificationError(
                reason: .tokenInvalidAlgorithm,
                message: "Invalid JWT algorithm \(ClerkClient.jsonText(header["alg"])). Supported: RS256,RS384,RS512."
            )
        }
        guard algorithm == key.algorithm else {
            throw TokenVerificationError(
                reason: .tokenInvalidAlgorithm,
                message: "Invalid JWT algorithm \"\(alg)\": the signing key is for \(key.algorithm.rawValue).",
                action: TokenVerificationError.actionEnsureClerkJWT
            )
        }
        guard key.isValidSignature(decoded.signature, for: decoded.signingInput) else {
            throw TokenVerificationError(reason: .tokenInvalidSignature, message: "JWT signature is invalid.")
        }
    }

    func checkClaims(_ claims: JWTClaims, options callOptions: VerifyTokenOptions) throws {
        try Self.checkClaims(
            claims, audience: callOptions.audience ?? options.audience ?? [],
            authorizedParties: callOptions.authorizedParties ?? options.authorizedParties ?? [],
            skew: (callOptions.clockSkew ?? options.clockSkew).seconds, now: options.clock.now().timeIntervalSince1970
        )
    }

    /// The claim checks of every verification: `sub`, `aud` (when an audience is given), `azp` (when parties are
    /// given), `exp`, `nbf`, `iat`, with `skew` seconds of tolerance at `now` (Unix seconds).
    static func checkClaims(_ claims: JWTClaims, audience configuredAudience: [String], authorizedParties configuredParties: [String], skew: Double, now: Double) throws {
        let raw = claims
        guard raw.members.isString("sub") else {
            throw TokenVerificationError(
                reason: .tokenVerificationFailed,
                message: "Subject claim (sub) is required and must be a string. Received \(ClerkClient.jsonText(raw.members[claim: "sub"])).",
                action: TokenVerificationError.actionEnsureClerkJWT
            )
        }
        // No filtered copies on the success path: empty entries are ignored where they are read.
        if configuredAudience.contains(where: { !$0.isEmpty }) {
            let audience = configuredAudience.filter { !$0.isEmpty }
            switch raw.members[claim: "aud"] {
            case .string(let aud) where !aud.isEmpty:
                guard audience.contains(aud) else {
                    throw TokenVerificationError(
                        reason: .tokenVerificationFailed,
                        message: "Invalid JWT audience claim (aud) \"\(aud)\". Is not included in \(ClerkClient.jsonText(.array(audience.map { .string($0) })))."
                    )
                }
            case .array(let values):
                let strings = values.compactMap(\.stringValue).filter { !$0.isEmpty }
                if !strings.isEmpty, strings.count == values.count, !strings.contains(where: audience.contains) {
                    throw TokenVerificationError(
                        reason: .tokenVerificationFailed,
                        message: "Invalid JWT audience claim array (aud) \(ClerkClient.jsonText(.array(values))). Is not included in \(ClerkClient.jsonText(.array(audience.map { .string($0) })))."
                    )
                }
            default:
                break
            }
        }
        if configuredParties.contains(where: { !$0.isEmpty }) {
            guard raw.members.isNonEmptyString("azp", in: configuredParties) else {
                let parties = configuredParties.filter { !$0.isEmpty }
                throw TokenVerificationError(
                    reason: .tokenInvalidAuthorizedParties,
                    message: "Invalid JWT Authorized party claim (azp) \(ClerkClient.jsonText(raw.members[claim: "azp"])). Expected \"\(parties.joined(separator: ","))\"."
                )
            }
        }
        guard let exp = raw.members[claim: "exp"]?.doubleValue else {
            throw TokenVerificationError(
                reason: .tokenVerificationFailed,
                message: "Invalid JWT expiry date claim (exp) \(ClerkClient.jsonText(raw.members[claim: "exp"])). Expected number."
            )
        }
        if exp <= now - skew {
            throw TokenVerificationError(
                reason: .tokenExpired,
                message: "JWT is expired. Expiry date: \(ClerkClient.httpDate(exp)), Current date: \(ClerkClient.httpDate(now))."
            )
        }
        try checkNotInFuture(
            raw.members[claim: "nbf"], now: now, skew: skew, name: "not before date claim (nbf)", reason: .tokenNotActiveYet,
            failure: { "JWT cannot be used prior to not before date claim (nbf). Not before date: \($0); Current date: \($1);" }
        )
        try checkNotInFuture(
            raw.members[claim: "iat"], now: now, skew: skew, name: "issued at date claim (iat)", reason: .tokenIatInTheFuture,
            failure: { "JWT issued at date claim (iat) is in the future. Issued at date: \($0); Current date: \($1);" }
        )
    }

    /// An optional time claim (`nbf`, `iat`) must be a number no later than `now + skew`.
    private static func checkNotInFuture(
        _ value: JSONValue?, now: Double, skew: Double, name: String, reason: TokenVerificationError.Reason,
        failure: (String, String) -> String
    ) throws {
        guard let value else { return }
        guard let seconds = value.doubleValue else {
            throw TokenVerificationError(
                reason: .tokenVerificationFailed,
                message: "Invalid JWT \(name) \(ClerkClient.jsonText(value)). Expected number."
            )
        }
        if seconds > now + skew {
            throw TokenVerificationError(
                reason: reason, message: failure(ClerkClient.httpDate(seconds), ClerkClient.httpDate(now))
            )
        }
    }

    /// A short JSON rendering of a claim for error messages (strings are truncated).
    static func jsonText(_ value: JSONValue?) -> String {
        guard let value else { return "undefined" }
        switch value {
        case .string(let text):
            let shown = text.count <= 64 ? text : String(text.prefix(64)) + "…"
            return "\"\(shown)\""
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return String(number)
        case .array(let values): return "[" + values.prefix(8).map { jsonText($0) }.joined(separator: ",") + "]"
        case .object: return "{…}"
        }
    }

    /// RFC 1123 date (`Tue, 25 Oct 2022 00:00:00 GMT`) of Unix seconds.
    static func httpDate(_ seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e12 else { return String(seconds) }
        let total = Int64(seconds.rounded(.down))
        var days = total / 86_400
        var remainder = total % 86_400
        if remainder < 0 {
            remainder += 86_400
            days -= 1
        }
        let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][Int(((days % 7) + 7) % 7)]
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        var year = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        if month <= 2 { year += 1 }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(weekday), \(two(day)) \(months[Int(month - 1)]) \(year) \(two(remainder / 3600)):\(two(remainder % 3600 / 60)):\(two(remainder % 60)) GMT"
    }
}
