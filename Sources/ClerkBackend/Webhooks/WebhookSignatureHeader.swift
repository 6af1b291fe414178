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


    /// The space-separated entries of a signature header.
    static func entries(_ header: String) -> [Substring.UTF8View] {
        header.utf8.split(separator: UInt8(ascii: " "))
    }

    /// The signatures of the `v1` entries: `<version>,<signature>[,…]`, where (like the reference) the signature is
    /// the text between the first and second commas. Entries of other versions are skipped.
    static func v1Signatures(in entries: [Substring.UTF8View]) -> [Substring.UTF8View] {
        entries.compactMap { entry in
            let parts = entry.split(separator: UInt8(ascii: ","), maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].elementsEqual("v1".utf8) else { return nil }
            return parts[1]
        }
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

    var svix: [String?] = [nil, nil, nil]
    var standard: [String?] = [nil, nil, nil]

    init(_ headers: some Sequence<(String, String)>) {
        for (name, value) in headers {
            guard let (isSvix, index) = WebhookHeaderValues.slot(of: name) else { continue }
            if isSvix ? svix[index] != nil : standard[index] != nil { continue }
            let trimmed = value.trimmed
            guard !trimmed.isEmpty else { continue }
            if isSvix { svix[index] = trimmed } else { standard[index] = trimmed }
        }
    }

    /// The id, timestamp and signature; throws listing the missing ones.
    func required() throws -> (id: String, timestamp: String, signature: String) {
        let values = (0..<3).map { svix[$0] ?? standard[$0] }
        if let id = values[0], let timestamp = values[1], let signature = values[2] {
            return (id, timestamp, signature)
        }
        // Name the missing headers in the family the request used: Standard Webhooks names only when it sent
        // some of those and no svix- header at all.
        let names =
            svix.allSatisfy({ $0 == nil }) && standard.contains(where: { $0 != nil })
            ? WebhookHeaderValues.standardNames : WebhookHeaderValues.svixNames
        let missing = (0..<3).filter { values[$0] == nil }.map { names[$0] }
        throw WebhookVerificationError(
            .missingHeaders, "Missing required webhook headers: \(missing.joined(separator: ", "))",
            missingHeaders: missing
        )
    }

    private static func slot(of name: String) -> (isSvix: Bool, index: Int)? {
        for index in 0..<3 {
            if asciiCaseInsensitiveEquals(name, svixNames[index]) { return (true, index) }
            if asciiCaseInsensitiveEquals(name, standardNames[index]) { return (false, index) }
        }
        return nil
    }

    private static func asciiCaseInsensitiveEquals(_ name: String, _ lowercase: String) -> Bool {
        name.utf8.elementsEqual(lowercase.utf8) { a, b in
            (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z") ? a | 0x20 : a) == b
        }
    }
}
