/// Parsing of the webhook signature headers, kept free of cryptography so it can be fuzzed on its own
/// (`Fuzz/run.sh svix`).
enum WebhookSignatureHeader {
    enum ParsedTimestamp: Equatable {
        case value(Int64)
        case overflow(positive: Bool)
        case invalid
    }

    /// JavaScript's `parseInt(text, 10)` on an already-trimmed value: an optional sign, then the leading digits.
    static func parseTimestamp(_ text: String) -> ParsedTimestamp {
        var bytes = Substring(text).utf8[...]
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var value: Int64 = 0
        var digits = 0
        for byte in bytes {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { break }
            digits += 1
            let digit = Int64(byte - UInt8(ascii: "0"))
            let (shifted, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            if o1 || o2 { return .overflow(positive: !negative) }
            value = next
        }
        return digits == 0 ? .invalid : .value(value)
    }


    /// The number of space-separated entries of a signature header (runs of spaces count as one separator).
    static func entryCount(_ header: String) -> Int {
        var count = 0
        var inEntry = false
        for byte in header.utf8 {
            if byte == UInt8(ascii: " ") {
                inEntry = false
            } else if !inEntry {
                inEntry = true
                count += 1
            }
        }
        return count
    }

    /// Whether any `v1,<signature>` entry's signature (the text up to the next `,`) equals `expected`. Every v1 entry
    /// is compared in constant time; there is no early exit.
    static func anyV1Matches(_ header: String, expected: [UInt8]) -> Bool {
        var header = header
        return header.withUTF8 { bytes in
            var matched = false
            var index = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: " ") {
                    index += 1
                    continue
                }
                var end = index
                while end < bytes.count, bytes[end] != UInt8(ascii: " ") { end += 1 }
                // `<version>,<signature>[,…]`: the version must be exactly `v1`.
                if end - index >= 3, bytes[index] == UInt8(ascii: "v"), bytes[index + 1] == UInt8(ascii: "1"),
                    bytes[index + 2] == UInt8(ascii: ",")
                {
                    var signatureEnd = index + 3
                    while signatureEnd < end, bytes[signatureEnd] != UInt8(ascii: ",") { signatureEnd += 1 }
                    let signature = UnsafeBufferPointer(rebasing: bytes[(index + 3)..<signatureEnd])
                    if constantTimeEquals(signature, expected) { matched = true }
                }
                index = end
            }
            return matched
        }
    }

    /// Standard base64 (with padding) of a few bytes, as ASCII bytes.
    static func base64(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        let table = alphabet.utf8Start
        var output = [UInt8]()
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let value =
                UInt32(bytes[index]) << 16 | (remaining > 1 ? UInt32(bytes[index + 1]) << 8 : 0)
                | (remaining > 2 ? UInt32(bytes[index + 2]) : 0)
            output.append(table[Int(value >> 18 & 0x3F)])
            output.append(table[Int(value >> 12 & 0x3F)])
            output.append(remaining > 1 ? table[Int(value >> 6 & 0x3F)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? table[Int(value & 0x3F)] : UInt8(ascii: "="))
            index += 3
        }
        return output
    }


    /// Compares in time that depends only on the lengths (the expected length is public: 44 characters).
    static func constantTimeEquals(_ presented: some Collection<UInt8>, _ expected: [UInt8]) -> Bool {
        guard presented.count == expected.count else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(presented, expected) { difference |= a ^ b }
        return difference == 0
    }
}

/// The three webhook headers, picked out of a request's headers.
struct WebhookHeaderValues {
    static let svixNames = ["svix-id", "svix-timestamp", "svix-signature"]
    static let standardNames = ["webhook-id", "webhook-timestamp", "webhook-signature"]

    var svix: (String?, String?, String?) = (nil, nil, nil)
    var standard: (String?, String?, String?) = (nil, nil, nil)

    init(_ headers: some Sequence<(String, String)>) {
        for (name, value) in headers { add(name: name, value: value) }
    }

    init(dictionary headers: [String: String]) {
        for (name, value) in headers { add(name: name, value: value) }
    }

    /// Keeps the first non-empty value of each of the six names (ASCII case-insensitive), trimmed.
    mutating func add(name: String, value: String) {
        guard let (isSvix, index) = WebhookHeaderValues.slot(of: name) else { return }
        guard (isSvix ? WebhookHeaderValues.get(svix, index) : WebhookHeaderValues.get(standard, index)) == nil else {
            return
        }
        let trimmed = value.trimmed
        guard !trimmed.isEmpty else { return }
        if isSvix {
            WebhookHeaderValues.set(&svix, index, trimmed)
        } else {
            WebhookHeaderValues.set(&standard, index, trimmed)
        }
    }

    private static func get(_ values: (String?, String?, String?), _ index: Int) -> String? {
        switch index {
        case 0: values.0
        case 1: values.1
        default: values.2
        }
    }

    private static func set(_ values: inout (String?, String?, String?), _ index: Int, _ value: String) {
        switch index {
        case 0: values.0 = value
        case 1: values.1 = value
        default: values.2 = value
        }
    }

    func required() throws -> (id: String, timestamp: String, signature: String) {
        if let id = svix.0 ?? standard.0, let timestamp = svix.1 ?? standard.1, let signature = svix.2 ?? standard.2 {
            return (id, timestamp, signature)
        }
        let values = (0..<3).map { WebhookHeaderValues.get(svix, $0) ?? WebhookHeaderValues.get(standard, $0) }
        let svixValues = (0..<3).map { WebhookHeaderValues.get(svix, $0) }
        let standardValues = (0..<3).map { WebhookHeaderValues.get(standard, $0) }
        // Name the missing headers in the family the request used: Standard Webhooks names only when it sent
        // some of those and no svix- header at all.
        let names =
            svixValues.allSatisfy({ $0 == nil }) && standardValues.contains(where: { $0 != nil })
            ? WebhookHeaderValues.standardNames : WebhookHeaderValues.svixNames
        let missing = (0..<3).filter { values[$0] == nil }.map { names[$0] }
        throw WebhookVerificationError(
            .missingHeaders, "Missing required webhook headers: \(missing.joined(separator: ", "))",
            missingHeaders: missing
        )
    }

    private static func slot(of name: String) -> (isSvix: Bool, index: Int)? {
        // Most headers of a request have none of the six lengths (7, 10, 14 and 17 bytes).
        switch name.utf8.count {
        case 7, 10, 14, 17: break
        default: return nil
        }
        for index in 0..<3 {
            if asciiCaseInsensitiveEquals(name, svixNames[index]) { return (true, index) }
            if asciiCaseInsensitiveEquals(name, standardNames[index]) { return (false, index) }
        }
        return nil
    }

    private static func asciiCaseInsensitiveEquals(_ name: String, _ lowercase: String) -> Bool {
        guard name.utf8.count == lowercase.utf8.count else { return false }
        if name == lowercase { return true }  // the usual spelling, compared as whole strings
        return name.utf8.elementsEqual(lowercase.utf8) { a, b in
            (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
        }
    }
}
