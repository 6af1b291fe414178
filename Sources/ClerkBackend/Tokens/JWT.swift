#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One member of a JWT header or claims set.
struct JWTMember: Sendable, Hashable {
    let name: String
    let value: JSONValue
}

/// Linear lookup over a few members: cheaper than hashing for JWT-sized objects.
func lookup(_ members: [JWTMember], _ name: String) -> JSONValue? {
    for member in members where member.name == name { return member.value }
    return nil
}

/// The header of a JWT, as sent (unverified until the signature is checked).
public struct JWTHeader: Sendable, Hashable {
    /// `alg`: the signature algorithm the token claims.
    public let alg: String?
    /// `kid`: the id of the signing key.
    public let kid: String?
    /// `typ`: the token type (`JWT`, `at+jwt`, …).
    public let typ: String?
    /// `cat`: Clerk's token category (session, JWT template, M2M).
    public let cat: String?
    let members: [JWTMember]

    init(members: [JWTMember]) {
        self.members = members
        alg = lookup(members, "alg")?.stringValue
        kid = lookup(members, "kid")?.stringValue
        typ = lookup(members, "typ")?.stringValue
        cat = lookup(members, "cat")?.stringValue
    }

    /// A header member by name.
    public subscript(name: String) -> JSONValue? { lookup(members, name) }

    /// Every header member.
    public var raw: [String: JSONValue] {
        Dictionary(members.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
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
    let members: [JWTMember]

    /// Claims from a dictionary (for tests and hand-built auth objects).
    public init(raw: [String: JSONValue]) {
        members = raw.sorted { $0.key < $1.key }.map { JWTMember(name: $0.key, value: $0.value) }
    }

    init(members: [JWTMember]) { self.members = members }

    /// Every claim, as JSON (built on each access: prefer the subscript for single claims).
    public var raw: [String: JSONValue] {
        Dictionary(members.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// A claim by name.
    public subscript(name: String) -> JSONValue? { lookup(members, name) }

    /// `sub`: the user id for session tokens (`user_…`), the machine id for M2M tokens.
    public var sub: String? { self["sub"]?.stringValue }
    /// `sid`: the session id.
    public var sid: String? { self["sid"]?.stringValue }
    /// `iss`: the issuer (the Frontend API URL).
    public var iss: String? { self["iss"]?.stringValue }
    /// `azp`: the authorized party (the origin the token was minted for).
    public var azp: String? { self["azp"]?.stringValue }
    /// `jti`: the token id.
    public var jti: String? { self["jti"]?.stringValue }
    /// `exp`, in Unix seconds.
    public var exp: Double? { self["exp"]?.doubleValue }
    /// `iat`, in Unix seconds.
    public var iat: Double? { self["iat"]?.doubleValue }
    /// `nbf`, in Unix seconds.
    public var nbf: Double? { self["nbf"]?.doubleValue }
    /// `v`: the claims version (2 for the compact organization claims).
    public var version: Int64? { self["v"]?.intValue }
    /// `sts`: the session status (`active`, `pending`).
    public var sts: String? { self["sts"]?.stringValue }
    /// `aud`, as a list (a single string becomes one element).
    public var aud: [String] {
        switch self["aud"] {
        case .string(let value): [value]
        case .array(let values): values.compactMap(\.stringValue)
        default: []
        }
    }

    /// Decodes the whole payload into your own `Decodable` type.
    public func decode<T: Decodable>(as type: T.Type = T.self) throws -> T {
        try JSONValue.object(raw).decode(as: T.self)
    }

    public static func == (lhs: JWTClaims, rhs: JWTClaims) -> Bool { lhs.raw == rhs.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}

/// A JWT split into its parts and decoded, not verified.
public struct DecodedJWT: Sendable {
    /// The header (`alg`, `kid`, `typ`, `cat`).
    public let header: JWTHeader
    /// The claims, unverified.
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
    var token = token
    guard token.utf8.count <= maxTokenBytes else {
        throw TokenVerificationError(
            reason: .tokenInvalid, message: "Invalid JWT form. The token is larger than \(maxTokenBytes) bytes."
        )
    }
    token.makeContiguousUTF8()
    let undecodable = TokenVerificationError(
        reason: .tokenInvalid,
        message: "Invalid JWT form. The header, payload, or signature could not be decoded."
    )
    // Work on the contiguous UTF-8 bytes: offsets, not String indices.
    let parts: (header: [JWTMember], payload: [JWTMember], signature: [UInt8], secondDot: Int)? =
        try token.utf8.withContiguousStorageIfAvailable { bytes in
            var dots: [Int] = []
            for offset in 0..<bytes.count where bytes[offset] == UInt8(ascii: ".") {
                dots.append(offset)
                if dots.count > 2 { break }
            }
            guard dots.count == 2 else {
                throw TokenVerificationError(
                    reason: .tokenInvalid, message: "Invalid JWT form. A JWT consists of three parts separated by dots."
                )
            }
            func part(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range]) }
            guard let headerBytes = Base64URL.decode(buffer: part(0..<dots[0])),
                let payloadBytes = Base64URL.decode(buffer: part((dots[0] + 1)..<dots[1])),
                let signature = Base64URL.decode(buffer: part((dots[1] + 1)..<bytes.count)),
                let header = JSONObjectParser.parseObjectMembers(headerBytes),
                let payload = JSONObjectParser.parseObjectMembers(payloadBytes)
            else { throw undecodable }
            return (
                header.map { JWTMember(name: $0.name, value: $0.value) },
                payload.map { JWTMember(name: $0.name, value: $0.value) }, signature, dots[1]
            )
        }
    guard let parts else { throw undecodable }
    let utf8 = token.utf8
    let end = utf8.index(utf8.startIndex, offsetBy: parts.secondDot)
    return DecodedJWT(
        header: JWTHeader(members: parts.header),
        claims: JWTClaims(members: parts.payload),
        signature: parts.signature,
        signingInput: token[token.startIndex..<end].utf8,
        token: token
    )
}
