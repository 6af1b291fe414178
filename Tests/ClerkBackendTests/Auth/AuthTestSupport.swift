@testable import ClerkBackend
import ClerkTesting
import Foundation
import HTTPTypes
import NIOHTTP1
import Synchronization
import Testing

/// Publishable keys that encode the Frontend API host `clerk.example.test`, the `iss` host of `TestTokenIssuer`.
enum AuthKeys {
    static let frontendHost = "clerk.example.test"

    static func publishableKey(_ prefix: String, host: String = frontendHost, padded: Bool = false) -> String {
        let body = Data((host + "$").utf8).base64EncodedString()
        return prefix + (padded ? body : body.replacingOccurrences(of: "=", with: ""))
    }

    /// A development instance (`pk_test_…`).
    static let pkTest = publishableKey("pk_test_")
    /// A production instance (`pk_live_…`).
    static let pkLive = publishableKey("pk_live_")

    static func liveSecretKey() -> String { "sk_live_" + UUID().uuidString.replacingOccurrences(of: "-", with: "") }
}

/// The app the requests are made to.
let appOrigin = "https://app.example.test"

/// A transport that refuses everything and records what was attempted: networkless tests assert it stays unused.
func refusingTransport() -> InMemoryTransport {
    InMemoryTransport { _ in .json(status: 503, #"{"errors":[{"code":"no_network","message":"no network in this test"}]}"#) }
}

/// A client that verifies with `TestIssuers.primary`'s public key (networkless) at `tokenNow`.
func authClient(
    pk: String? = AuthKeys.pkLive, secretKey: String? = uniqueSecretKey(), clock: ManualClock = ManualClock(now: tokenNow),
    transport: InMemoryTransport = refusingTransport(), configure: (inout ClerkOptions) -> Void = { _ in }
) throws -> ClerkClient {
    var options = ClerkOptions(
        secretKey: secretKey.map { Secret($0) }, jwtKey: TestIssuers.primary.publicKeyPEM, publishableKey: pk,
        retryPolicy: .none, transport: transport, clock: clock.clerkClock
    )
    configure(&options)
    return try ClerkClient(options: options)
}

/// A client against a loopback server (JWKS, handshake payload, refresh, machine-token verification).
func serverClient(
    _ server: LoopbackHTTPServer, pk: String? = AuthKeys.pkLive, secretKey: String = uniqueSecretKey(),
    clock: ManualClock = ManualClock(now: tokenNow), jwtKey: Bool = false, configure: (inout ClerkOptions) -> Void = { _ in }
) throws -> ClerkClient {
    var options = ClerkOptions(
        secretKey: Secret(secretKey), jwtKey: jwtKey ? TestIssuers.primary.publicKeyPEM : nil, publishableKey: pk,
        apiURL: server.baseURL, retryPolicy: .none, clock: clock.clerkClock
    )
    configure(&options)
    return try ClerkClient(options: options)
}

/// A request as a browser (or an API client) sends it.
func authRequest(
    _ url: String = appOrigin + "/dashboard", method: HTTPRequest.Method = .get, cookies: [(String, String)] = [],
    authorization: String? = nil, secFetchDest: String? = "document", accept: String? = nil,
    headers extra: [(String, String)] = [], remoteAddress: String? = nil
) -> ClerkRequest {
    var headers: [(String, String)] = [("Host", URLComponents(string: url)?.host ?? "app.example.test"), ("User-Agent", "Mozilla/TestAgent")]
    if let secFetchDest { headers.append(("Sec-Fetch-Dest", secFetchDest)) }
    if let accept { headers.append(("Accept", accept)) }
    if let authorization { headers.append(("Authorization", authorization)) }
    if !cookies.isEmpty { headers.append(("Cookie", cookies.map { "\($0.0)=\($0.1)" }.joined(separator: "; "))) }
    headers += extra
    return ClerkRequest(method: method, url: url, headers: headers, remoteAddress: remoteAddress)
}

/// A valid session token of `TestIssuers.primary` issued at `now` (default `tokenNow`).
func sessionToken(
    now: Date = tokenNow, lifetime: TimeInterval = 60, userID: String = "user_1", sessionID: String = "sess_1",
    orgID: String? = nil, orgSlug: String? = nil, sessionStatus: String? = nil, claims: [String: JSONValue] = [:],
    header: [String: JSONValue] = [:]
) throws -> String {
    try TestIssuers.primary.sessionToken(
        userID: userID, sessionID: sessionID, now: now, lifetime: lifetime, orgID: orgID, orgSlug: orgSlug,
        sessionStatus: sessionStatus, extraClaims: claims, header: header
    )
}

/// `__client_uat` for a token issued at `tokenNow`.
let tokenNowSeconds = String(Int64(tokenNow.timeIntervalSince1970))

/// The query items of a URL, in order, percent-decoded.
func queryItems(of url: String?) -> [(name: String, value: String)] {
    guard let url, let components = URLComponents(string: url) else { return [] }
    return (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
}

func queryValue(_ name: String, in url: String?) -> String? {
    queryItems(of: url).first { $0.name == name }?.value
}

extension RequestState {
    var location: String? { headerFields[.location] }
    var setCookies: [String] { headerFields[values: .setCookie] }
}

/// Checks status and reason in one line.
func expectState(
    _ state: RequestState, _ status: AuthStatus, _ reason: AuthReason?, sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(state.status == status, "status \(state.status.rawValue), reason \(state.reason?.rawValue ?? "nil"): \(state.message ?? "")", sourceLocation: sourceLocation)
    #expect(state.reason == reason, "reason \(state.reason?.rawValue ?? "nil"): \(state.message ?? "")", sourceLocation: sourceLocation)
}

/// The error `body` throws, if any.
func thrownError(_ body: () async throws -> Void) async -> (any Error)? {
    do {
        try await body()
        return nil
    } catch {
        return error
    }
}

/// A loopback handler routing by `METHOD path`, answering 404 otherwise; counts requests per route.
final class RouteTable: Sendable {
    typealias Route = @Sendable (LoopbackHTTPServer.Request) async throws -> ClerkHTTPResponse
    private let routes: Mutex<[String: Route]>

    init(_ routes: [String: Route] = [:]) { self.routes = Mutex(routes) }

    func set(_ key: String, _ route: @escaping Route) { routes.withLock { $0[key] = route } }

    func handle(_ request: LoopbackHTTPServer.Request) async throws -> ClerkHTTPResponse {
        let route = routes.withLock { $0["\(request.method) \(request.path)"] }
        guard let route else { return .json(status: 404, #"{"errors":[{"code":"resource_not_found","message":"not found"}]}"#) }
        return try await route(request)
    }

    /// Serves `GET /v1/jwks` with the primary test issuer's keys.
    static func withJWKS() -> RouteTable {
        RouteTable(["GET /v1/jwks": { _ in .json(TestIssuers.primary.jwksJSON) }])
    }
}
