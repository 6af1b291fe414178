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
        /// `token-invalid`: not a machine token this SDK can verify, or the Backend API rejected it.
        public static let tokenInvalid: Self = "token-invalid"
        /// `secret-key-invalid`: the secret key (or machine secret key) was refused or is missing.
        public static let invalidSecretKey: Self = "secret-key-invalid"
        /// `unexpected-error`: the verification failed for a reason that is not the token's (a 5xx, a timeout).
        public static let unexpectedError: Self = "unexpected-error"
        /// `token-verification-failed`: an M2M JWT did not verify (signature, expiry, claims).
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

    /// An error with a code, a message (never the token) and the API's status when it answered.
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

/// Caches and single-flights machine-token verifications against the Backend API, per instance, and keeps the
/// budget for tokens it has not seen.
///
/// - A token that verified is answered from the cache for `ttl`; after that its next use revalidates it with the
///   Backend API *without* spending the budget for unknown tokens, so a flood of random tokens can never lock out a
///   known one. When the revalidation fails for a reason that says nothing about the token (429, 5xx, no answer), the
///   earlier answer stands for up to `maxStaleness` past the TTL.
/// - A token that the API rejected (not found, revoked, invalid) is remembered for `ttl` in a separate, bounded
///   table: rejections never push out accepted tokens.
/// - A token seen for the first time costs one call from the ``BackendAPIBudget/machineTokenVerification`` budget,
///   and concurrent uses of one token share one call.
final class MachineTokenGuard: Sendable {
    private struct Accepted: Sendable {
        var auth: MachineAuth
        var verifiedAt: Date
    }

    private struct State: Sendable {
        var accepted: [String: Accepted] = [:]
        var rejected: [String: (expires: Date, error: MachineTokenVerificationError)] = [:]
        var inFlight: [String: Task<MachineAuth, any Error>] = [:]
    }

    private let state = Mutex(State())
    static let maxCacheEntries = 10_000

    /// Whether an error is the Backend API's definite answer about the token (as opposed to a failure to get one).
    static func isDefinite(_ error: MachineTokenVerificationError) -> Bool {
        error.code == .tokenInvalid || error.code == .tokenVerificationFailed
    }

    /// Returns the cached, revalidated or in-flight verification of `token`, or runs `verify` for an unknown token if
    /// `admit` (the budget) allows.
    func verify(
        token: String, now: Date, ttl: Duration, maxStaleness: Duration, clockNow: @escaping @Sendable () -> Date,
        admit: () async -> Bool,
        verify: @escaping @Sendable () async throws -> MachineAuth
    ) async throws -> MachineAuth {
        let key = hexString(SHA256.hash(data: Array(token.utf8)))
        enum Decision {
            case answer(Result<MachineAuth, MachineTokenVerificationError>)
            /// Wait for the call; if it fails without a definite answer, `fallback` (the earlier acceptance) stands.
            case wait(Task<MachineAuth, any Error>, fallback: MachineAuth?)
            case unknown
        }
        let decision: Decision = state.withLock { state in
            if let entry = state.accepted[key] {
                let age = now.timeIntervalSince(entry.verifiedAt)
                if age < ttl.seconds { return .answer(.success(entry.auth)) }
                if age < ttl.seconds + maxStaleness.seconds {
                    let task = state.inFlight[key] ?? startCall(&state, key: key, ttl: ttl, clockNow: clockNow, verify: verify)
                    return .wait(task, fallback: entry.auth)
                }
                state.accepted[key] = nil
            }
            if let entry = state.rejected[key] {
                if entry.expires > now { return .answer(.failure(entry.error)) }
                state.rejected[key] = nil
            }
            if let task = state.inFlight[key] { return .wait(task, fallback: nil) }
            return .unknown
        }
        let task: Task<MachineAuth, any Error>
        var fallback: MachineAuth?
        switch decision {
        case .answer(let result):
            return try result.get()
        case .wait(let running, let earlier):
            task = running
            fallback = earlier
        case .unknown:
            guard await admit() else {
                throw MachineTokenVerificationError(
                    code: .rateLimited, message: "Too many unknown machine tokens to verify; try again shortly"
                )
            }
            task = state.withLock { state in
                state.inFlight[key] ?? startCall(&state, key: key, ttl: ttl, clockNow: clockNow, verify: verify)
            }
        }
        do {
            return try await task.value
        } catch let error as MachineTokenVerificationError where !MachineTokenGuard.isDefinite(error) {
            guard let fallback else { throw error }
            return fallback
        } catch {
            if let fallback, !(error is MachineTokenVerificationError) { return fallback }
            throw error
        }
    }

    /// Starts the Backend API call for `key` (the caller holds the lock and checked that none is running).
    private func startCall(
        _ state: inout State, key: String, ttl: Duration, clockNow: @escaping @Sendable () -> Date,
        verify: @escaping @Sendable () async throws -> MachineAuth
    ) -> Task<MachineAuth, any Error> {
        let task = Task { [self] in
            do {
                let auth = try await verify()
                self.record(key: key, accepted: auth, rejected: nil, ttl: ttl, now: clockNow())
                return auth
            } catch let error as MachineTokenVerificationError {
                self.record(
                    key: key, accepted: nil, rejected: MachineTokenGuard.isDefinite(error) ? error : nil, ttl: ttl, now: clockNow()
                )
                throw error
            } catch {
                self.record(key: key, accepted: nil, rejected: nil, ttl: ttl, now: clockNow())
                throw error
            }
        }
        state.inFlight[key] = task
        return task
    }

    private func record(
        key: String, accepted: MachineAuth?, rejected: MachineTokenVerificationError?, ttl: Duration, now: Date
    ) {
        state.withLock { state in
            state.inFlight[key] = nil
            if let accepted {
                state.rejected[key] = nil
                if state.accepted[key] == nil, state.accepted.count >= MachineTokenGuard.maxCacheEntries,
                    let oldest = state.accepted.min(by: { $0.value.verifiedAt < $1.value.verifiedAt })?.key
                {
                    state.accepted[oldest] = nil
                }
                state.accepted[key] = Accepted(auth: accepted, verifiedAt: now)
            } else if let rejected {
                state.accepted[key] = nil
                if state.rejected.count >= MachineTokenGuard.maxCacheEntries {
                    state.rejected = state.rejected.filter { $0.value.expires > now }
                    if state.rejected.count >= MachineTokenGuard.maxCacheEntries { state.rejected.removeAll(keepingCapacity: true) }
                }
                state.rejected[key] = (now.addingTimeInterval(ttl.seconds), rejected)
            }
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
        let clock = options.clock
        return try await client.verificationCache.machineTokens.verify(
            token: token, now: clock.now(), ttl: options.machineTokenCacheTTL, maxStaleness: options.machineTokenMaxStaleness,
            clockNow: clock.now, admit: { await client.spendBudget(.machineTokenVerification) }
        ) { [client] in
            try await MachineTokenVerifier(client: client).verifyRemotely(token, type: type)
        }
    }

    func verifyRemotely(_ token: String, type: TokenType) async throws -> MachineAuth {
        do {
            switch type {
            case .apiKey:
                let key: VerifyAPIKeyResponse = try await client.send(
                    APIRequest(.verifyAPIKey, json: VerifyAPIKeyBody(secret: token), retries: false)
                )
                return MachineAuth(
                    id: key.id, subject: key.subject, scopes: key.scopes, name: key.name, claims: key.claims,
                    orgID: key.subject.hasPrefix("org_") ? key.subject : nil
                )
            case .m2mToken:
                let m2m: VerifyM2MTokenResponse = try await client.send(
                    APIRequest(
                        .verifyM2MToken, json: VerifyM2MTokenBody(token: token),
                        authorization: .machineSecretKeyOrSecretKey, retries: false
                    )
                )
                return MachineAuth(id: m2m.id, subject: m2m.subject, scopes: m2m.scopes ?? [], claims: m2m.claims, machineID: m2m.subject)
            default:
                let response: VerifyOAuthAccessTokenResponse = try await client.send(
                    APIRequest(
                        .verifyOAuthAccessToken, json: VerifyOAuthAccessTokenBody(accessToken: token), retries: false
                    )
                )
                guard case .clerkIdpOAuthAccessToken(let oauth) = response else {
                    throw MachineTokenVerificationError(code: .tokenInvalid, message: "OAuth token not found", status: 404)
                }
                return MachineAuth(id: oauth.id, subject: oauth.subject, scopes: oauth.scopes, clientID: oauth.clientID)
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
            // Refused here, before the shared verification, with the machine-token error JS gives.
            if !AcceptedCategories.m2m.accepts(decoded) {
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
            claims = try await client.verifyJWT(token, decoded: decoded, accepting: isM2M ? .m2m : .any, options: options)
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
                machineID: subject
            )
        }
        let scopes: [String]
        if let scp = claims["scp"]?.arrayValue {
            scopes = scp.compactMap(\.stringValue)
        } else {
            scopes = claims["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) } ?? []
        }
        return MachineAuth(id: claims.jti ?? "", subject: subject, scopes: scopes, clientID: claims["client_id"]?.stringValue)
    }
}

extension ClerkAuth {
    /// An authenticated machine auth object.
    static func machine(_ machine: MachineAuth, type: TokenType, token: String) -> ClerkAuth {
        let userID: String?
        switch type {
        case .apiKey: userID = machine.subject.hasPrefix("user_") ? machine.subject : nil
        case .oauthToken: userID = machine.subject
        default: userID = nil
        }
        return ClerkAuth(
            isAuthenticated: true, tokenType: type, sessionClaims: nil, userID: userID, sessionID: nil, sessionStatus: nil,
            orgID: type == .apiKey ? machine.orgID : nil, orgRole: nil, orgSlug: nil, orgPermissions: nil,
            factorVerificationAge: nil, actor: nil, machine: machine, rawToken: token,
            client: nil
        )
    }
}
