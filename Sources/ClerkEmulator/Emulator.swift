import ClerkBackend
import Crypto
public import Foundation
import GRDB
import HTTPTypes
import Hummingbird
public import Logging
import ServiceLifecycle
import NIOCore
import Synchronization
import NIOFoundationEssentialsCompat

/// How to run the emulator.
public struct EmulatorOptions: Sendable {
    /// Address to bind. Anything but loopback is refused unless `allowNonLoopback` is set (and then warned about).
    public var host: String
    /// Port to bind; 0 picks a free one.
    public var port: Int
    /// The SQLite file; `nil` keeps everything in memory.
    public var databasePath: String?
    /// Users and organizations to create on start (JSON, see ``EmulatorSeed``).
    public var seedFile: String?
    /// A snapshot file (from ``RunningEmulator/exportSnapshot()``, `clerk emulator --export` or
    /// `GET /_emulator/snapshot`) whose content replaces the database's on start, before ``seedFile`` is applied:
    /// the instance's keys, every resource, the webhook outbox. A snapshot that does not fit changes nothing and
    /// stops the start with the reason.
    public var importPath: String?
    /// PBKDF2-SHA256 rounds for new passwords.
    public var passwordRounds: Int
    /// Bind to a non-loopback address.
    public var allowNonLoopback: Bool
    /// Logger for requests and warnings.
    public var logger: Logger

    /// Where to send webhook events (`user.created`, `session.created`, …); `nil` sends none.
    public var webhookURL: URL?
    /// The secret that signs webhooks (`whsec_` and base64, as the Clerk Dashboard shows it). When `webhookURL` is
    /// set and this is `nil`, the instance's own secret is used: generated on first start and kept in the database,
    /// so it survives restarts (``RunningEmulator/webhookSigningSecret`` tells it).
    public var webhookSigningSecret: String?
    /// Attempts per webhook message, the first included (at least 1).
    public var webhookMaxAttempts: Int
    /// The wait before the first webhook retry; it doubles on each further retry, up to 5 minutes.
    public var webhookRetryDelay: Duration

    /// Share of API requests (0…1) answered with a fault from ``faultStatuses`` instead of being handled.
    public var faultRate: Double
    /// The statuses of injected faults, drawn uniformly (a 429 carries `Retry-After: 1`).
    public var faultStatuses: [Int]
    /// Added to every API response (after the request is handled).
    public var latency: Duration

    /// Lifetime of session tokens (60 seconds, as Clerk's): those the Frontend API hands out in handshakes and
    /// refreshes, and the Backend API's when the request names no `expires_in_seconds`. Whole seconds, 1 s to 10 years.
    public var sessionTokenLifetime: Duration

    /// Called with every answer of a routed operation (operationID, status, body): for tests that check the
    /// emulator's answers against the spec.
    public var responseObserver: (@Sendable (_ operationID: String, _ status: Int, _ body: Data) -> Void)?

    /// Options with the defaults of `clerk emulator`: loopback port 8787, a database under `.clerk-emulator/`,
    /// no webhooks, no faults.
    public init(
        host: String = "127.0.0.1", port: Int = 8787, databasePath: String? = ".clerk-emulator/emulator.sqlite",
        seedFile: String? = nil, passwordRounds: Int = 100_000, allowNonLoopback: Bool = false,
        logger: Logger = Logger(label: "clerk.emulator"),
        webhookURL: URL? = nil, webhookSigningSecret: String? = nil, webhookMaxAttempts: Int = 6,
        webhookRetryDelay: Duration = .seconds(1),
        faultRate: Double = 0, faultStatuses: [Int] = [429, 503], latency: Duration = .zero,
        sessionTokenLifetime: Duration = .seconds(60), importPath: String? = nil
    ) {
        self.importPath = importPath
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.seedFile = seedFile
        self.passwordRounds = passwordRounds
        self.allowNonLoopback = allowNonLoopback
        self.logger = logger
        self.webhookURL = webhookURL
        self.webhookSigningSecret = webhookSigningSecret
        self.webhookMaxAttempts = webhookMaxAttempts
        self.webhookRetryDelay = webhookRetryDelay
        self.faultRate = faultRate
        self.faultStatuses = faultStatuses
        self.latency = latency
        self.sessionTokenLifetime = sessionTokenLifetime
    }

    /// ``sessionTokenLifetime`` in whole seconds.
    var sessionTokenLifetimeSeconds: Int64 { sessionTokenLifetime.components.seconds }
}

/// A running emulator: where it listens and the instance's keys.
public final class RunningEmulator: Sendable {
    /// `http://host:port` (the SDK's `apiURL`).
    public let apiURL: URL
    /// The instance secret key (`sk_test_…`), stable across restarts of the same database.
    public let secretKey: String
    /// The publishable key (`pk_test_…`), encoding the emulator's frontend host.
    public let publishableKey: String
    /// `GET` this for the JWKS.
    public var jwksURL: URL { apiURL.appendingPathComponent("v1").appendingPathComponent("jwks") }
    /// The PEM public key that signs session tokens (`jwtKey` for networkless verification).
    public let jwtPublicKeyPEM: String
    /// The `iss` of session tokens: `http://` and the frontend host the publishable key encodes, port included.
    public let issuer: String
    /// The Frontend API (`http://clerk.emulator.localhost:<port>`), served by this same listener.
    public let frontendAPIURL: URL
    /// The hosted sign-in page (`http://accounts.emulator.localhost:<port>/sign-in`); it takes `redirect_url`.
    public let signInURL: URL
    /// The port actually bound.
    public let port: Int
    /// The instance id (`ins_…`): `instance_id` of webhook events.
    public let instanceID: String
    /// The secret webhooks are signed with (`whsec_…`): give it to your receiver's `verifyWebhook`
    /// (`CLERK_WEBHOOK_SIGNING_SECRET`). `nil` when no webhook URL is set.
    public let webhookSigningSecret: String?

    let task: Task<Void, any Error>
    let group: ServiceGroup
    let webhooks: WebhookDispatcher?
    let store: EmulatorStore
    private let state: EmulatorState

    init(
        apiURL: URL, frontendAPIURL: URL, signInURL: URL, port: Int, state: EmulatorState, task: Task<Void, any Error>,
        group: ServiceGroup
    ) {
        self.apiURL = apiURL
        self.port = port
        self.secretKey = state.keys.secretKey
        self.publishableKey = state.keys.publishableKey
        self.jwtPublicKeyPEM = state.keys.signer.publicKeyPEM
        self.issuer = state.keys.issuer
        self.frontendAPIURL = frontendAPIURL
        self.signInURL = signInURL
        self.instanceID = state.keys.signer.kid
        self.webhookSigningSecret = state.webhooks?.endpoint.signingSecret
        self.webhooks = state.webhooks
        self.store = state.store
        self.state = state
        self.task = task
        self.group = group
    }

    /// Stops the server gracefully (it stops accepting, lets requests in flight finish) and waits until it has; after
    /// 5 seconds it is cancelled. Webhook events not yet delivered stay in the database's outbox and go out when an
    /// emulator starts again on it.
    public func stop() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        await withTaskGroup(of: Void.self) { waiting in
            waiting.addTask { _ = try? await task.value }
            waiting.addTask {
                try? await Task.sleep(for: .seconds(5))
                task.cancel()
            }
            await waiting.next()
            waiting.cancelAll()
        }
        _ = try? await task.value
        await webhooks?.shutdown()
    }

    /// A snapshot of everything the emulator holds (JSON; see `docs/emulator.md`): start another emulator from it
    /// with ``EmulatorOptions/importPath`` to get the same instance, keys and resources back.
    public func exportSnapshot() async throws -> Data { try await store.snapshot() }

    /// A new one-time link to the dashboard (`http://127.0.0.1:<port>/dashboard/open?token=…`). It works once,
    /// within 24 hours, in a browser on this machine; the browser then stays signed in to the dashboard for 12 hours.
    /// Every call makes another link; `clerk emulator` prints one when it starts.
    public func dashboardLink() -> URL { state.dashboardLink() }

    /// Whether ``dashboardLink()`` opens on this machine. The dashboard answers loopback peers only, so an emulator
    /// that listens on one non-loopback address alone (`--host 192.168.1.5`) has none to offer (`0.0.0.0` does).
    public var dashboardIsReachable: Bool { ClerkEmulator.dashboardReachable(bindHost: state.options.host) }

    /// Waits until the server stops (it runs until the task is cancelled).
    public func wait() async throws { try await task.value }
}

/// The local, Clerk-compatible Backend API.
public enum ClerkEmulator {
    /// Starts the emulator in this process and returns once it listens.
    public static func start(_ options: EmulatorOptions = EmulatorOptions()) async throws -> RunningEmulator {
        if !Self.isLoopback(options.host) {
            guard options.allowNonLoopback else {
                throw EmulatorStartError(
                    message: "Refusing to bind to \(options.host): the emulator accepts any request signed with its test key. Use 127.0.0.1, or pass --allow-non-loopback if you really mean it."
                )
            }
            options.logger.warning("The emulator is listening on \(options.host), not loopback: anyone who can reach this address can use it.")
        }
        guard (1...315_360_000).contains(options.sessionTokenLifetimeSeconds) else {
            throw EmulatorStartError(message: "The session token lifetime must be between 1 second and 10 years")
        }
        let store = try EmulatorStore(path: options.databasePath)
        if let importPath = options.importPath {
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: importPath))
            } catch {
                throw EmulatorStartError(message: "The snapshot \(importPath) cannot be read")
            }
            try store.restore(data)
        }
        let state = try EmulatorState(store: store, options: options)
        do {
            try await state.webhooks?.start()
            return try await start(state: state, options: options)
        } catch {
            await state.webhooks?.shutdown()
            throw error
        }
    }

    private static func start(state: EmulatorState, options: EmulatorOptions) async throws -> RunningEmulator {
        if let seed = options.seedFile {
            try await state.seed(fromFile: seed)
        }
        let bound = BoundPort()
        let responder = EmulatorResponder(state: state)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "clerk-emulator"
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                state.setListeningPort(port)
                bound.set(port)
            },
            logger: Self.quietLogger(options.logger)
        )
        // Run under our own ServiceGroup (no signal handling: the caller owns the process) so that stop() can shut
        // the server down gracefully instead of cancelling it.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: Self.quietLogger(options.logger))
        )
        let task = Task {
            defer { bound.finish() }
            try await group.run()
        }
        let port = try await bound.wait(task: task)
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        guard let apiURL = URL(string: "http://\(host):\(port)"),
            let frontendAPIURL = URL(string: "http://" + state.keys.frontendHost),
            let signInURL = URL(string: "http://" + state.keys.accountsHost + "/sign-in")
        else {
            task.cancel()
            throw EmulatorStartError(message: "The host \(options.host) does not form a valid URL")
        }
        state.setAPIURL(apiURL.absoluteString)
        return RunningEmulator(
            apiURL: apiURL, frontendAPIURL: frontendAPIURL, signInURL: signInURL, port: port, state: state, task: task,
            group: group
        )
    }

    /// The snapshot of an emulator database file (what `clerk emulator --db FILE --export SNAPSHOT` writes).
    public static func exportSnapshot(databasePath: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: databasePath) else {
            throw EmulatorStartError(message: "There is no emulator database at \(databasePath)")
        }
        // Read only: the file is never written (no migration runs on it, no table is added to a file that is not an
        // emulator's); an older emulator's database is brought to the current schema in a copy in memory.
        let source: DatabaseQueue
        let isEmulatorDatabase: Bool
        do {
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(5)
            source = try DatabaseQueue(path: databasePath, configuration: configuration)
            isEmulatorDatabase = try source.read { db in try db.tableExists("resources") && db.tableExists("instance") }
        } catch {
            throw EmulatorStartError(message: "\(databasePath) is not a readable SQLite database")
        }
        guard isEmulatorDatabase else {
            throw EmulatorStartError(message: "\(databasePath) is not an emulator database (it has no emulator tables)")
        }
        let store = try EmulatorStore(copying: source)
        return try store.writer.read { db in try EmulatorSnapshot.export(db) }
    }

    /// Whether a listener bound to `bindHost` also listens on loopback: a loopback address, or every address.
    static func dashboardReachable(bindHost: String) -> Bool {
        isLoopback(bindHost) || ["0.0.0.0", "::", ""].contains(bindHost)
    }

    static func isLoopback(_ host: String) -> Bool {
        if host == "::1" || host == "localhost" { return true }
        // 127.0.0.0/8, as a dotted IPv4 address (not a name that merely starts with "127.").
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }

    static func quietLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        if quiet.logLevel < .notice { quiet.logLevel = .notice }
        return quiet
    }
}

/// Why the emulator did not start.
public struct EmulatorStartError: Error, CustomStringConvertible, Sendable {
    /// Why, in one sentence (never a secret).
    public let message: String
    public var description: String { message }
}

/// Waits for `onServerRunning` to report the bound port (or for the server task to fail first).
final class BoundPort: Sendable {
    private let state = Mutex<(port: Int?, finished: Bool)>((nil, false))

    func set(_ value: Int) { state.withLock { $0.port = value } }

    /// The server task ended (for example: the port is taken).
    func finish() { state.withLock { $0.finished = true } }

    func wait(task: Task<Void, any Error>) async throws -> Int {
        for _ in 0..<2_000 {
            let (port, finished) = state.withLock { ($0.port, $0.finished) }
            if let port { return port }
            if finished {
                try await task.value  // rethrows why the server stopped
                throw EmulatorStartError(message: "The emulator stopped before it listened")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        _ = try await task.value
        throw EmulatorStartError(message: "The emulator did not start listening within 10 seconds")
    }
}

/// Hummingbird's basic context plus the peer's address (the dashboard answers loopback peers only).
struct EmulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// Whether the connection comes from this machine (127.0.0.0/8 or ::1, IPv4-mapped included).
    let peerIsLoopback: Bool

    init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        peerIsLoopback = source.channel.remoteAddress.map(Self.isLoopback) ?? false
    }

    static func isLoopback(_ address: SocketAddress) -> Bool {
        guard var ip = address.ipAddress else { return false }
        if ip.lowercased().hasPrefix("::ffff:") { ip = String(ip.dropFirst("::ffff:".count)) }
        return ip == "::1" || ClerkEmulator.isLoopback(ip)
    }
}

/// Turns Hummingbird requests into emulator operations.
struct EmulatorResponder: HTTPResponder {
    typealias Context = EmulatorRequestContext
    let state: EmulatorState

    func respond(to request: Request, context: EmulatorRequestContext) async throws -> Response {
        let traceID = "trace_" + EmulatorIDs.random(length: 24)
        let started = ContinuousClock.now
        let result: EmulatorResponse
        var latency: Duration = .zero
        var isAPIRequest = false
        do {
            // Host header check: only the names the emulator is reached by (no DNS rebinding). With
            // --allow-non-loopback the operator has chosen to serve other names, so any Host is answered.
            if !state.options.allowNonLoopback {
                guard let host = request.head.authority, state.acceptsHost(host) else {
                    throw EmulatorError(status: 403, code: "host_invalid", message: "Host not allowed", longMessage: "The emulator only answers requests addressed to a loopback or .localhost name")
                }
            }
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: 10 * 1024 * 1024)
            } catch is NIOTooManyBytesError {
                throw EmulatorError(status: 413, code: "request_body_too_large", message: "Request body too large", longMessage: "Request bodies are limited to 10 MiB")
            }
            if let authority = request.head.authority, let site = state.frontendSite(authority) {
                // The Frontend API and the hosted pages: same listener, told apart by the Host header.
                result = try await state.handleFrontend(site, Self.pageRequest(request, body: body, authority: authority))
            } else if EmulatorState.isDashboardPath(request.uri.path) {
                // The dashboard: HTML for a browser on this machine, never routed as spec operations.
                result = await state.handleDashboard(
                    Self.pageRequest(request, body: body, authority: request.head.authority ?? ""), peerIsLoopback: context.peerIsLoopback
                )
            } else if EmulatorState.isAdminPath(request.uri.path) {
                // The emulator's own endpoints: never routed as spec operations, never faulted or delayed.
                result = try await state.handleAdmin(
                    method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                    authorization: request.headers[.authorization], body: Data(buffer: body)
                )
            } else {
                isAPIRequest = true
                let draw = state.faults.draw()
                latency = draw.latency
                if let fault = draw.fault {
                    result = try FaultInjector.response(status: fault, traceID: traceID)
                } else {
                    result = try await state.handle(
                        method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                        authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                        body: Data(buffer: body)
                    )
                }
            }
        } catch let error as EmulatorError {
            result = try error.response(traceID: traceID)
        } catch {
            result = try EmulatorError(status: 500, code: "internal_clerk_error", message: "Oops, something went wrong", longMessage: "The emulator failed to answer this request; its log has the details").response(traceID: traceID)
            state.options.logger.error("Emulator request failed", metadata: ["error": "\(type(of: error))"])
        }
        if latency > .zero {
            try? await Task.sleep(for: latency)
        }
        if isAPIRequest {
            state.requestLog.record(
                method: request.method.rawValue, path: request.uri.path, status: result.status, elapsed: ContinuousClock.now - started
            )
        }
        var headers = HTTPFields()
        if let contentType = result.contentType { headers[.contentType] = contentType }
        if let name = HTTPField.Name("x-clerk-trace-id") { headers[name] = traceID }
        for (name, value) in result.headers {
            if let field = HTTPField.Name(name) { headers[field] = value }
        }
        for cookie in result.cookies { headers.append(HTTPField(name: .setCookie, value: cookie)) }
        return Response(
            status: HTTPResponse.Status(code: result.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: result.body))
        )
    }

    /// A request for HTML pages and the Frontend API: headers by lower-case name (repeated ones joined; cookies
    /// with `; `), the decoded query, the body.
    static func pageRequest(_ request: Request, body: ByteBuffer, authority: String) -> FrontendRequest {
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + (name == "cookie" ? "; " : ", ") + field.value } ?? field.value
        }
        return FrontendRequest(
            method: request.method.rawValue, path: request.uri.path, query: EmulatorRoutes.parseQuery(request.uri.query),
            headers: headers, body: Data(buffer: body), authority: authority
        )
    }
}

/// Random ids in Clerk's shape: a prefix and 27 base-62 characters.
enum EmulatorIDs {
    static let alphabet = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    static func random(length: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }

    static func make(_ prefix: String) -> String { prefix + "_" + random(length: 27) }
}

func nowMillis() -> Int64 { Int64((Date().timeIntervalSince1970 * 1000).rounded()) }
