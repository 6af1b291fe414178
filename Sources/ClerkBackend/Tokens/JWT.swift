#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The header of a JWT, as sent (unverified until the signature is checked).
public struct JWTHeader: Sendable, Hashable {
    /// `alg`: the signature algorithm the token claims.
    public var alg: String?
    /// `kid`: the id of the signing key.
    public var kid: String?
    /// `typ`: the token type (`JWT`, `at+jwt`, …).
    public var typ: String?
    /// `cat`: Clerk's token category (session, JWT template, M2M).
    public var cat: String?
    /// Every header member.
    public var raw: [String: JSONValue]

    init(raw: [String: JSONValue]) {
        self.raw = raw
        alg = raw["alg"]?.stringValue
        kid = raw["kid"]?.stringValue
        typ = raw["typ"]?.stringValue
        cat = raw["cat"]?.stringValue
    }
}

/// The claims of a JWT: every member of its payload, with typed accessors for the ones Clerk uses.
///
/// Decode your own custom session claims with ``decode(as:)``:
///
/// ```swift
/// struct MyClaims: Decodable { let role: String?; let tenant: String? }
/// let mine = try claims.decode(as: MyClaims.self)
/// ```
public struct JWTClaims: Sendable, Hashable {
    /// Every claim, as JSON.
    public let raw: [String: JSONValue]

    public init(raw: [String: JSONValue]) { self.raw = raw }

    /// A claim by name.
    public subscript(name: String) -> JSONValue? { raw[name] }

    /// `sub`: the user id for session tokens (`user_…`), the machine id for M2M tokens.
    public var sub: String? { raw["sub"]?.stringValue }
    /// `sid`: the session id.
    public var sid: String? { raw["sid"]?.stringValue }
    /// `iss`: the issuer (the Frontend API URL).
    public var iss: String? { raw["iss"]?.stringValue }
    /// `azp`: the authorized party (the origin the token was minted for).
    public var azp: String? { raw["azp"]?.stringValue }
    /// `jti`: the token id.
    public var jti: String? { raw["jti"]?.stringValue }
    /// `exp`, in Unix seconds.
    public var exp: Double? { raw["exp"]?.doubleValue }
    /// `iat`, in Unix seconds.
    public var iat: Double? { raw["iat"]?.doubleValue }
    /// `nbf`, in Unix seconds.
    public var nbf: Double? { raw["nbf"]?.doubleValue }
    /// `v`: the claims version (2 for the compact organization claims).
    public var version: Int64? { raw["v"]?.intValue }
    /// `sts`: the session status (`active`, `pending`).
    public var sts: String? { raw["sts"]?.stringValue }
    /// `aud`, as a list (a single string becomes one element).
    public var aud: [String] {
        switch raw["aud"] {
        case .string(let value): [value]
        case .array(let values): values.compactMap(\.stringValue)
        default: []
        }
    }

    /// Decodes the whole payload into your own `Decodable` type.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONValue.object(raw).decode(as: T.self)
    }
}

/// A JWT split into its parts and decoded, not verified.
public struct DecodedJWT: Sendable {
    public let header: JWTHeader
    public let claims: JWTClaims
    /// The signature bytes.
    public let signature: [UInt8]
    /// The signed bytes: `base64url(header) + "." + base64url(payload)`.
    let signingInput: Substring.UTF8View
    /// The whole token.
    public let token: String
}

/// The longest token accepted, in bytes (session tokens are around 1–2 KB; this leaves room for custom claims).
let maxTokenBytes = 32 * 1024

/// Decodes a JWT without verifying it: the reference's `decodeJwt`.
///
/// - Throws: ``TokenVerificationError`` with reason `token-invalid` when the token does not have three parts or a
///   part does not decode.
public func decodeJWT(_ token: String) throws -> DecodedJWT {
    let utf8 = token.utf8
    guard utf8.count <= maxTokenBytes else {
        throw TokenVerificationError(
            reason: .tokenInvalid, message: "Invalid JWT form. The token is larger than \(maxTokenBytes) bytes."
        )
    }
    var dots: [String.Index] = []
    var index = utf8.startIndex
    while index < utf8.endIndex {
        if utf8[index] == UInt8(ascii: ".") {
            dots.append(index)
            if dots.count > 2 { break }
        }
        index = utf8.index(after: index)
    }
    guard dots.count == 2 else {
        throw TokenVerificationError(
            reason: .tokenInvalid, message: "Invalid JWT form. A JWT consists of three parts separated by dots."
        )
    }
    let headerPart = token.utf8[token.startIndex..<dots[0]]
    let payloadPart = token.utf8[utf8.index(after: dots[0])..<dots[1]]
    let signaturePart = token.utf8[utf8.index(after: dots[1])...]
    let undecodable = TokenVerificationError(
        reason: .tokenInvalid,
        message: "Invalid JWT form. The header, payload, or signature could not be decoded."
    )
    guard let headerBytes = Base64URL.decode(headerPart), let payloadBytes = Base64URL.decode(payloadPart),
        let signature = Base64URL.decode(signaturePart)
    else { throw undecodable }
    guard let headerObject = JSONObjectParser.parseObject(headerBytes),
        let payloadObject = JSONObjectParser.parseObject(payloadBytes)
    else { throw undecodable }
    return DecodedJWT(
        header: JWTHeader(raw: headerObject),
        claims: JWTClaims(raw: payloadObject),
        signature: signature,
        signingInput: token[token.startIndex..<dots[1]].utf8,
        token: token
    )
}
