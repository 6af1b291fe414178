#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Base64url (RFC 4648 §5) coding as JWTs use it.
enum Base64URL {
    private static let decodeTable: [Int8] = {
        var table = [Int8](repeating: -1, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            table[Int(byte)] = Int8(index)
        }
        return table
    }()

    /// Decodes base64url in the reference's loose mode: padding optional (surplus `=` at the end allowed), but any
    /// character outside the alphabet, non-zero leftover bits, or a dangling single character fails.
    static func decode<S: Collection>(_ input: S) -> [UInt8]? where S.Element == UInt8 {
        var end = input.endIndex
        var count = input.count
        while count > 0 {
            let before = input.index(input.startIndex, offsetBy: count - 1)
            guard input[before] == UInt8(ascii: "=") else { break }
            end = before
            count -= 1
        }
        let body = input[input.startIndex..<end]
        if count % 4 == 1 { return nil }
        var output = [UInt8]()
        output.reserveCapacity(count * 3 / 4)
        var accumulator: UInt32 = 0
        var bits = 0
        for byte in body {
            let value = decodeTable[Int(byte)]
            if value < 0 { return nil }
            accumulator = (accumulator << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
            }
        }
        // Leftover bits must be zero (canonical encoding).
        if bits > 0, accumulator & ((1 << UInt32(bits)) - 1) != 0 { return nil }
        return output
    }

    static func decode(_ string: String) -> [UInt8]? {
        decode(Array(string.utf8))
    }

    /// Encodes without padding.
    static func encode<D: Collection>(_ data: D) -> String where D.Element == UInt8 {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output = [UInt8]()
        output.reserveCapacity((data.count + 2) / 3 * 4)
        var iterator = data.makeIterator()
        while let first = iterator.next() {
            let second = iterator.next()
            let third = iterator.next()
            let value = UInt32(first) << 16 | UInt32(second ?? 0) << 8 | UInt32(third ?? 0)
            output.append(alphabet[Int(value >> 18 & 0x3F)])
            output.append(alphabet[Int(value >> 12 & 0x3F)])
            if second != nil { output.append(alphabet[Int(value >> 6 & 0x3F)]) }
            if third != nil { output.append(alphabet[Int(value & 0x3F)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
