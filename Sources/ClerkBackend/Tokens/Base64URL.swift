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

    /// The value of a character already shifted into its place in a quad (bits 18, 12, 6, 0), one table per place;
    /// a character outside the alphabet sets bit 31 in every table, so one test checks a whole quad.
    private static let quadTable: [UInt32] = {
        var table = [UInt32](repeating: 0x8000_0000, count: 4 * 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8.enumerated() {
            for place in 0..<4 {
                table[place * 256 + Int(byte)] = UInt32(index) << UInt32(18 - 6 * place)
            }
        }
        return table
    }()

    /// Decodes base64url in the reference's loose mode: padding optional (surplus `=` at the end allowed), but any
    /// character outside the alphabet, non-zero leftover bits, or a dangling single character fails.
    static func decode<S: Collection>(_ input: S) -> [UInt8]? where S.Element == UInt8 {
        if let result = input.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(input).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var count = input.count
        while count > 0 && input[count - 1] == UInt8(ascii: "=") { count -= 1 }
        if count % 4 == 1 { return nil }
        let outputCount = count / 4 * 3 + (count % 4 == 0 ? 0 : count % 4 - 1)
        var valid = true
        let output = decodeTable.withUnsafeBufferPointer { table in
            quadTable.withUnsafeBufferPointer { quads in
            [UInt8](unsafeUninitializedCapacity: outputCount) { out, initialized in
                var read = 0
                var written = 0
                // Whole quads: four characters, three bytes.
                while read + 4 <= count {
                    let value =
                        quads[Int(input[read])] | quads[256 + Int(input[read + 1])]
                        | quads[512 + Int(input[read + 2])] | quads[768 + Int(input[read + 3])]
                    if value & 0x8000_0000 != 0 {
                        valid = false
                        break
                    }
                    out[written] = UInt8(truncatingIfNeeded: value >> 16)
                    out[written + 1] = UInt8(truncatingIfNeeded: value >> 8)
                    out[written + 2] = UInt8(truncatingIfNeeded: value)
                    read += 4
                    written += 3
                }
                let rest = count - read
                if valid && rest >= 2 {
                    let a = table[Int(input[read])], b = table[Int(input[read + 1])]
                    let c: Int8 = rest == 3 ? table[Int(input[read + 2])] : 0
                    if (a | b | c) < 0 {
                        valid = false
                    } else {
                        let value = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6
                        out[written] = UInt8(truncatingIfNeeded: value >> 16)
                        written += 1
                        // Leftover bits must be zero (canonical encoding).
                        if rest == 2 {
                            if value & 0xFFFF != 0 { valid = false }
                        } else {
                            out[written] = UInt8(truncatingIfNeeded: value >> 8)
                            written += 1
                            if value & 0xFF != 0 { valid = false }
                        }
                    }
                }
                initialized = valid ? written : 0
            }
            }
        }
        return valid ? output : nil
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
