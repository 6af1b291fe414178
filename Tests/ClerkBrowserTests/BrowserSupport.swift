import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import Logging
import Testing
import NIOHTTP1
import NIOCore

/// One example app (its built binary) running against an emulator, as a user would run it with the variables
/// `clerk emulator` prints: nothing in the app knows it is an emulator.
final class ExampleApp: Sendable {
    let process: Process
    let port: Int
    /// The name the browser uses for the app: `localhost`, or another `*.localhost` name (a satellite).
    let host: String
    /// `http://<host>:<port>` (Chromium sends `localhost` and `*.localhost` to loopback itself).
    var origin: String { "http://\(host):\(port)" }

    private init(process: Process, port: Int, host: String) {
        self.process = process
        self.port = port
        self.host = host
    }

    /// The directory of the built products (the example binaries sit beside the test bundle).
    static var productsDirectory: URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments.first ?? "").deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: bundle.appendingPathComponent("VaporExample").path) { return bundle }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug")
    }

    static func start(
        _ product: String, emulator: RunningEmulator, port: Int? = nil, host: String = "localhost",
        environment extra: [String: String] = [:]
    ) async throws -> ExampleApp {
        let port = try port ?? ChromeDriver.freePort()
        let process = Process()
        process.executableURL = productsDirectory.appendingPathComponent(product)
        var environment = ProcessInfo.processInfo.environment
        environment["PORT"] = String(port)
        environment["CLERK_SECRET_KEY"] = emulator.secretKey
        environment["CLERK_PUBLISHABLE_KEY"] = emulator.publishableKey
        environment["CLERK_API_URL"] = emulator.apiURL.absoluteString
        for (name, value) in extra { environment[name] = value }
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let app = ExampleApp(process: process, port: port, host: host)
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
        appEnvironment: [String: String] = [:], emulatorOptions: EmulatorOptions = EmulatorOptions(),
        _ body: (BrowserWorld) async throws -> Void
    ) async throws {
        let driver = try await ChromeDriver.start()
        var options = emulatorOptions
        options.port = 0
        options.databasePath = nil
        options.sessionTokenLifetime = sessionTokenLifetime
        let emulator = try await ClerkEmulator.start(options)
        let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
        var app: ExampleApp?
        var browser: BrowserSession?
        do {
            app = try await ExampleApp.start(product, emulator: emulator, environment: appEnvironment)
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

    /// Signs in on the hosted page the browser is on (identifier and password), and waits to be back on the app (or
    /// on `origin`).
    func signIn(_ email: String, password: String = "correct horse battery staple", backOn origin: String? = nil) async throws {
        try await browser.type(email, into: "input[name=identifier]")
        try await browser.type(password, into: "input[name=password]")
        try await Self.humanPause()
        try await browser.click("form[method=post] button[type=submit], form[method=post] input[type=submit]")
        try await waitForURL(prefix: origin ?? app.origin, "after signing in")
    }

    /// The time a person takes at least to fill in or pick something on a page. Without it, the handshakes of one
    /// flow (dev browser created, synced after sign-in, a satellite's sync) fall within 2 s of each other, and the
    /// SDK's handshake loop guard (`__clerk_redirect_count`, 3 within its 2 s lifetime, as in `@clerk/backend`)
    /// answers signed out: a robot clicking faster than anyone can is what that guard is for.
    static func humanPause() async throws { try await Task.sleep(for: .milliseconds(2100)) }

    /// Waits until the browser's URL starts with `prefix` and, when `settled`, carries no handshake or dev-browser
    /// parameter (the app's redirects are over; the hosted pages keep `__clerk_db_jwt` in their URL).
    func waitForURL(prefix: String, _ what: String, settled: Bool = true, timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let url = try await browser.url
            if url.hasPrefix(prefix), !settled || (!url.contains("__clerk_handshake") && !url.contains("__clerk_db_jwt")) { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(message: "not on \(prefix) \(what): \(try await browser.url)")
    }

    /// A page of the emulator's hosted pages (`/organization`, `/sign-out`, …) with `redirect_url`.
    func portal(_ path: String, redirect: String) throws -> String {
        let portal = try #require(URLComponents(url: emulator.signInURL, resolvingAgainstBaseURL: false))
        return "\(portal.scheme ?? "http")://\(portal.host ?? ""):\(portal.port ?? 0)\(path)?redirect_url="
            + (redirect.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }

    /// Picks an organization (or the personal account, `""`) on the hosted switcher and waits to be back on `returnTo`.
    func switchOrganization(to organizationID: String, returnTo: String) async throws {
        try await browser.go(try portal("/organization", redirect: returnTo))
        try await Self.humanPause()
        try await browser.click("form:has(input[name=organization_id][value=\"\(organizationID)\"]) button[type=submit]")
        try await waitForURL(prefix: returnTo, "after switching organization")
    }

    /// The HTTP status of `path` on the app, asked outside the browser with the browser's cookies for the app (as an
    /// API call from the page would be: no page navigation, so no redirect to sign-in).
    func status(of path: String) async throws -> Int {
        let cookies = try await browser.cookies()
        var request = HTTPClientRequest(url: app.origin + path)
        request.headers.add(name: "Cookie", value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        request.headers.add(name: "Accept", value: "application/json")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return Int(response.status.code)
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
