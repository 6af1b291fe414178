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
        _ = WebhookSignatureHeader.entryCount(signature)
        _ = WebhookSignatureHeader.anyV1Matches(signature, expected: Array("dvG0a9eW5Tl6tYkk1QLeB1roWYChhs80i/rHDV3u3GM=".utf8))
    }
    _ = WebhookSignatureHeader.parseTimestamp(text)
    _ = Array(text.utf8).withUnsafeBytes { WebhookSignatureHeader.base64($0) }
    return 0
}
