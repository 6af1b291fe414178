import ClerkBackend
import ClerkEmulator
import ClerkVapor
import Foundation
import Synchronization
import Testing
import VaporTesting

/// Records the events a webhook handler received.
final class EventLog: Sendable {
    private let events = Mutex<[WebhookEvent]>([])
    func append(_ event: WebhookEvent) { events.withLock { $0.append(event) } }
    var all: [WebhookEvent] { events.withLock { $0 } }
}

/// Options with a webhook signing secret (networkless, production keys).
func webhookOptions(secret: String?) throws -> ClerkOptions {
    var options = try networklessOptions()
    options.webhookSigningSecret = secret.map { Secret($0) }
    return options
}

@Suite("ClerkVapor: webhooks")
struct ClerkVaporWebhookTests {
    @Test("A webhook signed as Svix does is verified over the raw bytes and decoded into a typed event")
    func goodSignature() async throws {
        let secret = newWebhookSecret()
        let log = EventLog()
        let body = userCreatedBody(userID: "user_wh_1")
        try await withClerkApp(options: try webhookOptions(secret: secret), routes: { app in
            app.clerkWebhook("webhooks", "clerk") { _, event in
                log.append(event)
                return HTTPStatus.noContent
            }
        }) { app in
            let signed = try svixHeaders(secret: secret, id: "msg_good", body: body)
            try await app.testing().test(.POST, "webhooks/clerk", headers: signed, body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .noContent)
            }
        }
        let event = try #require(log.all.first)
        #expect(log.all.count == 1)
        #expect(event.type == .userCreated && event.object == "event" && event.messageID == "msg_good")
        #expect(event.data.user?.id == "user_wh_1" && event.data.user?.firstName == "Ada")
        #expect(event.dataDecodingFailure == nil)
    }

    @Test("Bad signatures, altered bodies, missing headers and stale timestamps answer 400; the handler is not called")
    func badSignatures() async throws {
        let secret = newWebhookSecret()
        let log = EventLog()
        let body = userCreatedBody()
        try await withClerkApp(options: try webhookOptions(secret: secret), routes: { app in
            app.clerkWebhook("webhooks", "clerk") { _, event in
                log.append(event)
                return HTTPStatus.ok
            }
        }) { app in
            func expect400(_ headers: HTTPHeaders, _ body: [UInt8], reason: String) async throws {
                try await app.testing().test(.POST, "webhooks/clerk", headers: headers, body: ByteBuffer(bytes: body)) { response throws in
                    #expect(response.status == .badRequest, "\(reason)")
                    let error = try #require(try json(response)["errors"]?.arrayValue?.first)
                    #expect(error["code"] == "webhook_verification_failed")
                    #expect(error["meta"]?["reason"]?.stringValue == reason)
                    // The body never echoes the secret or a signature.
                    #expect(!response.body.string.contains(secret) && !response.body.string.contains("v1,"))
                }
            }
            // Signed with another secret.
            try await expect400(try svixHeaders(secret: newWebhookSecret(), body: body), body, reason: "no_matching_signature")
            // The body altered after signing (a re-encoding would do the same).
            var altered = try svixHeaders(secret: secret, body: body)
            altered.replaceOrAdd(name: "svix-id", value: "msg_other")
            try await expect400(altered, body, reason: "no_matching_signature")
            let reencoded = Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: " ", with: "").utf8)
            try await expect400(try svixHeaders(secret: secret, body: body), reencoded, reason: "no_matching_signature")
            // Missing headers.
            try await expect400(headers([("Content-Type", "application/json")]), body, reason: "missing_headers")
            // Ten minutes old.
            let stale = Int64(Date().timeIntervalSince1970) - 600
            try await expect400(try svixHeaders(secret: secret, timestamp: stale, body: body), body, reason: "timestamp_too_old")
        }
        #expect(log.all.isEmpty)
    }

    @Test("The route collects the body itself: 100 KB passes (Vapor's default is 16 KB), over the cap answers 413")
    func bodySizeCap() async throws {
        let secret = newWebhookSecret()
        let log = EventLog()
        let large = userCreatedBody(padding: 100_000)
        try await withClerkApp(options: try webhookOptions(secret: secret), routes: { app in
            app.clerkWebhook("webhooks", "clerk") { _, event in
                log.append(event)
                return HTTPStatus.ok
            }
            app.clerkWebhook("small", options: ClerkWebhookOptions(maxBodySize: 1_000)) { _, event in
                log.append(event)
                return HTTPStatus.ok
            }
        }) { app in
            try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, body: large), body: ByteBuffer(bytes: large)) { response throws in
                #expect(response.status == .ok)
            }
            try await app.testing().test(.POST, "small", headers: try svixHeaders(secret: secret, body: large), body: ByteBuffer(bytes: large)) { response throws in
                #expect(response.status == .payloadTooLarge)
                #expect(try json(response)["errors"]?.arrayValue?.first?["meta"]?["reason"] == "body_too_large")
            }
            // Through a real server the body is streamed and collected by the route.
            try await app.testing(method: .running(hostname: "127.0.0.1", port: 0)).test(
                .POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, body: large), body: ByteBuffer(bytes: large)
            ) { response throws in
                #expect(response.status == .ok)
            }
        }
        #expect(log.all.count == 2)
    }

    @Test("A deduplicator drops redeliveries of a handled svix-id; a failed handler releases it for the retry")
    func deduplication() async throws {
        let secret = newWebhookSecret()
        let log = EventLog()
        let failures = Mutex(1)
        let body = userCreatedBody()
        try await withClerkApp(options: try webhookOptions(secret: secret), routes: { app in
            let options = ClerkWebhookOptions(deduplicator: InMemoryWebhookDeduplicator())
            app.clerkWebhook("webhooks", "clerk", options: options) { _, event in
                if event.messageID == "msg_flaky", failures.withLock({ value in defer { value -= 1 }; return value > 0 }) {
                    throw Abort(.serviceUnavailable)
                }
                log.append(event)
                return HTTPStatus.ok
            }
        }) { app in
            for _ in 0..<3 {
                // Svix re-signs every delivery with a new timestamp; the id stays.
                try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, id: "msg_dup", body: body), body: ByteBuffer(bytes: body)) { response throws in
                    #expect(response.status == .ok)
                }
            }
            try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, id: "msg_flaky", body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .serviceUnavailable)
            }
            try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, id: "msg_flaky", body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .ok)
            }
            // An unverified request never records its id.
            try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: newWebhookSecret(), id: "msg_new", body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .badRequest)
            }
            try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, id: "msg_new", body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .ok)
            }
        }
        #expect(log.all.map(\.messageID) == ["msg_dup", "msg_flaky", "msg_new"])
    }

    @Test("No signing secret configured: 500 (a server problem), never accepted; an explicit secret wins")
    func missingSecret() async throws {
        let secret = newWebhookSecret()
        let body = userCreatedBody()
        try await withClerkApp(options: try webhookOptions(secret: nil), routes: { app in
            app.clerkWebhook("webhooks", "clerk") { _, _ in HTTPStatus.ok }
            app.clerkWebhook("explicit", options: ClerkWebhookOptions(signingSecret: Secret(secret))) { _, _ in HTTPStatus.ok }
            // req.clerk.verifyWebhook in a route of your own.
            app.on(.POST, "manual", body: .stream) { req async throws -> String in
                let event = try await req.clerk.verifyWebhook(signingSecret: Secret(secret))
                return event.type.rawValue
            }
        }) { app in
            try await app.testing().test(.POST, "webhooks/clerk", headers: try svixHeaders(secret: secret, body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .internalServerError)
                #expect(!response.body.string.contains(secret))
            }
            try await app.testing().test(.POST, "explicit", headers: try svixHeaders(secret: secret, body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .ok)
            }
            try await app.testing().test(.POST, "manual", headers: try svixHeaders(secret: secret, body: body), body: ByteBuffer(bytes: body)) { response throws in
                #expect(response.status == .ok)
                #expect(response.body.string == "user.created")
            }
        }
    }

    @Test("End to end: the emulator's signed webhooks reach a running Vapor app and are verified")
    func emulatorDelivery() async throws {
        let log = EventLog()
        try await withApp { app in
            app.clerkWebhook("webhooks", "clerk") { _, event in
                log.append(event)
                return HTTPStatus.ok
            }
            try await app.asyncBoot()
            try await app.server.start(address: .hostname("127.0.0.1", port: 0))
            let port = try #require(app.http.server.shared.localAddress?.port)
            let options = EmulatorOptions(
                port: 0, databasePath: nil, passwordRounds: 1_000,
                webhookURL: URL(string: "http://127.0.0.1:\(port)/webhooks/clerk")!, webhookRetryDelay: .milliseconds(100)
            )
            do {
                try await withEmulator(options) { emulator, clerk in
                    let secret = try #require(emulator.webhookSigningSecret)
                    try app.clerk.configure(
                        options: ClerkOptions(secretKey: Secret(emulator.secretKey), publishableKey: emulator.publishableKey, apiURL: emulator.apiURL, webhookSigningSecret: Secret(secret))
                    )
                    let user = try await clerk.users.createUser(CreateUserBody(firstName: "Hopper", emailAddress: ["hopper@example.com"]))
                    for _ in 0..<100 where !log.all.contains(where: { $0.type == .userCreated }) {
                        try await Task.sleep(for: .milliseconds(50))
                    }
                    let created = try #require(log.all.first { $0.type == .userCreated })
                    #expect(created.data.user?.id == user.id && created.data.user?.firstName == "Hopper")
                    #expect(created.instanceID == emulator.instanceID)
                }
            } catch {
                await app.server.shutdown()
                throw error
            }
            await app.server.shutdown()
        }
    }
}

@Suite("ClerkVapor: webhook verification with Vapor's HTTPHeaders")
struct ClerkVaporWebhookHeadersTests {
    @Test("verifyWebhook, WebhookVerifier.verify and verifySignature take req.headers as they are")
    func httpHeadersOverloads() throws {
        let secret = newWebhookSecret()
        let body = userCreatedBody()
        let headers = try svixHeaders(secret: secret, id: "msg_vapor_headers", body: body)
        let client = try ClerkClient(options: try webhookOptions(secret: secret))
        #expect(try client.verifyWebhook(body: body, headers: headers).type == .userCreated)
        let verifier = try WebhookVerifier(signingSecret: Secret(secret))
        #expect(try verifier.verify(body: body, headers: headers).data.user?.id == "user_webhook_1")
        #expect(try verifier.verifySignature(body: body, headers: headers).messageID == "msg_vapor_headers")
        var tampered = headers
        tampered.replaceOrAdd(name: "svix-id", value: "msg_other")
        #expect(throws: WebhookVerificationError.self) { try verifier.verifySignature(body: body, headers: tampered) }
    }
}
