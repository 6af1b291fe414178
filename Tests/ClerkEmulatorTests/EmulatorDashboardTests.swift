import AsyncHTTPClient
import ClerkBackend
@testable import ClerkEmulator
import ClerkTesting
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

/// The dashboard over HTTP (the browser tests drive it in Chromium): access through one-time links, CSRF, escaping,
/// and every page and form.
@Suite("Emulator: dashboard")
struct EmulatorDashboardTests {
    /// A dashboard session: the cookie from a spent link, and the CSRF token of its forms.
    struct Visitor {
        let emulator: RunningEmulator
        let cookie: [String: String]
        var host: String { "127.0.0.1:\(emulator.port)" }
        var origin: String { "http://" + host }

        static func open(_ emulator: RunningEmulator) async throws -> Visitor {
            let link = emulator.dashboardLink()
            let opened = try await send(emulator, "GET", link.path + "?" + (link.query ?? ""), host: "127.0.0.1:\(emulator.port)")
            #expect(opened.status == 303)
            #expect(opened.location == "/")
            let directive = try #require(opened.setCookies.first)
            #expect(directive.contains("HttpOnly") && directive.contains("SameSite=Strict"))
            let pair = directive.split(separator: ";")[0].split(separator: "=", maxSplits: 1)
            return Visitor(emulator: emulator, cookie: [String(pair[0]): String(pair[1])])
        }

        func get(_ path: String) async throws -> PageAnswer {
            try await send(emulator, "GET", path, host: host, cookies: cookie)
        }

        /// Posts a form the way a browser does: same-origin headers and the session's CSRF token, read from `page` (a
        /// page that always has a form: the token is the session's, whatever the form).
        func post(_ path: String, from page: String, _ fields: [(String, String)]) async throws -> PageAnswer {
            let csrf = try #require(try await get(page).hiddenField("csrf_token"))
            return try await send(
                emulator, "POST", path, host: host, headers: [("Origin", origin), ("Sec-Fetch-Site", "same-origin")],
                form: [("csrf_token", csrf)] + fields, cookies: cookie
            )
        }
    }

    @Test("Without a spent link the dashboard shows nothing; a link works once; the admin endpoint mints links for the secret key only")
    func access() async throws {
        try await withEmulator { emulator, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["secret-user@example.com"]))
            for path in ["/", "/dashboard/users", "/dashboard/requests"] {
                let answer = try await send(emulator, "GET", path, host: "127.0.0.1:\(emulator.port)")
                #expect(answer.status == 401, "\(path)")
                #expect(!answer.body.contains("secret-user@example.com"))
                #expect(answer.body.contains("one-time dashboard link"))
            }
            // A made-up cookie is no session.
            let forged = try await send(
                emulator, "GET", "/", host: "127.0.0.1:\(emulator.port)",
                cookies: ["clerk_emulator_dashboard_\(emulator.port)": String(repeating: "a", count: 48)]
            )
            #expect(forged.status == 401)

            let link = emulator.dashboardLink()
            #expect(link.host == "127.0.0.1" && link.path == "/dashboard/open")
            let first = try await send(emulator, "GET", link.path + "?" + (link.query ?? ""), host: "127.0.0.1:\(emulator.port)")
            #expect(first.status == 303)
            let again = try await send(emulator, "GET", link.path + "?" + (link.query ?? ""), host: "127.0.0.1:\(emulator.port)")
            #expect(again.status == 403, "a link works once")
            #expect(again.setCookies.isEmpty)

            // The admin endpoint: secret key required; the link it gives works (on the `localhost` name too).
            #expect(try await rawRequest(emulator, "POST", "/_emulator/dashboard_link", key: nil).status == 401)
            #expect(try await rawRequest(emulator, "POST", "/_emulator/dashboard_link", key: "sk_test_wrong").status == 401)
            let minted = try await rawRequest(emulator, "POST", "/_emulator/dashboard_link", key: emulator.secretKey)
            let url = try #require(minted.json?["url"]?.stringValue.flatMap(URLComponents.init(string:)))
            let opened = try await send(emulator, "GET", url.path + "?" + (url.query ?? ""), host: "localhost:\(emulator.port)")
            #expect(opened.status == 303)
        }
    }

    @Test("The dashboard answers loopback names only, and no page is framed, scripted or cached")
    func hostsAndHeaders() async throws {
        try await withEmulator { emulator, _ in
            let visitor = try await Visitor.open(emulator)
            // *.localhost names reach the emulator (apps use them), but not its dashboard.
            let satellite = try await send(emulator, "GET", "/", host: "satellite.localhost:\(emulator.port)", cookies: visitor.cookie)
            #expect(satellite.status == 403)
            let page = try await visitor.get("/")
            #expect(page.status == 200)
            let policy = try #require(page.headers.first(name: "content-security-policy"))
            #expect(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'") && !policy.contains("script-src"))
            #expect(page.headers.first(name: "x-frame-options") == "DENY")
            #expect(page.headers.first(name: "cache-control") == "no-store")
            #expect(!page.body.contains("<script"))
            #expect(!page.body.contains(emulator.secretKey), "the secret key is never shown")
        }
    }

    @Test("A connection from another machine is refused even with --allow-non-loopback")
    func remotePeer() async throws {
        let addresses = try System.enumerateDevices().compactMap { device -> String? in
            guard let address = device.address, case .v4 = address, let ip = address.ipAddress, !ip.hasPrefix("127.") else { return nil }
            return ip
        }
        guard let ip = addresses.first else {
            print("dashboard remote-peer test: this machine has no non-loopback IPv4 address; only the loopback half ran")
            return
        }
        let emulator = try await ClerkEmulator.start(EmulatorOptions(host: "0.0.0.0", port: 0, databasePath: nil, allowNonLoopback: true))
        defer { Task { await emulator.stop() } }
        let link = emulator.dashboardLink()
        var request = HTTPClientRequest(url: "http://\(ip):\(emulator.port)\(link.path)?\(link.query ?? "")")
        request.headers.add(name: "Host", value: "localhost:\(emulator.port)")
        let response = try await manualRedirectClient.execute(request, timeout: .seconds(10))
        #expect(response.status.code == 403, "a peer at \(ip) is not this machine's loopback")
        // The same link still works from loopback: the refused request did not spend it.
        let opened = try await send(emulator, "GET", link.path + "?" + (link.query ?? ""), host: "localhost:\(emulator.port)")
        #expect(opened.status == 303)
        await emulator.stop()
    }

    @Test("Forms need this session's CSRF token and a same-origin request; a refused form changes nothing")
    func csrf() async throws {
        try await withEmulator { emulator, clerk in
            let visitor = try await Visitor.open(emulator)
            let fields = [("email_address", "forged@example.com")]
            // No token.
            let missing = try await send(
                emulator, "POST", "/dashboard/users", host: visitor.host, headers: [("Origin", visitor.origin)], form: fields,
                cookies: visitor.cookie
            )
            #expect(missing.status == 403)
            // The right token, sent from another port of localhost (another origin, the same site).
            let csrf = try #require(try await visitor.get("/dashboard/users").hiddenField("csrf_token"))
            let crossPort = try await send(
                emulator, "POST", "/dashboard/users", host: visitor.host,
                headers: [("Origin", "http://127.0.0.1:3000"), ("Sec-Fetch-Site", "same-site")],
                form: [("csrf_token", csrf)] + fields, cookies: visitor.cookie
            )
            #expect(crossPort.status == 403)
            // Another session's token.
            let other = try await Visitor.open(emulator)
            let otherToken = try #require(try await other.get("/dashboard/users").hiddenField("csrf_token"))
            #expect(otherToken != csrf)
            let mixed = try await send(
                emulator, "POST", "/dashboard/users", host: visitor.host, headers: [("Origin", visitor.origin)],
                form: [("csrf_token", otherToken)] + fields, cookies: visitor.cookie
            )
            #expect(mixed.status == 403)
            #expect(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["forged@example.com"])).data.isEmpty)

            let created = try await visitor.post("/dashboard/users", from: "/dashboard/users", fields)
            #expect(created.status == 303)
            #expect(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["forged@example.com"])).data.count == 1)
        }
    }

    @Test("What users typed is escaped on every page; errors come back with the input kept")
    func escapingAndErrors() async throws {
        try await withEmulator { emulator, clerk in
            let visitor = try await Visitor.open(emulator)
            let hostile = "<script>alert(1)</script>\"'"
            let user = try await clerk.users.createUser(CreateUserBody(firstName: hostile, emailAddress: ["x@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: hostile, createdBy: user.id))
            for path in ["/dashboard/users", "/dashboard/users/\(user.id)", "/dashboard/organizations", "/dashboard/organizations/\(organization.id)"] {
                let page = try await visitor.get(path)
                #expect(page.status == 200, "\(path)")
                #expect(!page.body.contains("<script>"), "\(path)")
                #expect(page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;"), "\(path)")
            }
            // An invalid email: the API's error, the typed values kept (not the password), nothing created.
            let refused = try await visitor.post(
                "/dashboard/users", from: "/dashboard/users",
                [("email_address", "not-an-email"), ("first_name", "Typed Name"), ("password", "hunter2hunter2")]
            )
            #expect(refused.status == 422)
            #expect(refused.body.contains("email_address"))
            #expect(refused.body.contains("value=\"Typed Name\""))
            #expect(!refused.body.contains("hunter2hunter2"))
            #expect(try await clerk.users.getCount() == 1)
            // Metadata that is not a JSON object.
            let badMetadata = try await visitor.post(
                "/dashboard/users/\(user.id)", from: "/dashboard/users/\(user.id)",
                [("first_name", "Ada"), ("last_name", ""), ("public_metadata", "[1, 2"), ("private_metadata", "{}")]
            )
            #expect(badMetadata.status == 422)
            #expect(badMetadata.body.contains("public_metadata"))
            #expect(badMetadata.body.contains("[1, 2"))
            // Unknown ids and paths.
            #expect(try await visitor.get("/dashboard/users/user_doesnotexist").status == 404)
            #expect(try await visitor.get("/dashboard/users/..%2F..%2Fv1%2Fusers").status == 404)
            let missingPage = try await visitor.get("/dashboard/nothing-here")
            #expect(missingPage.status == 404)
            #expect(missingPage.body.contains("<h1>Not found</h1>"))
        }
    }

    @Test("Users: create, search, edit, ban, sign in as, revoke, delete — each through the Backend API, each visible to the SDK")
    func users() async throws {
        try await withEmulator { emulator, clerk in
            let visitor = try await Visitor.open(emulator)
            let created = try await visitor.post(
                "/dashboard/users", from: "/dashboard/users",
                [("email_address", "grace@example.com"), ("first_name", "Grace"), ("last_name", "Hopper"), ("password", "correct horse battery")]
            )
            #expect(created.status == 303)
            #expect(created.location == "/dashboard/users")
            let listed = try await visitor.get("/dashboard/users")
            #expect(listed.body.contains("Grace Hopper") && listed.body.contains("grace@example.com"))
            #expect(listed.body.contains("id=\"flash\""), "the notice of the form")
            #expect(!(try await visitor.get("/dashboard/users")).body.contains("id=\"flash\""), "a notice is shown once")
            let user = try #require(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["grace@example.com"])).data.first)
            _ = try await clerk.users.createUser(CreateUserBody(firstName: "Alan", emailAddress: ["alan@example.com"]))
            let search = try await visitor.get("/dashboard/users?query=hopper")
            #expect(search.body.contains("grace@example.com") && !search.body.contains("alan@example.com"))
            #expect(search.body.contains(">Clear</a>") && !listed.body.contains(">Clear</a>"))

            let edited = try await visitor.post(
                "/dashboard/users/\(user.id)", from: "/dashboard/users/\(user.id)",
                [("first_name", "Grace B."), ("last_name", "Hopper"), ("username", ""), ("public_metadata", "{\"plan\": \"pro\"}"), ("private_metadata", "{}")]
            )
            #expect(edited.status == 303)
            let fetched = try await clerk.users.getUser(user.id)
            #expect(fetched.firstName == "Grace B.")
            #expect(fetched.publicMetadata["plan"]?.stringValue == "pro")

            // Sign in as: a one-time ticket on the hosted sign-in page, with the page to come back to.
            let signInAs = try await visitor.post(
                "/dashboard/users/\(user.id)/sign-in-as", from: "/dashboard/users/\(user.id)", [("redirect_url", "http://localhost:3000/account")]
            )
            #expect(signInAs.status == 303)
            let location = try #require(signInAs.location)
            #expect(location.hasPrefix("http://\(emulator.accountsHost)/sign-in?__clerk_ticket="))
            #expect(queryValue("redirect_url", in: location) == "http://localhost:3000/account")
            let refusedTarget = try await visitor.post(
                "/dashboard/users/\(user.id)/sign-in-as", from: "/dashboard/users/\(user.id)", [("redirect_url", "https://evil.example/")]
            )
            #expect(refusedTarget.status == 400)
            #expect(refusedTarget.body.contains("redirect_url"), "\(refusedTarget.body.suffix(1500))")
            // The app URL typed last is offered next time.
            #expect(try await visitor.get("/dashboard/users/\(user.id)").body.contains("value=\"http://localhost:3000/account\""))

            // Sessions: revoke from the user's page.
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let userPage = try await visitor.get("/dashboard/users/\(user.id)")
            #expect(userPage.body.contains(session.id))
            let revoked = try await visitor.post(
                "/dashboard/sessions/\(session.id)/revoke", from: "/dashboard/users", [("return_to", "/dashboard/users/\(user.id)")]
            )
            #expect(revoked.location == "/dashboard/users/\(user.id)")
            #expect(try await clerk.sessions.getSession(session.id).status == "revoked")
            let offSite = try await visitor.post(
                "/dashboard/sessions/\(session.id)/revoke", from: "/dashboard/users/\(user.id)", [("return_to", "https://evil.example/")]
            )
            #expect(offSite.location?.hasPrefix("/dashboard/") == true, "return_to stays on the dashboard")

            #expect(try await visitor.post("/dashboard/users/\(user.id)/ban", from: "/dashboard/users/\(user.id)", []).status == 303)
            #expect(try await clerk.users.getUser(user.id).banned == true)
            #expect(try await visitor.get("/dashboard/users").body.contains("banned"))
            #expect(try await visitor.post("/dashboard/users/\(user.id)/unban", from: "/dashboard/users/\(user.id)", []).status == 303)
            #expect(try await clerk.users.getUser(user.id).banned == false)
            #expect(try await visitor.post("/dashboard/users/\(user.id)/delete", from: "/dashboard/users/\(user.id)", []).status == 303)
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.getUser(user.id) }
        }
    }

    @Test("Organizations, members and roles; JWT templates; the request log")
    func organizationsTemplatesRequests() async throws {
        try await withEmulator { emulator, clerk in
            let visitor = try await Visitor.open(emulator)
            let ada = try await clerk.users.createUser(CreateUserBody(firstName: "Ada", emailAddress: ["ada@example.com"]))
            let created = try await visitor.post("/dashboard/organizations", from: "/dashboard/organizations", [("name", "Engines"), ("slug", "engines")])
            #expect(created.status == 303)
            let organization = try #require(try await clerk.organizations.getOrganizationList().data.first)
            #expect(created.location == "/dashboard/organizations/\(organization.id)")
            let page = "/dashboard/organizations/\(organization.id)"
            #expect(try await visitor.post(page + "/members", from: page, [("user_id", ada.id), ("role", "org:member")]).status == 303)
            #expect(try await visitor.get(page).body.contains("ada@example.com"))
            #expect(try await visitor.post(page + "/members/\(ada.id)", from: page, [("role", "org:admin")]).status == 303)
            let memberships = try await clerk.organizations.getOrganizationMembershipList(organization.id)
            #expect(memberships.data.first?.role == "org:admin")
            let undefinedRole = try await visitor.post(page + "/members/\(ada.id)", from: page, [("role", "org:nope")])
            #expect(undefinedRole.status == 422 || undefinedRole.status == 400 || undefinedRole.status == 404)
            // Renamed on its page; a taken slug comes back to the page with the error and what was typed.
            #expect(try await visitor.get(page).body.contains("value=\"engines\""))
            #expect(try await visitor.post(page, from: page, [("name", "Analytical Engines"), ("slug", "analytical")]).status == 303)
            let renamed = try await clerk.organizations.getOrganization(organization.id)
            #expect(renamed.name == "Analytical Engines" && renamed.slug == "analytical")
            _ = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Other", slug: "taken"))
            let taken = try await visitor.post(page, from: page, [("name", "Typed name"), ("slug", "taken")])
            #expect(taken.status == 422 && taken.body.contains("Typed name") && taken.body.contains("That slug is taken"))
            #expect(try await clerk.organizations.getOrganization(organization.id).slug == "analytical")
            #expect(try await visitor.post(page + "/members/\(ada.id)/remove", from: page, []).status == 303)
            #expect(try await clerk.organizations.getOrganizationMembershipList(organization.id).data.isEmpty)
            #expect(try await visitor.post(page + "/delete", from: page, []).status == 303)
            #expect(try await clerk.organizations.getOrganizationList().data.map(\.slug) == ["taken"])

            let template = try await visitor.post(
                "/dashboard/jwt-templates", from: "/dashboard/jwt-templates",
                [("name", "supabase"), ("claims", "{\"role\": \"authenticated\"}"), ("lifetime", "120")]
            )
            #expect(template.status == 303)
            let templates = try await clerk.jwtTemplates.list()
            let stored = try #require(templates.data.first)
            #expect(stored.name == "supabase" && stored.lifetime == 120)
            #expect(try await visitor.get("/dashboard/jwt-templates").body.contains("authenticated"))
            // Edited on its own page: name, claims and lifetime; malformed claims come back with what was typed.
            let templatePage = "/dashboard/jwt-templates/\(stored.id)"
            #expect(try await visitor.get(templatePage).body.contains("value=\"supabase\""))
            let edited = try await visitor.post(
                templatePage, from: templatePage, [("name", "supabase-v2"), ("claims", "{\"role\": \"service\"}"), ("lifetime", "300")]
            )
            #expect(edited.status == 303 && edited.location == templatePage)
            let changed = try await clerk.jwtTemplates.get(stored.id)
            #expect(changed.name == "supabase-v2" && changed.lifetime == 300 && changed.claims["role"] == "service")
            let malformed = try await visitor.post(templatePage, from: templatePage, [("name", "kept-typed"), ("claims", "[1]")])
            #expect(malformed.status == 422 && malformed.body.contains("kept-typed"))
            #expect(try await clerk.jwtTemplates.get(stored.id).name == "supabase-v2")
            let badClaims = try await visitor.post("/dashboard/jwt-templates", from: "/dashboard/jwt-templates", [("name", "x"), ("claims", "nope")])
            #expect(badClaims.status == 422 && badClaims.body.contains("claims"))
            #expect(try await visitor.post("/dashboard/jwt-templates/\(stored.id)/delete", from: "/dashboard/jwt-templates", []).status == 303)
            #expect(try await clerk.jwtTemplates.list().data.isEmpty)

            // The request log: the SDK's calls with their operation, the dashboard's marked; no query, no key.
            _ = try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["ada@example.com"]))
            let log = try await visitor.get("/dashboard/requests")
            #expect(log.body.contains("GET /v1/users"))
            #expect(log.body.contains("GetUserList"))
            #expect(log.body.contains("POST /v1/organizations/\(organization.id)/memberships"))
            #expect(log.body.contains(">dashboard<"))
            #expect(!log.body.contains("ada%40example.com") && !log.body.contains("email_address="))
            #expect(!log.body.contains(emulator.secretKey))
            for path in ["/", "/dashboard/sessions", "/dashboard/sessions?status=all", "/dashboard/webhooks"] {
                #expect(try await visitor.get(path).status == 200, "\(path)")
            }
        }
    }

    @Test("Effects a real instance would have outside (an email, a verification code) are listed, addresses masked")
    func effects() async throws {
        try await withEmulator { emulator, clerk in
            let visitor = try await Visitor.open(emulator)
            #expect(try await visitor.get("/dashboard/effects").body.contains("Nothing yet."))
            _ = try await clerk.waitlistEntries.create(CreateWaitlistEntryBody(emailAddress: "someone@example.com", notify: true))
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["verify@example.com"]))
            let address = try #require(user.emailAddresses.first?.id)
            _ = try await clerk.emailAddresses.updateEmailAddress(address, UpdateEmailAddressBody(verified: false))
            #expect(try await rawRequest(emulator, "POST", "/v1/email_addresses/\(address)/prepare_verification", key: emulator.secretKey).status == 200)
            let page = try await visitor.get("/dashboard/effects")
            #expect(page.body.contains("Waitlist entry created") && page.body.contains("s***@example.com"))
            #expect(page.body.contains("use 424242") && page.body.contains("v***@example.com"))
            #expect(!page.body.contains("someone@example.com") && !page.body.contains("verify@example.com"))
        }
    }

    @Test("The dashboard link is offered only where it opens: an emulator on loopback or on every address, not on one other address")
    func dashboardReachability() async throws {
        for host in ["127.0.0.1", "127.0.0.2", "::1", "localhost", "0.0.0.0", "::"] {
            #expect(ClerkEmulator.dashboardReachable(bindHost: host), "\(host)")
        }
        for host in ["192.168.1.5", "10.0.0.1", "2001:db8::1", "example.com"] {
            #expect(!ClerkEmulator.dashboardReachable(bindHost: host), "\(host)")
        }
        try await withEmulator { emulator, _ in #expect(emulator.dashboardIsReachable) }
    }

    @Test("Invitation emails and image uploads are effects too: listed on the dashboard and logged; notify=false sends none")
    func invitationAndUploadEffects() async throws {
        let lines = LogLines()
        var options = EmulatorOptions()
        options.logger = Logger(label: "emulator-effects") { _ in LogLines.Handler(lines: lines) }
        try await withOptionsEmulator(options) { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["owner@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Effects", createdBy: user.id))
            for (path, body) in [
                ("/v1/invitations", #"{"email_address": "invitee@example.com"}"#),
                ("/v1/invitations", #"{"email_address": "quiet@example.com", "notify": false}"#),
                ("/v1/invitations/bulk", #"[{"email_address": "bulk@example.com"}]"#),
                ("/v1/organizations/\(organization.id)/invitations", #"{"email_address": "member@example.com", "role": "org:member"}"#),
                ("/v1/organizations/\(organization.id)/invitations", #"{"email_address": "silent@example.com", "role": "org:member", "notify": false}"#),
            ] {
                let answer = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: body)
                #expect(answer.status == 200, "\(path) \(body): \(answer.status)")
            }
            _ = try await clerk.users.updateUserProfileImage(user.id, file: Data([0x89, 0x50, 0x4E, 0x47]), contentType: "image/png")
            _ = try await clerk.organizations.updateOrganizationLogo(organization.id, file: Data([0x89, 0x50, 0x4E, 0x47]), contentType: "image/png")

            let page = try await Visitor.open(emulator).get("/dashboard/effects")
            let log = lines.all
            for (text, masked) in [
                ("Invitation email not sent by the emulator", "i***@example.com"), ("Invitation email not sent by the emulator", "b***@example.com"),
                ("Organization invitation email not sent by the emulator", "m***@example.com"),
            ] {
                #expect(page.body.contains(text) && page.body.contains(masked), "dashboard: \(text) \(masked)")
                #expect(log.contains { $0.contains(text) && $0.contains(masked) }, "log: \(text) \(masked)")
            }
            for text in ["Profile image uploaded", "Organization logo uploaded"] {
                #expect(page.body.contains(text), "dashboard: \(text)")
                #expect(log.contains { $0.contains(text) }, "log: \(text)")
            }
            // notify=false: nothing sent, so nothing recorded; no address appears unmasked anywhere.
            for address in ["q***@example.com", "s***@example.com"] {
                #expect(!page.body.contains(address) && !log.contains { $0.contains(address) }, "\(address)")
            }
            for address in ["invitee@example.com", "member@example.com", "bulk@example.com"] {
                #expect(!page.body.contains(address) && !log.contains { $0.contains(address) }, "\(address)")
            }
        }
    }

    @Test("Webhook deliveries: status and attempts from the outbox; a failed event is delivered again")
    func webhooks() async throws {
        let healthy = Gate()
        let receiver = try await LoopbackHTTPServer.start { _ in healthy.isOpen ? .json("{}") : .json(status: 500, "{}") }
        defer { Task { try? await receiver.shutdown() } }
        var options = EmulatorOptions(webhookURL: receiver.baseURL.appendingPathComponent("hooks"), webhookMaxAttempts: 1)
        options.webhookRetryDelay = .milliseconds(50)
        try await withOptionsEmulator(options) { emulator, clerk in
            let visitor = try await Visitor.open(emulator)
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["hook@example.com"]))
            var failedID: String?
            for _ in 0..<600 {
                let page = try await visitor.get("/dashboard/webhooks?status=failed")
                if let match = page.body.firstMatch(of: /data-message-id="(msg_[A-Za-z0-9]+)"/) { failedID = String(match.output.1); break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let id = try #require(failedID, "the event failed once")
            let page = try await visitor.get("/dashboard/webhooks")
            #expect(page.body.contains("user.created") && page.body.contains("HTTP 500"))
            healthy.open()
            #expect(try await visitor.post("/dashboard/webhooks/\(id)/redeliver", from: "/dashboard/users", []).status == 303)
            var delivered = false
            for _ in 0..<600 {
                let delivery = try await visitor.get("/dashboard/webhooks?status=delivered")
                if delivery.body.contains(id) { delivered = true; break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(delivered)
            #expect(try await visitor.post("/dashboard/webhooks/msg_unknown/redeliver", from: "/dashboard/users", []).status == 404)
        }
    }
}

/// Every line an emulator logs, for checking what it tells the developer.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let lines: LogLines
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let line = "\(event.message) \(metadata.merging(event.metadata ?? [:]) { _, new in new })"
            lines.lines.withLock { $0.append(line) }
        }
    }
}
