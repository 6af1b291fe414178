import ClerkBackend
import ClerkHummingbird
import ClerkTesting
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdAuth
import HummingbirdTesting
import Testing

/// Keys of a made-up instance whose Frontend API is `clerk.example.test` (the `iss` of `TestTokenIssuer`).
enum Keys {
    static let frontendHost = "clerk.example.test"

    static func publishableKey(_ prefix: String, host: String = frontendHost) -> String {
        prefix + Data((host + "$").utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
    }

    /// A production instance: cookie requests need no dev-browser token.
    static let pkLive = publishableKey("pk_live_")
    /// A development instance.
    static let pkTest = publishableKey("pk_test_")

    static func secretKey(live: Bool = true) -> String {
        (live ? "sk_live_" : "sk_test_") + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}

/// One RSA key for the whole test run (generating one takes a while).
enum Issuers {
    static let primary: TestTokenIssuer? = try? TestTokenIssuer(issuer: "https://" + Keys.frontendHost)
    static let other: TestTokenIssuer? = try? TestTokenIssuer(issuer: "https://" + Keys.frontendHost)
}

func primaryIssuer() throws -> TestTokenIssuer { try #require(Issuers.primary) }

/// A transport that refuses everything and records what was attempted: networkless tests assert it stays unused.
func refusingTransport() -> InMemoryTransport {
    InMemoryTransport { _ in .json(status: 503, #"{"errors":[{"code":"no_network","message":"no network in this test"}]}"#) }
}

/// A client verifying networklessly with the primary issuer's public key (`jwtKey`).
func networklessClient(
    pk: String = Keys.pkLive, secretKey: String = Keys.secretKey(), transport: InMemoryTransport = refusingTransport(),
    configure: (inout ClerkOptions) -> Void = { _ in }
) throws -> ClerkClient {
    var options = ClerkOptions(
        secretKey: Secret(secretKey), jwtKey: try primaryIssuer().publicKeyPEM, publishableKey: pk, retryPolicy: .none,
        transport: transport
    )
    configure(&options)
    return try ClerkClient(options: options)
}

/// The routes most tests use:
/// - `GET /whoami` (not guarded): `<isAuthenticated>|<userID>|<tokenType>|<reason>`;
/// - `GET /api/me` (guarded): the user id;
/// - `GET /dashboard` (guarded, signed-out page navigations go to `signInURL`);
/// - `GET /reports` (guarded, needs `org:reports:read`);
/// - `GET /admin` (authorization only: role `admin` or permission `org:settings:manage`);
/// - `GET /keys` (guarded, API keys only).
func makeRouter(
    _ authenticator: ClerkAuthenticator<ClerkRequestContext>, signInURL: URL? = nil, exposeReason: Bool? = nil
) -> Router<ClerkRequestContext> {
    let router = Router(context: ClerkRequestContext.self)
    router.add(middleware: authenticator)
    router.get("whoami") { _, context -> String in
        let auth = context.auth
        let reason = context.clerkRequestState?.reason?.rawValue ?? "-"
        return "\(auth.isAuthenticated)|\(auth.userID ?? "-")|\(auth.tokenType?.rawValue ?? "-")|\(reason)"
    }
    router.group("api")
        .add(middleware: ClerkIsAuthenticatedMiddleware(exposeReason: exposeReason))
        .get("me") { _, context -> String in try context.requireIdentity().userID ?? "-" }
    router.group("dashboard")
        .add(middleware: ClerkIsAuthenticatedMiddleware(signInURL: signInURL, exposeReason: exposeReason))
        .get { _, _ -> String in "dashboard" }
    router.group("reports")
        .add(middleware: ClerkIsAuthenticatedMiddleware())
        .add(middleware: ClerkAuthorizationMiddleware(.permission("org:reports:read")))
        .get { _, _ -> String in "reports" }
    router.group("admin")
        .add(
            middleware: ClerkAuthorizationMiddleware(
                anyOf {
                    ClerkPolicy.role("admin")
                    ClerkPolicy.permission("org:settings:manage")
                }
            )
        )
        .get { _, _ -> String in "admin" }
    router.group("keys")
        .add(middleware: ClerkIsAuthenticatedMiddleware(tokenTypes: [.apiKey]))
        .get { _, context -> String in context.identity?.machine?.id ?? "-" }
    return router
}

/// An application around a router, for `app.test(.router)` / `.live`.
func makeApp(_ router: Router<ClerkRequestContext>) -> some ApplicationProtocol {
    Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)))
}

/// Header fields from (name, value) pairs.
func fields(_ pairs: [(String, String)]) -> HTTPFields {
    var result = HTTPFields()
    for (name, value) in pairs {
        if let fieldName = HTTPField.Name(name) { result.append(HTTPField(name: fieldName, value: value)) }
    }
    return result
}

extension TestResponse {
    var text: String { String(buffer: body) }

    func header(_ name: String) -> String? {
        headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    func headerValues(_ name: String) -> [String] {
        headers.filter { $0.name.canonicalName == name.lowercased() }.map(\.value)
    }

    /// The first entry of a Clerk-style `{"errors":[…]}` body.
    func clerkError() throws -> JSONValue? {
        try json()["errors"]?.arrayValue?.first
    }

    /// The body as JSON.
    func json() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))
    }
}

func queryValue(_ name: String, in url: String?) -> String? {
    url.flatMap { URLComponents(string: $0) }?.queryItems?.first { $0.name == name }?.value
}

/// Signs a webhook body as Svix does: `v1,` + base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the
/// base64-decoded part of `whsec_…`.
func svixSignature(secret: String, id: String, timestamp: Int64, body: [UInt8]) throws -> String {
    let encoded = secret.hasPrefix("whsec_") ? String(secret.dropFirst(6)) : secret
    let keyBytes = try #require(Data(base64Encoded: encoded))
    var hmac = HMAC<SHA256>(key: SymmetricKey(data: keyBytes))
    hmac.update(data: Array("\(id).\(timestamp).".utf8))
    hmac.update(data: body)
    return "v1," + Data(hmac.finalize()).base64EncodedString()
}
