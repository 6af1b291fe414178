#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A small, strict JSON parser into ``JSONValue`` for the hot path of token verification.
///
/// Faster than `JSONDecoder` for small documents such as JWT headers and claims, bounded in nesting depth (so a
/// hostile token cannot exhaust the stack), and strict: duplicate object keys, trailing garbage, unpaired
/// surrogates and invalid UTF-8 are rejected.
enum JSONObjectParser {
    static let maxDepth = 64

    /// Parses a document whose top level must be an object.
    static func parseObject(_ bytes: [UInt8]) -> [String: JSONValue]? {
        let value: JSONValue? = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            parser.skipWhitespace()
            guard parser.current == UInt8(ascii: "{"), let value = parser.parseValue(depth: 0) else { return nil }
            parser.skipWhitespace()
            return parser.position == buffer.count ? value : nil
        }
        guard case .object(let members)? = value else { return nil }
        return members
    }

    /// Parses a document whose top level must be an object into its members in document order, without building a
    /// dictionary (cheaper for the handful of members of a JWT header or claims set). Duplicate names are refused.
    /// Plain ASCII strings without escapes are validated but not built (see ``JWTMembers``).
    static func parseObjectMembers(_ bytes: [UInt8]) -> JWTMembers? {
        let members: [JWTMembers.Member]? = bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            parser.skipWhitespace()
            guard parser.current == UInt8(ascii: "{"), let members = parser.parseMembers(depth: 1) else { return nil }
            parser.skipWhitespace()
            return parser.position == buffer.count ? members : nil
        }
        return members.map { JWTMembers(bytes: bytes, members: $0) }
    }

    /// Parses any JSON document.
    static func parse(_ bytes: [UInt8]) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = Parser(bytes: buffer)
            parser.skipWhitespace()
            guard let value = parser.parseValue(depth: 0) else { return nil }
            parser.skipWhitespace()
            return parser.position == buffer.count ? value : nil
        }
    }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var position = 0

        init(bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var current: UInt8? { position < bytes.count ? bytes[position] : nil }

        mutating func skipWhitespace() {
            while position < bytes.count {
                switch bytes[position] {
                case 0x20, 0x09, 0x0A, 0x0D: position += 1
                default: return
                }
            }
        }

        mutating func parseValue(depth: Int) -> JSONValue? {
            guard depth <= JSONObjectParser.maxDepth, let byte = current else { return nil }
            switch byte {
            case UInt8(ascii: "{"): return parseObject(depth: depth + 1)
            case UInt8(ascii: "["): return parseArray(depth: depth + 1)
            case UInt8(ascii: "\""): return parseString().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true", .bool(true))
            case UInt8(ascii: "f"): return literal("false", .bool(false))
            case UInt8(ascii: "n"): return literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return parseNumber()
            default: return nil
            }
        }

        mutating func literal(_ text: StaticString, _ value: JSONValue) -> JSONValue? {
            let count = text.utf8CodeUnitCount
            guard position + count <= bytes.count else { return nil }
            let pointer = text.utf8Start
            for offset in 0..<count where bytes[position + offset] != pointer[offset] { return nil }
            position += count
            return value
        }

        mutating func parseObject(depth: Int) -> JSONValue? {
            position += 1
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(16)
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return .object(members)
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\""), let key = parseString() else { return nil }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return nil }
                position += 1
                skipWhitespace()
                guard let value = parseValue(depth: depth) else { return nil }
                guard members.updateValue(value, forKey: key) == nil else { return nil }
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return .object(members)
                default: return nil
                }
            }
        }

        /// The members of the object at the current position, in order; `nil` on any error or duplicate name.
        mutating func parseMembers(depth: Int) -> [JWTMembers.Member]? {
            position += 1
            var members: [JWTMembers.Member] = []
            members.reserveCapacity(16)
            var seen = Set<String>()
            skipWhitespace()
            if current == UInt8(ascii: "}") {
                position += 1
                return members
            }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { return nil }
                // A name of one to seven plain ASCII bytes (every JWT claim Clerk uses) becomes its short key, with no
                // `String`; any other name is parsed as a string.
                let shortKey = parseShortName()
                let name: String?
                if shortKey == 0 {
                    guard let parsed = parseString() else { return nil }
                    name = parsed
                } else {
                    name = nil
                }
                skipWhitespace()
                guard current == UInt8(ascii: ":") else { return nil }
                position += 1
                skipWhitespace()
                guard let value = parseMemberValue(depth: depth) else { return nil }
                let member = name.map { JWTMembers.Member(name: $0, value: value) } ?? JWTMembers.Member(key: shortKey, value: value)
                // Linear duplicate check for small objects; a set beyond 32 members keeps hostile input linear.
                if members.count < 32 {
                    // Short names compare as keys; a long or non-ASCII name as a string (Swift's equivalence: the
                    // Kelvin sign spells the same name as `K`).
                    if members.contains(where: {
                        $0.key != 0 && member.key != 0 ? $0.key == member.key : $0.name == member.name
                    }) { return nil }
                } else {
                    if seen.isEmpty { seen = Set(members.map(\.name)) }
                    guard seen.insert(member.name).inserted else { return nil }
                }
                members.append(member)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "}"):
                    position += 1
                    return members
                default: return nil
                }
            }
        }

        /// Whether any of the eight bytes of `word` is `"`, `\`, below 0x20 or 0x80 and above (exact: borrows
        /// only carry into bytes above one that matches).
        @inline(__always)
        static func mayEndPlainString(_ word: UInt64) -> Bool {
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            func hasZeroByte(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
            let control = (word &- ones &* 0x20) & ~word & highs
            return word & highs != 0 || control != 0 || hasZeroByte(word ^ (ones &* 0x22))
                || hasZeroByte(word ^ (ones &* 0x5C))
        }

        /// At a string's opening quote: when the string is one to seven ASCII bytes with no escape, moves past its
        /// closing quote and returns its ``JWTMembers/shortKey(_:)``; otherwise stays and returns 0.
        mutating func parseShortName() -> UInt64 {
            var end = position + 1
            while end < bytes.count, end - position <= 8 {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\"") {
                    let key = JWTMembers.shortKey(bytes: UnsafeBufferPointer(rebasing: bytes[(position + 1)..<end]))
                    if key != 0 { position = end + 1 }
                    return key
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return 0 }
                end += 1
            }
            return 0
        }

        /// A member value for ``JWTMembers``: a plain ASCII string (no escapes, no control characters) is checked
        /// and kept as a range; anything else is parsed.
        mutating func parseMemberValue(depth: Int) -> JWTMembers.Value? {
            // The same depth limit as ``parseValue(depth:)``, for every kind of value.
            guard depth <= JSONObjectParser.maxDepth else { return nil }
            if current == UInt8(ascii: "\""), let base = bytes.baseAddress {
                var end = position + 1
                // Eight bytes at a time while none is a quote, a backslash, a control character or non-ASCII.
                while end + 8 <= bytes.count {
                    let word = UnsafeRawPointer(base + end).loadUnaligned(as: UInt64.self)
                    if Parser.mayEndPlainString(word) { break }
                    end += 8
                }
                while end < bytes.count {
                    let byte = bytes[end]
                    if byte == UInt8(ascii: "\"") {
                        let range = (position + 1)..<end
                        position = end + 1
                        return .asciiString(range)
                    }
                    if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
                    end += 1
                }
            }
            if current == UInt8(ascii: "{") {
                // Objects keep the same cheap shape (members in order, ranges into the same bytes).
                return parseMembers(depth: depth + 1).map(JWTMembers.Value.object)
            }
            return parseValue(depth: depth).map(JWTMembers.Value.parsed)
        }

        mutating func parseArray(depth: Int) -> JSONValue? {
            position += 1
            var elements: [JSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") {
                position += 1
                return .array(elements)
            }
            while true {
                skipWhitespace()
                guard let value = parseValue(depth: depth) else { return nil }
                elements.append(value)
                skipWhitespace()
                switch current {
                case UInt8(ascii: ","): position += 1
                case UInt8(ascii: "]"):
                    position += 1
                    return .array(elements)
                default: return nil
                }
            }
        }

        mutating func parseString() -> String? {
            position += 1
            let start = position
            // Fast path: no escapes.
            while position < bytes.count {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\"") {
                    let slice = UnsafeBufferPointer(rebasing: bytes[start..<position])
                    position += 1
                    return Parser.validatedString(slice)
                }
                if byte == UInt8(ascii: "\\") { break }
                if byte < 0x20 { return nil }
                position += 1
            }
            // Escapes: find the closing quote (an escaped character is skipped), then decode the whole string.
            var end = position
            while end < bytes.count {
                let byte = bytes[end]
                if byte == UInt8(ascii: "\"") {
                    position = end + 1
                    return JSONEscapes.unescape(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                }
                if byte < 0x20 { return nil }
                end += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            return nil
        }

        /// The string of UTF-8 bytes, or `nil` when they are not valid UTF-8. (`String(decoding:)` is the fast,
        /// specialised path; it repairs invalid input, so any repair shows as a difference from the input.)
        static func validatedString(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
            let string = String(decoding: bytes, as: UTF8.self)
            // ASCII is valid UTF-8 as it is; anything else must come back byte for byte.
            var ascii: UInt8 = 0
            for byte in bytes { ascii |= byte }
            if ascii < 0x80 { return string }
            var copy = string
            return copy.withUTF8 { decoded in
                decoded.count == bytes.count
                    && (bytes.isEmpty || memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
            } ? string : nil
        }

        /// An optional `-` then digits, as `Int64`; `nil` on overflow (then the number is parsed as a double).
        static func integer(_ digits: UnsafeBufferPointer<UInt8>) -> Int64? {
            var index = 0
            let negative = digits.first == UInt8(ascii: "-")
            if negative { index = 1 }
            var value: Int64 = 0
            while index < digits.count {
                let digit = Int64(digits[index] &- UInt8(ascii: "0"))
                let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (next, overflow2) =
                    negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
                if overflow1 || overflow2 { return nil }
                value = next
                index += 1
            }
            return value
        }

        mutating func parseNumber() -> JSONValue? {
            let start = position
            if current == UInt8(ascii: "-") { position += 1 }
            guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return nil }
            if first == UInt8(ascii: "0") {
                position += 1
            } else {
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            }
            var isInteger = true
            if current == UInt8(ascii: ".") {
                isInteger = false
                position += 1
                guard let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                isInteger = false
                position += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
                guard let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            }
            if isInteger, let value = Parser.integer(UnsafeBufferPointer(rebasing: bytes[start..<position])) {
                return .int(value)
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            guard let value = Double(text), value.isFinite else { return nil }
            return .double(value)
        }
    }
}

/// JSON string escapes, shared by ``JSONObjectParser`` and the fast path of ``ClerkJSONDecoder``.
enum JSONEscapes {
    static func hexValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Four hex digits at `index`, or `nil`.
    static func hex4(_ raw: UnsafeBufferPointer<UInt8>, _ index: Int) -> UInt16? {
        guard index + 4 <= raw.count else { return nil }
        var value: UInt16 = 0
        for offset in 0..<4 {
            guard let digit = hexValue(raw[index + offset]) else { return nil }
            value = value << 4 | digit
        }
        return value
    }

    /// The characters between a string's quotes with its escapes decoded; `nil` for a control character, an
    /// unknown or truncated escape, an unpaired surrogate, or bytes that are not UTF-8.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        var output: [UInt8] = []
        output.reserveCapacity(raw.count)
        var index = 0
        // Bytes past ASCII copied as they are: only then can the output be invalid UTF-8 (escapes are encoded here).
        var copiedNonASCII = false
        while index < raw.count {
            let byte = raw[index]
            if byte < 0x20 { return nil }
            guard byte == UInt8(ascii: "\\") else {
                if byte >= 0x80 { copiedNonASCII = true }
                output.append(byte)
                index += 1
                continue
            }
            guard index + 1 < raw.count else { return nil }
            let escape = raw[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): output.append(0x22)
            case UInt8(ascii: "\\"): output.append(0x5C)
            case UInt8(ascii: "/"): output.append(0x2F)
            case UInt8(ascii: "b"): output.append(0x08)
            case UInt8(ascii: "f"): output.append(0x0C)
            case UInt8(ascii: "n"): output.append(0x0A)
            case UInt8(ascii: "r"): output.append(0x0D)
            case UInt8(ascii: "t"): output.append(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4(raw, index) else { return nil }
                index += 4
                var scalarValue = UInt32(unit)
                if (0xD800...0xDBFF).contains(unit) {
                    guard index + 6 <= raw.count, raw[index] == UInt8(ascii: "\\"), raw[index + 1] == UInt8(ascii: "u"),
                        let low = hex4(raw, index + 2), (0xDC00...0xDFFF).contains(low)
                    else { return nil }
                    index += 6
                    scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(unit) {
                    return nil
                }
                guard let scalar = Unicode.Scalar(scalarValue) else { return nil }
                UTF8.encode(scalar) { output.append($0) }
            default:
                return nil
            }
        }
        return copiedNonASCII ? String(validating: output, as: UTF8.self) : String(decoding: output, as: UTF8.self)
    }
}
