import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

/// The key of the webhook tests' secret (base64 of `clerk-swift-webhook-test`); never shown anywhere.
let webhookTestKey = "Y2xlcmstc3dpZnQtd2ViaG9vay10ZXN0"
/// The webhook tests' signing secret.
let webhookTestSecret = "whsec_" + webhookTestKey
/// Another secret, for "signed with the wrong secret" cases.
let otherWebhookSecret = "whsec_" + Data("another-endpoint-secret!".utf8).base64EncodedString()
/// The signing time used by most tests.
let webhookTestNow: Int64 = 1_764_432_000

/// A body shaped like a Clerk event, small enough to read in failures.
let webhookSmallBody = #"{"data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user"},"object":"event","type":"user.created"}"#

/// A verifier for `secret` whose clock stands at `now`.
func makeTestWebhookVerifier(
    secret: String = webhookTestSecret, now: Int64 = webhookTestNow, fraction: Double = 0,
    configure: (inout WebhookVerifierSettings) -> Void = { _ in }
) throws -> WebhookVerifier {
    var settings = WebhookVerifierSettings()
    configure(&settings)
    let clock = ManualClock(now: Date(timeIntervalSince1970: TimeInterval(now) + fraction))
    return try WebhookVerifier(
        signingSecret: Secret(secret), tolerance: settings.tolerance, maxBodySize: settings.maxBodySize,
        maxSignatures: settings.maxSignatures, clock: clock.clerkClock
    )
}

struct WebhookVerifierSettings {
    var tolerance: Duration = WebhookVerifier.defaultTolerance
    var maxBodySize = WebhookVerifier.defaultMaxBodySize
    var maxSignatures = WebhookVerifier.defaultMaxSignatures
}

/// The `v1,…` signature of `body` (the signer is checked against the svix vectors in `WebhookVectorTests`).
func webhookSignature(
    secret: String = webhookTestSecret, id: String = "msg_test", timestamp: Int64 = webhookTestNow, body: String
) throws -> String {
    try WebhookVerifier(signingSecret: Secret(secret)).sign(messageID: id, timestamp: timestamp, body: Array(body.utf8))
}

/// Svix headers for `body`, signed with `secret`.
func webhookSignedHeaders(
    secret: String = webhookTestSecret, id: String = "msg_test", timestamp: Int64 = webhookTestNow, body: String
) throws -> [(String, String)] {
    [
        ("svix-id", id), ("svix-timestamp", String(timestamp)),
        ("svix-signature", try webhookSignature(secret: secret, id: id, timestamp: timestamp, body: body)),
    ]
}

/// Runs `body`, which must throw a ``WebhookVerificationError``, and returns that error.
@discardableResult
func expectWebhookError(
    _ reason: WebhookVerificationError.Reason, sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) -> WebhookVerificationError? {
    do {
        try body()
        Issue.record("expected WebhookVerificationError(\(reason.rawValue)), but nothing was thrown", sourceLocation: sourceLocation)
        return nil
    } catch let error as WebhookVerificationError {
        #expect(error.reason == reason, "\(error)", sourceLocation: sourceLocation)
        expectNoWebhookSecret(in: String(describing: error), sourceLocation: sourceLocation)
        expectNoWebhookSecret(in: error.message, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected WebhookVerificationError(\(reason.rawValue)), got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Asserts that `text` shows neither test secret nor the key inside it, nor any `extra` string (signatures).
func expectNoWebhookSecret(
    in text: String, also extra: [String] = [], sourceLocation: SourceLocation = #_sourceLocation
) {
    for secret in [webhookTestKey, otherWebhookSecret.dropFirst("whsec_".count).description] + extra {
        #expect(!text.contains(secret), "leaks a secret or signature: \(text)", sourceLocation: sourceLocation)
    }
}

/// One case of `Fixtures/webhook-vectors.json`, made with the official svix library.
struct WebhookVector: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let secret: String
    let headers: [String: String]
    let body: String
    let now: Int64
    let valid: Bool

    var testDescription: String { name }

    static func all() throws -> [WebhookVector] {
        struct File: Decodable { let cases: [WebhookVector] }
        return try JSONDecoder().decode(File.self, from: Fixtures.data("webhook-vectors.json")).cases
    }
}

/// The event examples of the webhooks spec (`Fixtures/Webhooks/spec-examples.json`), keyed by event type.
enum WebhookSpecExamples {
    static func all() throws -> [String: JSONValue] { try loaded.get() }

    /// Decoded once: the file is large and decoding it into `JSONValue` is slow in debug builds.
    private static let loaded = Result { () throws -> [String: JSONValue] in
        struct File: Decodable { let examples: [String: JSONValue] }
        return try JSONDecoder().decode(File.self, from: Fixtures.data("Webhooks/spec-examples.json")).examples
    }

    /// The example envelope of `type`, as JSON text.
    static func body(_ type: String) throws -> String {
        let example = try #require(try all()[type], "no example for \(type)")
        return String(decoding: try JSONEncoder().encode(example), as: UTF8.self)
    }

    /// The example of `type`, signed and verified.
    static func verifiedEvent(_ type: String) throws -> WebhookEvent {
        let body = try body(type)
        return try makeTestWebhookVerifier().verify(body: Data(body.utf8), headers: webhookSignedHeaders(body: body))
    }
}
