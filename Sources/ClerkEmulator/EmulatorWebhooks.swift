import AsyncHTTPClient
import ClerkBackend
import Crypto
import Foundation
import GRDB
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The webhook endpoint of an emulator: where events go and the secret that signs them.
struct WebhookEndpoint: Sendable {
    /// The receiver's URL.
    let url: String
    /// `whsec_…` as given or generated: what the receiver verifies with.
    let signingSecret: String
    /// The HMAC key: the base64-decoded part of the secret after `whsec_`.
    let key: SymmetricKey
    /// Attempts per message, the first included.
    let maxAttempts: Int
    /// The wait before the first retry; it doubles on every further retry (at most ``maxRetryDelay``).
    let retryDelay: Duration

    static let maxRetryDelay: Duration = .seconds(300)

    /// Checks the options and resolves the secret: the given one, else the instance's stored one (generated and
    /// stored on first use, so it survives restarts of the same database). `nil` when no webhook URL is set.
    /// Errors never contain the secret or the URL (which may carry a token).
    static func resolve(options: EmulatorOptions, store: EmulatorStore) throws -> WebhookEndpoint? {
        guard let parsed = options.webhookURL, !parsed.absoluteString.isEmpty else { return nil }
        let url = parsed.absoluteString
        guard let scheme = parsed.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = parsed.host, !host.isEmpty
        else {
            throw EmulatorStartError(message: "The webhook URL must be an absolute http:// or https:// URL")
        }
        guard options.webhookMaxAttempts >= 1 else {
            throw EmulatorStartError(message: "webhookMaxAttempts must be at least 1")
        }
        guard options.webhookRetryDelay >= .zero else {
            throw EmulatorStartError(message: "webhookRetryDelay must not be negative")
        }
        let secret: String
        if let given = options.webhookSigningSecret?.trimmingCharacters(in: .whitespacesAndNewlines), !given.isEmpty {
            secret = given
        } else {
            secret = try store.instanceValue("webhook_signing_secret") { Self.generateSecret() }
        }
        guard let key = Self.key(fromSecret: secret) else {
            throw EmulatorStartError(message: "The webhook signing secret must be whsec_ followed by standard base64 (as the Clerk Dashboard shows it)")
        }
        return WebhookEndpoint(
            url: url, signingSecret: secret, key: key, maxAttempts: options.webhookMaxAttempts,
            retryDelay: options.webhookRetryDelay
        )
    }

    /// `whsec_` and the base64 of 24 random bytes, the shape of Svix secrets.
    static func generateSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<24).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "whsec_" + Data(bytes).base64EncodedString()
    }

    /// The HMAC key a `whsec_…` secret encodes (the prefix is optional, as in the Svix libraries).
    static func key(fromSecret secret: String) -> SymmetricKey? {
        let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
        guard let bytes = Data(base64Encoded: encoded), !bytes.isEmpty else { return nil }
        return SymmetricKey(data: bytes)
    }

    /// `v1,<base64 HMAC-SHA256 over "id.timestamp.body">`: the `svix-signature` header.
    func signature(id: String, timestamp: Int64, body: Data) -> String {
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// The URL as it may appear in logs: scheme, host, port and path, without query or user info.
    var redactedURL: String {
        guard let components = URLComponents(string: url) else { return "(webhook URL)" }
        var shown = "\(components.scheme ?? "http")://\(components.host ?? "")"
        if let port = components.port { shown += ":\(port)" }
        return shown + components.path
    }
}

/// One event, ready to send: the same id and body on every attempt.
struct WebhookMessage: Sendable {
    /// `msg_…`, the `svix-id` header.
    let id: String
    /// The event type (`user.created`, …).
    let type: String
    /// The resource the event is about: events with the same key are delivered one after the other, in order.
    let key: String
    /// The JSON envelope, exactly the bytes that are signed and sent.
    let body: Data
}

/// Sends webhook events in the background, signed as Svix signs them, retrying failures with exponential backoff.
///
/// Events for one resource go out one at a time, in the order their transactions committed; events for different
/// resources go out concurrently. Undelivered events live in memory only: they are dropped when the emulator stops.
final class WebhookDispatcher: Sendable {
    let endpoint: WebhookEndpoint
    let instanceID: String
    private let logger: Logger
    private let queues = Mutex(Queues())

    private struct Queues: Sendable {
        /// Messages not yet taken by a worker, per key. A key is present exactly while its worker runs.
        var pending: [String: [WebhookMessage]] = [:]
        var workers: [String: Task<Void, Never>] = [:]
        var stopped = false
    }

    init(endpoint: WebhookEndpoint, instanceID: String, logger: Logger) {
        self.endpoint = endpoint
        self.instanceID = instanceID
        self.logger = logger
    }

    /// Builds the envelope `{data, object: "event", type, timestamp (ms), instance_id}`.
    func message(type: String, data: JSONValue, key: String) throws -> WebhookMessage {
        let envelope: JSONValue = [
            "data": data, "object": "event", "type": .string(type), "timestamp": .int(nowMillis()),
            "instance_id": .string(instanceID),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return WebhookMessage(id: EmulatorIDs.make("msg"), type: type, key: key, body: try encoder.encode(envelope))
    }

    /// Queues a message; returns at once.
    func enqueue(_ message: WebhookMessage) {
        queues.withLock { queues in
            guard !queues.stopped else { return }
            if queues.pending[message.key] != nil {
                queues.pending[message.key]?.append(message)
                return
            }
            queues.pending[message.key] = [message]
            // The worker's first look at the queue waits for this lock, so it sees the entry stored here.
            queues.workers[message.key] = Task { await self.drain(message.key) }
        }
    }

    /// Delivers the key's messages one after the other until its queue is empty.
    private func drain(_ key: String) async {
        while true {
            let next = queues.withLock { queues -> WebhookMessage? in
                guard !queues.stopped, var pending = queues.pending[key], !pending.isEmpty else {
                    queues.pending[key] = nil
                    queues.workers[key] = nil
                    return nil
                }
                let first = pending.removeFirst()
                queues.pending[key] = pending
                return first
            }
            guard let next else { return }
            await deliver(next)
        }
    }

    /// Stops delivering: queued messages are dropped, attempts in flight are cancelled.
    func shutdown() async {
        let workers = queues.withLock { queues -> [Task<Void, Never>] in
            queues.stopped = true
            queues.pending = [:]
            let tasks = Array(queues.workers.values)
            queues.workers = [:]
            return tasks
        }
        for worker in workers { worker.cancel() }
        for worker in workers { await worker.value }
    }

    /// Sends one message until the receiver answers 2xx or the attempts run out. Every attempt carries the same
    /// `svix-id` and body, and a fresh timestamp and signature (as Svix retries).
    private func deliver(_ message: WebhookMessage) async {
        var delay = endpoint.retryDelay
        for attempt in 1...endpoint.maxAttempts {
            if Task.isCancelled { return }
            let timestamp = Int64(Date().timeIntervalSince1970)
            var request = HTTPClientRequest(url: endpoint.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "clerk-emulator-webhooks")
            request.headers.add(name: "svix-id", value: message.id)
            request.headers.add(name: "svix-timestamp", value: String(timestamp))
            request.headers.add(
                name: "svix-signature", value: endpoint.signature(id: message.id, timestamp: timestamp, body: message.body)
            )
            request.body = .bytes(ByteBuffer(bytes: message.body))
            let problem: String
            do {
                let response = try await webhookHTTPClient.execute(request, timeout: .seconds(15))
                _ = try? await response.body.collect(upTo: 1 << 20)
                if (200..<300).contains(Int(response.status.code)) {
                    logger.debug(
                        "Webhook delivered",
                        metadata: ["type": "\(message.type)", "svix_id": "\(message.id)", "attempt": "\(attempt)"]
                    )
                    return
                }
                problem = "HTTP \(response.status.code)"
            } catch {
                if Task.isCancelled { return }
                problem = "no response (\(error))"
            }
            let last = attempt == endpoint.maxAttempts
            logger.log(
                level: last ? .error : .warning,
                last ? "Webhook delivery failed; giving up" : "Webhook delivery failed; will retry",
                metadata: [
                    "type": "\(message.type)", "svix_id": "\(message.id)", "attempt": "\(attempt)",
                    "of": "\(endpoint.maxAttempts)", "url": "\(endpoint.redactedURL)", "problem": "\(problem)",
                ]
            )
            if last { return }
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
            delay = min(delay * 2, WebhookEndpoint.maxRetryDelay)
        }
    }
}

/// The client webhooks are sent with: never follows redirects (a 3xx is a failed attempt, as with Svix), short
/// timeouts, no retrying of its own. Process-wide, so it never needs shutting down.
private let webhookHTTPClient: HTTPClient = {
    var configuration = HTTPClient.Configuration()
    configuration.redirectConfiguration = .disallow
    configuration.timeout = .init(connect: .seconds(5), read: .seconds(15))
    configuration.connectionPool.retryConnectionEstablishment = false
    return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
}()

// MARK: - Emitting events from handlers

extension EmulatorState {
    /// Queues a webhook event about `resource` (a document as the API returns it), sent once the current write
    /// transaction commits, so events go out in commit order and never for a rolled-back change. Does nothing
    /// without a webhook URL.
    ///
    /// `session.*` events get the session's user as `data.user`, as Clerk sends them.
    func emitEvent(_ type: String, _ resource: JSONValue, _ db: Database) throws {
        guard let webhooks else { return }
        var data = resource
        if type.hasPrefix("session."), var fields = resource.objectMembers,
            let userID = fields["user_id"]?.stringMember,
            let user = try EmulatorStore.fetch(userID, kind: "user", db)
        {
            fields["user"] = user.doc
            data = .object(fields)
        }
        let key = resource["id"]?.stringMember ?? type
        let message = try webhooks.message(type: type, data: data, key: key)
        db.afterNextTransaction(onCommit: { _ in webhooks.enqueue(message) })
    }

    /// Queues `organizationMembership.deleted` for every membership matching `condition` (before they are deleted).
    func emitMembershipsDeleted(where condition: String, _ arguments: StatementArguments, _ db: Database) throws {
        guard webhooks != nil else { return }
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'organization_membership' AND \(condition) ORDER BY created_at, rowid",
            arguments: arguments
        )
        for record in try rows.map(EmulatorStore.record) {
            try emitEvent("organizationMembership.deleted", record.doc, db)
        }
    }
}
