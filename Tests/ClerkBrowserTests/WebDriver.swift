import AsyncHTTPClient
import ClerkBackend
import Foundation
import NIOCore
import NIOFoundationCompat
import HTTPTypes
import NIOHTTP1
import Testing

/// Where the browser and its driver are, and whether browser tests must run.
enum Browser {
    /// `chromium` (or Chrome) and `chromedriver` on the PATH.
    static let paths: (browser: String, driver: String)? = {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init)
        func find(_ names: [String]) -> String? {
            for directory in path + ["/usr/bin", "/usr/lib/chromium"] {
                for name in names {
                    let candidate = directory + "/" + name
                    if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                }
            }
            return nil
        }
        guard let browser = find(["chromium", "chromium-browser", "google-chrome"]), let driver = find(["chromedriver"]) else {
            return nil
        }
        return (browser, driver)
    }()

    /// Under CI the browser tests must run: a missing browser is a failure there, a skip elsewhere.
    static let isCI = ProcessInfo.processInfo.environment["CI"].map { !$0.isEmpty && $0 != "false" && $0 != "0" } ?? false

    /// Whether to run the browser tests at all (their first line then requires the browser).
    static let shouldRun = paths != nil || isCI

    static let skipMessage: Comment = "Chromium and chromedriver are not installed (apt-get install chromium chromium-driver); browser tests skipped"
}

/// A W3C WebDriver client for chromedriver, over AsyncHTTPClient (no other dependency).
final class ChromeDriver: Sendable {
    let process: Process
    let base: String
    let http: HTTPClient

    private init(process: Process, port: Int) {
        self.process = process
        base = "http://127.0.0.1:\(port)"
        http = HTTPClient(eventLoopGroupProvider: .singleton)
    }

    /// Starts chromedriver on a free loopback port and waits until it is ready.
    static func start(sourceLocation: SourceLocation = #_sourceLocation) async throws -> ChromeDriver {
        let paths = try #require(Browser.paths, "Chromium and chromedriver must be installed to run browser tests under CI", sourceLocation: sourceLocation)
        let port = try freePort()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: paths.driver)
        process.arguments = ["--port=\(port)", "--allowed-ips=127.0.0.1"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let driver = ChromeDriver(process: process, port: port)
        for _ in 0..<100 {
            if let status = try? await driver.call("GET", "/status"), status["value"]?["ready"] == .bool(true) { return driver }
            try await Task.sleep(for: .milliseconds(100))
        }
        await driver.stop()
        throw WebDriverError(message: "chromedriver did not become ready")
    }

    func stop() async {
        Terminate.process(process)
        try? await http.shutdown()
    }

    /// A new headless browser session.
    func session() async throws -> BrowserSession {
        let binary = Browser.paths?.browser ?? "chromium"
        let capabilities: JSONValue = [
            "capabilities": [
                "alwaysMatch": [
                    "browserName": "chrome",
                    "goog:chromeOptions": [
                        "binary": .string(binary),
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1024,768",
                                 "--no-first-run", "--disable-extensions", "--password-store=basic"],
                    ],
                ]
            ]
        ]
        let answer = try await call("POST", "/session", capabilities)
        guard let id = answer["value"]?["sessionId"]?.stringValue else {
            throw WebDriverError(message: "no session: \(answer)")
        }
        return BrowserSession(driver: self, id: id)
    }

    /// One WebDriver command; throws the driver's error when it answers one.
    @discardableResult
    func call(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + path)
        request.method = HTTPMethod(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        if let body {
            request.body = .bytes(ByteBuffer(data: try JSONEncoder().encode(body)))
        } else if method == "POST" {
            request.body = .bytes(ByteBuffer(string: "{}"))
        }
        let response = try await http.execute(request, timeout: .seconds(60))
        let bytes = try await response.body.collect(upTo: 64 * 1024 * 1024)
        let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))) ?? .null
        if response.status.code >= 400 {
            throw WebDriverError(message: "\(method) \(path): \(response.status.code) \(value["value"]?["message"]?.stringValue ?? "")")
        }
        return value
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw WebDriverError(message: "socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw WebDriverError(message: "bind failed") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct WebDriverError: Error, CustomStringConvertible {
    let message: String
    var description: String { "WebDriver: \(message)" }
}

/// One browser window.
struct BrowserSession: Sendable {
    let driver: ChromeDriver
    let id: String

    func go(_ url: String) async throws { try await driver.call("POST", "/session/\(id)/url", ["url": .string(url)]) }

    var url: String {
        get async throws { try await driver.call("GET", "/session/\(id)/url")["value"]?.stringValue ?? "" }
    }

    var source: String {
        get async throws { try await driver.call("GET", "/session/\(id)/source")["value"]?.stringValue ?? "" }
    }

    /// The first element matching a CSS selector, or `nil`.
    func element(_ selector: String) async throws -> String? {
        let answer = try await driver.call("POST", "/session/\(id)/elements", ["using": "css selector", "value": .string(selector)])
        guard case .array(let elements) = answer["value"] ?? .null, let first = elements.first?.objectValue else { return nil }
        return first.values.first?.stringValue
    }

    /// Waits (up to `timeout`) for an element matching `selector`.
    func waitFor(_ selector: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let element = try await element(selector) { return element }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw WebDriverError(message: "no element \(selector) at \(try await url)")
    }

    func text(_ selector: String) async throws -> String {
        let element = try await waitFor(selector)
        return try await driver.call("GET", "/session/\(id)/element/\(element)/text")["value"]?.stringValue ?? ""
    }

    func click(_ selector: String) async throws {
        let element = try await waitFor(selector)
        try await driver.call("POST", "/session/\(id)/element/\(element)/click")
    }

    func type(_ text: String, into selector: String) async throws {
        let element = try await waitFor(selector)
        try await driver.call("POST", "/session/\(id)/element/\(element)/clear")
        try await driver.call("POST", "/session/\(id)/element/\(element)/value", ["text": .string(text)])
    }

    /// The cookies of the current page's origin.
    func cookies() async throws -> [String: String] {
        let answer = try await driver.call("GET", "/session/\(id)/cookie")
        var cookies: [String: String] = [:]
        for cookie in answer["value"]?.arrayValue ?? [] {
            if let name = cookie["name"]?.stringValue { cookies[name] = cookie["value"]?.stringValue ?? "" }
        }
        return cookies
    }

    /// Deletes every cookie of the current page's origin.
    func deleteCookies() async throws { try await driver.call("DELETE", "/session/\(id)/cookie") }

    /// A PNG of the window.
    func screenshot() async throws -> Data {
        let answer = try await driver.call("GET", "/session/\(id)/screenshot")
        return Data(base64Encoded: answer["value"]?.stringValue ?? "") ?? Data()
    }

    func close() async { _ = try? await driver.call("DELETE", "/session/\(id)") }
}
