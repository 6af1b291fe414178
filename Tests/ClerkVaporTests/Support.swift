import ClerkBackend
import ClerkEmulator
import ClerkTesting
import ClerkVapor
import Foundation
import Synchronization
import Testing
import VaporTesting

/// The Frontend API host of the test instance (the issuer host of `TestTokenIssuer` tokens).
let frontendHost = "clerk.example.test"
/// A production publishable key for `frontendHost` (production: no dev-browser cookie needed).
let productionPublishableKey = "pk_live_" + Data("\(frontendHost)$".utf8).base64EncodedString()
/// A development publishable key for `frontendHost`.
let developmentPublishableKey = "pk_test_" + Data("\(frontendHost)$".utf8).base64EncodedString()
/// A secret key: required by authenticateRequest, never used for network calls when a jwtKey is set.
let testSecretKey = Secret("sk_live_" + String(repeating: "t", count: 40))

/// One issuer for the whole test process (RSA key generation is slow).
private let sharedIssuer = try? TestTokenIssuer(kid: "ins_vapor_tests", issuer: "https://\(frontendHost)")

/// The shared token issuer.
func issuer() throws -> TestTokenIssuer { try #require(sharedIssuer) }

/// Networkless options: the issuer's public key as jwtKey, a production publishable key.
func networklessOptions(publishableKey: String = productionPublishableKey) throws -> ClerkOptions {
    ClerkOptions(secretKey: testSecretKey, jwtKey: try issuer().publicKeyPEM, publishableKey: publishableKey)
}

/// Runs `test` with a Vapor app configured with `options`, after `routes` registered its routes.
func withClerkApp(
    options: ClerkOptions? = nil, vapor: ClerkVaporOptions = ClerkVaporOptions(),
    routes: (Application) throws -> Void, _ test: (Application) async throws -> Void
) async throws {
    try await withApp { app in
        try app.clerk.configure(options: options ?? networklessOptions(), vapor: vapor)
        try routes(app)
        try await test(app)
    }
}

/// The standard routes: `/whoami` (no guard), `/user` (requireAuth), `/reports` (permission), `/vapor-guard`
/// (Vapor's `ClerkAuth.guardMiddleware()`), all behind `ClerkMiddleware()`.
func standardRoutes(_ app: Application) throws {
    let clerk = app.grouped(ClerkMiddleware())
    clerk.get("whoami") { req async throws -> WhoAmI in
        WhoAmI(req.clerk.auth, vaporLoggedIn: req.auth.has(ClerkAuth.self))
    }
    clerk.grouped(ClerkGuardMiddleware.requireAuth()).get("user") { req async throws -> WhoAmI in
        let auth = try req.auth.require(ClerkAuth.self)
        return WhoAmI(auth, vaporLoggedIn: true)
    }
    clerk.grouped(ClerkAuth.guardMiddleware()).get("vapor-guard") { req async throws -> String in
        try req.auth.require(ClerkAuth.self).userID ?? ""
    }
    clerk.grouped(ClerkGuardMiddleware.requireAuth()).get("dashboard") { _ in "dashboard" }
}

/// What `/whoami` answers.
struct WhoAmI: Content, Equatable {
    var isAuthenticated: Bool
    var userID: String?
    var sessionID: String?
    var tokenType: String?
    var orgID: String?
    var machineID: String?
    var subject: String?
    var vaporLoggedIn: Bool

    init(_ auth: ClerkAuth, vaporLoggedIn: Bool) {
        isAuthenticated = auth.isAuthenticated
        userID = auth.userID
        sessionID = auth.sessionID
        tokenType = auth.tokenType?.rawValue
        orgID = auth.orgID
        machineID = auth.machine?.machineID
        subject = auth.machine?.subject
        self.vaporLoggedIn = vaporLoggedIn
    }
}

/// Headers from pairs.
func headers(_ pairs: [(String, String)]) -> HTTPHeaders { HTTPHeaders(pairs) }

/// `Authorization: Bearer <token>` for an API request.
func bearer(_ token: String, _ extra: [(String, String)] = []) -> HTTPHeaders {
    headers([("Authorization", "Bearer \(token)"), ("Accept", "application/json")] + extra)
}

/// A browser document navigation carrying `cookies`.
func documentRequest(cookies: [(String, String)], host: String = "app.example.test") -> HTTPHeaders {
    var result: [(String, String)] = [
        ("Host", host), ("Sec-Fetch-Dest", "document"), ("Accept", "text/html,application/xhtml+xml"),
        ("User-Agent", "Mozilla/5.0 (test)"),
    ]
    if !cookies.isEmpty { result.append(("Cookie", cookies.map { "\($0.0)=\($0.1)" }.joined(separator: "; "))) }
    return headers(result)
}

/// The response body as JSON.
func json(_ response: TestingHTTPResponse) throws -> JSONValue {
    try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
}

/// The first error's code in a Clerk-style error body.
func errorCode(_ response: TestingHTTPResponse) throws -> String? {
    try json(response)["errors"]?.arrayValue?.first?["code"]?.stringValue
}

/// Starts an in-memory emulator and a client for it; stops the emulator afterwards.
func withEmulator<T>(
    _ options: EmulatorOptions = EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000),
    _ body: (RunningEmulator, ClerkClient) async throws -> T
) async throws -> T {
    let emulator = try await ClerkEmulator.start(options)
    do {
        let client = try ClerkClient(options: ClerkOptions(secretKey: Secret(emulator.secretKey), apiURL: emulator.apiURL))
        let result = try await body(emulator, client)
        await emulator.stop()
        return result
    } catch {
        await emulator.stop()
        throw error
    }
}

/// Options for an app authenticating against the emulator (JWKS verification, no jwtKey).
func emulatorOptions(_ emulator: RunningEmulator, transport: (any ClerkHTTPTransport)? = nil) -> ClerkOptions {
    ClerkOptions(
        secretKey: Secret(emulator.secretKey), publishableKey: emulator.publishableKey, apiURL: emulator.apiURL,
        machineTokenCacheTTL: .zero, transport: transport
    )
}

/// A transport that counts the requests per path before sending them with AsyncHTTPClient.
final class CountingTransport: ClerkHTTPTransport {
    private let inner = AsyncHTTPClientTransport()
    private let counts = Mutex<[String: Int]>([:])

    func send(_ request: ClerkHTTPRequest) async throws -> ClerkHTTPResponse {
        let path = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.path ?? request.url.path
        counts.withLock { $0[path, default: 0] += 1 }
        return try await inner.send(request)
    }

    func count(_ path: String) -> Int { counts.withLock { $0[path] ?? 0 } }
}

/// Signs a webhook as Svix does: `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")), the key being the
/// base64-decoded part of `whsec_…`.
func svixSignature(secret: String, id: String, timestamp: Int64, body: [UInt8]) throws -> String {
    let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst("whsec_".count)) : secret
    let keyBytes = try #require(Data(base64Encoded: encoded))
    var mac = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
    mac.update(data: Array("\(id).\(timestamp).".utf8))
    mac.update(data: body)
    return "v1," + Data(mac.finalize()).base64EncodedString()
}

/// A new random webhook secret.
func newWebhookSecret() -> String {
    "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
}

/// Svix headers for `body`, signed now (or at `timestamp`) with `secret`.
func svixHeaders(secret: String, id: String = "msg_" + UUID().uuidString, timestamp: Int64? = nil, body: [UInt8])
    throws -> HTTPHeaders
{
    let time = timestamp ?? Int64(Date().timeIntervalSince1970)
    return headers([
        ("svix-id", id), ("svix-timestamp", "\(time)"),
        ("svix-signature", try svixSignature(secret: secret, id: id, timestamp: time, body: body)),
        ("Content-Type", "application/json"),
    ])
}

/// A `user.created` event body with a user that decodes into `User`. `padding` spaces make it larger.
func userCreatedBody(userID: String = "user_webhook_1", padding: Int = 0) -> [UInt8] {
    let user = """
        {"id":"\(userID)","object":"user","first_name":"Ada","has_image":false,"public_metadata":{},\
        "email_addresses":[],"phone_numbers":[],"web3_wallets":[],"passkeys":[],"password_enabled":false,\
        "two_factor_enabled":false,"totp_enabled":false,"backup_code_enabled":false,"external_accounts":[],\
        "saml_accounts":[],"enterprise_accounts":[],"banned":false,"locked":false,"updated_at":1700000000000,\
        "created_at":1700000000000,"delete_self_enabled":true,"create_organization_enabled":true}
        """
    // Unusual spacing and key order: the signature covers these exact bytes, which are never re-encoded.
    let body = "{ \"type\" : \"user.created\",\"data\":\(user),  \"object\":\"event\",\"timestamp\":1700000000000"
        + String(repeating: " ", count: padding) + "}"
    return Array(body.utf8)
}
