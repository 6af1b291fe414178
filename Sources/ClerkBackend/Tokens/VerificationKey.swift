#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Crypto
import _CryptoExtras

/// The JWT signature algorithms accepted: RSASSA-PKCS1-v1_5 with SHA-256, SHA-384 or SHA-512 (as the reference).
enum JWTAlgorithm: String, Sendable, CaseIterable {
    case rs256 = "RS256"
    case rs384 = "RS384"
    case rs512 = "RS512"
}

/// An RSA public key that verifies JWT signatures, pinned to one algorithm.
struct VerificationKey: Sendable {
    let key: _RSA.Signing.PublicKey
    let algorithm: JWTAlgorithm
    let keySizeInBytes: Int

    init(key: _RSA.Signing.PublicKey, algorithm: JWTAlgorithm) {
        self.key = key
        self.algorithm = algorithm
        self.keySizeInBytes = (key.keySizeInBits + 7) / 8
    }

    /// Parses `CLERK_JWT_KEY`: a PEM public RSA key (SPKI or PKCS#1), with or without the PEM armour and newlines,
    /// 2048 bits or more. The key verifies RS256 only, as the reference's networkless verification does.
    init(pem: String) throws {
        var body = pem
        for marker in [
            "-----BEGIN PUBLIC KEY-----", "-----END PUBLIC KEY-----", "-----BEGIN RSA PUBLIC KEY-----",
            "-----END RSA PUBLIC KEY-----",
        ] {
            body = body.replacing(marker, with: "")
        }
        body = String(body.unicodeScalars.filter { !$0.properties.isWhitespace }.map(Character.init))
        // Tolerate base64url input as well as standard base64.
        body = body.replacing("-", with: "+").replacing("_", with: "/")
        while body.count % 4 != 0 { body.append("=") }
        guard !body.isEmpty, let der = Data(base64Encoded: body) else {
            throw ClerkError(.invalidJWTKey, "jwtKey is not a PEM public key (expected -----BEGIN PUBLIC KEY----- … or its base64 body)")
        }
        let key: _RSA.Signing.PublicKey
        do {
            key = try _RSA.Signing.PublicKey(derRepresentation: der)
        } catch {
            throw ClerkError(.invalidJWTKey, "jwtKey is not an RSA public key of 2048 bits or more")
        }
        self.init(key: key, algorithm: .rs256)
    }

    /// Builds a key from one JWK of a JWKS, or returns `nil` when the JWK is not a usable RSA signing key
    /// (other key types, encryption keys, unknown algorithms, keys under 2048 bits are skipped, not fatal).
    init?(jwk: [String: JSONValue]) {
        guard jwk["kty"]?.stringValue == "RSA" else { return nil }
        if let use = jwk["use"]?.stringValue, use != "sig" { return nil }
        let algorithm: JWTAlgorithm
        if let alg = jwk["alg"] {
            guard let name = alg.stringValue, let parsed = JWTAlgorithm(rawValue: name) else { return nil }
            algorithm = parsed
        } else {
            algorithm = .rs256
        }
        guard let n = jwk["n"]?.stringValue.flatMap(Base64URL.decode),
            let e = jwk["e"]?.stringValue.flatMap(Base64URL.decode),
            let key = try? _RSA.Signing.PublicKey(n: n, e: e)
        else { return nil }
        self.init(key: key, algorithm: algorithm)
    }

    /// Checks an RSASSA-PKCS1-v1_5 signature over `input` with this key's algorithm.
    func isValidSignature(_ signature: [UInt8], for input: Substring.UTF8View) -> Bool {
        guard signature.count == keySizeInBytes else { return false }
        let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
        return input.withContiguousStorageIfAvailable { buffer in
            verify(rsaSignature, UnsafeRawBufferPointer(buffer))
        } ?? verify(rsaSignature, Array(input))
    }

    private func verify<D: DataProtocol>(_ signature: _RSA.Signing.RSASignature, _ data: D) -> Bool {
        switch algorithm {
        case .rs256: key.isValidSignature(signature, for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case .rs384: key.isValidSignature(signature, for: SHA384.hash(data: data), padding: .insecurePKCS1v1_5)
        case .rs512: key.isValidSignature(signature, for: SHA512.hash(data: data), padding: .insecurePKCS1v1_5)
        }
    }
}
