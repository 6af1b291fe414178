// libFuzzer target: the webhook signature headers (header selection, timestamp parsing, signature entries).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSvixHeaders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    // Lines become headers ("name: value"); the whole input is also tried as each header value.
    var pairs: [(String, String)] = []
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        pairs.append((String(parts[0]), parts.count > 1 ? String(parts[1]) : ""))
    }
    pairs += [("svix-id", text), ("Webhook-Timestamp", text), ("svix-signature", text)]
    let values = WebhookHeaderValues(pairs)
    if let (_, timestamp, signature) = try? values.required() {
        _ = WebhookSignatureHeader.parseTimestamp(timestamp)
        let entries = WebhookSignatureHeader.entries(signature)
        for candidate in WebhookSignatureHeader.v1Signatures(in: entries) {
            _ = WebhookSignatureHeader.constantTimeEquals(candidate, Array("dvG0a9eW5Tl6tYkk1QLeB1roWYChhs80i/rHDV3u3GM=".utf8))
        }
    }
    _ = WebhookSignatureHeader.parseTimestamp(text)
    return 0
}
