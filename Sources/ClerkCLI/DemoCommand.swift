import ArgumentParser
import ClerkBackend
import ClerkEmulator
import ClerkTesting
import Foundation

/// A scripted walk-through of ClerkBackend against an in-process emulator.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Walk through ClerkBackend against an in-process emulator (no network, no account).",
        discussion: """
            Starts an in-memory emulator on a free loopback port, then: creates users, lists them page by page, creates
            an organization with a member, mints a session token, authenticates a request with it, and receives and
            verifies a webhook.

            Example:
              clerk demo
            """
    )

    func run() async throws {
        let receiver = try await WebhookReceiver.start()
        let emulator = try await ClerkEmulator.start(
            EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 10_000, webhookURL: receiver.url)
        )
        do {
            try await walkThrough(emulator, receiver: receiver)
            await emulator.stop()
            await receiver.stop()
        } catch {
            await emulator.stop()
            await receiver.stop()
            throw error
        }
    }

    func walkThrough(_ emulator: RunningEmulator, receiver: WebhookReceiver) async throws {
        let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiUrl: emulator.apiURL))
        func step(_ text: String) { print("\n▸ " + text) }

        print("Emulator on \(emulator.apiURL) (in memory)")

        step("Create 5 users")
        var users: [User] = []
        for (first, last) in [("Ada", "Lovelace"), ("Alan", "Turing"), ("Grace", "Hopper"), ("Edsger", "Dijkstra"), ("Barbara", "Liskov")] {
            let user = try await clerk.users.createUser(CreateUserBody(
                firstName: first, lastName: last, emailAddress: ["\(first.lowercased())@example.com"],
                password: "demo-password-\(first)", publicMetadata: ["role": "demo"]
            ))
            users.append(user)
            print("  \(user.id)  \(first) \(last)  <\(user.emailAddresses.first?.emailAddress ?? "")>")
        }

        step("List them two per page")
        var page = 0
        var offset = 0
        while true {
            let result = try await clerk.users.getUserList(GetUserListQuery(limit: 2, offset: offset, orderBy: "+created_at"))
            guard !result.data.isEmpty else { break }
            page += 1
            print("  page \(page): \(result.data.map { $0.firstName ?? "?" }.joined(separator: ", "))  (total \(result.totalCount))")
            offset += result.data.count
        }

        step("Create an organization with Ada as admin and Alan as member")
        let organization = try await clerk.organizations.createOrganization(
            CreateOrganizationBody(name: "Analytical Engines", createdBy: users[0].id)
        )
        _ = try await clerk.organizations.createOrganizationMembership(
            organization.id, CreateOrganizationMembershipBody(userId: users[1].id, role: "org:member")
        )
        let members = try await clerk.organizations.getOrganizationMembershipList(organization.id)
        print("  \(organization.id) \(organization.slug): " + members.data.map { "\($0.publicUserData?.firstName ?? "?") (\($0.role))" }.joined(separator: ", "))

        step("Sign Grace in: create a session and mint its token")
        let session = try await clerk.sessions.createSession(CreateSessionBody(userId: users[2].id))
        let token = try await clerk.sessions.getToken(sessionId: session.id)
        print("  session \(session.id), token \(token.prefix(24))… (\(token.count) characters)")

        step("Authenticate a request carrying that token")
        let state = try await clerk.authenticateRequest(
            ClerkRequest(method: "GET", url: "http://localhost:3000/api/profile", headers: [("Authorization", "Bearer \(token)")]),
            options: AuthenticateRequestOptions(publishableKey: emulator.publishableKey)
        )
        let auth = state.toAuth()
        print("  status \(state.status.rawValue), userId \(auth?.userId ?? "none"), sessionId \(auth?.sessionId ?? "none")")
        let signedOut = try await clerk.authenticateRequest(
            ClerkRequest(method: "GET", url: "http://localhost:3000/api/profile", headers: [("Authorization", "Bearer not-a-token")]),
            options: AuthenticateRequestOptions(publishableKey: emulator.publishableKey)
        )
        print("  a forged token: status \(signedOut.status.rawValue) (\(signedOut.reason?.rawValue ?? ""))")

        step("Receive and verify a webhook")
        guard let secret = emulator.webhookSigningSecret else { throw ValidationError("the emulator has no webhook secret") }
        let delivery = try await receiver.next(timeout: .seconds(10))
        let event = try clerk.verifyWebhook(body: delivery.body, headers: delivery.headers, signingSecret: Secret(secret))
        print("  verified \(event.type.rawValue) (svix-id \(delivery.headers.first { $0.0 == "svix-id" }?.1 ?? "?"))")
        print("\nDone.")
    }
}

/// A loopback HTTP endpoint that collects webhook deliveries (for the demo).
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let body: [UInt8]
        let headers: [(String, String)]
    }

    let server: LoopbackHTTPServer
    let deliveries: AsyncStream<Delivery>
    var url: String { server.baseURL + "/webhooks/clerk" }

    private init(server: LoopbackHTTPServer, deliveries: AsyncStream<Delivery>) {
        self.server = server
        self.deliveries = deliveries
    }

    static func start() async throws -> WebhookReceiver {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream()
        let server = try await LoopbackHTTPServer.start { request in
            continuation.yield(Delivery(body: Array(request.body), headers: request.headers.map { ($0.name, $0.value) }))
            return ClerkHTTPResponse(status: 204)
        }
        return WebhookReceiver(server: server, deliveries: stream)
    }

    /// The next delivery, or an error after `timeout`.
    func next(timeout: Duration) async throws -> Delivery {
        try await withThrowingTaskGroup(of: Delivery?.self) { group in
            group.addTask {
                for await delivery in self.deliveries { return delivery }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let delivery = first else {
                throw ValidationError("no webhook arrived within \(timeout)")
            }
            return delivery
        }
    }

    func stop() async { try? await server.shutdown() }
}
