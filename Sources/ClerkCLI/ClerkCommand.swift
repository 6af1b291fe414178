import ArgumentParser
import ClerkBackend
import ClerkEmulator
import Foundation

@main
struct ClerkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clerk",
        abstract: "Clerk Backend API tools: a local emulator, and admin commands over ClerkBackend.",
        subcommands: [EmulatorCommand.self]
    )
}

struct EmulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local, Clerk-compatible Backend API on SQLite.",
        discussion: """
            Point any Backend API client at the printed URL with the printed secret key. The keys stay the same across
            restarts of the same database. Operations the emulator does not implement answer 501 in Clerk's error format.

            Examples:
              clerk emulator
              clerk emulator --port 9000 --db /tmp/clerk.sqlite
              clerk emulator --in-memory --seed seed.json
            """
    )

    @Option(help: "Address to bind (loopback unless --allow-non-loopback).")
    var host = "127.0.0.1"

    @Option(help: "Port to bind (0 picks a free one).")
    var port = 8787

    @Option(name: .customLong("db"), help: "SQLite database file.")
    var databasePath = ".clerk-emulator/emulator.sqlite"

    @Flag(help: "Keep everything in memory (nothing survives a restart).")
    var inMemory = false

    @Option(help: "JSON file of users and organizations to create on start.")
    var seed: String?

    @Flag(help: "Allow binding to an address other than loopback (anyone who reaches it can use the API).")
    var allowNonLoopback = false

    func run() async throws {
        let options = EmulatorOptions(
            host: host, port: port, databasePath: inMemory ? nil : databasePath, seedFile: seed,
            allowNonLoopback: allowNonLoopback
        )
        let emulator = try await ClerkEmulator.start(options)
        let banner = """
            Clerk emulator listening on \(emulator.apiURL)
              CLERK_API_URL=\(emulator.apiURL)
              CLERK_SECRET_KEY=\(emulator.secretKey)
              CLERK_PUBLISHABLE_KEY=\(emulator.publishableKey)
              JWKS: \(emulator.jwksURL)
              database: \(inMemory ? "in memory" : databasePath)
            Press Ctrl-C to stop.

            """
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await withTaskCancellationHandler {
            try await emulator.wait()
        } onCancel: {
            Task { await emulator.stop() }
        }
    }
}
