import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import ClerkTesting
import Foundation
import NIOCore
import NIOFoundationCompat
import HTTPTypes
import NIOHTTP1
import Synchronization
import Testing

@Suite("Emulator: signed webhook events, delivered in the background with retries")
struct EmulatorWebhooksTests {
    @Test("user.created, organization.created and session.created arrive signed; verifyWebhook accepts them with the emulator's secret")
    func createdEvents() async throws {
        let receiver = try await LoopbackHTTPServer.start { _ in .json("{}") }
        defer { Task { try? await receiver.shutdown() } }
        try await withOptionsEmulator(EmulatorOptions(webhookURL: receiver.baseURL.appendingPathComponent("webhooks/clerk"))) { emulator, clerk in
            let secret = try #require(emulator.webhookSigningSecret)
            #expect(secret.hasPrefix("whsec_"))
            #expect(Data(base64Encoded: String(secret.dropFirst("whsec_".count)))?.isEmpty == false)

            let user = try await clerk.users.createUser(CreateUserBody(firstName: "Ada", emailAddress: ["ada@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Acme", createdBy: user.id))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let before = Date().timeIntervalSince1970

            let requests = try await waitForRequests(receiver, count: 4)
            let receiverClient = try ClerkClient(options: ClerkOptions(webhookSigningSecret: Secret(secret)))
            var events: [String: WebhookEvent] = [:]
            for request in requests {
                #expect(request.method == .post && request.path == "/webhooks/clerk")
                #expect(request.headerFields.first(name: "content-type") == "application/json")
                #expect(request.headerFields.first(name: "svix-id")?.hasPrefix("msg_") == true)
                #expect(request.headerFields.first(name: "svix-signature")?.hasPrefix("v1,") == true)
                let timestamp = try #require(request.headerFields.first(name: "svix-timestamp").flatMap { Double($0) })
                #expect(abs(timestamp - before) < 60)
                let event = try receiverClient.verifyWebhook(body: request.body, headers: request.headerFields)
                #expect(event.object == "event")
                #expect(event.instanceID == emulator.instanceID && emulator.instanceID.hasPrefix("ins_"))
                #expect((event.timestamp ?? 0) > 1_700_000_000_000)  // milliseconds
                events[event.type.rawValue] = event
            }
            #expect(Set(events.keys) == ["user.created", "organization.created", "organizationMembership.created", "session.created"])
            #expect(events["user.created"]?.data.user?.id == user.id)
            #expect(events["user.created"]?.data.user?.emailAddresses.first?.emailAddress == "ada@example.com")
            #expect(events["organization.created"]?.data.organization?.id == organization.id)
            #expect(events["organizationMembership.created"]?.data.organizationMembership?.role == "org:admin")
            let sessionPayload = try #require(events["session.created"]?.data.session)
            #expect(sessionPayload.id == session.id && sessionPayload.userID == user.id)
            #expect(sessionPayload.user?.id == user.id)

            // The data is the resource as the API returns it.
            let userCreated = try #require(requests.first { $0.jsonBody?["type"] == "user.created" })
            let apiUser = try await rawJSON(emulator, "GET", "/v1/users/\(user.id)")
            var eventUser = try #require(userCreated.jsonBody?["data"]?.objectMembers)
            var apiFields = try #require(apiUser.objectMembers)
            // Creating the session touched the user's activity times since.
            for key in ["last_active_at", "last_sign_in_at", "updated_at"] { eventUser[key] = nil; apiFields[key] = nil }
            #expect(eventUser == apiFields)

            // Another secret, or a changed body, does not verify.
            let other = try ClerkClient(options: ClerkOptions(webhookSigningSecret: Secret("whsec_" + Data(repeating: 7, count: 24).base64EncodedString())))
            #expect(throws: WebhookVerificationError.self) { _ = try other.verifyWebhook(body: userCreated.body, headers: userCreated.headerFields) }
            var tampered = userCreated.body
            tampered.append(contentsOf: Array(" ".utf8))
            #expect(throws: WebhookVerificationError.self) { _ = try receiverClient.verifyWebhook(body: tampered, headers: userCreated.headerFields) }
        }
    }

    @Test("Updates and deletions: user.updated/deleted, organization.updated/deleted, membership events, session.revoked; one resource's events in order")
    func lifecycleEvents() async throws {
        let receiver = try await LoopbackHTTPServer.start { _ in .json("{}") }
        defer { Task { try? await receiver.shutdown() } }
        try await withOptionsEmulator(EmulatorOptions(webhookURL: receiver.baseURL)) { emulator, clerk in
            let secret = try #require(emulator.webhookSigningSecret)
            let user = try await clerk.users.createUser(CreateUserBody(externalID: "ext-9", emailAddress: ["u@example.com"]))
            let member = try await clerk.users.createUser(CreateUserBody(emailAddress: ["m@example.com"]))
            _ = try await clerk.users.updateUser(user.id, UpdateUserBody(firstName: "First"))
            _ = try await clerk.users.updateUserMetadata(user.id, UpdateUserMetadataBody(publicMetadata: ["plan": "pro"]))
            _ = try await clerk.users.banUser(user.id)
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Org One"))
            _ = try await clerk.organizations.updateOrganization(organization.id, UpdateOrganizationBody(name: "Org Renamed"))
            _ = try await clerk.organizations.createOrganizationMembership(organization.id, CreateOrganizationMembershipBody(userID: member.id, role: "org:member"))
            _ = try await clerk.organizations.updateOrganizationMembership(
                organizationID: organization.id, userID: member.id, UpdateOrganizationMembershipBody(role: "org:admin")
            )
            _ = try await clerk.organizations.deleteOrganizationMembership(organizationID: organization.id, userID: member.id)
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: member.id))
            _ = try await clerk.sessions.revokeSession(session.id)
            _ = try await clerk.organizations.deleteOrganization(organization.id)
            _ = try await clerk.users.deleteUser(user.id)

            // 2 user.created, 3 user.updated, org created/updated/deleted, membership created/updated/deleted,
            // session created/revoked, user.deleted.
            let requests = try await waitForRequests(receiver, count: 14)
            let verifier = try WebhookVerifier(signingSecret: Secret(secret))
            let events = try requests.map { try verifier.verify(body: $0.body, headers: $0.headerFields) }
            let types = events.map(\.type.rawValue)
            #expect(types.filter { $0 == "user.updated" }.count == 3)

            // One resource's events arrive in the order they happened.
            let forUser = events.filter { $0.rawData["id"]?.stringValue == user.id }.map(\.type.rawValue)
            #expect(forUser == ["user.created", "user.updated", "user.updated", "user.updated", "user.deleted"])
            let forOrganization = events.filter { $0.rawData["id"]?.stringValue == organization.id }.map(\.type.rawValue)
            #expect(forOrganization == ["organization.created", "organization.updated", "organization.deleted"])
            let forMembership = events.filter { $0.type.rawValue.hasPrefix("organizationMembership.") }.map(\.type.rawValue)
            #expect(forMembership == ["organizationMembership.created", "organizationMembership.updated", "organizationMembership.deleted"])
            let forSession = events.filter { $0.rawData["id"]?.stringValue == session.id }.map(\.type.rawValue)
            #expect(forSession == ["session.created", "session.revoked"])

            let lastUpdate = try #require(events.last { $0.type.rawValue == "user.updated" }?.data.user)
            #expect(lastUpdate.banned && lastUpdate.firstName == "First" && lastUpdate.publicMetadata == ["plan": "pro"])
            #expect(events.first { $0.type.rawValue == "organization.updated" }?.data.organization?.name == "Org Renamed")
            #expect(events.first { $0.type.rawValue == "organizationMembership.updated" }?.data.organizationMembership?.role == "org:admin")
            #expect(events.first { $0.type.rawValue == "session.revoked" }?.data.session?.status == .revoked)

            let userDeleted = try #require(events.first { $0.type.rawValue == "user.deleted" })
            #expect(userDeleted.rawData == ["object": "user", "id": .string(user.id), "deleted": true, "external_id": "ext-9"])
            #expect(userDeleted.data.deletedObject?.deleted == true)
            let organizationDeleted = try #require(events.first { $0.type.rawValue == "organization.deleted" })
            #expect(organizationDeleted.rawData == ["object": "organization", "id": .string(organization.id), "deleted": true, "slug": "org-one"])
        }
    }

    @Test("A receiver that fails twice (503, then a dropped connection) gets the same svix-id three times, with growing waits")
    func retries() async throws {
        let attempts = AttemptCounter()
        let receiver = try await LoopbackHTTPServer.start { _ in
            let attempt = attempts.increment()
            switch attempt {
            case 1: return .json(status: 503, #"{"error":"busy"}"#)
            case 2: throw DropConnection()
            default: return .json("{}")
            }
        }
        defer { Task { try? await receiver.shutdown() } }
        let options = EmulatorOptions(webhookURL: receiver.baseURL, webhookRetryDelay: .milliseconds(100))
        try await withOptionsEmulator(options) { emulator, clerk in
            let secret = try #require(emulator.webhookSigningSecret)
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["r@example.com"]))
            let requests = try await waitForRequests(receiver, count: 3)
            let ids = requests.compactMap { $0.headerFields.first(name: "svix-id") }
            #expect(ids.count == 3 && Set(ids).count == 1)
            #expect(Set(requests.map(\.body)).count == 1)
            let verifier = try WebhookVerifier(signingSecret: Secret(secret))
            for request in requests {
                let event = try verifier.verify(body: request.body, headers: request.headerFields)
                #expect(event.type == .userCreated && event.data.user?.id == user.id)
            }
            // Backoff: 100 ms, then 200 ms.
            let first = requests[0].receivedAt.duration(to: requests[1].receivedAt)
            let second = requests[1].receivedAt.duration(to: requests[2].receivedAt)
            #expect(first >= .milliseconds(90) && second >= .milliseconds(190))
            // Delivered: nothing more comes.
            try await Task.sleep(for: .milliseconds(500))
            #expect(receiver.requests.count == 3)
        }
    }

    @Test("While one resource's event is retried, that resource's later events wait for it; other resources' events go on")
    func orderHeldDuringRetries() async throws {
        let failures = AttemptCounter()
        // The user.created of held@example.com fails twice; everything else is accepted.
        let receiver = try await LoopbackHTTPServer.start { request in
            let event = try? JSONDecoder().decode(JSONValue.self, from: request.body)
            let address = event?["data"]?["email_addresses"]?[0]?["email_address"]?.stringValue
            if event?["type"] == "user.created", address == "held@example.com", failures.current < 2 {
                _ = failures.increment()
                return .json(status: 503, #"{"error":"busy"}"#)
            }
            return .json("{}")
        }
        defer { Task { try? await receiver.shutdown() } }
        let options = EmulatorOptions(webhookURL: receiver.baseURL, webhookRetryDelay: .milliseconds(300))
        try await withOptionsEmulator(options) { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["held@example.com"]))
            _ = try await clerk.users.updateUser(user.id, UpdateUserBody(firstName: "One"))
            _ = try await clerk.users.updateUser(user.id, UpdateUserBody(firstName: "Two"))
            let other = try await clerk.users.createUser(CreateUserBody(emailAddress: ["free@example.com"]))
            let requests = try await waitForRequests(receiver, count: 6)
            let events = requests.compactMap { request -> (type: String, id: String, at: ContinuousClock.Instant)? in
                guard let event = try? JSONDecoder().decode(JSONValue.self, from: request.body),
                    let type = event["type"]?.stringValue, let id = event["data"]?["id"]?.stringValue
                else { return nil }
                return (type, id, request.receivedAt)
            }
            let forUser = events.filter { $0.id == user.id }.map(\.type)
            #expect(failures.current == 2)
            #expect(forUser == ["user.created", "user.created", "user.created", "user.updated", "user.updated"])
            // The other user's event did not wait for the first user's retries.
            let otherCreated = try #require(events.first { $0.id == other.id })
            let delivered = try #require(events.filter { $0.id == user.id && $0.type == "user.created" }.last)
            #expect(otherCreated.at < delivered.at)
        }
    }

    @Test("Attempts are bounded: a receiver that always fails gets webhookMaxAttempts requests, then no more")
    func boundedAttempts() async throws {
        let receiver = try await LoopbackHTTPServer.start { _ in .json(status: 500, "{}") }
        defer { Task { try? await receiver.shutdown() } }
        let options = EmulatorOptions(webhookURL: receiver.baseURL, webhookMaxAttempts: 3, webhookRetryDelay: .milliseconds(20))
        try await withOptionsEmulator(options) { _, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["b@example.com"]))
            let requests = try await waitForRequests(receiver, count: 3)
            #expect(Set(requests.compactMap { $0.headerFields.first(name: "svix-id") }).count == 1)
            try await Task.sleep(for: .milliseconds(400))
            #expect(receiver.requests.count == 3)
        }
    }

    @Test("The outbox is queryable (events, status, every attempt) and a failed event can be redelivered, same svix-id")
    func outboxAndRedelivery() async throws {
        let healthy = Gate()
        let receiver = try await LoopbackHTTPServer.start { _ in healthy.isOpen ? .json("{}") : .json(status: 500, "{}") }
        defer { Task { try? await receiver.shutdown() } }
        let options = EmulatorOptions(webhookURL: receiver.baseURL, webhookMaxAttempts: 2, webhookRetryDelay: .milliseconds(20))
        try await withOptionsEmulator(options) { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["outbox@example.com"]))
            _ = try await waitForRequests(receiver, count: 2)
            var failed: JSONValue = .null
            for _ in 0..<200 {
                failed = try await rawJSON(emulator, "GET", "/_emulator/webhooks?status=failed")
                if failed["total_count"] == 1 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(failed["total_count"] == 1)
            let message = try #require(failed["data"]?.arrayValue?.first)
            let id = try #require(message["id"]?.stringValue)
            #expect(id.hasPrefix("msg_") && message["type"] == "user.created" && message["resource_key"] == .string(user.id))
            #expect(message["attempt_count"] == 2 && message["delivered_at"] == .null && message["last_error"] == "HTTP 500")
            #expect(message["attempts"]?.arrayValue?.map { $0["response_status"] } == [500, 500])
            #expect(message["payload"]?["data"]?["id"] == .string(user.id))
            #expect(receiver.requests.map { $0.headerFields.first(name: "svix-id") } == [id, id])

            // Filters, and the errors of the admin endpoint.
            #expect(try await rawJSON(emulator, "GET", "/_emulator/webhooks?status=delivered")["total_count"] == 0)
            #expect(try await rawJSON(emulator, "GET", "/_emulator/webhooks?type=user.created")["total_count"] == 1)
            #expect(try await rawRequest(emulator, "GET", "/_emulator/webhooks?status=lost", key: emulator.secretKey).status == 400)
            #expect(try await rawRequest(emulator, "GET", "/_emulator/webhooks", key: nil).status == 401)
            #expect(try await rawRequest(emulator, "POST", "/_emulator/webhooks/msg_unknown/redeliver", key: emulator.secretKey).status == 404)
            #expect(try await rawRequest(emulator, "GET", "/_emulator/webhooks/\(id)/redeliver", key: emulator.secretKey).status == 405)

            // Redelivered once the receiver is healthy: a third request with the same id, then delivered.
            healthy.open()
            let queued = try await rawRequest(emulator, "POST", "/_emulator/webhooks/\(id)/redeliver", key: emulator.secretKey)
            #expect(queued.status == 200 && queued.json?["status"] == "pending")
            let requests = try await waitForRequests(receiver, count: 3)
            #expect(requests.last?.headerFields.first(name: "svix-id") == id)
            var delivered: JSONValue = .null
            for _ in 0..<200 {
                delivered = try await rawJSON(emulator, "GET", "/_emulator/webhooks?status=delivered")
                if delivered["total_count"] == 1 { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            let done = try #require(delivered["data"]?.arrayValue?.first)
            #expect(done["id"] == .string(id) && done["attempt_count"] == 1 && done["delivered_at"]?.intValue != nil)
            #expect(done["attempts"]?.arrayValue?.map { $0["response_status"] } == [500, 500, 200])
        }
    }

    @Test("Without a webhook URL the outbox endpoint says webhooks are not configured")
    func outboxWithoutWebhooks() async throws {
        try await withOptionsEmulator(EmulatorOptions()) { emulator, _ in
            let answer = try await rawRequest(emulator, "GET", "/_emulator/webhooks", key: emulator.secretKey)
            #expect(answer.status == 404 && answer.json?["errors"]?.arrayValue?.first?["code"] == "webhooks_not_configured")
        }
    }

    @Test("Delivery never holds up the API: the calls return while the receiver is still holding the first delivery")
    func asynchronous() async throws {
        // The receiver holds every delivery until the test opens the gate (or 30 s pass). If delivery were part of
        // the API call, createUser would not return before the gate opens.
        let gate = Gate()
        let receiver = try await LoopbackHTTPServer.start { _ in
            await gate.wait(atMost: .seconds(30))
            return .json("{}")
        }
        defer { Task { try? await receiver.shutdown() } }
        try await withOptionsEmulator(EmulatorOptions(webhookURL: receiver.baseURL)) { _, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["slow@example.com"]))
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["slow2@example.com"]))
            #expect(!gate.isOpen, "the API calls returned only after the receiver answered")
            gate.open()
            _ = try await waitForRequests(receiver, count: 2)
        }
    }

    @Test("The generated secret is kept in the database (same after a restart); a given secret is used as is")
    func secrets() async throws {
        let receiver = try await LoopbackHTTPServer.start { _ in .json("{}") }
        defer { Task { try? await receiver.shutdown() } }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-emulator-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("db.sqlite").path
        let options = EmulatorOptions(databasePath: path, webhookURL: receiver.baseURL)
        let first = try await withOptionsEmulator(options) { emulator, _ in emulator.webhookSigningSecret }
        let second = try await withOptionsEmulator(options) { emulator, _ in emulator.webhookSigningSecret }
        #expect(first != nil && first == second)

        // Without a webhook URL there is no secret.
        let none = try await withOptionsEmulator(EmulatorOptions()) { emulator, _ in emulator.webhookSigningSecret }
        #expect(none == nil)

        let given = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
        try await withOptionsEmulator(EmulatorOptions(webhookURL: receiver.baseURL, webhookSigningSecret: given)) { emulator, clerk in
            #expect(emulator.webhookSigningSecret == given)
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["g@example.com"]))
            let request = try #require(try await waitForRequests(receiver, count: 1).last)
            let receiverClient = try ClerkClient(options: ClerkOptions(webhookSigningSecret: Secret(given)))
            #expect(try receiverClient.verifyWebhook(body: request.body, headers: request.headerFields).type == .userCreated)
        }
    }

    @Test("A malformed secret or webhook URL stops the start, and the error does not show the secret")
    func invalidConfiguration() async throws {
        let secretError = await #expect(throws: EmulatorStartError.self) {
            _ = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, webhookURL: URL(string: "http://127.0.0.1:9/hook")!, webhookSigningSecret: "whsec_not*base64!"))
        }
        #expect(secretError?.message.contains("not*base64") == false)
        await #expect(throws: EmulatorStartError.self) {
            _ = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, webhookURL: URL(string: "ftp://example.com/hook")!))
        }
    }
}

// MARK: - Helpers

/// A thread-safe counter.
final class AttemptCounter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new value.
    func increment() -> Int {
        value.withLock { value in
            value += 1
            return value
        }
    }

    var current: Int { value.withLock { $0 } }
}

/// Runs `body` with an emulator started from `options` (on a free port, in memory unless a path is given, cheap
/// password hashing) and a client pointed at it.
func withOptionsEmulator<T>(
    _ options: EmulatorOptions, retryPolicy: RetryPolicy = .default, transport: (any ClerkHTTPTransport)? = nil,
    _ body: (RunningEmulator, ClerkClient) async throws -> T
) async throws -> T {
    var options = options
    options.port = 0
    if options.databasePath == ".clerk-emulator/emulator.sqlite" { options.databasePath = nil }
    options.passwordRounds = 1_000
    let conformance = ConformanceRecorder()
    options.responseObserver = conformance.observe
    let emulator = try await ClerkEmulator.start(options)
    do {
        let client = try ClerkClient(options: ClerkOptions(
            secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL, retryPolicy: retryPolicy, transport: transport
        ))
        let result = try await body(emulator, client)
        await emulator.stop()
        conformance.expectConformance()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// Waits (up to 30 s: the full suite runs many emulators at once on 2 cores) until the receiver has at least `count`
/// requests, and returns them in arrival order.
func waitForRequests(_ server: LoopbackHTTPServer, count: Int, timeout: Duration = .seconds(30)) async throws -> [LoopbackHTTPServer.Request] {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        let requests = server.requests
        if requests.count >= count { return requests }
        try await Task.sleep(for: .milliseconds(20))
    }
    Issue.record("The receiver got \(server.requests.count) requests, not \(count), within \(timeout)")
    return server.requests
}

/// A JSON answer of the emulator to a raw request with the instance key.
func rawJSON(_ emulator: RunningEmulator, _ method: String, _ path: String) async throws -> JSONValue {
    try #require(try await rawRequest(emulator, method, path, key: emulator.secretKey).json)
}

/// A gate the receiver waits at until the test opens it.
final class Gate: Sendable {
    private let state = Mutex(false)
    var isOpen: Bool { state.withLock { $0 } }
    func open() { state.withLock { $0 = true } }
    func wait(atMost limit: Duration) async {
        let start = ContinuousClock.now
        while !isOpen, ContinuousClock.now - start < limit { try? await Task.sleep(for: .milliseconds(10)) }
    }
}
