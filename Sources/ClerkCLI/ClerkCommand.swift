import ArgumentParser
import ClerkBackend
import ClerkEmulator
import Foundation

@main
struct ClerkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clerk",
        abstract: "Clerk Backend API tools: a local emulator, and admin commands over ClerkBackend.",
        subcommands: [
            UsersCommand.self, OrgsCommand.self, InvitationsCommand.self, SessionsCommand.self, AllowlistCommand.self,
            BlocklistCommand.self, APICommand.self, TokensCommand.self, WebhooksCommand.self, EmulatorCommand.self, DemoCommand.self,
        ]
    )
}

struct EmulatorCommand: AsyncParsableCommand {
    /// The URL without its query and user info (they may carry a token).
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return "(a webhook URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(a webhook URL)"
    }

    static let configuration = CommandConfiguration(
        commandName: "emulator",
        abstract: "Run a local, Clerk-compatible Backend API on SQLite.",
        discussion: """
            Point any Backend API client at the printed URL with the printed secret key. The keys stay the same across
            restarts of the same database (and port). Every operation of Clerk's Backend API spec answers, with its
            state in SQLite; an unknown path answers 404 in Clerk's error format. The same port also serves a Frontend API (the handshake) on clerk.emulator.localhost and
            hosted sign-in, sign-up, sign-out and organization pages on accounts.emulator.localhost, so browsers can
            sign in to an app that uses the printed publishable key.

            Examples:
              clerk emulator
              clerk emulator --port 9000 --db /tmp/clerk.sqlite
              clerk emulator --in-memory --seed seed.json
              clerk emulator --webhook-url http://localhost:3000/api/webhooks/clerk
              clerk emulator --fault-rate 0.2 --fault-status 503 --latency-ms 150
              clerk emulator --session-token-lifetime 10
              clerk emulator --db .clerk-emulator/emulator.sqlite --export fixture.json
              clerk emulator --in-memory --import fixture.json

            Webhooks are signed as Svix signs them: verify them with the printed
            CLERK_WEBHOOK_SIGNING_SECRET.
            A snapshot (--export, or GET /_emulator/snapshot while running) holds the
            whole instance: its keys, every resource, the webhook outbox. --import
            replaces the database's content with one before starting (a snapshot
            that does not fit changes nothing).
            Faults can be changed while running: POST /_emulator/faults with
            {"fault_rate": 0, "fault_statuses": [503], "latency_ms": 0} (any of them)
            and the secret key as Bearer token; GET /_emulator/faults reads them.
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

    @Option(name: .customLong("export"), help: "Write a snapshot of the database (--db) to this file and exit.")
    var exportPath: String?

    @Option(name: .customLong("import"), help: "Replace the database's content with this snapshot before starting (with --in-memory: start from it).")
    var importPath: String?

    @Flag(help: "Allow binding to an address other than loopback (anyone who reaches it can use the API).")
    var allowNonLoopback = false

    @Option(name: .customLong("webhook-url"), help: "Send webhook events (user.created, session.created, …) to this URL.")
    var webhookURL: String?

    @Option(help: "Secret that signs webhooks (whsec_…; visible in `ps`: prefer CLERK_WEBHOOK_SIGNING_SECRET); default: CLERK_WEBHOOK_SIGNING_SECRET, else the instance's own, kept in the database.")
    var webhookSecret: String?

    @Option(help: "Share of API requests (0 to 1) answered with an injected fault.")
    var faultRate: Double = 0

    @Option(help: "Status of injected faults; repeat for several (default 429 and 503). A 429 carries Retry-After: 1.")
    var faultStatus: [Int] = []

    @Option(help: "Milliseconds added to every API response.")
    var latencyMs: Int = 0

    @Option(help: "Lifetime of session tokens in seconds (Clerk's is 60): shorter ones exercise refresh sooner.")
    var sessionTokenLifetime: Int = 60

    func run() async throws {
        if let exportPath {
            guard !inMemory else { throw ValidationError("--export reads a database file: use it with --db, not --in-memory") }
            guard importPath == nil else { throw ValidationError("--export and --import cannot be combined") }
            let snapshot = try ClerkEmulator.exportSnapshot(databasePath: databasePath)
            try snapshot.write(to: URL(fileURLWithPath: exportPath), options: .atomic)
            FileHandle.standardOutput.write(Data("Wrote a snapshot of \(databasePath) to \(exportPath) (\(snapshot.count) bytes).\n".utf8))
            return
        }
        guard (0...600_000).contains(latencyMs) else {
            throw ValidationError("--latency-ms must be between 0 and 600000")
        }
        guard (1...315_360_000).contains(sessionTokenLifetime) else {
            throw ValidationError("--session-token-lifetime must be between 1 and 315360000 seconds")
        }
        var secret = webhookSecret
        if secret == nil, webhookURL != nil,
            let fromEnvironment = ProcessInfo.processInfo.environment["CLERK_WEBHOOK_SIGNING_SECRET"], !fromEnvironment.isEmpty
        {
            secret = fromEnvironment
        }
        var webhookTarget: URL?
        if let webhookURL {
            guard let parsed = URL(string: webhookURL) else { throw ValidationError("--webhook-url must be a URL") }
            webhookTarget = parsed
        }
        let options = EmulatorOptions(
            host: host, port: port, databasePath: inMemory ? nil : databasePath, seedFile: seed,
            allowNonLoopback: allowNonLoopback, webhookURL: webhookTarget, webhookSigningSecret: secret,
            faultRate: faultRate, faultStatuses: faultStatus.isEmpty ? [429, 503] : faultStatus,
            latency: .milliseconds(latencyMs), sessionTokenLifetime: .seconds(sessionTokenLifetime), importPath: importPath
        )
        let emulator = try await ClerkEmulator.start(options)
        var extras = ""
        if let webhookURL, let signingSecret = emulator.webhookSigningSecret {
            extras += "  webhooks: \(Self.redacted(webhookURL))\n"
            extras += "  CLERK_WEBHOOK_SIGNING_SECRET=\(signingSecret)\n"
        }
        if faultRate > 0 || latencyMs > 0 {
            let statuses = (faultStatus.isEmpty ? [429, 503] : faultStatus).map(String.init).joined(separator: ", ")
            extras += "  faults: \(faultRate > 0 ? "\(faultRate) of requests, statuses \(statuses)" : "none"), latency \(latencyMs) ms\n"
        }
        let dashboard = emulator.dashboardIsReachable
            ? "dashboard (one-time link, this machine only): \(emulator.dashboardLink())"
            : "dashboard: not available (it answers this machine's loopback only, and the emulator listens on \(host) alone)"
        let banner = """
            Clerk emulator listening on \(emulator.apiURL)
              CLERK_API_URL=\(emulator.apiURL)
              CLERK_SECRET_KEY=\(emulator.secretKey)
              CLERK_PUBLISHABLE_KEY=\(emulator.publishableKey)
              JWKS: \(emulator.jwksURL)
              Frontend API: \(emulator.frontendAPIURL)
              sign-in page: \(emulator.signInURL)
              \(dashboard)
              database: \(inMemory ? "in memory" : databasePath)\(importPath.map { " (imported from \($0))" } ?? "")
            \(extras)Press Ctrl-C to stop.

            """
        FileHandle.standardOutput.write(Data(banner.utf8))
        try await withTaskCancellationHandler {
            try await emulator.wait()
        } onCancel: {
            Task { await emulator.stop() }
        }
    }
}
