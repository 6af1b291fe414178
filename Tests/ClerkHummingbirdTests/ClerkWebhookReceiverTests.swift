import ClerkBackend
import ClerkHummingbird
import ClerkTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Records the events a handler saw.
final class EventLog: Sendable {
    private let events = Mutex<[WebhookEvent]>([])
    private let failuresLeft = Mutex(0)

    init(failFirst: Int = 0) { failuresLeft.withLock { $0 = failFirst } }

    func record(_ event: WebhookEvent) throws {
        let fail = failuresLeft.withLock { left -> Bool in
            guard left > 0 else { return false }
            left -= 1
            return true
        }
        if fail { throw HTTPError(.serviceUnavailable) }
        events.withLock { $0.append(event) }
    }

    var all: [WebhookEvent] { events.withLock { $0 } }
}

@Suite("ClerkWebhookReceiver: raw-body verification, typed events, 400 on bad signatures, duplicates")
struct ClerkWebhookReceiverTests {
    static let secret = "whsec_" + Data("hummingbird-webhook-test-secret!".utf8).base64EncodedString()

    /// A deleted-user event, with odd spacing and key order: re-encoding it would break the signature.
    static let body = Array(
        #"{ "type":"user.deleted",  "object":"event","data":{"id":"user_gone","object":"user","deleted":true},"instance_id":"ins_1" }"#.utf8
    )

    func makeReceiverApp(
        log: EventLog, maxBodySize: Int? = nil, deduplicator: (any ClerkWebhookDeduplicator)? = nil
    ) throws -> some ApplicationProtocol {
        let receiver = try ClerkWebhookReceiver(
            verifier: WebhookVerifier(signingSecret: Secret(Self.secret)), maxBodySize: maxBodySize, deduplicator: deduplicator
        )
        let router = Router(context: ClerkRequestContext.self)
        router.post("webhooks/clerk") { request, context in
            try await receiver.handle(request, context: context) { event in try log.record(event) }
        }
        return makeApp(router)
    }

    func signedHeaders(id: String = "msg_1", timestamp: Int64 = Int64(Date().timeIntervalSince1970), body: [UInt8] = body, secret: String = secret)
        throws -> HTTPFields
    {
        fields([
            ("svix-id", id), ("svix-timestamp", String(timestamp)),
            ("svix-signature", try svixSignature(secret: secret, id: id, timestamp: timestamp, body: body)),
            ("Content-Type", "application/json"),
        ])
    }

    @Test("A good signature over the raw bytes: 200, the handler gets the typed event")
    func goodSignature() async throws {
        let log = EventLog()
        try await makeReceiverApp(log: log).test(.router) { client async throws in
            let response = try await client.execute(
                uri: "/webhooks/clerk", method: .post, headers: try signedHeaders(), body: ByteBuffer(bytes: Self.body)
            )
            #expect(response.status == .ok)
        }
        let event = try #require(log.all.first)
        #expect(log.all.count == 1)
        #expect(event.type == .userDeleted)
        #expect(event.data.deletedObject?.id == "user_gone")
        #expect(event.messageID == "msg_1")
        #expect(event.instanceID == "ins_1")
    }

    @Test("Bad signatures answer 400 with a Clerk-style body and never reach the handler")
    func badSignatures() async throws {
        let log = EventLog()
        let otherSecret = "whsec_" + Data("another-secret-another-secret-00".utf8).base64EncodedString()
        try await makeReceiverApp(log: log).test(.router) { client async throws in
            func post(_ headers: HTTPFields, body: [UInt8] = Self.body) async throws -> TestResponse {
                try await client.execute(uri: "/webhooks/clerk", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            // Signed with another secret.
            var response = try await post(try signedHeaders(secret: otherSecret))
            #expect(response.status == .badRequest)
            let error = try response.clerkError()
            #expect(error?["code"] == "webhook_verification_failed")
            #expect(error?["meta"]?["reason"] == "no_matching_signature")
            #expect(!response.text.contains(Self.secret))
            // The body altered after signing (for example re-encoded JSON).
            let reencoded = Array(#"{"data":{"deleted":true,"id":"user_gone","object":"user"},"instance_id":"ins_1","object":"event","type":"user.deleted"}"#.utf8)
            response = try await post(try signedHeaders(), body: reencoded)
            #expect(response.status == .badRequest)
            // Missing headers.
            response = try await post(fields([("svix-id", "msg_1")]))
            #expect(response.status == .badRequest)
            let error1 = try response.clerkError()
            #expect(error1?["meta"]?["reason"] == "missing_headers")
            let error2 = try response.clerkError()
            #expect(error2?["meta"]?["missing_headers"] == "svix-timestamp,svix-signature")
            // A replay from an hour ago.
            response = try await post(try signedHeaders(timestamp: Int64(Date().timeIntervalSince1970) - 3600))
            #expect(response.status == .badRequest)
            let error3 = try response.clerkError()
            #expect(error3?["meta"]?["reason"] == "timestamp_too_old")
        }
        #expect(log.all.isEmpty)
    }

    @Test("The receiver's own body cap answers 413 before verifying")
    func bodyTooLarge() async throws {
        let log = EventLog()
        let big = Array(repeating: UInt8(ascii: " "), count: 2_000) + Self.body
        try await makeReceiverApp(log: log, maxBodySize: 1_024).test(.router) { client async throws in
            let response = try await client.execute(
                uri: "/webhooks/clerk", method: .post, headers: try signedHeaders(body: big), body: ByteBuffer(bytes: big)
            )
            #expect(response.status == .contentTooLarge)
        }
        #expect(log.all.isEmpty)
    }

    @Test("Already-seen svix-ids are acknowledged without running the handler; a failed handler's id is retried")
    func duplicates() async throws {
        let log = EventLog(failFirst: 1)
        let deduplicator = InMemoryWebhookDeduplicator(capacity: 2)
        try await makeReceiverApp(log: log, deduplicator: deduplicator).test(.router) { client async throws in
            func deliver(_ id: String) async throws -> HTTPResponse.Status {
                try await client.execute(
                    uri: "/webhooks/clerk", method: .post, headers: try signedHeaders(id: id), body: ByteBuffer(bytes: Self.body)
                ).status
            }
            // The first delivery fails in the handler: Svix will retry, and the retry must be processed.
            #expect(try await deliver("msg_a") == .serviceUnavailable)
            #expect(!deduplicator.contains("msg_a"))
            #expect(try await deliver("msg_a") == .ok)
            #expect(try await deliver("msg_a") == .ok)  // duplicate: acknowledged, not processed
            #expect(try await deliver("msg_b") == .ok)
            #expect(try await deliver("msg_c") == .ok)  // capacity 2: msg_a is forgotten
            #expect(!deduplicator.contains("msg_a") && deduplicator.contains("msg_c"))
        }
        #expect(log.all.map(\.messageID) == ["msg_a", "msg_b", "msg_c"])
    }

    @Test("ClerkWebhookReceiver(client:) uses the client's webhookSigningSecret; no secret at all is a configuration error")
    func fromClient() throws {
        let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(Keys.secretKey()), webhookSigningSecret: Secret(Self.secret)))
        let receiver = try ClerkWebhookReceiver(client: clerk)
        #expect(receiver.maxBodySize == WebhookVerifier.defaultMaxBodySize)
        #expect(!receiver.verifier.description.contains(Self.secret))
        let bare = try ClerkClient(options: ClerkOptions(secretKey: Secret(Keys.secretKey())))
        #expect(throws: WebhookVerificationError.self) { _ = try ClerkWebhookReceiver(client: bare) }
    }
}
