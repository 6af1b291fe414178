import ClerkBackend
import ClerkTesting
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

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
    /// PBKDF2-SHA256 rounds for new passwords.
    public var passwordRounds: Int
    /// Bind to a non-loopback address.
    public var allowNonLoopback: Bool
    /// Logger for requests and warnings.
    public var logger: Logger

    public init(
        host: String = "127.0.0.1", port: Int = 8787, databasePath: String? = ".clerk-emulator/emulator.sqlite",
        seedFile: String? = nil, passwordRounds: Int = 100_000, allowNonLoopback: Bool = false,
        logger: Logger = Logger(label: "clerk.emulator")
    ) {
        self.host = host
        self.port = port
        self.databasePath = databasePath
        self.seedFile = seedFile
        self.passwordRounds = passwordRounds
        self.allowNonLoopback = allowNonLoopback
        self.logger = logger
    }
}

/// A running emulator: where it listens and the instance's keys.
public final class RunningEmulator: Sendable {
    /// `http://host:port` (the SDK's `apiUrl`).
    public let apiURL: String
    /// The instance secret key (`sk_test_…`), stable across restarts of the same database.
    public let secretKey: String
    /// The publishable key (`pk_test_…`), encoding the emulator's frontend host.
    public let publishableKey: String
    /// `GET` this for the JWKS.
    public var jwksURL: String { apiURL + "/v1/jwks" }
    /// The PEM public key that signs session tokens (`jwtKey` for networkless verification).
    public let jwtPublicKeyPEM: String
    /// The `iss` of session tokens.
    public let issuer: String
    /// The port actually bound.
    public let port: Int

    let task: Task<Void, any Error>

    init(apiURL: String, port: Int, state: EmulatorState, task: Task<Void, any Error>) {
        self.apiURL = apiURL
        self.port = port
        self.secretKey = state.keys.secretKey
        self.publishableKey = state.keys.publishableKey
        self.jwtPublicKeyPEM = state.keys.signer.publicKeyPEM
        self.issuer = state.keys.issuer
        self.task = task
    }

    /// Stops the server and waits until it has.
    public func stop() async {
        task.cancel()
        _ = try? await task.value
    }

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
        let store = try EmulatorStore(path: options.databasePath)
        let state = try EmulatorState(store: store, options: options)
        if let seed = options.seedFile {
            try state.seed(fromFile: seed)
        }
        let bound = BoundPort()
        let responder = EmulatorResponder(state: state)
        let app = Application(
            responder: responder,
            configuration: ApplicationConfiguration(
                address: .hostname(options.host, port: options.port), serverName: "clerk-emulator"
            ),
            onServerRunning: { channel in bound.set(channel.localAddress?.port ?? 0) },
            logger: Self.quietLogger(options.logger)
        )
        let task = Task { try await app.run() }
        let port = try await bound.wait(task: task)
        let host = options.host.contains(":") ? "[\(options.host)]" : options.host
        let apiURL = "http://\(host):\(port)"
        state.setAPIURL(apiURL)
        return RunningEmulator(apiURL: apiURL, port: port, state: state, task: task)
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "127.0.0.1" || host == "::1" || host == "localhost" || host.hasPrefix("127.")
    }

    static func quietLogger(_ logger: Logger) -> Logger {
        var quiet = logger
        if quiet.logLevel < .notice { quiet.logLevel = .notice }
        return quiet
    }
}

/// Why the emulator did not start.
public struct EmulatorStartError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Waits for `onServerRunning` to report the bound port (or for the server task to fail first).
final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) { port.withLock { $0 = value } }

    func wait(task: Task<Void, any Error>) async throws -> Int {
        for _ in 0..<2_000 {
            if let value = port.withLock({ $0 }) { return value }
            try await Task.sleep(for: .milliseconds(5))
        }
        task.cancel()
        _ = try await task.value
        throw EmulatorStartError(message: "The emulator did not start listening within 10 seconds")
    }
}

/// Turns Hummingbird requests into emulator operations.
struct EmulatorResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: EmulatorState

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let traceID = "trace_" + EmulatorIDs.random(length: 24)
        let result: EmulatorResponse
        do {
            // Host header check: only the names the emulator is reached by (no DNS rebinding).
            if let host = request.head.authority, !state.acceptsHost(host) {
                throw EmulatorError(status: 403, code: "host_invalid", message: "Host not allowed", longMessage: "The emulator only answers requests addressed to its own host name, not \(host.prefix(100))")
            }
            let body = try await request.body.collect(upTo: 10 * 1024 * 1024)
            result = try await state.handle(
                method: request.method.rawValue, path: request.uri.path, query: request.uri.query,
                authorization: request.headers[.authorization], contentType: request.headers[.contentType],
                body: Data(buffer: body)
            )
        } catch let error as EmulatorError {
            result = try error.response(traceID: traceID)
        } catch {
            result = try EmulatorError(status: 500, code: "internal_clerk_error", message: "Oops, something went wrong", longMessage: "\(error)").response(traceID: traceID)
        }
        var headers = HTTPFields()
        if let contentType = result.contentType { headers[.contentType] = contentType }
        if let name = HTTPField.Name("x-clerk-trace-id") { headers[name] = traceID }
        return Response(
            status: HTTPResponse.Status(code: result.status), headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: result.body))
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
