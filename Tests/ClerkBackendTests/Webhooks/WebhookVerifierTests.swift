import ClerkBackend
import ClerkTesting
import Foundation
import NIOCore
import HTTPTypes
import NIOHTTP1
import Testing

@Suite("Webhooks: WebhookVerifier signature checks")
struct WebhookVerifierTests {
    // MARK: Headers

    @Test(
        "Svix and Standard Webhooks header names, in any case",
        arguments: [
            ["svix-id", "svix-timestamp", "svix-signature"],
            ["webhook-id", "webhook-timestamp", "webhook-signature"],
            ["SVIX-ID", "Svix-Timestamp", "sViX-SiGnAtUrE"],
            ["Webhook-Id", "WEBHOOK-TIMESTAMP", "Webhook-Signature"],
            ["svix-id", "webhook-timestamp", "Webhook-Signature"],
        ]
    )
    func headerNames(_ names: [String]) throws {
        let verifier = try makeTestWebhookVerifier()
        let signature = try webhookSignature(id: "msg_names", body: webhookSmallBody)
        let headers = [
            ("content-type", "application/json"), (names[0], "msg_names"), (names[1], String(webhookTestNow)),
            (names[2], signature),
        ]
        let verified = try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers)
        #expect(verified.messageID == "msg_names")
        #expect(verified.timestamp == webhookTestNow)
        #expect(verified.date == Date(timeIntervalSince1970: TimeInterval(webhookTestNow)))
    }

    @Test("When a header comes under both names, the svix- one is used")
    func svixNamesWin() throws {
        let verifier = try makeTestWebhookVerifier()
        let body = Data(webhookSmallBody.utf8)
        let good = try webhookSignature(body: webhookSmallBody)
        let base = [("svix-id", "msg_test"), ("svix-timestamp", String(webhookTestNow))]
        try verifier.verifySignature(
            body: body, headers: base + [("svix-signature", good), ("webhook-signature", "v1,bad")]
        )
        expectWebhookError(.noMatchingSignature) {
            try verifier.verifySignature(
                body: body, headers: base + [("webhook-signature", good), ("svix-signature", "v1,bad")]
            )
        }
    }

    @Test("Headers as pairs, a dictionary or HTTPHeaders; the body as Data, [UInt8], a slice, UTF-8 view or ByteBuffer view")
    func inputForms() throws {
        let verifier = try makeTestWebhookVerifier()
        let pairs = try webhookSignedHeaders(body: webhookSmallBody)
        let dictionary = Dictionary(uniqueKeysWithValues: pairs.map { ($0.0.uppercased(), $0.1) })
        var httpHeaders = HTTPFields()
        for (name, value) in pairs { httpHeaders.append(HTTPField(name: HTTPField.Name(name)!, value: value)) }
        let bytes = Array(webhookSmallBody.utf8)
        let padded = [UInt8(ascii: "x")] + bytes + [UInt8(ascii: "y")]
        let buffer = ByteBuffer(bytes: bytes)

        #expect(try verifier.verifySignature(body: Data(bytes), headers: pairs).messageID == "msg_test")
        #expect(try verifier.verifySignature(body: bytes, headers: dictionary).messageID == "msg_test")
        #expect(try verifier.verifySignature(body: padded[1..<(padded.count - 1)], headers: httpHeaders).messageID == "msg_test")
        #expect(try verifier.verifySignature(body: webhookSmallBody.utf8, headers: pairs).messageID == "msg_test")
        #expect(try verifier.verifySignature(body: buffer.readableBytesView, headers: httpHeaders).messageID == "msg_test")
        #expect(try verifier.verify(body: buffer.readableBytesView, headers: dictionary).type == .userCreated)
        #expect(try verifier.verify(body: bytes, headers: httpHeaders).type == .userCreated)
        // A body that is not contiguous in memory.
        #expect(try verifier.verifySignature(body: bytes.lazy.map { $0 }, headers: pairs).messageID == "msg_test")
        // A literal dictionary picks the dictionary overload.
        let signature = try webhookSignature(body: webhookSmallBody)
        let literal = try verifier.verifySignature(
            body: bytes, headers: ["svix-id": "msg_test", "svix-timestamp": String(webhookTestNow), "svix-signature": signature]
        )
        #expect(literal.messageID == "msg_test")
    }

    @Test("Several signatures: any v1 entry may match, wherever it is")
    func severalSignatures() throws {
        let verifier = try makeTestWebhookVerifier()
        let good = try webhookSignature(body: webhookSmallBody)
        let other = try webhookSignature(secret: otherWebhookSecret, body: webhookSmallBody)
        let zeros = "v1," + Data(count: 32).base64EncodedString()
        for header in [
            "\(zeros) \(other) v1,garbage \(good)",  // valid one last
            "\(good) \(zeros)",
            "\(other) \(good)",  // key rotation: old and new secret
        ] {
            let headers = [("svix-id", "msg_test"), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", header)]
            #expect(throws: Never.self) { try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers) }
        }
    }

    @Test("Entries of other versions are skipped, even when their MAC is right")
    func otherVersionsSkipped() throws {
        let verifier = try makeTestWebhookVerifier()
        let good = try webhookSignature(body: webhookSmallBody)
        let mac = String(good.dropFirst(3))
        let body = Data(webhookSmallBody.utf8)
        func headers(_ signature: String) -> [(String, String)] {
            [("svix-id", "msg_test"), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", signature)]
        }
        for skipped in ["v2,\(mac)", "V1,\(mac)", "v1a,\(mac)", mac, ",\(mac)", "v1\(mac)"] {
            expectWebhookError(.noMatchingSignature) { try verifier.verifySignature(body: body, headers: headers(skipped)) }
        }
        try verifier.verifySignature(body: body, headers: headers("v2,\(mac) v1,\(mac)"))
        try verifier.verifySignature(body: body, headers: headers("v1a,xyz v1,\(mac)"))
        // As in the reference, the signature is the text between the first and the second comma.
        try verifier.verifySignature(body: body, headers: headers("v1,\(mac),ignored"))
    }

    @Test("The base64 text must be the canonical encoding of the expected MAC")
    func signatureText() throws {
        let verifier = try makeTestWebhookVerifier()
        let good = try webhookSignature(body: webhookSmallBody)
        let body = Data(webhookSmallBody.utf8)
        var variants = [
            String(good.dropLast()),  // padding removed
            good + "=",
            good + "A",
            good.lowercased(),
            " " + String(good.dropFirst(3)),
        ]
        // The same 32 bytes with other unused low bits in the last character (decodes identically).
        let last = try #require(good.dropLast().last)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let index = try #require(alphabet.firstIndex(of: last))
        variants.append(String(good.dropLast(2)) + String(alphabet[index ^ 1]) + "=")
        for variant in variants {
            let headers = [("svix-id", "msg_test"), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", variant)]
            expectWebhookError(.noMatchingSignature) { try verifier.verifySignature(body: body, headers: headers) }
        }
    }

    @Test("Values are trimmed, and spaces between entries do not matter")
    func whitespace() throws {
        let verifier = try makeTestWebhookVerifier()
        let good = try webhookSignature(body: webhookSmallBody)
        let headers = [
            ("svix-id", "  msg_test\t"), ("svix-timestamp", "\n\(webhookTestNow)  "),
            ("svix-signature", "  v1,garbage    \(good)  "),
        ]
        #expect(try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers).messageID == "msg_test")
    }

    @Test(
        "Missing or blank headers are listed, exactly, in the error",
        arguments: [
            ([(String, String)](), ["svix-id", "svix-timestamp", "svix-signature"]),
            ([("svix-timestamp", "1"), ("svix-signature", "v1,x")], ["svix-id"]),
            ([("svix-id", "msg"), ("svix-signature", "v1,x")], ["svix-timestamp"]),
            ([("svix-id", "   "), ("svix-timestamp", "\t"), ("svix-signature", "v1,x")], ["svix-id", "svix-timestamp"]),
            ([("svix-id", "msg"), ("svix-timestamp", "1"), ("svix-signature", "  ")], ["svix-signature"]),
            ([("webhook-id", "msg"), ("webhook-timestamp", "1")], ["webhook-signature"]),
            ([("Webhook-Signature", "v1,x")], ["webhook-id", "webhook-timestamp"]),
            ([("svix-id", "msg"), ("webhook-timestamp", "1")], ["svix-signature"]),
            ([("x-svix-id", "msg"), ("svix-id-x", "msg"), ("svix-timestamp", "1"), ("svix-signature", "v1,x")], ["svix-id"]),
        ]
    )
    func missingHeaders(_ headers: [(String, String)], _ missing: [String]) throws {
        let verifier = try makeTestWebhookVerifier()
        let error = expectWebhookError(.missingHeaders) {
            try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers)
        }
        #expect(error?.missingHeaders == missing)
        #expect(error?.message == "Missing required webhook headers: " + missing.joined(separator: ", "))
    }

    // MARK: Timestamps

    @Test(
        "Tolerance bounds: 300 s either way accepted, 301 s rejected",
        arguments: [(-300, nil), (300, nil), (-301, "timestamp_too_old"), (301, "timestamp_too_new"), (0, nil)] as [(Int64, String?)]
    )
    func toleranceBounds(_ offset: Int64, _ reason: String?) throws {
        let verifier = try makeTestWebhookVerifier(now: webhookTestNow)
        let timestamp = webhookTestNow + offset
        let headers = try webhookSignedHeaders(timestamp: timestamp, body: webhookSmallBody)
        if let reason {
            let error = expectWebhookError(.init(rawValue: reason)) {
                try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers)
            }
            #expect(error?.message.contains("301 s") == true)
        } else {
            #expect(try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers).timestamp == timestamp)
        }
    }

    @Test("The clock's time is rounded down to whole seconds, as Math.floor(Date.now() / 1000)")
    func clockRounding() throws {
        let body = Data(webhookSmallBody.utf8)
        let headers = try webhookSignedHeaders(timestamp: webhookTestNow, body: webhookSmallBody)
        try makeTestWebhookVerifier(now: webhookTestNow + 300, fraction: 0.999).verifySignature(body: body, headers: headers)
        expectWebhookError(.timestampTooOld) {
            try makeTestWebhookVerifier(now: webhookTestNow + 301, fraction: 0).verifySignature(body: body, headers: headers)
        }
        expectWebhookError(.timestampTooNew) {
            try makeTestWebhookVerifier(now: webhookTestNow - 301, fraction: 0.999).verifySignature(body: body, headers: headers)
        }
    }

    @Test("A configurable tolerance")
    func customTolerance() throws {
        let body = Data(webhookSmallBody.utf8)
        let headers = try webhookSignedHeaders(timestamp: webhookTestNow - 10, body: webhookSmallBody)
        try makeTestWebhookVerifier { $0.tolerance = .seconds(10) }.verifySignature(body: body, headers: headers)
        expectWebhookError(.timestampTooOld) {
            try makeTestWebhookVerifier { $0.tolerance = .seconds(9) }.verifySignature(body: body, headers: headers)
        }
        let exact = try webhookSignedHeaders(timestamp: webhookTestNow, body: webhookSmallBody)
        try makeTestWebhookVerifier { $0.tolerance = .zero }.verifySignature(body: body, headers: exact)
    }

    @Test("A fractional timestamp is truncated, and the integer is what is signed")
    func fractionalTimestamp() throws {
        let verifier = try makeTestWebhookVerifier()
        let body = Data(webhookSmallBody.utf8)
        let signedInteger = try webhookSignature(timestamp: webhookTestNow, body: webhookSmallBody)
        for text in ["\(webhookTestNow).987", "\(webhookTestNow).2", "+\(webhookTestNow)", "\(webhookTestNow)abc", "\(webhookTestNow)e3"] {
            let headers = [("svix-id", "msg_test"), ("svix-timestamp", text), ("svix-signature", signedInteger)]
            #expect(try verifier.verifySignature(body: body, headers: headers).timestamp == webhookTestNow, "\(text)")
        }
        // A MAC over the raw fractional text (what a verifier signing the header text would expect) does not match.
        let overRawText = try webhookSignatureOverRawTimestamp("\(webhookTestNow).987")
        #expect(overRawText != signedInteger)
        let headers = [("svix-id", "msg_test"), ("svix-timestamp", "\(webhookTestNow).987"), ("svix-signature", overRawText)]
        expectWebhookError(.noMatchingSignature) { try verifier.verifySignature(body: body, headers: headers) }
    }

    @Test(
        "Timestamps that are not integers, or absurdly far away",
        arguments: [
            ("abc", "invalid_headers"), ("-", "invalid_headers"), ("+", "invalid_headers"), (".5", "invalid_headers"),
            ("0x10", "timestamp_too_old"), ("0", "timestamp_too_old"), ("-1764432000", "timestamp_too_old"),
            ("99999999999999999999999", "timestamp_too_new"), ("-99999999999999999999999", "timestamp_too_old"),
            ("9223372036854775807", "timestamp_too_new"), ("-9223372036854775808", "timestamp_too_old"),
        ]
    )
    func badTimestamps(_ text: String, _ reason: String) throws {
        let verifier = try makeTestWebhookVerifier()
        let headers = [("svix-id", "msg_test"), ("svix-timestamp", text), ("svix-signature", try webhookSignature(body: webhookSmallBody))]
        expectWebhookError(.init(rawValue: reason)) {
            try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers)
        }
    }

    // MARK: Tampering

    @Test("Changing any one byte of the body breaks the signature", arguments: [0, 1, 20, 60, 104])
    func tamperedBody(_ position: Int) throws {
        let verifier = try makeTestWebhookVerifier()
        let headers = try webhookSignedHeaders(body: webhookSmallBody)
        var bytes = Array(webhookSmallBody.utf8)
        try #require(position < bytes.count)
        try verifier.verifySignature(body: bytes, headers: headers)
        bytes[position] ^= 0x01
        expectWebhookError(.noMatchingSignature) { try verifier.verifySignature(body: bytes, headers: headers) }
        // Appending or dropping a byte (a trailing newline added by a proxy, say) breaks it too.
        expectWebhookError(.noMatchingSignature) {
            try verifier.verifySignature(body: Array(webhookSmallBody.utf8) + [0x0A], headers: headers)
        }
        expectWebhookError(.noMatchingSignature) {
            try verifier.verifySignature(body: Array(webhookSmallBody.utf8).dropLast(), headers: headers)
        }
    }

    @Test("Re-encoded JSON (same data, other bytes) does not verify")
    func reencodedBody() throws {
        let verifier = try makeTestWebhookVerifier()
        let headers = try webhookSignedHeaders(body: webhookSmallBody)
        let parsed = try JSONDecoder().decode(JSONValue.self, from: Data(webhookSmallBody.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        let reencoded = try encoder.encode(parsed)
        #expect(reencoded != Data(webhookSmallBody.utf8))
        expectWebhookError(.noMatchingSignature) { _ = try verifier.verify(body: reencoded, headers: headers) }
    }

    @Test("A changed id or timestamp breaks the signature")
    func tamperedIDAndTimestamp() throws {
        let verifier = try makeTestWebhookVerifier()
        let body = Data(webhookSmallBody.utf8)
        let signature = try webhookSignature(id: "msg_test", timestamp: webhookTestNow, body: webhookSmallBody)
        let cases = [
            ("msg_tesT", String(webhookTestNow)), ("msg_test_", String(webhookTestNow)), ("msg_tes", String(webhookTestNow)),
            ("msg_test", String(webhookTestNow + 1)), ("msg_test", String(webhookTestNow - 1)),
        ]
        for (id, timestamp) in cases {
            let headers = [("svix-id", id), ("svix-timestamp", timestamp), ("svix-signature", signature)]
            expectWebhookError(.noMatchingSignature) { try verifier.verifySignature(body: body, headers: headers) }
        }
        // The id is trimmed, so surrounding spaces are not a change.
        let spaced = [("svix-id", " msg_test "), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", signature)]
        try verifier.verifySignature(body: body, headers: spaced)
    }

    @Test("A signature made with another secret does not match")
    func otherSecret() throws {
        let verifier = try makeTestWebhookVerifier()
        let headers = try webhookSignedHeaders(secret: otherWebhookSecret, body: webhookSmallBody)
        expectWebhookError(.noMatchingSignature) {
            try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers)
        }
    }

    // MARK: Limits

    @Test("At most 10 signatures by default; the cap is configurable")
    func tooManySignatures() throws {
        let good = try webhookSignature(body: webhookSmallBody)
        let decoy = "v1," + Data(count: 32).base64EncodedString()
        func headers(_ count: Int) -> [(String, String)] {
            let entries = Array(repeating: decoy, count: count - 1) + [good]
            return [("svix-id", "msg_test"), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", entries.joined(separator: " "))]
        }
        let body = Data(webhookSmallBody.utf8)
        let verifier = try makeTestWebhookVerifier()
        try verifier.verifySignature(body: body, headers: headers(10))
        let error = expectWebhookError(.tooManySignatures) { try verifier.verifySignature(body: body, headers: headers(11)) }
        expectNoWebhookSecret(in: error?.message ?? "", also: [String(good.dropFirst(3))])
        let strict = try makeTestWebhookVerifier { $0.maxSignatures = 2 }
        try strict.verifySignature(body: body, headers: headers(2))
        expectWebhookError(.tooManySignatures) { try strict.verifySignature(body: body, headers: headers(3)) }
    }

    @Test("Bodies larger than the cap (1 MiB by default) are refused before any HMAC")
    func bodyCap() throws {
        let verifier = try makeTestWebhookVerifier()
        let prefix = #"{"type":"email.created","object":"event","data":{"body":""#
        let suffix = #""}}"#
        let filler = String(repeating: "a", count: WebhookVerifier.defaultMaxBodySize - prefix.utf8.count - suffix.utf8.count)
        let atCap = prefix + filler + suffix
        #expect(atCap.utf8.count == 1_048_576)
        let event = try verifier.verify(body: Data(atCap.utf8), headers: webhookSignedHeaders(body: atCap))
        #expect(event.type == .emailCreated)
        let overCap = prefix + filler + "a" + suffix
        let error = expectWebhookError(.bodyTooLarge) {
            _ = try verifier.verify(body: Data(overCap.utf8), headers: webhookSignedHeaders(body: overCap))
        }
        #expect(error?.message.contains("1048577") == true)

        let small = try makeTestWebhookVerifier { $0.maxBodySize = 50 }
        expectWebhookError(.bodyTooLarge) {
            try small.verifySignature(body: Data(webhookSmallBody.utf8), headers: webhookSignedHeaders(body: webhookSmallBody))
        }
    }

    // MARK: Secrets and configuration

    @Test("The secret works with and without whsec_, and surrounding whitespace is ignored")
    func secretForms() throws {
        let headers = try webhookSignedHeaders(body: webhookSmallBody)
        for secret in [webhookTestSecret, webhookTestKey, " \(webhookTestSecret)\n", "\t\(webhookTestKey) "] {
            let verifier = try makeTestWebhookVerifier(secret: secret)
            #expect(try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers).messageID == "msg_test")
        }
    }

    @Test(
        "Empty or undecodable secrets are configuration errors that do not show the secret",
        arguments: [
            ("", "missing_secret"), ("   \n", "missing_secret"), ("whsec_", "invalid_secret"),
            ("whsec_Y2xlcmstc3dpZnQtd2ViaG9vay10ZXN0!", "invalid_secret"),
            ("whsec_Y2xlcmstc3dpZnQtd2ViaG9vay10ZXN", "invalid_secret"),
            ("whsec_Y2xlcmstc3dpZnQtd2ViaG9vay10ZXN0_-", "invalid_secret"),
            ("whsec_Y2xlcmstc3dpZnQ td2ViaG9vay10ZXN0", "invalid_secret"),
            ("sk_test_Y2xlcmstc3dpZnQtd2ViaG9vay10ZXN0", "invalid_secret"),
        ]
    )
    func invalidSecrets(_ secret: String, _ reason: String) {
        let error = expectWebhookError(.init(rawValue: reason)) { _ = try WebhookVerifier(signingSecret: Secret(secret)) }
        #expect(error?.isConfigurationError == true)
        #expect(error?.message.contains("Y2xlcmstc3dpZnQ") == false)
    }

    @Test("Negative tolerance and caps below 1 are rejected")
    func invalidConfiguration() {
        expectWebhookError(.invalidConfiguration) { _ = try makeTestWebhookVerifier { $0.tolerance = .seconds(-1) } }
        expectWebhookError(.invalidConfiguration) { _ = try makeTestWebhookVerifier { $0.maxBodySize = 0 } }
        expectWebhookError(.invalidConfiguration) { _ = try makeTestWebhookVerifier { $0.maxSignatures = 0 } }
    }

    @Test("Printing, dumping or reflecting a verifier never shows the secret")
    func verifierDoesNotLeak() throws {
        let verifier = try makeTestWebhookVerifier { $0.tolerance = .seconds(120) }
        #expect(verifier.tolerance == .seconds(120))
        #expect(verifier.maxBodySize == 1_048_576)
        #expect(verifier.maxSignatures == 10)
        var dumped = ""
        dump(verifier, to: &dumped)
        let mirrored = Mirror(reflecting: verifier).children.map { "\($0.label ?? ""): \($0.value)" }.joined()
        for text in [String(describing: verifier), String(reflecting: verifier), "\(verifier)", dumped, mirrored] {
            expectNoWebhookSecret(in: text)
            #expect(text.contains("whsec_") || text.contains("redacted"), "\(text)")
        }
        #expect(String(describing: verifier).contains("whsec_…(redacted)"))
    }

    @Test("No error message shows the secret or a signature", arguments: [webhookTestSecret, webhookTestKey])
    func errorsDoNotLeak(_ secret: String) throws {
        let verifier = try makeTestWebhookVerifier(secret: secret)
        let good = try webhookSignature(body: webhookSmallBody)
        let wrong = try webhookSignature(secret: otherWebhookSecret, body: webhookSmallBody)
        let attempts: [[(String, String)]] = [
            [("svix-id", "m"), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", wrong)],
            [("svix-id", "m"), ("svix-timestamp", "abc"), ("svix-signature", wrong)],
            [("svix-id", "m"), ("svix-timestamp", "1"), ("svix-signature", good)],
            [("svix-id", "m"), ("svix-signature", good)],
            [("svix-id", "m"), ("svix-timestamp", String(webhookTestNow)), ("svix-signature", Array(repeating: good, count: 11).joined(separator: " "))],
        ]
        for headers in attempts {
            do {
                try verifier.verifySignature(body: Data(webhookSmallBody.utf8), headers: headers)
                Issue.record("expected an error")
            } catch {
                let text = String(describing: error) + String(reflecting: error)
                expectNoWebhookSecret(in: text, also: [String(good.dropFirst(3)), String(wrong.dropFirst(3))])
            }
        }
    }

    // MARK: Decoding failures

    @Test("An authentic body that is not a JSON object fails verify (invalid_payload) but passes verifySignature")
    func notJSON() throws {
        let verifier = try makeTestWebhookVerifier()
        for body in ["", "not json", "[1,2]", "\"user.created\"", "{\"type\":", "null"] {
            let headers = try webhookSignedHeaders(body: body)
            try verifier.verifySignature(body: Data(body.utf8), headers: headers)
            let error = expectWebhookError(.invalidPayload) { _ = try verifier.verify(body: Data(body.utf8), headers: headers) }
            #expect(error?.isConfigurationError == false)
        }
    }

    @Test("verify checks the signature before decoding anything")
    func signatureBeforeDecoding() throws {
        let verifier = try makeTestWebhookVerifier()
        let headers = try webhookSignedHeaders(body: "not json")
        expectWebhookError(.noMatchingSignature) { _ = try verifier.verify(body: Data("not json!".utf8), headers: headers) }
    }
}

/// The MAC of `"msg_test.<raw timestamp text>.<small body>"`, such as `msg_test.1764432000.987.{…}`.
func webhookSignatureOverRawTimestamp(_ rawTimestamp: String) throws -> String {
    let parts = rawTimestamp.split(separator: ".", maxSplits: 1)
    let integer = try #require(parts.count == 2 ? Int64(parts[0]) : nil)
    // "<id>.<integer>.<fraction>.<body>": sign the fraction as the start of the body.
    return try WebhookVerifier(signingSecret: Secret(webhookTestSecret))
        .sign(messageID: "msg_test", timestamp: integer, body: Array((parts[1] + "." + webhookSmallBody).utf8))
}
