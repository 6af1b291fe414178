import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import ClerkTesting
import Foundation
import NIOCore
import NIOHTTP1
import NIOFoundationCompat
import Synchronization
import Testing

/// Kills the `clerk emulator` process (SIGKILL) in the middle of a write load, restarts on the same database, and
/// checks that every write the API acknowledged is there and that SQLite reports the database intact.
@Suite("Emulator: durability under SIGKILL")
struct EmulatorDurabilityTests {
    /// The `clerk` executable built next to the test bundle.
    static func clerkExecutable() throws -> URL {
        var candidates: [URL] = []
        if let executable = Bundle.main.executableURL { candidates.append(executable.deletingLastPathComponent().appendingPathComponent("clerk")) }
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        candidates.append(argv0.appendingPathComponent("clerk"))
        candidates.append(argv0.deletingLastPathComponent().appendingPathComponent("clerk"))
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(root.appendingPathComponent(".build/debug/clerk"))
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw EmulatorProcessError(message: "clerk executable not found (build with `swift build --build-tests`); looked in \(candidates.map(\.path))")
        }
        return found
    }

    struct EmulatorProcessError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Starts `clerk emulator --port 0 --db path` (and `arguments`) and reads its banner for the URL and the secret key.
    static func launch(databasePath: String, arguments: [String] = []) throws -> (Process, apiURL: String, secretKey: String) {
        let process = Process()
        process.executableURL = try clerkExecutable()
        process.arguments = ["emulator", "--port", "0", "--db", databasePath] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while !text.contains("Press Ctrl-C"), Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        func value(_ name: String) -> String? {
            text.split(separator: "\n").first { $0.contains(name + "=") }.map { String($0.split(separator: "=", maxSplits: 1)[1]) }
        }
        guard let url = value("CLERK_API_URL"), let key = value("CLERK_SECRET_KEY") else {
            process.terminate()
            throw EmulatorProcessError(message: "the emulator did not print its banner")
        }
        return (process, url, key)
    }

    @Test("No acknowledged write is lost and the database is intact after SIGKILL under load")
    func sigkillUnderLoad() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-durability-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("emulator.sqlite").path

        let (process, apiURL, secretKey) = try Self.launch(databasePath: path)
        var options = ClerkOptions(secretKey: Secret(secretKey), apiURL: try #require(URL(string: apiURL)))
        options.retryPolicy = .none
        let client = try ClerkClient(options: options)
        let load = LoadState()
        let pid = process.processIdentifier

        await withTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    while !Task.isCancelled {
                        let index = load.next()
                        do {
                            let user = try await client.users.createUser(CreateUserBody(
                                emailAddress: ["load\(worker)-\(index)@example.com"], publicMetadata: ["n": .int(Int64(index))]
                            ))
                            load.acknowledge(user.id)
                        } catch {
                            return  // the server is gone
                        }
                    }
                }
            }
            group.addTask {
                // Kill once enough writes are acknowledged (or after 20 s at most).
                let start = ContinuousClock.now
                while load.count < 150, ContinuousClock.now - start < .seconds(20) {
                    try? await Task.sleep(for: .milliseconds(10))
                }
                kill(pid, SIGKILL)
            }
            await group.waitForAll()
        }
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let written = load.ids
        // The load precondition: many writes in flight. On a loaded machine fewer than 150 may be acknowledged within
        // the 20 s; the point (nothing acknowledged is lost) holds for any count.
        #expect(written.count >= 50)

        #expect(try ClerkEmulator.integrityCheck(databasePath: path) == "ok")
        try await withEmulator(databasePath: path) { (emulator, clerk) async throws -> Void in
            #expect(emulator.secretKey == secretKey)
            let stored = try await clerk.users.getCount()
            #expect(stored >= Int64(written.count), "acknowledged \(written.count), stored \(stored)")
            // Every acknowledged id is there.
            var found = Set<String>()
            for try await user in clerk.users.all(pageSize: 500) { found.insert(user.id) }
            let lost = Set(written).subtracting(found)
            #expect(lost.isEmpty, "lost \(lost.count) acknowledged writes")
        }
    }
}

extension EmulatorDurabilityTests {
    @Test("A webhook event whose change was acknowledged survives SIGKILL before delivery and is delivered after the restart, same svix-id and body")
    func webhookOutboxSurvivesSIGKILL() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-outbox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("emulator.sqlite").path
        let secret = "whsec_" + Data((0..<24).map { UInt8($0) }).base64EncodedString()

        // The first receiver is down (503): the event is not delivered before the kill.
        let down = try await LoopbackHTTPServer.start { _ in .json(status: 503, #"{"error":"down"}"#) }
        defer { Task { try? await down.shutdown() } }
        let (process, apiURL, secretKey) = try Self.launch(
            databasePath: path, arguments: ["--webhook-url", down.baseURL.absoluteString, "--webhook-secret", secret]
        )
        var options = ClerkOptions(secretKey: Secret(secretKey), apiURL: try #require(URL(string: apiURL)))
        options.retryPolicy = .none
        let user = try await ClerkClient(options: options).users.createUser(CreateUserBody(emailAddress: ["outbox@example.com"]))
        // Wait until the failed attempt is recorded (the outbox is readable over the admin endpoint), then kill.
        let deadline = ContinuousClock.now + .seconds(10)
        var recorded = false
        while !recorded, ContinuousClock.now < deadline {
            let listing = try await Self.adminJSON(apiURL: apiURL, key: secretKey, path: "/_emulator/webhooks?type=user.created")
            recorded = (listing["data"]?.arrayValue?.first?["attempt_count"]?.intValue ?? 0) >= 1
            if !recorded { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(recorded)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal)
        let failed = try #require(down.requests.first)

        // Restarted on the same database, with a receiver that is up: the event goes out (after the stored backoff).
        let up = try await LoopbackHTTPServer.start { _ in .json("{}") }
        defer { Task { try? await up.shutdown() } }
        var restart = EmulatorOptions(port: 0, databasePath: path, webhookURL: up.baseURL, webhookSigningSecret: secret)
        restart.passwordRounds = 1_000
        let emulator = try await ClerkEmulator.start(restart)
        let delivered = try await waitForRequests(up, count: 1)
        let request = try #require(delivered.first)
        #expect(request.headerFields.first(name: "svix-id") == failed.headerFields.first(name: "svix-id"))
        #expect(request.body == failed.body)
        let event = try WebhookVerifier(signingSecret: Secret(secret)).verify(body: request.body, headers: request.headerFields)
        #expect(event.type == .userCreated && event.data.user?.id == user.id)
        // The backoff after the first failure (1 s) was kept across the restart, not reset.
        #expect(failed.receivedAt.duration(to: request.receivedAt) >= .milliseconds(900))
        let listing = try await Self.adminJSON(apiURL: emulator.apiURL.absoluteString, key: secretKey, path: "/_emulator/webhooks")
        let message = try #require(listing["data"]?.arrayValue?.first)
        #expect(message["status"] == "delivered")
        // On a loaded machine the second attempt (1 s after the first) can fall before the kill, and the kill can land
        // after the receiver answered it but before the emulator recorded the answer (at least once: that attempt is
        // simply not on record). So: between one and `failures` recorded 503s, then the delivery after the restart.
        let failures = down.requests.count
        #expect(failures >= 1)
        let statuses = message["attempts"]?.arrayValue?.compactMap { $0["response_status"]?.intValue } ?? []
        #expect(statuses.last == 200)
        let recordedFailures = statuses.dropLast()
        #expect((1...failures).contains(recordedFailures.count), "recorded \(statuses) for \(failures) failed requests")
        #expect(recordedFailures.allSatisfy { $0 == 503 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(up.requests.count == 1)
        await emulator.stop()
    }

    static func adminJSON(apiURL: String, key: String, path: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: apiURL + path)
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
        return try JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
    }
}

/// The ids the API acknowledged during the load, and the next index.
final class LoadState: Sendable {
    private let acknowledged = Mutex<[String]>([])
    private let counter = Atomic<Int>(0)

    func next() -> Int { counter.add(1, ordering: .relaxed).newValue }
    func acknowledge(_ id: String) { acknowledged.withLock { $0.append(id) } }
    var count: Int { acknowledged.withLock { $0.count } }
    var ids: [String] { acknowledged.withLock { $0 } }
}
