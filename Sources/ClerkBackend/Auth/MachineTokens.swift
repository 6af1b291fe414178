#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import Synchronization

/// Why a machine token (API key, M2M token, OAuth access token) was not accepted.
public struct MachineTokenVerificationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reference's `MachineTokenVerificationErrorCode` values, plus this SDK's rate cap.
    public struct Code: OpenStringEnum {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public static let tokenInvalid: Self = "token-invalid"
        public static let invalidSecretKey: Self = "secret-key-invalid"
        public static let unexpectedError: Self = "unexpected-error"
        public static let tokenVerificationFailed: Self = "token-verification-failed"
        /// Too many unknown machine tokens in a short time: refused locally to protect the Backend API rate limit.
        public static let rateLimited: Self = "machine-token-rate-limited"
    }

    /// The error code, to switch on.
    public let code: Code
    /// A readable explanation.
    public let message: String
    /// The Backend API status, when the API answered.
    public let status: Int?

    public init(code: Code, message: String, status: Int? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// `<message> (code=<code>, status=<status|n/a>)`.
    public var fullMessage: String { "\(message) (code=\(code.rawValue), status=\(status.map(String.init) ?? "n/a"))" }
    public var description: String { "MachineTokenVerificationError(\(fullMessage))" }
}

/// Machine-token detection (§2.16).
enum MachineTokens {
    static let m2mPrefix = "mt_"
    static let oauthPrefix = "oat_"
    static let apiKeyPrefix = "ak_"

    /// Whether the token has one of the opaque machine-token prefixes (`mt_`, `oat_`, `ak_`).
    static func hasOpaquePrefix(_ token: String) -> Bool {
        token.hasPrefix(m2mPrefix) || token.hasPrefix(oauthPrefix) || token.hasPrefix(apiKeyPrefix)
    }

    static func isMachineToken(_ token: String) -> Bool {
        if hasOpaquePrefix(token) { return true }
        guard looksLikeJWT(token), let decoded = try? decodeJWT(token) else { return false }
        return isMachineJWT(decoded)
    }

    /// The machine token type, or `nil` when the token is not a machine token.
    static func tokenType(of token: String) -> TokenType? {
        if token.hasPrefix(m2mPrefix) { return .m2mToken }
        if token.hasPrefix(oauthPrefix) { return .oauthToken }
        if token.hasPrefix(apiKeyPrefix) { return .apiKey }
        guard looksLikeJWT(token), let decoded = try? decodeJWT(token) else { return nil }
        if isM2MJWT(decoded) { return .m2mToken }
        if isOAuthJWT(decoded) { return .oauthToken }
        return nil
    }

    static func isMachineJWT(_ decoded: DecodedJWT) -> Bool { isM2MJWT(decoded) || isOAuthJWT(decoded) }
    static func isM2MJWT(_ decoded: DecodedJWT) -> Bool { decoded.claims.sub?.hasPrefix("mch_") ?? false }
    static func isOAuthJWT(_ decoded: DecodedJWT) -> Bool {
        decoded.header.typ == "at+jwt" || decoded.header.typ == "application/at+jwt"
    }

    /// Three non-empty base64url segments without padding.
    static func looksLikeJWT(_ token: String) -> Bool {
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return parts.count == 3 && parts.allSatisfy { part in
            !part.isEmpty && part.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
        }
    }

    /// The shape of an opaque machine token: its prefix, then 16–256 base64url-ish characters.
    static func hasOpaqueFormat(_ token: String, prefix: String) -> Bool {
        let body = token.utf8.dropFirst(prefix.utf8.count)
        return body.count >= 16 && body.count <= 256
            && body.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            }
    }
}

/// Caches, single-flights and rate-caps opaque machine-token verifications against the Backend API, per instance.
final class MachineTokenGuard: Sendable {
    private struct State: Sendable {
        var cache: [String: (expires: Date, result: Result<MachineAuth, MachineTokenVerificationError>)] = [:]
        var inFlight: [String: Task<MachineAuth, any Error>] = [:]
        var tokens: Double
        var refilledAt: Date?
    }

    private let state: Mutex<State>
    private static let registry = Mutex<[String: MachineTokenGuard]>([:])
    static let maxCacheEntries = 10_000

    private init(burst: Double) { state = Mutex(State(tokens: burst)) }

    static func shared(scope: String, burst: Double) -> MachineTokenGuard {
        registry.withLock { guards in
            if let existing = guards[scope] { return existing }
            let created = MachineTokenGuard(burst: burst)
            guards[scope] = created
            return created
        }
    }

    /// Returns the cached or in-flight verification of `token`, or runs `verify` (if the rate allows).
    func verify(
        token: String, now: Date, ttl: Duration, ratePerSecond: Double, burst: Double,
        verify: @escaping @Sendable () async throws -> MachineAuth
    ) async throws -> MachineAuth {
        let key = hexString(SHA256.hash(data: Array(token.utf8)))
        enum Decision {
            case cached(Result<MachineAuth, MachineTokenVerificationError>)
            case wait(Task<MachineAuth, any Error>)
            case limited
        }
        let decision: Decision = state.withLock { state in
            if let entry = state.cache[key] {
                if entry.expires > now { return .cached(entry.result) }
                state.cache[key] = nil
            }
            if let task = state.inFlight[key] { return .wait(task) }
            // Token bucket for Backend API calls.
            if let refilled = state.refilledAt {
                state.tokens = min(burst, state.tokens + max(0, now.timeIntervalSince(refilled)) * ratePerSecond)
            }
            state.refilledAt = now
            guard state.tokens >= 1 else { return .limited }
            state.tokens -= 1
            let task = Task { [self] in
                do {
                    let result = try await verify()
                    self.store(key: key, result: .success(result), now: now, ttl: ttl)
                    return result
                } catch let error as MachineTokenVerificationError {
                    // Only definite answers are cached; transient failures are not.
                    if error.code == .tokenInvalid || error.code == .tokenVerificationFailed {
                        self.store(key: key, result: .failure(error), now: now, ttl: ttl)
                    } else {
                        self.store(key: key, result: nil, now: now, ttl: ttl)
                    }
                    throw error
                } catch {
                    self.store(key: key, result: nil, now: now, ttl: ttl)
                    throw error
                }
            }
            state.inFlight[key] = task
            return .wait(task)
        }
        switch decision {
        case .cached(let result): return try result.get()
        case .wait(let task): return try await task.value
        case .limited:
            throw MachineTokenVerificationError(
                code: .rateLimited, message: "Too many machine tokens to verify; try again shortly"
            )
        }
    }

    private func store(key: String, result: Result<MachineAuth, MachineTokenVerificationError>?, now: Date, ttl: Duration) {
        state.withLock { state in
            state.inFlight[key] = nil
            guard let result else { return }
            if state.cache.count >= MachineTokenGuard.maxCacheEntries {
                state.cache = state.cache.filter { $0.value.expires > now }
                if state.cache.count >= MachineTokenGuard.maxCacheEntries { state.cache.removeAll() }
            }
            state.cache[key] = (now.addingTimeInterval(ttl.seconds), result)
        }
    }
}

extension ClerkClient {
    var machineTokens: MachineTokenVerifier { MachineTokenVerifier(client: self) }
}

/// Verifies machine tokens: opaque ones through the Backend API (behind the guard), JWTs locally.
struct MachineTokenVerifier {
    let client: ClerkClient

    func verify(_ token: String, type: TokenType, verifyOptions: VerifyTokenOptions) async throws -> MachineAuth {
        if MachineTokens.looksLikeJWT(token), !token.hasPrefix(MachineTokens.m2mPrefix),
            !token.hasPrefix(MachineTokens.oauthPrefix), !token.hasPrefix(MachineTokens.apiKeyPrefix)
        {
            return try await verifyJWT(token, type: type, verifyOptions: verifyOptions)
        }
        let prefix: String
        switch type {
        case .apiKey: prefix = MachineTokens.apiKeyPrefix
        case .m2mToken: prefix = MachineTokens.m2mPrefix
        default: prefix = MachineTokens.oauthPrefix
        }
        guard MachineTokens.hasOpaqueFormat(token, prefix: prefix) else {
            throw MachineTokenVerificationError(code: .tokenInvalid, message: "Malformed machine token")
        }
        let options = client.options
        let scopeKey = "\(client.apiBase)|\(options.secretKey?.revealed ?? "")|\(options.machineSecretKey?.revealed ?? "")"
        let scope = hexString(SHA256.hash(data: Array(scopeKey.utf8)))
        let guardian = MachineTokenGuard.shared(scope: scope, burst: Double(options.machineTokenVerifyBurst))
        return try await guardian.verify(
            token: token, now: options.clock.now(), ttl: options.machineTokenCacheTTL,
            ratePerSecond: options.machineTokenVerifyRate, burst: Double(options.machineTokenVerifyBurst)
        ) { [client] in
            try await MachineTokenVerifier(client: client).verifyRemotely(token, type: type)
        }
    }

    func verifyRemotely(_ token: String, type: TokenType) async throws -> MachineAuth {
        do {
            switch type {
            case .apiKey:
                let key: VerifyApiKeyResponse = try await client.send(
                    APIRequest(.verifyApiKey, json: VerifyApiKeyBody(secret: token))
                )
                return MachineAuth(
                    id: key.id, subject: key.subject, scopes: key.scopes, name: key.name, claims: key.claims,
                    orgId: key.subject.hasPrefix("org_") ? key.subject : nil
                )
            case .m2mToken:
                let m2m: VerifyM2MTokenResponse = try await client.send(
                    APIRequest(
                        .verifyM2MToken, json: VerifyM2MTokenBody(token: token),
                        authorization: .machineSecretKeyOrSecretKey
                    )
                )
                return MachineAuth(id: m2m.id, subject: m2m.subject, scopes: m2m.scopes ?? [], claims: m2m.claims, machineId: m2m.subject)
            default:
                let response: VerifyOAuthAccessTokenResponse = try await client.send(
                    APIRequest(
                        .verifyOAuthAccessToken, json: VerifyOAuthAccessTokenBody(accessToken: token)
                    )
                )
                guard case .clerkIdpOauthAccessToken(let oauth) = response else {
                    throw MachineTokenVerificationError(code: .tokenInvalid, message: "OAuth token not found", status: 404)
                }
                return MachineAuth(id: oauth.id, subject: oauth.subject, scopes: oauth.scopes, clientId: oauth.clientId)
            }
        } catch let error as ClerkAPIResponseError {
            switch error.status {
            case 401:
                throw MachineTokenVerificationError(
                    code: .invalidSecretKey, message: error.errors.first?.message ?? "Invalid secret key", status: 401
                )
            case 404:
                let what = type == .apiKey ? "API key" : type == .m2mToken ? "Machine token" : "OAuth token"
                throw MachineTokenVerificationError(code: .tokenInvalid, message: "\(what) not found", status: 404)
            default:
                throw MachineTokenVerificationError(code: .unexpectedError, message: "Unexpected error", status: error.status)
            }
        } catch let error as MachineTokenVerificationError {
            throw error
        } catch {
            throw MachineTokenVerificationError(code: .unexpectedError, message: "Unexpected error")
        }
    }

    /// M2M and OAuth JWTs are verified locally with the instance keys.
    func verifyJWT(_ token: String, type: TokenType, verifyOptions: VerifyTokenOptions) async throws -> MachineAuth {
        let decoded: DecodedJWT
        do {
            decoded = try decodeJWT(token)
        } catch let error as TokenVerificationError {
            throw MachineTokenVerificationError(code: .tokenVerificationFailed, message: error.message)
        }
        var options = verifyOptions
        let isM2M = MachineTokens.isM2MJWT(decoded)
        if isM2M {
            if let cat = decoded.header.cat, cat != TokenCategory.m2m {
                throw MachineTokenVerificationError(code: .tokenInvalid, message: "Invalid M2M JWT category.")
            }
        } else if MachineTokens.isOAuthJWT(decoded) {
            options.headerType = ["at+jwt", "application/at+jwt"]
        } else {
            throw MachineTokenVerificationError(
                code: .tokenVerificationFailed,
                message: "Invalid JWT type: \(decoded.header.typ ?? "missing"). Expected one of: at+jwt, application/at+jwt for OAuth, or sub starting with 'mch_' for M2M"
            )
        }
        let claims: JWTClaims
        do {
            claims = try await client.verifyDecodedJWT(decoded, options: options)
        } catch let error as TokenVerificationError {
            throw MachineTokenVerificationError(code: .tokenVerificationFailed, message: error.message)
        }
        let subject = claims.sub ?? ""
        if isM2M {
            let scopes = claims["scopes"]?.stringValue.map { $0.split(separator: " ").map(String.init) } ?? claims.aud
            var custom = claims.raw
            for reserved in ["iss", "sub", "exp", "nbf", "iat", "jti"] { custom[reserved] = nil }
            return MachineAuth(
                id: claims.jti ?? "", subject: subject, scopes: scopes, claims: custom.isEmpty ? nil : .object(custom),
                machineId: subject
            )
        }
        let scopes: [String]
        if let scp = claims["scp"]?.arrayValue {
            scopes = scp.compactMap(\.stringValue)
        } else {
            scopes = claims["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) } ?? []
        }
        return MachineAuth(id: claims.jti ?? "", subject: subject, scopes: scopes, clientId: claims["client_id"]?.stringValue)
    }
}

extension ClerkAuth {
    /// An authenticated machine auth object.
    static func machine(_ machine: MachineAuth, type: TokenType, token: String) -> ClerkAuth {
        let userId: String?
        switch type {
        case .apiKey: userId = machine.subject.hasPrefix("user_") ? machine.subject : nil
        case .oauthToken: userId = machine.subject
        default: userId = nil
        }
        return ClerkAuth(
            isAuthenticated: true, tokenType: type, sessionClaims: nil, userId: userId, sessionId: nil, sessionStatus: nil,
            orgId: type == .apiKey ? machine.orgId : nil, orgRole: nil, orgSlug: nil, orgPermissions: nil,
            factorVerificationAge: nil, actor: nil, machine: machine, rawToken: token,
            client: nil
        )
    }
}
