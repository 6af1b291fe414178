public import Foundation
public import ClerkBackend
import Crypto
import _CryptoExtras

/// Mints Clerk-style session tokens with a throwaway RSA key, for your own tests.
///
/// ```swift
/// let issuer = try TestTokenIssuer()
/// var options = ClerkOptions(jwtKey: issuer.publicKeyPEM)          // networkless verification
/// let token = try issuer.sessionToken(userID: "user_123", orgID: "org_1", orgRole: "org:admin")
/// let claims = try await ClerkClient(options: options).verifyToken(token)
/// ```
///
/// Serve ``jwksJSON`` from a test server to exercise JWKS verification instead.
public struct TestTokenIssuer: Sendable {
    /// The key id put in every token's header and in the JWKS.
    public let kid: String
    /// The issuer (`iss`), a Frontend API URL.
    public let issuer: String
    private let privateKey: _RSA.Signing.PrivateKey

    /// Creates an issuer with a new 2048-bit RSA key (or `bits` bits).
    public init(kid: String = "ins_test_" + UUID().uuidString.prefix(8).lowercased(), issuer: String = "https://clerk.example.test", bits: Int = 2048) throws {
        self.kid = kid
        self.issuer = issuer
        self.privateKey =
            bits >= 2048
            ? try _RSA.Signing.PrivateKey(keySize: .init(bitCount: bits))
            : try _RSA.Signing.PrivateKey(unsafeKeySize: .init(bitCount: bits))
    }

    /// Creates an issuer from an existing private key in PEM form.
    public init(privateKeyPEM: String, kid: String, issuer: String = "https://clerk.example.test") throws {
        self.kid = kid
        self.issuer = issuer
        self.privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
    }

    /// The public key as PEM (SPKI): pass it as `jwtKey` / `CLERK_JWT_KEY`.
    public var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }

    /// The private key as PEM, to persist an issuer between runs.
    public var privateKeyPEM: String { privateKey.pemRepresentation }

    /// The public key as one JWK (RS256, `use: sig`).
    public var jwk: JSONValue {
        let primitives = try? privateKey.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid),
            "n": .string(primitives.map { base64url($0.modulus) } ?? ""),
            "e": .string(primitives.map { base64url($0.publicExponent) } ?? ""),
        ]
    }

    /// `{"keys":[<jwk>]}`: the body of `GET /v1/jwks`.
    public var jwksJSON: String {
        let data = (try? JSONEncoder().encode(JSONValue.object(["keys": .array([jwk])]))) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// A session token (v2 claims when `orgID` is given with `version: 2`), valid from `now` for `lifetime`.
    public func sessionToken(
        userID: String = "user_2NNEqL2nrIRdJ194ndJqAHwEfxC",
        sessionID: String = "sess_2NNEqV7H4M9yKHnMB3v7lJHhMFE",
        now: Date = Date(),
        lifetime: TimeInterval = 60,
        authorizedParty: String? = "https://app.example.test",
        orgID: String? = nil, orgSlug: String? = nil, orgRole: String? = nil, orgPermissions: [String]? = nil,
        sessionStatus: String? = nil,
        extraClaims: [String: JSONValue] = [:],
        header extraHeader: [String: JSONValue] = [:]
    ) throws -> String {
        let iat = Int64(now.timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "sub": .string(userID), "sid": .string(sessionID), "iss": .string(issuer),
            "iat": .int(iat), "nbf": .int(iat - 10), "exp": .int(iat + Int64(lifetime)),
            "jti": .string("jti_" + UUID().uuidString.prefix(12).lowercased()),
        ]
        if let authorizedParty { claims["azp"] = .string(authorizedParty) }
        if let orgID { claims["org_id"] = .string(orgID) }
        if let orgSlug { claims["org_slug"] = .string(orgSlug) }
        if let orgRole { claims["org_role"] = .string(orgRole) }
        if let orgPermissions { claims["org_permissions"] = .array(orgPermissions.map { .string($0) }) }
        if let sessionStatus { claims["sts"] = .string(sessionStatus) }
        for (name, value) in extraClaims { claims[name] = value }
        return try sign(claims: claims, header: extraHeader)
    }

    /// Signs any claims. The header gets `alg: RS256`, `typ: JWT`, `kid` unless `header` overrides them
    /// (set a member to `.null` to remove it), so tests can build malformed or hostile tokens.
    public func sign(claims: [String: JSONValue], header extraHeader: [String: JSONValue] = [:], algorithm: String = "RS256")
        throws -> String
    {
        var header: [String: JSONValue] = ["alg": .string(algorithm), "typ": "JWT", "kid": .string(kid)]
        for (name, value) in extraHeader {
            if value == .null { header[name] = nil } else { header[name] = value }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput =
            base64url(try encoder.encode(JSONValue.object(header))) + "." + base64url(try encoder.encode(JSONValue.object(claims)))
        let signature = try signature(over: Data(signingInput.utf8), algorithm: algorithm)
        return signingInput + "." + base64url(signature)
    }

    /// A raw RSASSA-PKCS1-v1_5 signature (SHA-256 unless `algorithm` is RS384/RS512).
    public func signature(over data: Data, algorithm: String = "RS256") throws -> Data {
        let signature: _RSA.Signing.RSASignature
        switch algorithm {
        case "RS384": signature = try privateKey.signature(for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5)
        case "RS512": signature = try privateKey.signature(for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
        default: signature = try privateKey.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        }
        return signature.rawRepresentation
    }
}

/// Base64url without padding.
public func base64url<D: DataProtocol>(_ data: D) -> String {
    Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        .replacingOccurrences(of: "=", with: "")
}
