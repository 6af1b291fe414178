#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The decoder the SDK uses for Backend API responses and webhook payloads: a fast path for the common case, with
/// Foundation's `JSONDecoder` behind it.
///
/// The fast path parses the body once into a flat index of its values (nothing is copied until a model asks for
/// it), then decodes straight from the bytes: object members are found by comparing their raw names with the coding
/// keys, first the member after the previous match (models decode their keys in the order the Backend API sends
/// them), then through a small table per object (webhook payloads list members alphabetically), and strings are
/// built only for the fields a model reads. Generated models read their members from that index directly, with no
/// keyed container in between. Anything it does not handle exactly as `JSONDecoder` does
/// (a number that is not a plain integer for an integer field or a ``JSONValue``, an object with escaped, non-ASCII
/// or possibly duplicate member names, invalid UTF-8, deep nesting, any decoding error at all) makes it give up, and
/// `JSONDecoder` decodes the body instead, so results and errors are `JSONDecoder`'s. A differential fuzz target
/// (`Fuzz/run.sh json`) holds the two to the same values.
///
/// ```swift
/// let users = try ClerkJSONDecoder().decode([User].self, from: body)
/// ```
public struct ClerkJSONDecoder: Sendable {
    /// A decoder; it keeps no state between calls and can be shared.
    public init() {}

    /// Decodes a value of `type` from JSON bytes.
    ///
    /// - Throws: the `DecodingError` of Foundation's `JSONDecoder` when the bytes do not decode as `type`.
    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        let fast: T? = data.withUnsafeBytes { raw in
            guard let base = raw.bindMemory(to: UInt8.self).baseAddress, !raw.isEmpty else { return nil }
            let bytes = UnsafeBufferPointer(start: base, count: raw.count)
            guard let tape = JSONTape(bytes) else { return nil }
            return Self.decodeFast(T.self, tape: tape)
        }
        if let fast { return fast }
        return try JSONDecoder().decode(T.self, from: data)
    }

    /// The fast path alone: `nil` when it fails or met anything it does not answer exactly as JSONDecoder would
    /// (even when the type's own `init(from:)` caught that failure and went on, as `JSONValue` does when it tries
    /// `Int64` before `Double`).
    static func decodeFast<T: Decodable>(_ type: T.Type, tape: JSONTape) -> T? {
        tape.gaveUp = false
        guard let value = try? tape.decode(0, as: T.self), !tape.gaveUp else { return nil }
        return value
    }
}

// MARK: - The tape

/// The values of a JSON document in document order: for each one its kind, its byte range and (for containers) the
/// number of children and the index just past its subtree.
final class JSONTape {
    enum Kind: UInt8 {
        /// `string`: plain ASCII between the quotes; `utf8String`: unescaped with bytes beyond ASCII (validated when
        /// read); `escapedString`: with at least one escape.
        case null, `true`, `false`, number, string, utf8String, escapedString, array, object
    }

    struct Node {
        var kind: Kind
        /// Strings: the characters between the quotes; numbers: the literal; containers: unused.
        var start: Int
        var end: Int
        /// Containers: elements (arrays) or members (objects).
        var count: Int
        /// The index of the node after this value's subtree.
        var next: Int
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// Immutable once parsed, so reads need no exclusivity checks.
    let nodes: [Node]
    /// Two slots per node for the objects being decoded (see ``TapeKeyedContainer``): at an object's first slot the
    /// name node to compare first; at the first slot of its first name (a node that needs no slots of its own) one
    /// more than the offset of its lookup table in ``tables``, or zero while it has none.
    let slots: UnsafeMutableBufferPointer<Int>
    /// The lookup tables of the objects with more than ``linearLookupLimit`` members (name nodes by fingerprint,
    /// open addressing, zero for an empty entry), each built when a container first reads the object.
    let tables: UnsafeMutableBufferPointer<Int>
    private var tablesUsed = 0

    /// Objects with at most this many members are searched member by member.
    static let linearLookupLimit = 8

    /// The size of the lookup table of an object with `memberCount` members: a power of two, at most half full.
    static func tableCapacity(_ memberCount: Int) -> Int {
        var capacity = 16
        while capacity < memberCount * 2 { capacity <<= 1 }
        return capacity
    }

    /// Set when a read failed where JSONDecoder might have succeeded (a number it reads by rules of its own, a name
    /// it compares differently, a `Float`): the whole document then goes to JSONDecoder, even if the failure was
    /// caught by the type being decoded.
    var gaveUp = false

    /// A failure that also gives up the fast path (see ``gaveUp``).
    func unsupported() -> TapeDecodingFailure {
        gaveUp = true
        return TapeDecodingFailure()
    }

    static let maxDepth = 256

    /// Parses strictly (RFC 8259); `nil` for invalid JSON or nesting deeper than ``maxDepth``.
    init?(_ bytes: UnsafeBufferPointer<UInt8>) {
        var parser = JSONTapeParser(bytes: bytes)
        guard parser.parseDocument() else { return nil }
        self.bytes = bytes
        nodes = parser.nodes
        (slots, tables) = Self.allocateState(nodes: nodes)
    }

    /// A tape over `bytes` with the nodes of an earlier parse of the same bytes (no parsing).
    init(_ bytes: UnsafeBufferPointer<UInt8>, parsed nodes: [Node]) {
        self.bytes = bytes
        self.nodes = nodes
        (slots, tables) = Self.allocateState(nodes: nodes)
    }

    private static func allocateState(nodes: [Node]) -> (UnsafeMutableBufferPointer<Int>, UnsafeMutableBufferPointer<Int>) {
        var tableSpace = 0
        for node in nodes where node.kind == .object && node.count > linearLookupLimit {
            tableSpace += tableCapacity(node.count)
        }
        let slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: nodes.count * 2)
        slots.initialize(repeating: 0)
        let tables = UnsafeMutableBufferPointer<Int>.allocate(capacity: tableSpace)
        tables.initialize(repeating: 0)
        return (slots, tables)
    }

    deinit {
        slots.deallocate()
        tables.deallocate()
    }

    // MARK: Reading values

    /// The string of a string node; `nil` for invalid UTF-8 or a lone surrogate escape.
    func string(at index: Int) -> String? {
        let node = nodes[index]
        let raw = UnsafeBufferPointer(rebasing: bytes[node.start..<node.end])
        switch node.kind {
        case .string:
            return String(decoding: raw, as: UTF8.self)
        case .utf8String:
            return String(validating: raw, as: UTF8.self)
        case .escapedString:
            return JSONEscapes.unescape(raw)
        default:
            return nil
        }
    }

    /// A fingerprint of a member name's bytes: its length and its first and last eight bytes. The parser stores
    /// it in the `count` of every plain-ASCII member name.
    static func fingerprint(_ name: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let count = name.count
        var first: UInt64 = 0
        var last: UInt64 = 0
        if count >= 8, let base = name.baseAddress {
            first = UnsafeRawPointer(base).loadUnaligned(as: UInt64.self)
            last = UnsafeRawPointer(base + count - 8).loadUnaligned(as: UInt64.self)
        } else {
            for offset in 0..<count {
                first = first << 8 | UInt64(name[offset])
                last = last << 8 | UInt64(name[count - 1 - offset])
            }
        }
        var hasher = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        hasher ^= first &* 0xC2B2_AE3D_27D4_EB4F
        hasher = (hasher << 31 | hasher >> 33) ^ (last &* 0x1656_67B1_9E37_79F9)
        return hasher
    }

    /// The fingerprint the parser stored for a plain-ASCII member name.
    @inline(__always)
    func storedFingerprint(_ index: Int) -> UInt64 { UInt64(bitPattern: Int64(nodes[index].count)) }

    /// Whether the members of an object can be looked up by their bytes: every name plain ASCII (no escapes, so two
    /// names are the same string exactly when they are the same bytes; Swift compares strings by canonical
    /// equivalence, so "\u{212A}" equals "K") and no two names with the same fingerprint (length, first and last
    /// eight bytes). Objects that fail (duplicates, escaped or non-ASCII names, a rare fingerprint clash) are left to
    /// JSONDecoder, which decides which duplicate wins and refuses names that are not UTF-8.
    func hasPlainDistinctNames(object: Int) -> Bool {
        let memberCount = nodes[object].count
        guard memberCount > 1 else { return memberCount == 0 || nodes[object + 1].kind == .string }
        if memberCount <= Self.linearLookupLimit {
            return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: memberCount) { prints in
                var key = object + 1
                for index in 0..<memberCount {
                    guard nodes[key].kind == .string else { return false }
                    let print = storedFingerprint(key)
                    for earlier in 0..<index where prints[earlier] == print { return false }
                    prints[index] = print
                    key = nodes[key + 1].next
                }
                return true
            }
        }
        // More members: the object's lookup table, built here (once), finds any two names with one fingerprint.
        if slots[2 * (object + 1)] != 0 { return true }
        let capacity = Self.tableCapacity(memberCount)
        guard tablesUsed + capacity <= tables.count else { return false }
        let table = UnsafeMutableBufferPointer(rebasing: tables[tablesUsed..<tablesUsed + capacity])
        let mask = capacity - 1
        var key = object + 1
        for _ in 0..<memberCount {
            guard nodes[key].kind == .string else {
                table.update(repeating: 0)
                return false
            }
            let print = storedFingerprint(key)
            var slot = Self.tableSlot(print, mask: mask)
            while table[slot] != 0 {
                if storedFingerprint(table[slot]) == print {
                    table.update(repeating: 0)
                    return false
                }
                slot = (slot + 1) & mask
            }
            table[slot] = key
            key = nodes[key + 1].next
        }
        slots[2 * (object + 1)] = tablesUsed + 1
        tablesUsed += capacity
        return true
    }

    @inline(__always)
    static func tableSlot(_ fingerprint: UInt64, mask: Int) -> Int { Int(truncatingIfNeeded: fingerprint >> 40) & mask }

    /// The name node of the member called `name` (with fingerprint `print`) of an object whose lookup table is
    /// built (more than ``linearLookupLimit`` members, ``hasPlainDistinctNames(object:)`` checked); `nil` if none.
    func lookUp(object: Int, _ name: UnsafeBufferPointer<UInt8>, fingerprint print: UInt64) -> Int? {
        let offset = slots[2 * (object + 1)] - 1
        let mask = Self.tableCapacity(nodes[object].count) - 1
        var slot = Self.tableSlot(print, mask: mask)
        while true {
            let key = tables[offset + slot]
            if key == 0 { return nil }
            if nameEquals(key, name, fingerprint: print) { return key }
            slot = (slot + 1) & mask
        }
    }

    /// Whether the string node at `index` is plain ASCII and exactly `text`.
    func nameIs(_ index: Int, _ text: StaticString) -> Bool {
        let node = nodes[index]
        let count = text.utf8CodeUnitCount
        return node.kind == .string && node.end - node.start == count
            && memcmp(text.utf8Start, bytes.baseAddress! + node.start, count) == 0
    }

    /// Whether the plain-ASCII member name at `index` is exactly `name`, given the name's fingerprint.
    @inline(__always)
    func nameEquals(_ index: Int, _ name: UnsafeBufferPointer<UInt8>, fingerprint: UInt64) -> Bool {
        guard storedFingerprint(index) == fingerprint else { return false }
        let node = nodes[index]
        let count = name.count
        guard count == node.end - node.start, count > 0, let base = name.baseAddress, let source = bytes.baseAddress
        else { return count == 0 && node.end == node.start }
        let other = UnsafeRawPointer(source + node.start)
        let mine = UnsafeRawPointer(base)
        guard count >= 8 else { return memcmp(mine, other, count) == 0 }
        // The first and last eight bytes, then (past 16) the rest.
        guard mine.loadUnaligned(as: UInt64.self) == other.loadUnaligned(as: UInt64.self),
            mine.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
                == other.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        else { return false }
        return count <= 16 || memcmp(mine + 8, other + 8, count - 16) == 0
    }

    /// A plain integer literal (no fraction or exponent) as `Int64`; `nil` otherwise or on overflow.
    func integer(at index: Int) -> Int64? {
        let node = nodes[index]
        guard node.kind == .number else { return nil }
        var position = node.start
        let negative = bytes[position] == UInt8(ascii: "-")
        if negative { position += 1 }
        var value: Int64 = 0
        while position < node.end {
            let byte = bytes[position]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if overflow1 || overflow2 { return nil }
            value = next
            position += 1
        }
        return value
    }

    /// Any number literal as `Double`, as JSONDecoder reads it: `-0` is -0.0; a literal beyond the finite range, or
    /// one with a non-zero digit that rounds to zero (`1e-400`), is `nil` (JSONDecoder refuses both).
    func double(at index: Int) -> Double? {
        let node = nodes[index]
        guard node.kind == .number else { return nil }
        if let integer = integer(at: index), integer.magnitude < 1 << 53 {
            if integer == 0, bytes[node.start] == UInt8(ascii: "-") { return -0.0 }
            return Double(integer)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[node.start..<node.end]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return nil }
        if value == 0 {
            // Zero only when every digit before the exponent is zero.
            var position = node.start
            while position < node.end, bytes[position] != UInt8(ascii: "e"), bytes[position] != UInt8(ascii: "E") {
                if bytes[position] >= UInt8(ascii: "1"), bytes[position] <= UInt8(ascii: "9") { return nil }
                position += 1
            }
        }
        return value
    }
}

/// The strict parser behind ``JSONTape``: a value type, so building the node list costs no exclusivity checks.
/// Member names get their fingerprint (see ``JSONTape/fingerprint(_:_:)``) in `count`, which strings do not use.
struct JSONTapeParser {
    typealias Node = JSONTape.Node
    typealias Kind = JSONTape.Kind
    let bytes: UnsafeBufferPointer<UInt8>
    var nodes: [Node] = []

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
        nodes.reserveCapacity(bytes.count / 8)
    }

    mutating func parseDocument() -> Bool {
        var position = 0
        skipWhitespace(&position)
        guard parseValue(&position, depth: 0) else { return false }
        skipWhitespace(&position)
        return position == bytes.count
    }

    private func skipWhitespace(_ position: inout Int) {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(_ position: inout Int, depth: Int) -> Bool {
        guard depth <= JSONTape.maxDepth, position < bytes.count else { return false }
        switch bytes[position] {
        case UInt8(ascii: "{"): return parseObject(&position, depth: depth + 1)
        case UInt8(ascii: "["): return parseArray(&position, depth: depth + 1)
        case UInt8(ascii: "\""): return parseString(&position)
        case UInt8(ascii: "t"): return literal(&position, "true", .true)
        case UInt8(ascii: "f"): return literal(&position, "false", .false)
        case UInt8(ascii: "n"): return literal(&position, "null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return parseNumber(&position)
        default: return false
        }
    }

    private mutating func literal(_ position: inout Int, _ text: StaticString, _ kind: Kind) -> Bool {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[position + offset] != text.utf8Start[offset] { return false }
        nodes.append(Node(kind: kind, start: position, end: position + count, count: 0, next: nodes.count + 1))
        position += count
        return true
    }

    private func isDigit(_ position: Int) -> Bool {
        position < bytes.count && bytes[position] >= UInt8(ascii: "0") && bytes[position] <= UInt8(ascii: "9")
    }

    private mutating func parseNumber(_ position: inout Int) -> Bool {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard isDigit(position) else { return false }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard isDigit(position) else { return false }
            while isDigit(position) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard isDigit(position) else { return false }
            while isDigit(position) { position += 1 }
        }
        nodes.append(Node(kind: .number, start: start, end: position, count: 0, next: nodes.count + 1))
        return true
    }

    /// A string: control characters refused, escapes checked (their decoding waits until the string is read).
    private mutating func parseString(_ position: inout Int) -> Bool {
        position += 1
        let start = position
        var escaped = false
        var high: UInt8 = 0
        while position < bytes.count {
            // Eight bytes at a time up to the first quote, backslash or control character (bytes past ASCII noted),
            // which the code below then handles.
            while position + 8 <= bytes.count, let base = bytes.baseAddress {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + position).loadUnaligned(as: UInt64.self))
                let special = Self.specialBytes(word)
                guard special == 0 else {
                    let offset = special.trailingZeroBitCount / 8
                    // The bytes before the special one: any past ASCII?
                    if offset > 0, word & 0x8080_8080_8080_8080 & (~0 >> (64 - 8 * offset)) != 0 { high = 0x80 }
                    position += offset
                    break
                }
                if word & 0x8080_8080_8080_8080 != 0 { high = 0x80 }
                position += 8
            }
            guard position < bytes.count else { break }
            let byte = bytes[position]
            high |= byte
            if byte == UInt8(ascii: "\"") {
                let kind: Kind = escaped ? .escapedString : high < 0x80 ? .string : .utf8String
                nodes.append(Node(kind: kind, start: start, end: position, count: 0, next: nodes.count + 1))
                position += 1
                return true
            }
            if byte < 0x20 { return false }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                position += 1
                guard position < bytes.count else { return false }
                switch bytes[position] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    position += 1
                case UInt8(ascii: "u"):
                    guard position + 4 < bytes.count,
                        (1...4).allSatisfy({ JSONEscapes.hexValue(bytes[position + $0]) != nil })
                    else { return false }
                    position += 5
                default:
                    return false
                }
                continue
            }
            position += 1
        }
        return false
    }

    /// The top bit of each byte of `word` (read little-endian: the first byte is the lowest) that is a quote, a
    /// backslash or a control character (below 0x20); bytes past ASCII are not special here. The usual SWAR tests: a
    /// byte is zero after XOR with the quote or the backslash, or below 0x20. A borrow can mark a byte above a special
    /// one, never one below it, so the lowest bit set is always the first special byte.
    @inline(__always)
    static func specialBytes(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let ascii = word & ~highs & 0x7F7F_7F7F_7F7F_7F7F
        let quote = word ^ (ones &* 0x22)
        let backslash = word ^ (ones &* 0x5C)
        let zeroQuote = (quote &- ones) & ~quote & highs
        let zeroBackslash = (backslash &- ones) & ~backslash & highs
        // Below 0x20: among the bytes whose top bit is clear, those for which adding 0x60 does not reach 0x80.
        let control = ~(ascii &+ (ones &* 0x60)) & ~word & highs
        return zeroQuote | zeroBackslash | control
    }

    private mutating func parseArray(_ position: inout Int, depth: Int) -> Bool {
        let index = nodes.count
        nodes.append(Node(kind: .array, start: position, end: position, count: 0, next: 0))
        position += 1
        skipWhitespace(&position)
        var count = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
        } else {
            while true {
                skipWhitespace(&position)
                guard parseValue(&position, depth: depth) else { return false }
                count += 1
                skipWhitespace(&position)
                guard position < bytes.count else { return false }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "]") {
                    position += 1
                    break
                } else {
                    return false
                }
            }
        }
        nodes[index].count = count
        nodes[index].end = position
        nodes[index].next = nodes.count
        return true
    }

    private mutating func parseObject(_ position: inout Int, depth: Int) -> Bool {
        let index = nodes.count
        nodes.append(Node(kind: .object, start: position, end: position, count: 0, next: 0))
        position += 1
        skipWhitespace(&position)
        var count = 0
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
        } else {
            while true {
                skipWhitespace(&position)
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\""), parseString(&position) else {
                    return false
                }
                let name = nodes.count - 1
                if nodes[name].kind == .string {
                    let print = JSONTape.fingerprint(UnsafeBufferPointer(rebasing: bytes[nodes[name].start..<nodes[name].end]))
                    nodes[name].count = Int(Int64(bitPattern: print))
                }
                skipWhitespace(&position)
                guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return false }
                position += 1
                skipWhitespace(&position)
                guard parseValue(&position, depth: depth) else { return false }
                count += 1
                skipWhitespace(&position)
                guard position < bytes.count else { return false }
                if bytes[position] == UInt8(ascii: ",") {
                    position += 1
                } else if bytes[position] == UInt8(ascii: "}") {
                    position += 1
                    break
                } else {
                    return false
                }
            }
        }
        nodes[index].count = count
        nodes[index].end = position
        nodes[index].next = nodes.count
        return true
    }
}

// MARK: - The decoder

/// Any failure of the fast path: the caller falls back to `JSONDecoder`, whose error is the one reported.
struct TapeDecodingFailure: Error {}

struct TapeDecoder: Decoder {
    let tape: JSONTape
    let node: Int
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard tape.nodes[node].kind == .object else { throw TapeDecodingFailure() }
        return KeyedDecodingContainer(try TapeKeyedContainer<Key>(tape: tape, object: node))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard tape.nodes[node].kind == .array else { throw TapeDecodingFailure() }
        return TapeUnkeyedContainer(tape: tape, array: node)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        TapeSingleValueContainer(tape: tape, node: node)
    }
}

/// Member lookup, shared by ``TapeKeyedContainer`` and ``ModelFields``.
extension JSONTape {
    /// Prepares an object for lookups by name.
    ///
    /// - Throws: ``TapeDecodingFailure`` when the node is not an object; gives up the fast path unless every member
    ///   name is plain ASCII and no two may be equal (see ``hasPlainDistinctNames(object:)``).
    func beginObject(_ object: Int) throws {
        guard nodes[object].kind == .object else { throw TapeDecodingFailure() }
        guard hasPlainDistinctNames(object: object) else { throw unsupported() }
        if nodes[object].count > 0 { slots[2 * object] = object + 1 }
    }

    /// The value node of the member called `name` of an object prepared by ``beginObject(_:)``, or `nil`: the member
    /// at the object's cursor first (models read their keys in the order the API usually sends them), then the
    /// object's lookup table, or each member of a small object. A match moves the cursor to the next member.
    @inline(__always)
    func member(of object: Int, named name: String) -> Int? {
        let memberCount = nodes[object].count
        guard memberCount > 0 else { return nil }
        var name = name
        return name.withUTF8 { name in
            let print = JSONTape.fingerprint(name)
            let cursor = slots[2 * object]
            if nameEquals(cursor, name, fingerprint: print) { return matched(cursor, in: object) }
            if memberCount > JSONTape.linearLookupLimit {
                guard let key = lookUp(object: object, name, fingerprint: print) else { return nil }
                return matched(key, in: object)
            }
            var node = object + 1
            for _ in 0..<memberCount {
                if nameEquals(node, name, fingerprint: print) { return matched(node, in: object) }
                node = nodes[node + 1].next
            }
            return nil
        }
    }

    /// Moves an object's cursor to the member after the one whose name is at `node` (to the first after the last);
    /// the value node.
    @inline(__always)
    private func matched(_ node: Int, in object: Int) -> Int {
        let next = nodes[node + 1].next
        slots[2 * object] = next < nodes[object].next ? next : object + 1
        return node + 1
    }
}

/// Decoding of one value node, shared by the three container kinds.
extension JSONTape {
    func decodeNil(_ node: Int) -> Bool { nodes[node].kind == .null }

    func decodeBool(_ node: Int) throws -> Bool {
        switch nodes[node].kind {
        case .true: return true
        case .false: return false
        default: throw TapeDecodingFailure()
        }
    }

    func decodeString(_ node: Int) throws -> String {
        guard let value = string(at: node) else {
            // Not a string: JSONDecoder fails too. A string that does not decode (invalid UTF-8, a lone surrogate):
            // left to JSONDecoder.
            throw nodes[node].kind == .utf8String || nodes[node].kind == .escapedString ? unsupported() : TapeDecodingFailure()
        }
        return value
    }

    func decodeInteger<T: FixedWidthInteger>(_ node: Int, as type: T.Type) throws -> T {
        guard let value = integer(at: node), let exact = T(exactly: value) else {
            // A number that is not a plain integer within Int64 and the type: JSONDecoder may still read it (`1e3`,
            // `1.0`, a UInt64 beyond Int64.max).
            throw nodes[node].kind == .number ? unsupported() : TapeDecodingFailure()
        }
        return exact
    }

    func decodeDouble(_ node: Int) throws -> Double {
        guard let value = double(at: node) else {
            throw nodes[node].kind == .number ? unsupported() : TapeDecodingFailure()
        }
        return value
    }

    func decode<T: Decodable>(_ node: Int, as type: T.Type) throws -> T {
        // The types models use most, without a nested decoder.
        if T.self == String.self { return try decodeString(node) as! T }
        if T.self == Int64.self { return try decodeInteger(node, as: Int64.self) as! T }
        if T.self == Int.self { return try decodeInteger(node, as: Int.self) as! T }
        if T.self == Bool.self { return try decodeBool(node) as! T }
        if T.self == Double.self { return try decodeDouble(node) as! T }
        if T.self == JSONValue.self { return try jsonValue(node) as! T }
        // Metadata maps and string lists, without the generic collection decoding.
        if T.self == [String: JSONValue].self {
            guard nodes[node].kind == .object, case .object(let members) = try jsonValue(node) else {
                throw TapeDecodingFailure()
            }
            return members as! T
        }
        if T.self == [String].self { return try elements(of: node, decodeString) as! T }
        // Arrays and open enums (the usual non-model values) without a container; the node's kind is checked
        // first, so other types pay no cast.
        switch nodes[node].kind {
        case .array:
            if let arrayType = T.self as? any TapeDecodableArray.Type {
                return try arrayType.init(tape: self, array: node) as! T
            }
        case .string, .utf8String, .escapedString:
            if let enumType = T.self as? any OpenStringEnum.Type { return enumType.init(rawValue: try decodeString(node)) as! T }
        default:
            break
        }
        return try T(from: TapeDecoder(tape: self, node: node))
    }

    /// A `JSONValue` straight from the tape (no probing through containers).
    func jsonValue(_ node: Int) throws -> JSONValue {
        let value = nodes[node]
        switch value.kind {
        case .null: return .null
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .number:
            // JSONValue tries Int64 first, and JSONDecoder reads many literals with a fraction or an exponent as
            // integers (`1.0`, `1e2`, `-0.0`, even `1e-400` and `1.00000000000000000001`) by rules of its own; only
            // plain integer literals within Int64 are read here, and any other number leaves the document to it.
            guard let integer = integer(at: node) else { throw unsupported() }
            return .int(integer)
        case .string, .utf8String, .escapedString: return .string(try decodeString(node))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(value.count)
            var child = node + 1
            for _ in 0..<value.count {
                elements.append(try jsonValue(child))
                child = nodes[child].next
            }
            return .array(elements)
        case .object:
            guard hasPlainDistinctNames(object: node) else { throw unsupported() }
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(value.count)
            var child = node + 1
            for _ in 0..<value.count {
                let key = try decodeString(child)
                members[key] = try jsonValue(child + 1)
                child = nodes[child + 1].next
            }
            return .object(members)
        }
    }
}

/// An array decoded element by element from the tape, as `Array.init(from:)` does through an unkeyed container.
protocol TapeDecodableArray {
    init(tape: JSONTape, array: Int) throws
}

extension Array: TapeDecodableArray where Element: Decodable {
    init(tape: JSONTape, array: Int) throws { self = try tape.decodeArray(array, of: Element.self) }
}

extension JSONTape {
    /// An array node's elements as `Element`s (any other node fails, as with JSONDecoder).
    func decodeArray<Element: Decodable>(_ node: Int, of type: Element.Type) throws -> [Element] {
        try elements(of: node) { try decode($0, as: Element.self) }
    }

    /// The elements of an array node, each made by `element` from its node (any other node fails).
    @inline(__always)
    func elements<Element>(of node: Int, _ element: (Int) throws -> Element) throws -> [Element] {
        guard nodes[node].kind == .array else { throw TapeDecodingFailure() }
        let count = nodes[node].count
        var elements: [Element] = []
        elements.reserveCapacity(count)
        var child = node + 1
        for _ in 0..<count {
            elements.append(try element(child))
            child = nodes[child].next
        }
        return elements
    }
}

/// An object's members. Lookups start after the previous match: synthesized `init(from:)`s read keys in declaration
/// order, which is usually the order of the JSON, so most lookups compare one name.
struct TapeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let tape: JSONTape
    let object: Int
    let memberCount: Int

    /// - Throws: ``TapeDecodingFailure`` unless every member name is plain ASCII and no two may be equal (see
    ///   ``JSONTape/hasPlainDistinctNames(object:)``).
    init(tape: JSONTape, object: Int) throws {
        self.tape = tape
        self.object = object
        memberCount = tape.nodes[object].count
        try tape.beginObject(object)
    }

    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] {
        var result: [Key] = []
        var key = object + 1
        for _ in 0..<memberCount {
            if let name = tape.string(at: key), let codingKey = Key(stringValue: name) { result.append(codingKey) }
            key = tape.nodes[key + 1].next
        }
        return result
    }

    /// The value node of `key`, or `nil`.
    private func find(_ key: Key) throws -> Int? { tape.member(of: object, named: key.stringValue) }

    private func require(_ key: Key) throws -> Int {
        guard let node = try find(key) else { throw TapeDecodingFailure() }
        return node
    }

    func contains(_ key: Key) -> Bool { (try? find(key)) != nil }

    func decodeNil(forKey key: Key) throws -> Bool { tape.decodeNil(try require(key)) }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try tape.decodeBool(try require(key)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try tape.decodeString(try require(key)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try tape.decodeDouble(try require(key)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { throw tape.unsupported() }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try tape.decodeInteger(try require(key), as: Int.self) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try tape.decodeInteger(try require(key), as: Int8.self) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try tape.decodeInteger(try require(key), as: Int16.self) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try tape.decodeInteger(try require(key), as: Int32.self) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try tape.decodeInteger(try require(key), as: Int64.self) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try tape.decodeInteger(try require(key), as: UInt.self) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try tape.decodeInteger(try require(key), as: UInt8.self) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try tape.decodeInteger(try require(key), as: UInt16.self) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try tape.decodeInteger(try require(key), as: UInt32.self) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try tape.decodeInteger(try require(key), as: UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try tape.decode(try require(key), as: T.self) }

    /// An absent key or a `null` value is `nil`, as with `JSONDecoder`.
    private func present(_ key: Key) throws -> Int? {
        guard let node = try find(key), !tape.decodeNil(node) else { return nil }
        return node
    }

    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? {
        guard let node = try present(key) else { return nil }
        return try tape.decodeBool(node)
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? {
        guard let node = try present(key) else { return nil }
        return try tape.decodeString(node)
    }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? {
        guard let node = try present(key) else { return nil }
        return try tape.decodeDouble(node)
    }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        guard let node = try present(key) else { return nil }
        return try tape.decodeInteger(node, as: Int.self)
    }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? {
        guard let node = try present(key) else { return nil }
        return try tape.decodeInteger(node, as: Int64.self)
    }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        // As with JSONDecoder, `null` is `nil` here, whatever `T` is.
        guard let node = try present(key) else { return nil }
        return try tape.decode(node, as: T.self)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TapeDecoder(tape: tape, node: try require(key)).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TapeDecoder(tape: tape, node: try require(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder { throw tape.unsupported() }
    func superDecoder(forKey key: Key) throws -> any Decoder { TapeDecoder(tape: tape, node: try require(key)) }
}

struct TapeUnkeyedContainer: UnkeyedDecodingContainer {
    let tape: JSONTape
    let array: Int
    var currentIndex = 0
    private var node: Int

    init(tape: JSONTape, array: Int) {
        self.tape = tape
        self.array = array
        node = array + 1
    }

    var codingPath: [any CodingKey] { [] }
    var count: Int? { tape.nodes[array].count }
    var isAtEnd: Bool { currentIndex >= tape.nodes[array].count }

    private mutating func advance() throws -> Int {
        guard !isAtEnd else { throw TapeDecodingFailure() }
        let current = node
        node = tape.nodes[current].next
        currentIndex += 1
        return current
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else { throw TapeDecodingFailure() }
        if tape.decodeNil(node) {
            _ = try advance()
            return true
        }
        return false
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try tape.decodeBool(try advance()) }
    mutating func decode(_ type: String.Type) throws -> String { try tape.decodeString(try advance()) }
    mutating func decode(_ type: Double.Type) throws -> Double { try tape.decodeDouble(try advance()) }
    mutating func decode(_ type: Int.Type) throws -> Int { try tape.decodeInteger(try advance(), as: Int.self) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try tape.decodeInteger(try advance(), as: Int64.self) }
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try tape.decode(try advance(), as: T.self) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TapeDecoder(tape: tape, node: try advance()).container(keyedBy: NestedKey.self)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try TapeDecoder(tape: tape, node: try advance()).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { TapeDecoder(tape: tape, node: try advance()) }
}

struct TapeSingleValueContainer: SingleValueDecodingContainer {
    let tape: JSONTape
    let node: Int
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool { tape.decodeNil(node) }
    func decode(_ type: Bool.Type) throws -> Bool { try tape.decodeBool(node) }
    func decode(_ type: String.Type) throws -> String { try tape.decodeString(node) }
    func decode(_ type: Double.Type) throws -> Double { try tape.decodeDouble(node) }
    func decode(_ type: Float.Type) throws -> Float { throw tape.unsupported() }
    func decode(_ type: Int.Type) throws -> Int { try tape.decodeInteger(node, as: Int.self) }
    func decode(_ type: Int8.Type) throws -> Int8 { try tape.decodeInteger(node, as: Int8.self) }
    func decode(_ type: Int16.Type) throws -> Int16 { try tape.decodeInteger(node, as: Int16.self) }
    func decode(_ type: Int32.Type) throws -> Int32 { try tape.decodeInteger(node, as: Int32.self) }
    func decode(_ type: Int64.Type) throws -> Int64 { try tape.decodeInteger(node, as: Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { try tape.decodeInteger(node, as: UInt.self) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try tape.decodeInteger(node, as: UInt8.self) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try tape.decodeInteger(node, as: UInt16.self) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try tape.decodeInteger(node, as: UInt32.self) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try tape.decodeInteger(node, as: UInt64.self) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try tape.decode(node, as: T.self) }
}
