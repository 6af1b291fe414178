#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Parses `Cookie` request headers (RFC 6265): `name=value` pairs separated by `;`, values percent-decoded one by
/// one (an encoded `;` or `=` never becomes a delimiter; a malformed `%` sequence is kept as sent), quotes around
/// a value removed, the first occurrence of a name kept. Never throws, whatever the input.
///
/// Works on the UTF-8 bytes in one pass: this runs on every browser request, and a `__session` value is 1–2 KB.
enum CookieParser {
    /// - Parameter namePrefix: when set, only cookies whose name starts with it are kept (the others cost no string
    ///   at all): Clerk's cookies all start with `__`, and a browser sends many others.
    static func parse<S: Sequence>(headers: S, maxValueBytes: Int = 16 * 1024, namePrefix: StaticString? = nil)
        -> [String: String] where S.Element == String
    {
        var cookies: [String: String] = [:]
        for var header in headers {
            guard header.utf8.count <= maxValueBytes else { continue }
            header.withUTF8 { parse($0, into: &cookies, namePrefix: namePrefix) }
        }
        return cookies
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }

    /// Splits one header's bytes at `;` and adds each `name=value` pair not seen yet.
    private static func parse(
        _ bytes: UnsafeBufferPointer<UInt8>, into cookies: inout [String: String], namePrefix: StaticString?
    ) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        let count = bytes.count
        while start < count {
            // memchr finds the delimiters a word at a time: a `__session` value is 1–2 KB.
            let end = memchr(base + start, Int32(UInt8(ascii: ";")), count - start)
                .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
            defer { start = end + 1 }
            guard let found = memchr(base + start, Int32(UInt8(ascii: "=")), end - start) else { continue }
            let equals = UnsafePointer(found.assumingMemoryBound(to: UInt8.self)) - base
            // The name: trimmed, not empty, first occurrence wins.
            var nameStart = start
            var nameEnd = equals
            while nameStart < nameEnd, isSpace(bytes[nameStart]) { nameStart += 1 }
            while nameEnd > nameStart, isSpace(bytes[nameEnd - 1]) { nameEnd -= 1 }
            guard nameStart < nameEnd else { continue }
            if let namePrefix {
                let prefixCount = namePrefix.utf8CodeUnitCount
                guard nameEnd - nameStart >= prefixCount,
                    memcmp(base + nameStart, namePrefix.utf8Start, prefixCount) == 0
                else { continue }
            }
            // Splitting valid UTF-8 at ASCII delimiters and spaces keeps it valid.
            let name = String(decoding: UnsafeBufferPointer(rebasing: bytes[nameStart..<nameEnd]), as: UTF8.self)
            guard cookies[name] == nil else { continue }
            // The value: trimmed, one pair of surrounding quotes removed, percent-decoded when it decodes.
            var valueStart = equals + 1
            var valueEnd = end
            while valueStart < valueEnd, isSpace(bytes[valueStart]) { valueStart += 1 }
            while valueEnd > valueStart, isSpace(bytes[valueEnd - 1]) { valueEnd -= 1 }
            if valueEnd - valueStart >= 2, bytes[valueStart] == UInt8(ascii: "\""), bytes[valueEnd - 1] == UInt8(ascii: "\"") {
                valueStart += 1
                valueEnd -= 1
            }
            let raw = UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd])
            cookies[name] = percentDecoded(raw) ?? String(decoding: raw, as: UTF8.self)
        }
    }

    /// The percent-decoded value when it has a `%` and decodes to valid UTF-8; `nil` otherwise (keep it as sent).
    private static func percentDecoded(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
        guard let base = raw.baseAddress, memchr(base, Int32(UInt8(ascii: "%")), raw.count) != nil else { return nil }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(raw.count)
        var index = 0
        while index < raw.count {
            let byte = raw[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < raw.count, let high = hexDigit(raw[index + 1]), let low = hexDigit(raw[index + 2]) else {
                    return nil
                }
                decoded.append(high << 4 | low)
                index += 3
            } else {
                decoded.append(byte)
                index += 1
            }
        }
        return String(validating: decoded, as: UTF8.self)
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
