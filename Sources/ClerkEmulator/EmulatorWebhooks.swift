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

/// One event from the outbox: the same id and body on every attempt.
struct WebhookMessage: Sendable {
    /// The outbox's order: the order in which the transactions that caused the events committed.
    let seq: Int64
    /// `msg_…`, the `svix-id` header.
    let id: String
    /// The event type (`user.created`, …).
    let type: String
    /// The resource the event is about: events with the same key are delivered one after the other, in order.
    let key: String
    /// The JSON envelope, exactly the bytes that are signed and sent.
    let body: Data
    /// Attempts made so far (since the event was queued or last redelivered).
    let attempts: Int
    /// When the next attempt is due (Unix milliseconds).
    let nextAttemptAt: Int64
}

/// The webhook outbox: every event is a row written in the same transaction as the change that causes it, and
/// every attempt to deliver it is a row too, so undelivered events and their backoff survive a restart (or a
/// crash) of the emulator and deliveries can be inspected.
enum WebhookOutbox {
    /// `pending` (not yet delivered; retried while attempts remain), `delivered`, `failed` (attempts ran out).
    static let pending = "pending", delivered = "delivered", failed = "failed"
    /// Delivered events kept for inspection; older ones are removed when the emulator starts.
    static let deliveredKept = 10_000

    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE webhook_messages (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                id TEXT NOT NULL UNIQUE,
                type TEXT NOT NULL,
                resource_key TEXT NOT NULL,
                body BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                status TEXT NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_attempt_at INTEGER NOT NULL,
                delivered_at INTEGER,
                last_error TEXT
            );
            CREATE INDEX webhook_messages_status ON webhook_messages(status, resource_key, seq);
            CREATE TABLE webhook_attempts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                message_seq INTEGER NOT NULL REFERENCES webhook_messages(seq) ON DELETE CASCADE,
                started_at INTEGER NOT NULL,
                duration_ms INTEGER NOT NULL,
                status INTEGER,
                error TEXT
            );
            CREATE INDEX webhook_attempts_message ON webhook_attempts(message_seq, id);
            """)
    }

    /// Adds an event (inside the caller's transaction).
    static func insert(id: String, type: String, key: String, body: Data, _ db: Database) throws {
        let now = nowMillis()
        try db.execute(
            sql: """
                INSERT INTO webhook_messages (id, type, resource_key, body, created_at, status, next_attempt_at)
                VALUES (?, ?, ?, ?, ?, 'pending', ?)
                """,
            arguments: [id, type, key, body, now, now]
        )
    }

    /// The first pending event of every resource (at most `limit`), oldest first: only these may be sent now.
    static func heads(limit: Int, _ db: Database) throws -> [WebhookMessage] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT seq, id, type, resource_key, body, attempts, next_attempt_at FROM webhook_messages AS m
                WHERE status = 'pending' AND NOT EXISTS (
                    SELECT 1 FROM webhook_messages AS e
                    WHERE e.status = 'pending' AND e.resource_key = m.resource_key AND e.seq < m.seq
                )
                ORDER BY seq LIMIT ?
                """,
            arguments: [limit]
        ).map { row in
            WebhookMessage(
                seq: row["seq"], id: row["id"], type: row["type"], key: row["resource_key"], body: row["body"],
                attempts: row["attempts"], nextAttemptAt: row["next_attempt_at"]
            )
        }
    }

    /// Records one attempt and its outcome: delivered, failed for good, or due again at `retryAt`.
    static func record(
        _ message: WebhookMessage, startedAt: Int64, finishedAt: Int64, status: Int?, problem: String?,
        outcome: String, retryAt: Int64, _ db: Database
    ) throws {
        try db.execute(
            sql: "INSERT INTO webhook_attempts (message_seq, started_at, duration_ms, status, error) VALUES (?, ?, ?, ?, ?)",
            arguments: [message.seq, startedAt, max(0, finishedAt - startedAt), status, problem]
        )
        try db.execute(
            sql: """
                UPDATE webhook_messages SET attempts = attempts + 1, status = ?, next_attempt_at = ?,
                    delivered_at = CASE WHEN ? = 'delivered' THEN ? ELSE delivered_at END, last_error = ?
                WHERE seq = ? AND status = 'pending'
                """,
            arguments: [outcome, retryAt, outcome, finishedAt, problem, message.seq]
        )
    }

    /// Queues an event again (whatever its status) with a fresh budget of attempts, due now. `false` when no event
    /// has this id.
    static func redeliver(id: String, _ db: Database) throws -> Bool {
        try db.execute(
            sql: "UPDATE webhook_messages SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?",
            arguments: [nowMillis(), id]
        )
        return db.changesCount > 0
    }

    /// Removes delivered events beyond the newest ``deliveredKept`` (their attempts go with them).
    static func prune(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM webhook_messages WHERE status = 'delivered' AND seq < (
                    SELECT seq FROM webhook_messages WHERE status = 'delivered' ORDER BY seq DESC LIMIT 1 OFFSET ?
                )
                """,
            arguments: [deliveredKept - 1]
        )
    }

    /// Events, newest first, with their attempts: what `GET /_emulator/webhooks` answers.
    static func list(status: String?, type: String?, limit: Int, offset: Int, _ db: Database) throws -> (items: [JSONValue], total: Int) {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let status { conditions.append("status = ?"); arguments += [status] }
        if let type { conditions.append("type = ?"); arguments += [type] }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_messages \(filter)", arguments: arguments) ?? 0
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM webhook_messages \(filter) ORDER BY seq DESC LIMIT ? OFFSET ?",
            arguments: arguments + [limit, offset]
        )
        let items = try rows.map { row -> JSONValue in
            let seq: Int64 = row["seq"]
            let attempts = try Row.fetchAll(
                db, sql: "SELECT * FROM webhook_attempts WHERE message_seq = ? ORDER BY id", arguments: [seq]
            ).map { attempt -> JSONValue in
                [
                    "started_at": .int(attempt["started_at"]), "duration_ms": .int(attempt["duration_ms"]),
                    "response_status": (attempt["status"] as Int64?).map(JSONValue.int) ?? .null,
                    "error": (attempt["error"] as String?).map(JSONValue.string) ?? .null,
                ]
            }
            let body: Data = row["body"]
            let status: String = row["status"]
            return [
                "object": "webhook_message", "id": .string(row["id"]), "type": .string(row["type"]),
                "resource_key": .string(row["resource_key"]), "status": .string(status),
                "attempt_count": .int(row["attempts"]), "created_at": .int(row["created_at"]),
                "next_attempt_at": status == pending ? .int(row["next_attempt_at"]) : .null,
                "delivered_at": (row["delivered_at"] as Int64?).map(JSONValue.int) ?? .null,
                "last_error": (row["last_error"] as String?).map(JSONValue.string) ?? .null,
                "payload": (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null,
                "attempts": .array(attempts),
            ]
        }
        return (items, total)
    }
}

/// Delivers the outbox's events in the background, signed as Svix signs them, retrying failures with exponential
/// backoff.
///
/// It reads what to send from the database, so events written before a restart or a crash go out after it. Events
/// about one resource go out one at a time, in the order their transactions committed (a later one waits while an
/// earlier one is retried); events about different resources go out concurrently (at most
/// ``maxConcurrentDeliveries`` at once). Delivery is at least once: an attempt cut short by a crash is made again.
final class WebhookDispatcher: Sendable {
    let endpoint: WebhookEndpoint
    let instanceID: String
    private let store: EmulatorStore
    private let logger: Logger
    private let wakeups: AsyncStream<Void>.Continuation
    private let wakeupStream: AsyncStream<Void>
    private let running = Mutex(Running())

    static let maxConcurrentDeliveries = 16

    private struct Running: Sendable {
        /// The attempt under way for each resource key.
        var inFlight: [String: Task<Void, Never>] = [:]
        var loop: Task<Void, Never>?
        /// The wake-up for the earliest retry that is not due yet.
        var timer: Task<Void, Never>?
        var timerDue: Int64?
        var stopped = false
    }

    init(endpoint: WebhookEndpoint, instanceID: String, store: EmulatorStore, logger: Logger) {
        self.endpoint = endpoint
        self.instanceID = instanceID
        self.store = store
        self.logger = logger
        (wakeupStream, wakeups) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Builds the envelope `{data, object: "event", type, timestamp (ms), instance_id}`.
    func envelope(type: String, data: JSONValue) throws -> Data {
        let envelope: JSONValue = [
            "data": data, "object": "event", "type": .string(type), "timestamp": .int(nowMillis()),
            "instance_id": .string(instanceID),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(envelope)
    }

    /// Starts delivering: what the outbox holds from before, then every event as its transaction commits.
    func start() async throws {
        try await store.writer.write { db in try WebhookOutbox.prune(db) }
        let loop = Task { [self] in
            for await _ in wakeupStream {
                if Task.isCancelled { return }
                await pump()
            }
        }
        running.withLock { $0.loop = loop }
        wake()
    }

    /// Looks at the outbox again (after a commit that added events, or when an attempt finished).
    func wake() { wakeups.yield() }

    /// Starts an attempt for every resource whose first pending event is due, and sets a wake-up for the earliest
    /// one that is not.
    private func pump() async {
        let now = nowMillis()
        let heads: [WebhookMessage]
        do {
            heads = try await store.writer.read { db in try WebhookOutbox.heads(limit: 1_000, db) }
        } catch {
            logger.error("The webhook outbox could not be read; trying again in a second", metadata: ["error": "\(error)"])
            schedule(at: now + 1_000)
            return
        }
        let earliest = running.withLock { state -> Int64? in
            guard !state.stopped else { return nil }
            var earliest: Int64?
            for head in heads where state.inFlight[head.key] == nil {
                if head.nextAttemptAt > now {
                    earliest = min(earliest ?? .max, head.nextAttemptAt)
                } else if state.inFlight.count < Self.maxConcurrentDeliveries {
                    state.inFlight[head.key] = Task { await self.attempt(head) }
                }
            }
            return earliest
        }
        if let earliest { schedule(at: earliest) }
    }

    private func schedule(at due: Int64) {
        running.withLock { state in
            guard !state.stopped else { return }
            if let current = state.timerDue, current <= due { return }
            state.timer?.cancel()
            state.timerDue = due
            state.timer = Task { [self] in
                do {
                    try await Task.sleep(for: .milliseconds(max(0, due - nowMillis())))
                } catch {
                    return
                }
                running.withLock { if $0.timerDue == due { $0.timerDue = nil; $0.timer = nil } }
                wake()
            }
        }
    }

    /// Stops delivering: attempts in flight are cancelled. Undelivered events stay in the outbox and go out when an
    /// emulator starts again on the same database.
    func shutdown() async {
        let tasks = running.withLock { state -> [Task<Void, Never>] in
            state.stopped = true
            var tasks = Array(state.inFlight.values)
            tasks += [state.loop, state.timer].compactMap { $0 }
            state.inFlight = [:]
            state.loop = nil
            state.timer = nil
            return tasks
        }
        wakeups.finish()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }

    /// The wait after failed attempt number `attempt` (1-based): the retry delay, doubled for every further attempt,
    /// at most ``WebhookEndpoint/maxRetryDelay``.
    func retryDelay(afterAttempt attempt: Int) -> Duration {
        var delay = endpoint.retryDelay
        for _ in 1..<max(1, attempt) {
            delay = min(delay * 2, WebhookEndpoint.maxRetryDelay)
        }
        return min(delay, WebhookEndpoint.maxRetryDelay)
    }

    /// Sends one attempt and records it. Every attempt carries the same `svix-id` and body, and a fresh timestamp
    /// and signature (as Svix retries).
    private func attempt(_ message: WebhookMessage) async {
        let startedAt = nowMillis()
        let timestamp = startedAt / 1_000
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
        var status: Int?
        var problem: String?
        do {
            let response = try await webhookHTTPClient.execute(request, timeout: .seconds(15))
            _ = try? await response.body.collect(upTo: 1 << 20)
            status = Int(response.status.code)
            if !(200..<300).contains(Int(response.status.code)) { problem = "HTTP \(response.status.code)" }
        } catch {
            problem = "no response (\(error))"
        }
        // Cancelled by shutdown: the event stays pending as it was, and is sent again by the next start.
        if Task.isCancelled { return }
        let finishedAt = nowMillis()
        let number = message.attempts + 1
        let outcome = problem == nil ? WebhookOutbox.delivered : number >= endpoint.maxAttempts ? WebhookOutbox.failed : WebhookOutbox.pending
        let delay = retryDelay(afterAttempt: number).components
        let retryAt = finishedAt + delay.seconds * 1_000 + delay.attoseconds / 1_000_000_000_000_000
        let (answered, reason) = (status, problem)
        do {
            try await store.writer.write { db in
                try WebhookOutbox.record(
                    message, startedAt: startedAt, finishedAt: finishedAt, status: answered, problem: reason,
                    outcome: outcome, retryAt: retryAt, db
                )
            }
        } catch {
            logger.error("A webhook attempt could not be recorded", metadata: ["svix_id": "\(message.id)", "error": "\(error)"])
        }
        if let problem {
            let last = outcome == WebhookOutbox.failed
            logger.log(
                level: last ? .error : .warning,
                last ? "Webhook delivery failed; giving up" : "Webhook delivery failed; will retry",
                metadata: [
                    "type": "\(message.type)", "svix_id": "\(message.id)", "attempt": "\(number)",
                    "of": "\(endpoint.maxAttempts)", "url": "\(endpoint.redactedURL)", "problem": "\(problem)",
                ]
            )
        } else {
            logger.debug(
                "Webhook delivered", metadata: ["type": "\(message.type)", "svix_id": "\(message.id)", "attempt": "\(number)"]
            )
        }
        running.withLock { _ = $0.inFlight.removeValue(forKey: message.key) }
        wake()
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
    /// Adds a webhook event about `resource` (a document as the API returns it) to the outbox, in the current write
    /// transaction: it exists exactly when the change does, and goes out once the transaction commits, in commit
    /// order. Does nothing without a webhook URL.
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
        try WebhookOutbox.insert(
            id: EmulatorIDs.make("msg"), type: type, key: key, body: try webhooks.envelope(type: type, data: data), db
        )
        db.afterNextTransaction(onCommit: { _ in webhooks.wake() })
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
