#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension ClerkClient {
    /// Whether `token` is a machine token: an opaque API key (`ak_…`), M2M token (`mt_…`) or OAuth access token
    /// (`oat_…`), or a JWT that is an M2M token (subject `mch_…`) or an OAuth access token (`typ` `at+jwt`). The
    /// `isMachineToken` of `@clerk/backend`. Nothing is verified: this only tells which check to run.
    public static func isMachineToken(_ token: String) -> Bool { MachineTokens.isMachineToken(token) }

    /// The type of a machine token (``TokenType/apiKey``, ``TokenType/m2mToken`` or ``TokenType/oauthToken``), or `nil`
    /// when `token` is not one (a session token, say). The `getMachineTokenType` of `@clerk/backend`; nothing is
    /// verified.
    public static func machineTokenType(of token: String) -> TokenType? { MachineTokens.tokenType(of: token) }

    /// Verifies a machine token outside an HTTP request: a gRPC call, a WebSocket message, a queue job. The
    /// `verifyMachineAuthToken` of `@clerk/backend`.
    ///
    /// API keys, opaque M2M tokens and opaque OAuth tokens are checked with the Backend API, exactly as
    /// `authenticateRequest` checks them: answers are cached for ``ClerkOptions/machineTokenCacheTTL``, concurrent
    /// checks of one token share a call, and tokens seen for the first time spend the
    /// ``BackendAPIBudget/machineTokenVerification`` budget. M2M and OAuth JWTs are verified locally with the
    /// instance's keys (``ClerkOptions/jwtKey`` or the JWKS).
    ///
    /// ```swift
    /// let auth = try await clerk.verifyMachineAuthToken(metadata.bearerToken)
    /// guard auth.machine?.scopes.contains("read:reports") == true else { throw PermissionDenied() }
    /// ```
    ///
    /// - Parameters:
    ///   - token: the token, without `Bearer `.
    ///   - acceptsToken: the machine-token types accepted (all three by default); a token of another type is
    ///     refused before any call.
    ///   - options: for JWTs: authorized parties, audience, clock skew (`nil` fields use the client's options).
    /// - Returns: a signed-in machine ``ClerkAuth`` (``ClerkAuth/tokenType``, ``ClerkAuth/machine``, and
    ///   ``ClerkAuth/userID`` or ``ClerkAuth/orgID`` for an API key owned by a user or an organization).
    /// - Throws: ``MachineTokenVerificationError``: ``MachineTokenVerificationError/Code/tokenInvalid`` for a token that
    ///   is not a machine token, is of a type not accepted, or was rejected; other codes when the check could not be
    ///   made (the message never contains the token).
    public func verifyMachineAuthToken(
        _ token: String, acceptsToken: AcceptsToken = .oneOf([.apiKey, .m2mToken, .oauthToken]),
        options: VerifyTokenOptions = VerifyTokenOptions()
    ) async throws -> ClerkAuth {
        guard token.utf8.count <= 16 * 1024, let type = MachineTokens.tokenType(of: token) else {
            throw MachineTokenVerificationError(code: .tokenInvalid, message: "Not a machine token")
        }
        guard acceptsToken.accepts(type) else {
            throw MachineTokenVerificationError(code: .tokenInvalid, message: "Token type \(type.rawValue) is not accepted")
        }
        if let client = try keyOverrideClient(options) {
            return try await client.verifyMachineAuthToken(token, acceptsToken: acceptsToken, options: options.withoutKeyOverrides)
        }
        let machine = try await machineTokens.verify(token, type: type, verifyOptions: options)
        return ClerkAuth.machine(machine, type: type, token: token)
    }
}

extension M2MTokensAPI {
    /// Verifies an M2M token: the `m2m.verify({ token })` of `@clerk/backend`.
    ///
    /// An M2M JWT is verified locally with the instance's keys (``ClerkOptions/jwtKey`` or the JWKS): no call to the
    /// Backend API. An opaque token (`mt_…`) is sent to `POST /m2m_tokens/verify`, authenticated with
    /// `machineSecretKey`, else the client's machine secret key, else its secret key.
    ///
    /// For a JWT, the answer is built from its claims as `@clerk/backend` builds it: ``M2MToken/id`` is `jti`,
    /// ``M2MToken/subject`` is `sub`, ``M2MToken/scopes`` come from `scopes` (or `aud`), ``M2MToken/claims`` hold the
    /// custom claims, ``M2MToken/expiration`` and ``M2MToken/createdAt`` are `exp` and `iat` in epoch milliseconds,
    /// and ``M2MToken/revoked`` is `false` (a JWT cannot be revoked before it expires).
    ///
    /// - Throws: ``MachineTokenVerificationError`` when a JWT does not verify or is not an M2M token; the usual
    ///   ``ClerkAPIResponseError`` (404 for an unknown or revoked opaque token) otherwise.
    public func verify(token: String, machineSecretKey: String? = nil) async throws -> M2MToken {
        guard MachineTokens.looksLikeJWT(token), !MachineTokens.hasOpaquePrefix(token) else {
            return try await verify(VerifyM2MTokenBody(token: token), machineSecretKey: machineSecretKey)
        }
        guard let decoded = try? decodeJWT(token), MachineTokens.isM2MJWT(decoded) else {
            throw MachineTokenVerificationError(code: .tokenInvalid, message: "Not an M2M JWT")
        }
        let machine = try await client.machineTokens.verifyJWT(token, type: .m2mToken, verifyOptions: VerifyTokenOptions())
        let issuedAt = decoded.claims.iat.map { $0 * 1000 } ?? client.options.clock.now().timeIntervalSince1970 * 1000
        return M2MToken(
            object: .machineToMachineToken, id: machine.id, subject: machine.subject, claims: machine.claims,
            scopes: machine.scopes, revoked: false, revocationReason: nil, expired: false,
            expiration: decoded.claims.exp.map { $0 * 1000 }, lastUsedAt: nil, createdAt: issuedAt, updatedAt: issuedAt
        )
    }
}

extension APIKeysAPI {
    /// Verifies an API key by its secret (`ak_…`): the `apiKeys.verify(secret)` of `@clerk/backend`. Answers the key
    /// (its subject, scopes, claims); a 404 ``ClerkAPIResponseError`` for a secret that names no active key.
    ///
    /// This calls the Backend API every time. To authenticate callers, prefer
    /// ``ClerkClient/verifyMachineAuthToken(_:acceptsToken:options:)`` or `authenticateRequest`, which cache answers
    /// and bound the calls unknown keys can cause.
    public func verify(secret: String) async throws -> APIKey {
        try await verify(VerifyAPIKeyBody(secret: secret))
    }
}
