import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import NIOCore
import NIOFoundationCompat
import HTTPTypes
import NIOHTTP1
import Testing

/// An HTTP client that never follows redirects: the tests follow them themselves, like a browser, hop by hop.
let manualRedirectClient = HTTPClient(
    eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(redirectConfiguration: .disallow)
)

/// An answer of the emulator to a browser-like request.
struct PageAnswer {
    var status: Int
    var headers: HTTPHeaders
    var body: String
    var location: String? { headers.first(name: "location") }
    var setCookies: [String] { headers["set-cookie"] }
    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(body.utf8)) }

    /// The value of a hidden form field (the first with that name).
    func hiddenField(_ name: String) -> String? {
        guard let match = body.firstMatch(of: try! Regex("name=\"\(name)\" value=\"([^\"]*)\"")) else { return nil }
        return match.output[1].substring.map(String.init)?.replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// The Frontend API's and the hosted pages' names of a running emulator (with its port).
extension RunningEmulator {
    var frontendHost: String { "clerk.emulator.localhost:\(port)" }
    var accountsHost: String { "accounts.emulator.localhost:\(port)" }
}

/// Sends a request to the emulator over loopback, addressed (by `Host`) to `host`: Linux does not resolve
/// `*.localhost`, so the connection goes to 127.0.0.1 and the name travels in the header, as a browser's would.
func send(
    _ emulator: RunningEmulator, _ method: String, _ pathAndQuery: String, host: String, headers: [(String, String)] = [],
    form: [(String, String)]? = nil, cookies: [String: String] = [:]
) async throws -> PageAnswer {
    var request = HTTPClientRequest(url: emulator.apiURL.absoluteString + pathAndQuery)
    request.method = HTTPMethod(rawValue: method)
    request.headers.add(name: "Host", value: host)
    for (name, value) in headers { request.headers.add(name: name, value: value) }
    if !cookies.isEmpty {
        request.headers.add(name: "Cookie", value: cookies.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
    }
    if let form {
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.body = .bytes(ByteBuffer(string: formEncode(form)))
    }
    let response = try await manualRedirectClient.execute(request, timeout: .seconds(10))
    let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
    return PageAnswer(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
}

func formEncode(_ fields: [(String, String)]) -> String {
    let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
    return fields.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
        .joined(separator: "&")
}

func queryEncode(_ text: String) -> String { formEncode([("x", text)]).dropFirst(2).description }

/// The value of a query parameter of a URL.
func queryValue(_ name: String, in url: String) -> String? {
    URLComponents(string: url)?.queryItems?.first { $0.name == name }?.value
}

/// One site's cookies, as a browser keeps them: set by `Set-Cookie`, removed by `Max-Age=0`, expired by `Max-Age`
/// against a clock the test can move forward (to stand for a person's pause between clicks).
struct CookieJar {
    private var cookies: [String: (value: String, expires: Date?)] = [:]
    var clockOffset: TimeInterval = 0

    var now: Date { Date().addingTimeInterval(clockOffset) }

    mutating func apply(_ directives: [String]) {
        for directive in directives {
            let parts = directive.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let pair = parts.first, let equals = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<equals]), value = String(pair[pair.index(after: equals)...])
            var expires: Date?
            for attribute in parts.dropFirst() where attribute.lowercased().hasPrefix("max-age=") {
                expires = now.addingTimeInterval(TimeInterval(Int(attribute.dropFirst(8)) ?? 0))
            }
            if let expires, expires <= now { cookies[name] = nil } else { cookies[name] = (value, expires) }
        }
    }

    var values: [String: String] {
        let now = self.now
        return cookies.filter { $0.value.expires.map { $0 > now } ?? true }.mapValues(\.value)
    }

    subscript(name: String) -> String? { values[name] }

    var header: String { values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
}

/// The claims of a JWT, undecoded by any verifier (for asserting what the emulator minted).
func unverifiedClaims(_ token: String) throws -> JWTClaims { try decodeJWT(token).claims }
