#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A public key that verifies JWT signatures, given explicitly: for ``verifyJWT(_:key:options:)`` and
/// ``hasValidSignature(_:key:)`` (the `key` option of `@clerk/backend/jwt`'s `verifyJwt`).
///
/// An RSA key of 2048 bits or more, pinned to one algorithm (RS256, RS384 or RS512): a token whose header names
/// another algorithm never verifies with it.
public struct JWTVerificationKey: Sendable {
    let key: VerificationKey

    /// A PEM public key (SPKI `-----BEGIN PUBLIC KEY-----` or PKCS#1, with or without the armour and newlines), as
    /// the Clerk Dashboard shows it for `CLERK_JWT_KEY`.
    ///
    /// - Parameters:
    ///   - pem: the key's PEM text.
    ///   - algorithm: `RS256` (Clerk's session tokens), `RS384` or `RS512`.
    /// - Throws: ``ClerkError`` with ``ClerkError/Code/invalidJWTKey`` when the text is not such a key or the
    ///   algorithm is not one of the three.
    public init(pem: String, algorithm: String = "RS256") throws {
        guard let algorithm = JWTAlgorithm(rawValue: algorithm) else {
            throw ClerkError(.invalidJWTKey, "unsupported JWT algorithm \(algorithm.prefix(16)); expected RS256, RS384 or RS512")
        }
        let parsed = try VerificationKey(pem: pem)
        key = VerificationKey(key: parsed.key, algorithm: algorithm)
    }

    /// One JSON Web Key (a member of a JWKS's `keys`): `kty` `RSA`, `n`, `e`, and `alg` when present (RS256 when
    /// absent).
    ///
    /// - Throws: ``ClerkError`` with ``ClerkError/Code/invalidJWTKey`` when it is not a usable RSA signing key.
    public init(jwk: [String: JSONValue]) throws {
        guard let key = VerificationKey(jwk: jwk) else {
            throw ClerkError(.invalidJWTKey, "the JWK is not an RSA signing key of 2048 bits or more with a supported alg")
        }
        self.key = key
    }

    /// The algorithm this key verifies (`RS256`, `RS384` or `RS512`).
    public var algorithm: String { key.algorithm.rawValue }
}

/// What ``verifyJWT(_:key:options:)`` checks besides the signature.
public struct VerifyJWTOptions: Sendable {
    /// The `azp` values accepted (your frontend's origins); empty accepts any.
    public var authorizedParties: [String]
    /// The `aud` values accepted; empty skips the check.
    public var audience: [String]
    /// Tolerance for `exp`, `nbf` and `iat` (default 5 s).
    public var clockSkew: Duration
    /// The `typ` header values accepted when the header has one (default `JWT`).
    public var headerType: [String]
    /// The current time (the system clock by default; tests pass a fixed date).
    public var now: Date?

    /// Options; every check but the signature, `sub` and the times is off by default.
    public init(
        authorizedParties: [String] = [], audience: [String] = [], clockSkew: Duration = .seconds(5),
        headerType: [String] = ["JWT"], now: Date? = nil
    ) {
        self.authorizedParties = authorizedParties
        self.audience = audience
        self.clockSkew = clockSkew
        self.headerType = headerType
        self.now = now
    }
}

/// Verifies a JWT with an explicit key, with no client and no network: the `verifyJwt` of `@clerk/backend/jwt`.
///
/// Checks the header (`typ`, `alg` equal to the key's), the signature, then the claims: `sub` present, `aud` and
/// `azp` when the options list values, `exp`, `nbf` and `iat` within the clock skew. It does not look at `cat`, so
/// it verifies any JWT signed with the key (a session token, a JWT-template token, your own); to authenticate Clerk
/// sessions use `ClerkClient.verifyToken` or `authenticateRequest`, which also refuse tokens that are not session
/// tokens.
///
/// ```swift
/// let key = try JWTVerificationKey(pem: pemFromDashboard)
/// let claims = try verifyJWT(token, key: key, options: VerifyJWTOptions(authorizedParties: ["https://app.example.com"]))
/// ```
///
/// - Throws: ``TokenVerificationError`` (the same reasons as `verifyToken`; the message never contains the token).
public func verifyJWT(_ token: String, key: JWTVerificationKey, options: VerifyJWTOptions = VerifyJWTOptions()) throws -> JWTClaims {
    let decoded = try decodeJWT(token)
    try ClerkClient.checkHeaderAndSignature(decoded, key: key.key, headerType: options.headerType)
    try ClerkClient.checkClaims(
        decoded.claims, audience: options.audience, authorizedParties: options.authorizedParties,
        skew: options.clockSkew.seconds, now: (options.now ?? Date()).timeIntervalSince1970
    )
    var claims = decoded.claims
    if let cat = decoded.header.cat { claims.category = JWTCategory(rawValue: cat) }
    return claims
}

/// Whether a decoded JWT's signature verifies with `key`, and its header's `alg` is the key's: the
/// `hasValidSignature` of `@clerk/backend/jwt`. Nothing else is checked (not the expiry, not the claims).
public func hasValidSignature(_ jwt: DecodedJWT, key: JWTVerificationKey) -> Bool {
    guard let alg = jwt.header.alg, alg == key.key.algorithm.rawValue else { return false }
    return key.key.isValidSignature(jwt.signature, for: jwt.signingInput)
}
