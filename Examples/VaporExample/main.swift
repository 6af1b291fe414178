// A small Vapor app protected by Clerk. See README.md next to this file.
//
//   swift run VaporExample                       # against an in-process Clerk emulator (no account needed)
//   CLERK_SECRET_KEY=sk_test_… CLERK_PUBLISHABLE_KEY=pk_test_… swift run VaporExample   # a real Clerk instance

import ClerkEmulator
import ClerkVapor
import Foundation
import Vapor

/// The demo user, organization and sessions created in the emulator.
struct DemoData: Sendable {
    let userID: String
    /// A session without an active organization: its tokens carry no organization role or permission.
    let sessionID: String
    /// A session whose active organization is ``organizationID``: its tokens carry the `org:analyst` role and the
    /// `org:reports:read` permission in their organization claims.
    let organizationSessionID: String
    let organizationID: String

    /// Creates a user, an `org:analyst` role granting `org:reports:read`, an organization the user joins with that
    /// role, and two sessions (one with that organization active), as a real instance would have them set up in the
    /// Dashboard and by the user's sign-in.
    static func seed(_ clerk: ClerkClient) async throws -> DemoData {
        let user = try await clerk.users.createUser(
            CreateUserBody(firstName: "Ada", lastName: "Lovelace", emailAddress: ["ada@example.com"])
        )
        let readReports = try await clerk.organizationPermissions.createOrganizationPermission(
            CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read", description: "See the reports")
        )
        _ = try await clerk.organizationRoles.createOrganizationRole(
            CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", permissions: [readReports.id])
        )
        let organization = try await clerk.organizations.createOrganization(
            CreateOrganizationBody(name: "Analytical Engines")
        )
        _ = try await clerk.organizations.createOrganizationMembership(
            organization.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst")
        )
        let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
        let organizationSession = try await clerk.sessions.createSession(
            CreateSessionBody(userID: user.id, activeOrganizationID: organization.id)
        )
        return DemoData(
            userID: user.id, sessionID: session.id, organizationSessionID: organizationSession.id,
            organizationID: organization.id
        )
    }
}

/// The routes of the example.
func routes(_ app: Application, demo: DemoData?, variables: [String: String]) throws {
    // Session-token routes: ClerkMiddleware reads the Authorization header or the __session cookie.
    let session = app.grouped(ClerkMiddleware())
    let signedIn = session.grouped(ClerkGuardMiddleware.requireAuth())

    // Pages for a browser. `/` shows who is signed in (or a sign-in link, back to /account); `/account` needs a
    // signed-in user: a signed-out page visit is sent to the sign-in page (configured, or the instance's hosted one)
    // and comes back here afterwards.
    session.get { req -> Response in
        let auth = req.clerk.auth
        var body = "<h1>ClerkVapor example</h1>"
        if let userID = auth.userID {
            body += "<p>Signed in as <span id=\"user-id\">\(htmlEscaped(userID))</span>.</p><p><a id=\"account\" href=\"/account\">Your account</a></p>"
        } else {
            let signIn = (try? req.clerk.requestState?.redirectToSignIn(returnBackURL: URL(string: "/account")))?.absoluteString ?? "/account"
            body += "<p id=\"signed-out\">Signed out. <a id=\"sign-in\" href=\"\(htmlEscaped(signIn))\">Sign in</a></p>"
        }
        body += """
            <h2>Routes</h2><ul><li>GET /account: a page that needs sign-in</li><li>GET /sign-in: the sign-in entry point for satellites (?redirect_url=)</li><li>GET /user: the signed-in user (401 when signed out)</li>
            <li>GET /reports: needs the org:reports:read permission (403 without it)</li><li>GET /machine/whoami: an API key or M2M token as Bearer</li>
            <li>POST /webhooks/clerk: Clerk webhooks (Svix-signed)</li>\(demo == nil ? "" : "<li>GET /dev/token: a session token for the demo user (emulator only; ?permissions=true)</li>")</ul>
            """
        return htmlPage(title: "ClerkVapor example", body: body)
    }
    // The sign-in entry point of this app, for its satellites (CLERK_SIGN_IN_URL of an app on another domain points
    // here): a signed-in visitor goes straight back to `redirect_url` (this app, or an origin in SATELLITE_ORIGINS);
    // a signed-out one signs in on the hosted page first and comes back here. The return trip to a satellite carries
    // `__clerk_synced=false`, so the satellite then syncs its session from this domain.
    session.get("sign-in") { req -> Response in
        let returnURL = allowedReturnURL(req.query[String.self, at: "redirect_url"], origins: satelliteOrigins(variables)) ?? "/account"
        if req.clerk.auth.userID != nil { return req.redirect(to: returnURL, redirectType: .normal) }
        guard let signIn = try? req.clerk.requestState?.redirectToSignIn() else { return req.redirect(to: "/") }
        return req.redirect(to: signIn.absoluteString, redirectType: .normal)
    }
    signedIn.get("account") { req -> Response in
        let auth = req.clerk.auth
        return htmlPage(title: "Account", body: """
            <h1>Account</h1><p>User <span id="user-id">\(htmlEscaped(auth.userID ?? ""))</span>,
            session <span id="session-id">\(htmlEscaped(auth.sessionID ?? ""))</span>,
            organization <span id="org-id">\(htmlEscaped(auth.orgID ?? ""))</span>.</p><p><a href="/">Home</a></p>
            """)
    }

    // Two trivial routes for Benchmarks/Load/middleware-load.sh: the same answer without and with Clerk.
    app.get("ping") { _ in "pong" }
    signedIn.get("me") { req -> String in req.clerk.auth.userID ?? "" }
    signedIn.get("user") { req async throws -> Response in
        // Vapor's own auth works too: the Auth object is Authenticatable.
        let auth = try req.auth.require(ClerkAuth.self)
        guard let userID = auth.userID else { return ClerkErrorResponse.unauthenticated() }
        let user = try await req.clerk.client.users.getUser(userID)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: try encoder.encode(user)))
    }

    session.grouped(ClerkGuardMiddleware.require(permission: "org:reports:read")).get("reports") { req async -> [String: String] in
        let auth = req.clerk.auth
        return ["organization": auth.orgID ?? "", "role": auth.orgRole ?? "", "report": "Q3 engine output: 42 difference engines"]
    }

    // Machine routes: API keys and M2M tokens, as Bearer tokens.
    app.grouped("machine")
        .grouped(ClerkMiddleware(acceptsToken: .oneOf([.apiKey, .m2mToken])))
        .grouped(ClerkGuardMiddleware.requireAuth())
        .get("whoami") { req async -> [String: String] in
            let auth = req.clerk.auth
            return [
                "tokenType": auth.tokenType?.rawValue ?? "", "subject": auth.machine?.subject ?? "",
                "scopes": auth.machine?.scopes.joined(separator: " ") ?? "",
            ]
        }

    // Webhooks: the raw body is verified (up to 1 MiB); redeliveries of a handled message are dropped.
    app.clerkWebhook("webhooks", "clerk", options: ClerkWebhookOptions(deduplicator: InMemoryWebhookDeduplicator())) { req, event in
        if let user = event.data.user {
            req.logger.notice("Webhook \(event.type.rawValue): user \(user.id)")
        } else if let payload = event.data.session {
            req.logger.notice("Webhook \(event.type.rawValue): session \(payload.session.id)")
        } else {
            req.logger.notice("Webhook \(event.type.rawValue)")
        }
        return HTTPStatus.ok
    }

    if let demo {
        // Emulator only: hands out session tokens for the demo user, as a signed-in frontend would. With
        // ?permissions=true the token is the one of the session whose active organization grants org:reports:read.
        app.get("dev", "token") { req async throws -> String in
            let withPermissions = (try? req.query.get(Bool.self, at: "permissions")) ?? false
            return try await req.clerk.client.sessions.getToken(
                sessionID: withPermissions ? demo.organizationSessionID : demo.sessionID
            )
        }
    }
}

/// `SATELLITE_ORIGINS`: comma-separated origins of this app's satellites, which `/sign-in` may send a visitor back to
/// (an example-only variable; `http://satellite.localhost:8081`).
func satelliteOrigins(_ environment: [String: String]) -> [String] {
    (environment["SATELLITE_ORIGINS"] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        .filter { !$0.isEmpty }
}

/// `raw` when it is a path on this app or an absolute http(s) URL on one of `origins`; `nil` otherwise (no open
/// redirect).
func allowedReturnURL(_ raw: String?, origins: [String]) -> String? {
    guard let raw, !raw.isEmpty, raw.utf8.count <= 4096, !raw.contains("\\"), let url = URLComponents(string: raw) else { return nil }
    if url.scheme == nil, url.host == nil { return raw.hasPrefix("/") && !raw.hasPrefix("//") ? raw : nil }
    guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", let host = url.host?.lowercased(),
        !host.isEmpty, url.user == nil, url.password == nil
    else { return nil }
    let origin = "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
    return origins.contains(origin) ? raw : nil
}

/// `CLERK_AUTHORIZED_PARTIES`: comma-separated origins of your frontend (an example-only variable).
func authorizedParties(_ environment: [String: String]) -> [String]? {
    let list = (environment["CLERK_AUTHORIZED_PARTIES"] ?? "").split(separator: ",")
        .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    return list.isEmpty ? nil : list
}

var environment = try Environment.detect()
try LoggingSystem.bootstrap(from: &environment)
let app = try await Application.make(environment)
let variables = ProcessInfo.processInfo.environment
let port = Int(variables["PORT"] ?? "") ?? 8080
app.http.server.configuration.hostname = "127.0.0.1"
app.http.server.configuration.port = port
app.http.client.configuration.redirectConfiguration = .disallow

var emulator: RunningEmulator?
do {
    var vapor = ClerkVaporOptions()
    vapor.authenticate.authorizedParties = authorizedParties(variables)
    let demo: DemoData?
    if let secret = variables["CLERK_SECRET_KEY"], !secret.isEmpty {
        try app.clerk.configureFromEnvironment(vapor: vapor)
        demo = nil
        app.logger.notice("Using the Clerk instance of CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY.")
        app.logger.notice(
            "Get a session token from your signed-in frontend (browser console: await Clerk.session.getToken(); iOS: try await Clerk.shared.session?.getToken()?.jwt) and call: curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:\(port)/user"
        )
    } else {
        let running = try await ClerkEmulator.start(
            EmulatorOptions(port: 0, databasePath: nil, webhookURL: URL(string: "http://127.0.0.1:\(port)/webhooks/clerk"))
        )
        emulator = running
        try app.clerk.configure(
            options: ClerkOptions(
                secretKey: Secret(running.secretKey), publishableKey: running.publishableKey, apiURL: running.apiURL,
                webhookSigningSecret: running.webhookSigningSecret.map { Secret($0) }
            ),
            vapor: vapor
        )
        demo = try await DemoData.seed(try app.clerk.client)
        app.logger.notice("No CLERK_SECRET_KEY: using an in-process Clerk emulator at \(running.apiURL) (data in memory).")
        app.logger.notice("Get a session token for the demo user:  TOKEN=$(curl -s http://127.0.0.1:\(port)/dev/token)")
        app.logger.notice("Then:  curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:\(port)/user")
        app.logger.notice("With the org:reports:read permission:  TOKEN=$(curl -s 'http://127.0.0.1:\(port)/dev/token?permissions=true')")
    }
    try routes(app, demo: demo, variables: variables)
    try await app.execute()
} catch {
    app.logger.report(error: error)
    await emulator?.stop()
    try? await app.asyncShutdown()
    exit(1)
}
await emulator?.stop()
try await app.asyncShutdown()

/// An HTML page (no scripts, no external assets), never cached.
func htmlPage(title: String, body: String) -> Response {
    var headers = HTTPHeaders()
    headers.contentType = .html
    headers.replaceOrAdd(name: .cacheControl, value: "no-store")
    let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(htmlEscaped(title))</title></head><body>\(body)</body></html>"
    return Response(status: .ok, headers: headers, body: .init(string: html))
}

/// `text` with the five HTML special characters escaped.
func htmlEscaped(_ text: String) -> String {
    var out = ""
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}
