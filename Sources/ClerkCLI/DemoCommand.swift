import ArgumentParser
import ClerkBackend
import ClerkEmulator
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

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
            EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 10_000, webhookURL: URL(string: receiver.url))
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
        let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
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
            organization.id, CreateOrganizationMembershipBody(userID: users[1].id, role: "org:member")
        )
        let members = try await clerk.organizations.getOrganizationMembershipList(organization.id)
        print("  \(organization.id) \(organization.slug): " + members.data.map { "\($0.publicUserData?.firstName ?? "?") (\($0.role))" }.joined(separator: ", "))

        step("Sign Grace in: create a session and mint its token")
        let session = try await clerk.sessions.createSession(CreateSessionBody(userID: users[2].id))
        let token = try await clerk.sessions.getToken(sessionID: session.id)
        print("  session \(session.id), token \(token.prefix(24))… (\(token.count) characters)")

        step("Authenticate a request carrying that token")
        let state = try await clerk.authenticateRequest(
            ClerkRequest(method: .get, url: "http://localhost:3000/api/profile", headers: [("Authorization", "Bearer \(token)")]),
            options: AuthenticateRequestOptions(publishableKey: emulator.publishableKey)
        )
        let auth = state.toAuth()
        print("  status \(state.status.rawValue), userID \(auth?.userID ?? "none"), sessionID \(auth?.sessionID ?? "none")")
        let signedOut = try await clerk.authenticateRequest(
            ClerkRequest(method: .get, url: "http://localhost:3000/api/profile", headers: [("Authorization", "Bearer not-a-token")]),
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

/// A loopback HTTP endpoint that collects webhook deliveries (for the demo): a small Hummingbird app on a free port.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        let body: [UInt8]
        let headers: [(String, String)]
    }

    let port: Int
    let deliveries: AsyncStream<Delivery>
    private let group: ServiceGroup
    private let task: Task<Void, any Error>
    var url: String { "http://127.0.0.1:\(port)/webhooks/clerk" }

    private init(port: Int, deliveries: AsyncStream<Delivery>, group: ServiceGroup, task: Task<Void, any Error>) {
        self.port = port
        self.deliveries = deliveries
        self.group = group
        self.task = task
    }

    static func start() async throws -> WebhookReceiver {
        let (stream, continuation) = AsyncStream<Delivery>.makeStream()
        let router = Router()
        router.post("webhooks/clerk") { request, _ -> HTTPResponse.Status in
            let body = try await request.body.collect(upTo: 1 << 20)
            continuation.yield(
                Delivery(body: Array(buffer: body), headers: request.headers.map { ($0.name.rawName, $0.value) })
            )
            return .noContent
        }
        var logger = Logger(label: "clerk.demo.webhooks")
        logger.logLevel = .critical
        let bound = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.withLock { $0 = channel.localAddress?.port ?? 0 } },
            logger: logger
        )
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task { try await group.run() }
        for _ in 0..<2_000 {
            if let port = bound.withLock({ $0 }) {
                return WebhookReceiver(port: port, deliveries: stream, group: group, task: task)
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        await group.triggerGracefulShutdown()
        throw ValidationError("the demo's webhook receiver did not start")
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

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
