#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The members of a JWT header or claims set, in document order. Plain ASCII string values stay as byte ranges of
/// the decoded JSON and become `String`s only when read: verification reads a handful of the claims, and most
/// claim values are strings long enough to need an allocation each.
struct JWTMembers: Sendable {
    /// A member's value: parsed already (numbers, literals, containers, strings with escapes or non-ASCII), or the
    /// range of a plain ASCII string's characters in ``bytes``.
    enum Value: Sendable {
        case parsed(JSONValue)
        case asciiString(Range<Int>)
        /// A nested object's members, in order, their values pointing into the same ``bytes`` (Clerk's `o` claim):
        /// no dictionary is built unless the object is read as JSON.
        case object([Member])
    }

    struct Member: Sendable {
        /// The name, for a name that ``key`` does not spell (longer than seven bytes, or not ASCII); `nil` when the
        /// key is the name (parsed names of one to seven ASCII bytes: no `String` is built for them).
        private let longName: String?
        let value: Value
        /// ``JWTMembers/shortKey(_:)`` of the name.
        let key: UInt64

        init(name: String, value: Value) {
            self.value = value
            key = JWTMembers.shortKey(name)
            longName = key == 0 ? name : nil
        }

        /// A member whose name is spelled by `key` (a non-zero ``JWTMembers/shortKey(_:)``).
        init(key: UInt64, value: Value) {
            self.value = value
            self.key = key
            longName = nil
        }

        /// The member's name.
        var name: String { longName ?? JWTMembers.name(ofKey: key) }

        /// Whether this member is called `name` (whose ``JWTMembers/shortKey(_:)`` is `key`).
        @inline(__always)
        func isNamed(_ name: String, key: UInt64) -> Bool {
            self.key != 0 && key != 0 ? self.key == key : self.name == name
        }
    }

    /// A name of one to seven ASCII bytes packed exactly, with its length, into one integer; 0 for any other name.
    /// Two names whose keys are both non-zero are equal exactly when their keys are (claim names are short: `sub`,
    /// `azp`, `o`…), so most comparisons are one integer comparison. Any other pair is compared as strings (Swift's
    /// canonical equivalence: a non-ASCII name can equal an ASCII one).
    static func shortKey(_ name: String) -> UInt64 {
        guard name.utf8.count <= 7 else { return 0 }
        var name = name
        return name.withUTF8 { shortKey(bytes: $0) }
    }

    /// ``shortKey(_:)`` of a name written in the code.
    @inline(__always)
    static func shortKey(claim name: StaticString) -> UInt64 {
        guard name.hasPointerRepresentation else { return shortKey(name.description) }
        return shortKey(bytes: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// ``shortKey(_:)`` of a name given as its UTF-8 bytes.
    @inline(__always)
    static func shortKey(bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = bytes.count
        guard count > 0, count <= 7 else { return 0 }
        var key = UInt64(count)
        for index in 0..<count {
            let byte = bytes[index]
            guard byte < 0x80 else { return 0 }
            key |= UInt64(byte) << (8 * UInt64(index + 1))
        }
        return key
    }

    /// The name a non-zero ``shortKey(_:)`` spells.
    static func name(ofKey key: UInt64) -> String {
        let count = Int(key & 0xFF)
        return String(unsafeUninitializedCapacity: count) { buffer in
            for index in 0..<count { buffer[index] = UInt8(truncatingIfNeeded: key >> (8 * UInt64(index + 1))) }
            return count
        }
    }

    /// The decoded JSON text the ranges point into.
    let bytes: [UInt8]
    let members: [Member]

    init(bytes: [UInt8], members: [Member]) {
        self.bytes = bytes
        self.members = members
    }

    /// Members from values (for claims built in code).
    init(_ values: [(String, JSONValue)]) {
        bytes = []
        members = values.map { Member(name: $0.0, value: .parsed($0.1)) }
    }

    /// Linear lookup over a few members: cheaper than hashing for JWT-sized objects.
    subscript(name: String) -> JSONValue? {
        index(of: name).map { value(of: members[$0]) }
    }

    /// The member called `name`, if any.
    @inline(__always)
    func member(named name: StaticString) -> Member? {
        index(ofClaim: name).map { members[$0] }
    }

    /// The index of the member called `name`. The scan reads only the keys in place: iterating the members
    /// themselves copies each one (retaining and releasing its value), which made every lookup cost as much as
    /// the parse.
    @inline(__always)
    func index(of name: String) -> Int? {
        index(key: JWTMembers.shortKey(name), name: { name })
    }

    /// ``index(of:)`` for a name written in the code: its key is read from the literal's bytes (no `String`).
    @inline(__always)
    func index(ofClaim name: StaticString) -> Int? {
        index(key: JWTMembers.shortKey(claim: name), name: { name.description })
    }

    /// The index of the member whose name has the short key `key` (0: none), or is spelled `name()`.
    @inline(__always)
    private func index(key: UInt64, name: () -> String) -> Int? {
        members.withUnsafeBufferPointer { buffer -> Int? in
            if key != 0 {
                for index in buffer.indices where buffer[index].key == key { return index }
                // A long or non-ASCII name spelling the same name (Swift's equivalence).
                var spelled: String?
                for index in buffer.indices where buffer[index].key == 0 {
                    if spelled == nil { spelled = name() }
                    if buffer[index].name == spelled { return index }
                }
                return nil
            }
            let spelled = name()
            for index in buffer.indices where buffer[index].isNamed(spelled, key: 0) { return index }
            return nil
        }
    }

    /// The value of the member called `name` (a name written in the code).
    subscript(claim name: StaticString) -> JSONValue? {
        index(ofClaim: name).map { value(of: members[$0]) }
    }

    /// The members of the object called `name` (a nested object of the claims, such as `o`), looked up the same
    /// cheap way; `nil` when there is no such member or it is not an object.
    func object(_ name: StaticString) -> JWTMembers? {
        switch member(named: name)?.value {
        case .object(let members)?: JWTMembers(bytes: bytes, members: members)
        case .parsed(.object(let dictionary))?: JWTMembers(dictionary.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        default: nil
        }
    }

    /// `body` applied to the UTF-8 bytes of the string member called `name` (a plain ASCII value in place, without
    /// building a `String`); `nil` when there is no such member or it is not a string.
    func withStringBytes<R>(_ name: StaticString, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        switch member(named: name)?.value {
        case .asciiString(let range)?:
            return bytes.withUnsafeBufferPointer { body(UnsafeBufferPointer(rebasing: $0[range])) }
        case .parsed(.string(var value))?:
            return value.withUTF8(body)
        default:
            return nil
        }
    }

    /// Whether the member called `name` is a string (without building it).
    func isString(_ name: StaticString) -> Bool {
        switch member(named: name)?.value {
        case .asciiString?: true
        case .parsed(.string)?: true
        default: false
        }
    }

    /// Whether the member called `name` is a non-empty string equal to one of `candidates` (Swift's string
    /// equality). A plain ASCII value is compared as bytes against ASCII candidates, without building a `String`.
    func isNonEmptyString(_ name: StaticString, in candidates: [String]) -> Bool {
        guard let member = member(named: name) else { return false }
        switch member.value {
        case .parsed(.string(let value)):
            return !value.isEmpty && candidates.contains(value)
        case .parsed, .object:
            return false
        case .asciiString(let range):
            guard !range.isEmpty else { return false }
            return bytes.withUnsafeBufferPointer { buffer in
                let value = UnsafeBufferPointer(rebasing: buffer[range])
                for candidate in candidates {
                    var candidate = candidate
                    let equal = candidate.withUTF8 { other -> Bool? in
                        // ASCII bytes equal a string exactly when its bytes are the same; a non-ASCII candidate can
                        // still be canonically equal (the Kelvin sign and `K`): compare those as strings.
                        guard !other.contains(where: { $0 >= 0x80 }) else { return nil }
                        guard other.count == value.count, let lhs = other.baseAddress, let rhs = value.baseAddress else {
                            return false
                        }
                        return memcmp(lhs, rhs, value.count) == 0
                    }
                    if let equal {
                        if equal { return true }
                    } else if String(decoding: value, as: UTF8.self) == candidate {
                        return true
                    }
                }
                return false
            }
        }
    }

    func value(of member: Member) -> JSONValue {
        switch member.value {
        case .parsed(let value): return value
        case .object(let members): return .object(dictionary(of: members))
        case .asciiString(let range):
            return bytes.withUnsafeBufferPointer { .string(String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self)) }
        }
    }

    /// Every member, as a dictionary.
    var dictionary: [String: JSONValue] { dictionary(of: members) }

    /// Members (these or a nested object's) as a dictionary.
    private func dictionary(of members: [Member]) -> [String: JSONValue] {
        Dictionary(members.map { ($0.name, value(of: $0)) }, uniquingKeysWith: { first, _ in first })
    }
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
    let members: JWTMembers

    init(members: JWTMembers) {
        self.members = members
        alg = members[claim: "alg"]?.stringValue
        kid = members[claim: "kid"]?.stringValue
        typ = members[claim: "typ"]?.stringValue
        cat = members[claim: "cat"]?.stringValue
    }

    /// A header member by name.
    public subscript(name: String) -> JSONValue? { members[name] }

    /// Every header member.
    public var raw: [String: JSONValue] { members.dictionary }

    public static func == (lhs: JWTHeader, rhs: JWTHeader) -> Bool { lhs.raw == rhs.raw }
    public func hash(into hasher: inout Hasher) { hasher.combine(raw) }
}

/// Clerk's token categories: the `cat` header of the JWTs an instance signs. Open: a value Clerk adds later is kept
/// as it is.
public struct JWTCategory: OpenStringEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    /// A session token (`cl_B7d4PD111AAA`), also used for handshake tokens.
    public static let session: Self = "cl_B7d4PD111AAA"
    /// A token minted from a JWT template (`cl_B7d4PD222AAA`): never a session token.
    public static let jwtTemplate: Self = "cl_B7d4PD222AAA"
    /// A machine-to-machine token in JWT form (`cl_B7d4PD333AAA`).
    public static let m2m: Self = "cl_B7d4PD333AAA"
    /// The category of instances that opted out of tagging (`cl_I7d4PD111III`), treated as a session token.
    public static let ignore: Self = "cl_I7d4PD111III"
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
    let members: JWTMembers

    /// The category (`cat` header) of the token these claims were verified from: ``JWTCategory/session`` for a
    /// session token, ``JWTCategory/jwtTemplate`` for a token minted from a JWT template; `nil` when the token has no
    /// `cat` (tokens from before Clerk added it) or the claims were not produced by a verification.
    public internal(set) var category: JWTCategory?

    /// Claims from a dictionary (for tests and hand-built auth objects).
    public init(raw: [String: JSONValue]) {
        members = JWTMembers(raw.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    init(members: JWTMembers) { self.members = members }

    /// Every claim, as JSON (built on each access: prefer the subscript for single claims).
    public var raw: [String: JSONValue] { members.dictionary }

    /// A claim by name.
    public subscript(name: String) -> JSONValue? { members[name] }

    /// `sub`: the user id for session tokens (`user_…`), the machine id for M2M tokens.
    public var sub: String? { members[claim: "sub"]?.stringValue }
    /// `sid`: the session id.
    public var sid: String? { members[claim: "sid"]?.stringValue }
    /// `iss`: the issuer (the Frontend API URL).
    public var iss: String? { members[claim: "iss"]?.stringValue }
    /// `azp`: the authorized party (the origin the token was minted for).
    public var azp: String? { members[claim: "azp"]?.stringValue }
    /// `jti`: the token id.
    public var jti: String? { members[claim: "jti"]?.stringValue }
    /// `exp`, in Unix seconds.
    public var exp: Double? { members[claim: "exp"]?.doubleValue }
    /// `iat`, in Unix seconds.
    public var iat: Double? { members[claim: "iat"]?.doubleValue }
    /// `nbf`, in Unix seconds.
    public var nbf: Double? { members[claim: "nbf"]?.doubleValue }
    /// `v`: the claims version (2 for the compact organization claims).
    public var version: Int64? { members[claim: "v"]?.intValue }
    /// `sts`: the session status (`active`, `pending`).
    public var sts: String? { members[claim: "sts"]?.stringValue }
    /// `aud`, as a list (a single string becomes one element).
    public var aud: [String] {
        switch members[claim: "aud"] {
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

/// Decodes a JWT without verifying it: the reference's `decodeJWT`.
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
    let parts: (header: JWTMembers, payload: JWTMembers, signature: [UInt8], secondDot: Int)? =
        try token.utf8.withContiguousStorageIfAvailable { bytes in
            // The offsets of the two dots, found with memchr (a word at a time), and no third one.
            func dot(after start: Int) -> Int? {
                guard start < bytes.count, let base = bytes.baseAddress,
                    let found = memchr(base + start, Int32(UInt8(ascii: ".")), bytes.count - start)
                else { return nil }
                return UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
            }
            let first = dot(after: 0)
            let second = first.flatMap { dot(after: $0 + 1) }
            guard let first, let second, dot(after: second + 1) == nil else {
                throw TokenVerificationError(
                    reason: .tokenInvalid, message: "Invalid JWT form. A JWT consists of three parts separated by dots."
                )
            }
            func part(_ range: Range<Int>) -> UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: bytes[range]) }
            guard let headerBytes = Base64URL.decode(buffer: part(0..<first)),
                let payloadBytes = Base64URL.decode(buffer: part((first + 1)..<second)),
                let signature = Base64URL.decode(buffer: part((second + 1)..<bytes.count)),
                let header = JSONObjectParser.parseObjectMembers(headerBytes),
                let payload = JSONObjectParser.parseObjectMembers(payloadBytes)
            else { throw undecodable }
            return (header, payload, signature, second)
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
