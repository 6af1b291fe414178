// A small Hummingbird app protected by Clerk. See README.md next to this file.
//
//   swift run HummingbirdExample                     # in-process Clerk emulator, nothing to configure
//   CLERK_SECRET_KEY=sk_… CLERK_PUBLISHABLE_KEY=pk_… swift run HummingbirdExample    # a real Clerk instance
//
// Routes:
//   GET  /                   what this is
//   GET  /user               401 when signed out, else the user from clerk.users.getUser(userID)
//   GET  /reports            403 unless the session has the permission org:reports:read
//   GET  /sign-in            the sign-in entry point for satellites (?redirect_url=, SATELLITE_ORIGINS)
//   POST /webhooks/clerk     verified Clerk webhooks (Svix signatures over the raw body)
//   POST /dev/session-token  emulator mode only: a session token for a demo user (text/plain);
//                            ?permissions=true: its session's active organization grants org:reports:read

import ClerkBackend
import ClerkEmulator
import ClerkHummingbird
import Foundation
import Hummingbird
import HummingbirdAuth
import Logging

/// What the user endpoint answers: a few fields of the Backend API's `User`.
struct UserPayload: ResponseEncodable {
    let id: String
    let firstName: String?
    let lastName: String?
    let primaryEmailAddress: String?
    let createdAt: Int64

    enum CodingKeys: String, CodingKey {
        case id
        case firstName = "first_name"
        case lastName = "last_name"
        case primaryEmailAddress = "primary_email_address"
        case createdAt = "created_at"
    }

    init(_ user: User) {
        id = user.id
        firstName = user.firstName
        lastName = user.lastName
        primaryEmailAddress = user.emailAddresses.first { $0.id == user.primaryEmailAddressID }?.emailAddress
        createdAt = user.createdAt
    }
}

/// The Clerk side of the app: a client, and the emulator when there is no real instance.
struct ClerkSetup {
    let client: ClerkClient
    let emulator: RunningEmulator?
    let authorizedParties: [String]?

    static func make(environment: [String: String], appURL: String, logger: Logger) async throws -> ClerkSetup {
        let parties = environment["CLERK_AUTHORIZED_PARTIES"].map {
            $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        if let secret = environment["CLERK_SECRET_KEY"], !secret.isEmpty {
            // A real instance: every CLERK_* variable is read (secret and publishable keys, webhook secret, …).
            let client = try ClerkClient.fromEnvironment(environment) { $0.logger = logger }
            guard client.options.publishableKey != nil else {
                throw ExampleError("CLERK_PUBLISHABLE_KEY is not set: it is needed to authenticate session tokens.")
            }
            return ClerkSetup(client: client, emulator: nil, authorizedParties: parties)
        }
        // No keys: run the local emulator in this process (in memory) and use its keys. It also sends its webhooks
        // (user.created, session.created, …) to this app.
        var emulatorLogger = logger
        emulatorLogger.logLevel = .critical  // quiet (it logs a cancellation when the app stops)
        let emulator = try await ClerkEmulator.start(
            EmulatorOptions(port: 0, databasePath: nil, logger: emulatorLogger, webhookURL: URL(string: appURL + "/webhooks/clerk"))
        )
        let client = try ClerkClient(
            options: ClerkOptions(
                secretKey: Secret(emulator.secretKey), publishableKey: emulator.publishableKey, apiURL: emulator.apiURL,
                webhookSigningSecret: emulator.webhookSigningSecret.map { Secret($0) }, logger: logger
            )
        )
        return ClerkSetup(client: client, emulator: emulator, authorizedParties: parties)
    }
}

struct ExampleError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Creates (once) demo data in the emulator and mints session tokens for its user.
actor DemoSessions {
    struct Account: Sendable {
        let userID: String
        let organizationID: String
    }

    private let clerk: ClerkClient
    /// The one creation of the demo data (concurrent first requests wait for the same one).
    private var account: Task<Account, any Error>?

    init(clerk: ClerkClient) { self.clerk = clerk }

    /// A token of a new session of the demo user. With `withPermissions`, the session's active organization is the
    /// demo organization, where the user's role `org:analyst` grants `org:reports:read`: the token's organization
    /// claims carry both, as a real instance's do.
    func token(withPermissions: Bool) async throws -> String {
        let demo = try await setUp()
        let session = try await clerk.sessions.createSession(
            CreateSessionBody(userID: demo.userID, activeOrganizationID: withPermissions ? demo.organizationID : nil)
        )
        return try await clerk.sessions.getToken(sessionID: session.id, expiresInSeconds: 600)
    }

    /// The user, the `org:reports:read` permission, an `org:analyst` role with it, and an organization the user
    /// joins with that role.
    private func setUp() async throws -> Account {
        let task = account ?? Task { [clerk] in try await Self.create(clerk) }
        account = task
        do {
            return try await task.value
        } catch {
            account = nil  // try again on the next request
            throw error
        }
    }

    private static func create(_ clerk: ClerkClient) async throws -> Account {
        let user = try await clerk.users.createUser(
            CreateUserBody(firstName: "Demo", lastName: "User", emailAddress: ["demo@example.com"])
        )
        let readReports = try await clerk.organizationPermissions.createOrganizationPermission(
            CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read")
        )
        _ = try await clerk.organizationRoles.createOrganizationRole(
            CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", permissions: [readReports.id])
        )
        let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Demo Reports"))
        _ = try await clerk.organizations.createOrganizationMembership(
            organization.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst")
        )
        return Account(userID: user.id, organizationID: organization.id)
    }
}

func buildRouter(
    clerk: ClerkClient, authorizedParties: [String]?, satelliteOrigins: [String] = [], demo: DemoSessions?, logger: Logger
) throws -> Router<ClerkRequestContext> {
    let router = Router(context: ClerkRequestContext.self)
    // Registered before the authenticator, so it runs without Clerk (the baseline of Benchmarks/Load/middleware-load.sh).
    router.get("ping") { _, _ -> String in "pong" }
    // One authenticator, one client, one JWKS cache for the whole app. Session tokens only (the default).
    router.add(middleware: ClerkAuthenticator(client: clerk, options: AuthenticateRequestOptions(authorizedParties: authorizedParties)))
    // The same trivial answer behind the authenticator and the guard (the measured route of the benchmark).
    router.group("me")
        .add(middleware: ClerkIsAuthenticatedMiddleware())
        .get { _, context -> String in context.identity?.userID ?? "" }

    // Pages for a browser. `/` shows who is signed in (or a sign-in link, back to /account); `/account` needs a
    // signed-in user: a signed-out page visit goes to the instance's hosted sign-in page and comes back here.
    router.get("/") { _, context -> Response in
        var body = "<h1>Clerk + Hummingbird example</h1>"
        if let userID = context.identity?.userID {
            body += "<p>Signed in as <span id=\"user-id\">\(htmlEscaped(userID))</span>.</p><p><a id=\"account\" href=\"/account\">Your account</a></p>"
        } else {
            let signIn = (try? context.clerkRequestState?.redirectToSignIn(returnBackURL: URL(string: "/account")))?.absoluteString ?? "/account"
            body += "<p id=\"signed-out\">Signed out. <a id=\"sign-in\" href=\"\(htmlEscaped(signIn))\">Sign in</a></p>"
        }
        body += "<p>Also: GET /user, GET /reports, GET /sign-in (the entry point for satellites), POST /webhooks/clerk.</p>"
        return htmlPage(title: "Clerk + Hummingbird example", body: body)
    }
    // The sign-in entry point of this app, for its satellites (CLERK_SIGN_IN_URL of an app on another domain points
    // here): a signed-in visitor goes straight back to `redirect_url` (this app, or an origin in SATELLITE_ORIGINS);
    // a signed-out one signs in on the hosted page first and comes back here. The return trip to a satellite carries
    // `__clerk_synced=false`, so the satellite then syncs its session from this domain.
    router.get("sign-in") { request, context -> Response in
        let returnURL = allowedReturnURL(request.uri.queryParameters["redirect_url"].map(String.init), origins: satelliteOrigins) ?? "/account"
        if context.identity?.userID != nil { return Response(status: .seeOther, headers: [.location: returnURL]) }
        let signIn = (try? context.clerkRequestState?.redirectToSignIn())?.absoluteString ?? "/"
        return Response(status: .seeOther, headers: [.location: signIn])
    }
    router.group("account")
        .add(middleware: ClerkIsAuthenticatedMiddleware())
        .get { _, context -> Response in
            let auth = try context.requireIdentity()
            return htmlPage(title: "Account", body: """
                <h1>Account</h1><p>User <span id="user-id">\(htmlEscaped(auth.userID ?? ""))</span>,
                session <span id="session-id">\(htmlEscaped(auth.sessionID ?? ""))</span>,
                organization <span id="org-id">\(htmlEscaped(auth.orgID ?? ""))</span>.</p><p><a href="/">Home</a></p>
                """)
        }

    // 401 with a Clerk-style JSON body when signed out.
    router.group("user")
        .add(middleware: ClerkIsAuthenticatedMiddleware())
        .get { _, context -> UserPayload in
            guard let userID = try context.requireIdentity().userID else { throw ClerkHTTPError.unauthorized() }
            return UserPayload(try await clerk.users.getUser(userID))
        }

    // 403 unless the active organization grants org:reports:read (has(permission:)).
    router.group("reports")
        .add(middleware: ClerkIsAuthenticatedMiddleware())
        .add(middleware: ClerkAuthorizationMiddleware(.permission("org:reports:read")))
        .get { _, context -> String in
            "Reports of organization \(context.identity?.orgID ?? "?")\n"
        }

    // Webhooks: the raw body is verified (never re-encoded); a redelivered svix-id is acknowledged only once.
    if clerk.options.webhookSigningSecret != nil {
        let webhooks = try ClerkWebhookReceiver(client: clerk, deduplicator: InMemoryWebhookDeduplicator())
        router.post("webhooks/clerk") { request, context in
            try await webhooks.handle(request, context: context) { event in
                if let user = event.data.user {
                    logger.info("Webhook \(event.type.rawValue): user \(user.id)")
                } else {
                    logger.info("Webhook \(event.type.rawValue)")
                }
            }
        }
    } else {
        logger.notice("CLERK_WEBHOOK_SIGNING_SECRET is not set: POST /webhooks/clerk is not served.")
    }

    if let demo {
        // Emulator mode only: never expose such an endpoint with a real instance.
        router.post("dev/session-token") { request, _ -> String in
            try await demo.token(withPermissions: request.uri.queryParameters["permissions"] == "true")
        }
    }
    return router
}

/// Writes to standard output at once (unbuffered, so it shows before the server's log lines).
func show(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func runExample() async throws {
    let environment = ProcessInfo.processInfo.environment
    var logger = Logger(label: "HummingbirdExample")
    logger.logLevel = .info
    let host = environment["HOST"] ?? "127.0.0.1"
    let port = Int(environment["PORT"] ?? "") ?? 8080
    let appURL = "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"

    let setup = try await ClerkSetup.make(environment: environment, appURL: appURL, logger: logger)
    let demo = setup.emulator.map { _ in DemoSessions(clerk: setup.client) }
    // SATELLITE_ORIGINS: comma-separated origins of this app's satellites, which /sign-in may send a visitor back to.
    let satellites = (environment["SATELLITE_ORIGINS"] ?? "").split(separator: ",")
        .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty }
    let router = try buildRouter(
        clerk: setup.client, authorizedParties: setup.authorizedParties, satelliteOrigins: satellites, demo: demo, logger: logger
    )
    let app = Application(router: router, configuration: .init(address: .hostname(host, port: port)), logger: logger)

    if let emulator = setup.emulator {
        show(
            """

            Clerk emulator running in this process at \(emulator.apiURL) (in memory; its webhooks come to this app).
            Get a session token for a demo user, then call the API with it:

              TOKEN=$(curl -s -X POST \(appURL)/dev/session-token)
              curl -i \(appURL)/user -H "Authorization: Bearer $TOKEN"      # 200 and the user
              curl -i \(appURL)/user                                         # 401
              curl -i \(appURL)/reports -H "Authorization: Bearer $TOKEN"   # 403: no active organization

            With an active organization whose role grants org:reports:read:

              TOKEN=$(curl -s -X POST '\(appURL)/dev/session-token?permissions=true')
              curl -i \(appURL)/reports -H "Authorization: Bearer $TOKEN"   # 200

            Set CLERK_SECRET_KEY and CLERK_PUBLISHABLE_KEY to use a real Clerk instance instead.

            """
        )
    } else {
        show("\nUsing the Clerk instance of CLERK_PUBLISHABLE_KEY. Listening on \(appURL).\n")
    }

    do {
        try await app.runService()
    } catch {
        await setup.emulator?.stop()
        throw error
    }
    await setup.emulator?.stop()
}

do {
    try await runExample()
} catch {
    FileHandle.standardError.write(Data("HummingbirdExample: \(error)\n".utf8))
    exit(1)
}

/// An HTML page (no scripts, no external assets), never cached.
func htmlPage(title: String, body: String) -> Response {
    let html = "<!doctype html><html><head><meta charset=\"utf-8\"><title>\(htmlEscaped(title))</title></head><body>\(body)</body></html>"
    return Response(
        status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
        body: ResponseBody(byteBuffer: ByteBuffer(string: html))
    )
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
