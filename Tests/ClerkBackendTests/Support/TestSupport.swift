import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Logging
import Synchronization
import Testing

/// A secret key that is only ever used in tests; assertions check that it never leaks.
let testSecretKey = "sk_test_SeCrEtVaLuE0123456789abcdefXYZ"

enum Fixtures {
    static func url(_ name: String) throws -> URL {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw FixtureMissing(name: name)
        }
        return url
    }

    static func data(_ name: String) throws -> Data { try Data(contentsOf: url(name)) }
    static func string(_ name: String) throws -> String { String(decoding: try data(name), as: UTF8.self) }

    /// The realistic user of `Fixtures/Responses/user.json`, with its id (and emails) replaced.
    static func userJSON(id: String = "user_2NNEqL2nrIRdJ194ndJqAHwEfxC", createdAt: Int64 = 1_700_000_000_000) throws
        -> String
    {
        var text = try string("Responses/user.json")
        text = text.replacingOccurrences(of: "user_2NNEqL2nrIRdJ194ndJqAHwEfxC", with: id)
        text = text.replacingOccurrences(of: "\"created_at\": 1700000000000,\n  \"delete_self", with: "\"created_at\": \(createdAt),\n  \"delete_self")
        return text
    }

    struct FixtureMissing: Error { let name: String }
}

/// Builds a client against a server, with retries off and a manual clock unless told otherwise.
func makeClient(
    apiURL: URL, retryPolicy: RetryPolicy = .none, clock: ClerkClock? = nil,
    configure: (inout ClerkOptions) -> Void = { _ in }
) throws -> ClerkClient {
    var options = ClerkOptions(secretKey: Secret(testSecretKey), apiURL: apiURL)
    options.retryPolicy = retryPolicy
    if let clock { options.clock = clock }
    configure(&options)
    return try ClerkClient(options: options)
}

/// Runs `body` with a loopback server, and shuts the server down afterwards.
func withServer<T>(
    _ handler: @escaping LoopbackHTTPServer.Handler, _ body: (LoopbackHTTPServer) async throws -> T
) async throws -> T {
    let server = try await LoopbackHTTPServer.start(handler: handler)
    do {
        let result = try await body(server)
        try await server.shutdown()
        return result
    } catch {
        try? await server.shutdown()
        throw error
    }
}

/// A log handler that keeps every message, for asserting what the SDK logs.
final class CapturingLogHandler: LogHandler, @unchecked Sendable {
    final class Store: Sendable {
        let lines = Mutex<[String]>([])
        var all: String { lines.withLock { $0.joined(separator: "\n") } }
    }
    let store: Store
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    init(store: Store) { self.store = store }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        store.lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
    }
}

/// The repository root, found from this file's path (the CHANGELOG and README live there).
func repositoryRoot(file: String = #filePath) -> URL {
    URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
}
