import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import Logging
import Testing

/// One example app (its built binary) running against an emulator, as a user would run it with the variables
/// `clerk emulator` prints: nothing in the app knows it is an emulator.
final class ExampleApp: Sendable {
    let process: Process
    let port: Int
    /// `http://localhost:<port>` (Chromium sends `localhost` and `*.localhost` to loopback itself).
    var origin: String { "http://localhost:\(port)" }

    private init(process: Process, port: Int) {
        self.process = process
        self.port = port
    }

    /// The directory of the built products (the example binaries sit beside the test bundle).
    static var productsDirectory: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: bundle.appendingPathComponent("VaporExample").path) { return bundle }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug")
    }

    static func start(_ product: String, emulator: RunningEmulator, environment extra: [String: String] = [:]) async throws -> ExampleApp {
        let port = try ChromeDriver.freePort()
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent(product)
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = String(port)
        environment["CLERK_SECRET_KEY"] = emulator.secretKey
        environment["CLERK_PUBLISHABLE_KEY"] = emulator.publishableKey
        environment["CLERK_API_URL"] = emulator.apiURL
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let app = ExampleApp(process: process, port: port)
        for _ in 0..<300 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/ping"), timeout: .seconds(2)),
                response.status == .ok
            {
                return app
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        app.stop()
        throw WebDriverError(message: "\(product) did not start")
    }

    func stop() { Terminate.process(process) }
}

/// A browser test's world: an emulator, an example app against it, chromedriver and one browser session.
struct BrowserWorld: Sendable {
    let emulator: RunningEmulator
    let clerk: ClerkClient
    let app: ExampleApp
    let browser: BrowserSession

    /// Runs `body`, and on failure saves a screenshot of the browser to `.build/browser-screenshots/<name>.png`.
    static func run(
        _ product: String, name: String, sessionTokenLifetime: Duration = .seconds(60),
        _ body: (BrowserWorld) async throws -> Void
    ) async throws {
        let driver = try await ChromeDriver.start()
        var options = EmulatorOptions(port: 0, databasePath: nil)
        options.sessionTokenLifetime = sessionTokenLifetime
        let emulator = try await ClerkEmulator.start(options)
        let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiUrl: emulator.apiURL))
        var app: ExampleApp?
        var browser: BrowserSession?
        do {
            app = try await ExampleApp.start(product, emulator: emulator)
            browser = try await driver.session()
            if let app, let browser { try await body(BrowserWorld(emulator: emulator, clerk: clerk, app: app, browser: browser)) }
        } catch {
            if let browser { await saveScreenshot(browser, name: name) }
            await browser?.close()
            app?.stop()
            await emulator.stop()
            await driver.stop()
            throw error
        }
        await browser?.close()
        app?.stop()
        await emulator.stop()
        await driver.stop()
    }

    static func saveScreenshot(_ browser: BrowserSession, name: String) async {
        guard let png = try? await browser.screenshot(), !png.isEmpty else { return }
        let directory = ExampleApp.productsDirectory.deletingLastPathComponent().appendingPathComponent("browser-screenshots")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent(name.replacingOccurrences(of: " ", with: "-") + ".png")
        try? png.write(to: file)
        print("Browser test \(name) failed; screenshot: \(file.path) at \((try? await browser.url) ?? "?")")
    }

    /// Creates a user with a password through the Backend API.
    func user(_ email: String, password: String = "correct horse battery staple") async throws -> User {
        try await clerk.users.createUser(CreateUserBody(firstName: "Ada", lastName: "Lovelace", emailAddress: [email], password: password))
    }

    /// Signs in on the hosted page the browser is on (identifier and password), and waits to be back on the app.
    func signIn(_ email: String, password: String = "correct horse battery staple") async throws {
        try await browser.type(email, into: "input[name=identifier]")
        try await browser.type(password, into: "input[name=password]")
        try await browser.click("form[method=post] button[type=submit], form[method=post] input[type=submit]")
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            if try await browser.url.hasPrefix(app.origin) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(message: "not back on the app after signing in: \(try await browser.url)")
    }
}

/// Ends a child process: SIGTERM, then SIGKILL if it is still running after 5 s (never blocks longer).
enum Terminate {
    static func process(_ process: Process) {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<50 where process.isRunning { usleep(100_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
