import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

@Suite("Webhooks: the svix library's own vectors")
struct WebhookVectorTests {
    @Test("The fixture holds the 39 cases, valid and invalid ones")
    func fixtureShape() throws {
        let vectors = try WebhookVector.all()
        #expect(vectors.count == 39)
        #expect(vectors.filter(\.valid).count == 15)
        #expect(Set(vectors.map(\.name)).count == 39)
    }

    @Test("Each vector reaches the svix verdict", arguments: try WebhookVector.all())
    func vector(_ vector: WebhookVector) throws {
        let clock = ManualClock(now: Date(timeIntervalSince1970: TimeInterval(vector.now)))
        let verifier = try WebhookVerifier(signingSecret: Secret(vector.secret), clock: clock.clerkClock)
        let body = Data(vector.body.utf8)
        do {
            let verified = try verifier.verifySignature(body: body, headers: vector.headers)
            #expect(vector.valid, "accepted, but svix rejects \(vector.name)")
            #expect(verified.messageID == (vector.headers["svix-id"] ?? vector.headers["webhook-id"]))
            // The full path (signature and event) agrees.
            let event = try verifier.verify(body: body, headers: vector.headers)
            #expect(event.messageID == verified.messageID)
            #expect(!event.type.rawValue.isEmpty)
        } catch let error as WebhookVerificationError {
            #expect(!vector.valid, "rejected (\(error)), but svix accepts \(vector.name)")
            #expect(!error.isConfigurationError)
            expectNoWebhookSecret(
                in: String(describing: error), also: [String(vector.secret.dropFirst("whsec_".count))]
            )
        }
    }

    @Test("Each rejected vector fails for the reason its name says", arguments: try WebhookVector.all().filter { !$0.valid })
    func rejectionReason(_ vector: WebhookVector) throws {
        let reasons: [(prefix: String, reason: WebhookVerificationError.Reason)] = [
            ("expired-", .timestampTooOld), ("future-", .timestampTooNew), ("missing-id-", .missingHeaders),
            ("bad-timestamp-", .invalidHeaders), ("tampered-body-", .noMatchingSignature),
            ("wrong-secret-", .noMatchingSignature), ("wrong-id-", .noMatchingSignature),
            ("unknown-version-", .noMatchingSignature),
        ]
        let expected = try #require(reasons.first { vector.name.hasPrefix($0.prefix) }?.reason, "unexpected case")
        let clock = ManualClock(now: Date(timeIntervalSince1970: TimeInterval(vector.now)))
        let verifier = try WebhookVerifier(signingSecret: Secret(vector.secret), clock: clock.clerkClock)
        let error = expectWebhookError(expected) {
            try verifier.verifySignature(body: Data(vector.body.utf8), headers: vector.headers)
        }
        if expected == .missingHeaders { #expect(error?.missingHeaders == ["svix-id"]) }
    }

    @Test("sign(…) reproduces the svix signature of every valid vector", arguments: try WebhookVector.all().filter(\.valid))
    func signerMatchesSvix(_ vector: WebhookVector) throws {
        let verifier = try WebhookVerifier(signingSecret: Secret(vector.secret))
        let id = try #require(vector.headers["svix-id"] ?? vector.headers["webhook-id"])
        let timestampText = try #require(vector.headers["svix-timestamp"] ?? vector.headers["webhook-timestamp"])
        let timestamp = try #require(Int64(timestampText))
        let header = try #require(vector.headers["svix-signature"] ?? vector.headers["webhook-signature"])
        let signature = verifier.sign(messageID: id, timestamp: timestamp, body: Array(vector.body.utf8))
        #expect(header.split(separator: " ").map(String.init).contains(signature))
    }
}
