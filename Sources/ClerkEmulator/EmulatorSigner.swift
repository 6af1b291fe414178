import ClerkBackend
import Crypto
import Foundation
import _CryptoExtras

/// The emulator instance's token signer: one RSA key (kept in the database, so tokens verify across restarts) that
/// signs session, JWT-template and M2M tokens with RS256 and is published as the instance's JWKS.
struct EmulatorSigner: Sendable {
    /// The key id in every token's header and in the JWKS (the instance id, `ins_…`).
    let kid: String
    private let privateKey: _RSA.Signing.PrivateKey

    /// A signer over an existing private key in PEM form.
    init(privateKeyPEM: String, kid: String) throws {
        self.kid = kid
        privateKey = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
    }

    /// A new 2048-bit private key, in PEM form, for a new instance.
    static func newPrivateKeyPEM() throws -> String {
        try _RSA.Signing.PrivateKey(keySize: .bits2048).pemRepresentation
    }

    /// The public key as PEM (SPKI), what `CLERK_JWT_KEY` takes.
    var publicKeyPEM: String { privateKey.publicKey.pemRepresentation }

    /// The public key as one JWK (RS256, `use: sig`).
    var jwk: JSONValue {
        let primitives = try? privateKey.publicKey.getKeyPrimitives()
        return [
            "kty": "RSA", "use": "sig", "alg": "RS256", "kid": .string(kid),
            "n": .string(primitives.map { Self.base64URL($0.modulus) } ?? ""),
            "e": .string(primitives.map { Self.base64URL($0.publicExponent) } ?? ""),
        ]
    }

    /// A compact RS256 JWT of `claims`; the header is `alg`, `typ`, `kid` and the members of `header`.
    func sign(claims: [String: JSONValue], header extra: [String: JSONValue] = [:]) throws -> String {
        var header: [String: JSONValue] = ["alg": "RS256", "typ": "JWT", "kid": .string(kid)]
        for (name, value) in extra { header[name] = value }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput =
            Self.base64URL(try encoder.encode(JSONValue.object(header))) + "."
            + Self.base64URL(try encoder.encode(JSONValue.object(claims)))
        let signature = try privateKey.signature(
            for: SHA256.hash(data: Data(signingInput.utf8)), padding: .insecurePKCS1v1_5
        )
        return signingInput + "." + Self.base64URL(signature.rawRepresentation)
    }

    /// Base64url without padding.
    static func base64URL<D: DataProtocol>(_ data: D) -> String {
        Data(data).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
