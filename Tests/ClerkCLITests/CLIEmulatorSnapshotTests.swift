import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

@Suite("CLI: clerk emulator --export / --import")
struct CLIEmulatorSnapshotTests {
    @Test("--export writes the database's snapshot and exits; --import starts from it; bad combinations are refused")
    func exportAndImport() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-cli-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("emulator.sqlite").path
        let snapshot = directory.appendingPathComponent("fixture.json").path
        let emulator = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: database, passwordRounds: 1_000))
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
        let user = try await client.users.createUser(CreateUserBody(emailAddress: ["cli-snapshot@example.com"]))
        let secretKey = emulator.secretKey
        await emulator.stop()

        let exported = try await CLI.run(["emulator", "--db", database, "--export", snapshot])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(exported.stdout.contains("Wrote a snapshot"))
        let content = try String(contentsOfFile: snapshot, encoding: .utf8)
        #expect(content.contains(user.id) && content.contains(secretKey))

        // The snapshot starts an in-memory emulator with the same instance and user.
        var options = EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000)
        options.importPath = snapshot
        let restored = try await ClerkEmulator.start(options)
        let restoredClient = try ClerkClient(options: ClerkOptions(secretKey: Secret(restored.secretKey), apiURL: restored.apiURL))
        #expect(restored.secretKey == secretKey)
        #expect(try await restoredClient.users.getUser(user.id).id == user.id)
        await restored.stop()

        let inMemory = try await CLI.run(["emulator", "--in-memory", "--export", snapshot])
        #expect(inMemory.status != 0 && inMemory.stderr.contains("--db"))
        let both = try await CLI.run(["emulator", "--db", database, "--export", snapshot, "--import", snapshot])
        #expect(both.status != 0 && both.stderr.contains("cannot be combined"))
        let missing = try await CLI.run(["emulator", "--db", directory.appendingPathComponent("none.sqlite").path, "--export", snapshot])
        #expect(missing.status != 0 && missing.stderr.contains("no emulator database"))
    }
}
