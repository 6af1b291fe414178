import ClerkBackend
import Crypto
import Foundation
import GRDB
import Logging

/// What every hosted form carries: the validated return URL, the dev-browser token and the CSRF token.
struct PageContext: Sendable {
    var redirect: RedirectTarget?
    var devBrowser: String?
    /// A sign-in token's or invitation's ticket (`__clerk_ticket`), kept until the form is posted.
    var ticket: String? = nil
    /// The per-browser secret kept in the host-only `__clerk_csrf` cookie.
    var csrfSecret: String
    /// Whether the cookie has to be (re)set with this answer.
    var newCSRFSecret: Bool
    /// The hidden-field value: an HMAC of the secret, so a cookie planted by another site cannot be paired with a
    /// field its planter computed.
    var csrfToken: String

    var hiddenFields: String {
        var fields = "<input type=\"hidden\" name=\"csrf_token\" value=\"\(html(csrfToken))\">"
        if let redirect { fields += "<input type=\"hidden\" name=\"redirect_url\" value=\"\(html(redirect.string))\">" }
        if let devBrowser { fields += "<input type=\"hidden\" name=\"__clerk_db_jwt\" value=\"\(html(devBrowser))\">" }
        if let ticket { fields += "<input type=\"hidden\" name=\"__clerk_ticket\" value=\"\(html(ticket))\">" }
        return fields
    }

    /// A link to another hosted page that keeps the return URL and the dev browser.
    func link(_ path: String) -> String {
        var items: [String] = []
        if let redirect { items.append("redirect_url=" + RedirectTarget.encode(redirect.string)) }
        if let devBrowser { items.append("__clerk_db_jwt=" + RedirectTarget.encode(devBrowser)) }
        return items.isEmpty ? path : path + "?" + items.joined(separator: "&")
    }
}

extension EmulatorState {
    static let csrfCookie = "__clerk_csrf"

    /// The hosted pages: sign-in, sign-up, sign-out and the organization switcher, as plain HTML forms.
    func hostedPage(_ request: FrontendRequest) async throws -> EmulatorResponse {
        let isPost = request.method == "POST"
        guard request.method == "GET" || request.method == "HEAD" || isPost else {
            return Self.htmlPage(title: "Not allowed", status: 405, body: "<h1>Method not allowed</h1>")
        }
        let pages = ["/", "/sign-in", "/sign-up", "/sign-out", "/organization"]
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        guard pages.contains(path), !(isPost && path == "/") else {
            return Self.htmlPage(title: "Not found", status: 404, body: "<h1>Not found</h1><p><a href=\"/sign-in\">Sign in</a></p>")
        }
        var context = try await pageContext(request)
        var response: EmulatorResponse
        if isPost, let problem = csrfProblem(request, context) {
            // Show the form again with a fresh token; nothing was changed.
            if context.newCSRFSecret == false { context = try await pageContext(request, renewCSRF: true) }
            response = try await renderPage(path, context, error: problem, status: 403)
        } else if isPost {
            response = try await submit(path, request, context)
        } else {
            response = try await renderPage(path, context, error: nil, status: 200, prefill: request.queryValue("email_address") ?? request.queryValue("username") ?? request.queryValue("phone_number"))
        }
        if context.newCSRFSecret {
            response.cookies.append(Self.setCookie(Self.csrfCookie, context.csrfSecret, maxAge: 86_400, secure: false, httpOnly: true))
        }
        return response
    }

    func pageContext(_ request: FrontendRequest, renewCSRF: Bool = false) async throws -> PageContext {
        let isPost = request.method == "POST"
        let value = { (name: String) in isPost ? request.formValue(name) : request.queryValue(name) }
        let redirect = try await redirectTarget(value("redirect_url"), name: "redirect_url")
        let devBrowser = [value("__clerk_db_jwt"), request.cookies["__clerk_db_jwt"]].compactMap { $0 }.first(where: Self.isDevBrowserToken)
        var secret = request.cookies[Self.csrfCookie] ?? ""
        let fresh = renewCSRF || secret.utf8.count != 32 || !secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        if fresh { secret = EmulatorIDs.random(length: 32) }
        let ticket = value("__clerk_ticket").flatMap { Self.isTicketShape($0) ? $0 : nil }
        return PageContext(
            redirect: redirect, devBrowser: devBrowser, ticket: ticket, csrfSecret: secret, newCSRFSecret: fresh,
            csrfToken: csrfToken(for: secret)
        )
    }

    func csrfToken(for secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Data(("hosted-pages-csrf|" + secret).utf8), using: frontendKey)
        return code.map { String(format: "%02x", $0) }.joined()
    }

    /// Why a POST is refused, or `nil`: a cross-site request (by `Sec-Fetch-Site` or `Origin`, when sent), or a
    /// CSRF field that does not match the browser's cookie.
    func csrfProblem(_ request: FrontendRequest, _ context: PageContext) -> String? {
        let refused = "This form was not sent from this page, or it expired. Please try again."
        if let site = request.header("sec-fetch-site")?.lowercased(), site != "same-origin", site != "none" { return refused }
        // (The pages send `Referrer-Policy: same-origin`: with `no-referrer` a browser posts `Origin: null`.)
        if let origin = request.header("origin")?.lowercased() {
            let own = request.authority.lowercased()
            guard origin == "http://" + own || origin == "https://" + own else { return refused }
        }
        guard !context.newCSRFSecret, let field = request.formValue("csrf_token"), constantTimeEquals(field, context.csrfToken) else {
            return refused
        }
        return nil
    }

    // MARK: Rendering

    func renderPage(_ path: String, _ context: PageContext, error: String?, status: Int, prefill: String? = nil) async throws -> EmulatorResponse {
        let message = error.map { "<p class=\"error\" role=\"alert\">\(html($0))</p>" } ?? ""
        switch path {
        case "/sign-in":
            if let ticket = context.ticket {
                let found = try await store.writer.read { db -> (EmulatorStore.Record, String?)? in
                    guard case .signInToken(let token, let userID)? = try Self.findTicket(ticket, db),
                        let user = try EmulatorStore.fetch(userID, kind: "user", db)
                    else { return nil }
                    return (user, token.kind == "actor_token" ? token.doc["actor"]?["sub"]?.stringMember : nil)
                }
                if let (user, actor) = found {
                    let impersonation = actor.map { " You will act as this user on behalf of \(html($0)) (impersonation)." } ?? ""
                    return Self.htmlPage(title: "Sign in", status: status, body: """
                        <h1>Sign in</h1>\(message)<p>This sign-in link is for \(html(Self.userLabel(user.doc))).\(impersonation)</p>
                        <form method="post" action="/sign-in">\(context.hiddenFields)<button type="submit">Continue as \(html(Self.userLabel(user.doc)))</button></form>
                        """)
                }
                var plain = context
                plain.ticket = nil
                return try await renderPage(
                    path, plain, error: error ?? "This sign-in link is invalid, was already used, or has expired.", status: status,
                    prefill: prefill
                )
            }
            let users = try await store.writer.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM resources WHERE kind = 'user' ORDER BY created_at DESC, rowid DESC LIMIT 25").map(EmulatorStore.record)
            }
            var continueAs = ""
            if !users.isEmpty {
                continueAs = "<h2>Continue as an existing user</h2><p class=\"note\">Development instance: no password needed.</p><ul class=\"users\">"
                for user in users {
                    continueAs += "<li><form method=\"post\" action=\"/sign-in\">\(context.hiddenFields)<input type=\"hidden\" name=\"user_id\" value=\"\(html(user.id))\"><button type=\"submit\" class=\"secondary\">Continue as \(html(Self.userLabel(user.doc)))</button></form></li>"
                }
                continueAs += "</ul>"
            }
            return Self.htmlPage(title: "Sign in", status: status, body: """
                <h1>Sign in</h1>\(message)
                <form method="post" action="/sign-in">\(context.hiddenFields)
                <label>Email address, username or phone number<input name="identifier" autocomplete="username" value="\(html(prefill ?? ""))" required></label>
                <label>Password<input type="password" name="password" autocomplete="current-password" required></label>
                <button type="submit">Sign in</button>
                </form>
                <p>No account? <a href="\(html(context.link("/sign-up")))">Sign up</a></p>
                \(continueAs)
                """)
        case "/sign-up":
            var prefill = prefill
            if let ticket = context.ticket, prefill == nil,
                case .invitation(_, let email)? = try await store.writer.read({ db in try Self.findTicket(ticket, db) })
            {
                prefill = email
            }
            return Self.htmlPage(title: "Sign up", status: status, body: """
                <h1>Sign up</h1>\(message)
                <form method="post" action="/sign-up">\(context.hiddenFields)
                <label>Email address<input type="email" name="email_address" autocomplete="email" value="\(html(prefill ?? ""))" required></label>
                <label>Password<input type="password" name="password" autocomplete="new-password" minlength="8" required></label>
                <label>First name (optional)<input name="first_name" autocomplete="given-name"></label>
                <label>Last name (optional)<input name="last_name" autocomplete="family-name"></label>
                <button type="submit">Sign up</button>
                </form>
                <p>Have an account? <a href="\(html(context.link("/sign-in")))">Sign in</a></p>
                """)
        case "/sign-out":
            let who = try await signedInUser(context).map { "<p>Signed in as \(html(Self.userLabel($0.user.doc))).</p>" } ?? "<p>No one is signed in on this browser.</p>"
            return Self.htmlPage(title: "Sign out", status: status, body: """
                <h1>Sign out</h1>\(message)\(who)
                <form method="post" action="/sign-out">\(context.hiddenFields)<button type="submit">Sign out</button></form>
                """)
        case "/organization":
            guard let signedIn = try await signedInUser(context) else {
                return Self.htmlPage(title: "Organizations", status: status == 200 ? 200 : status, body: """
                    <h1>Organizations</h1>\(message)<p>Sign in first.</p><p><a href="\(html(context.link("/sign-in")))">Sign in</a></p>
                    """)
            }
            let active = signedIn.session.doc["last_active_organization_id"]?.stringMember
            let organizations = try await store.writer.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT o.id AS id, json_extract(o.doc, '$.name') AS name, json_extract(m.doc, '$.role') AS role
                        FROM resources m JOIN resources o ON o.id = m.parent_id AND o.kind = 'organization'
                        WHERE m.kind = 'organization_membership' AND json_extract(m.doc, '$.public_user_data.user_id') = ?
                        ORDER BY name, o.id
                        """,
                    arguments: [signedIn.user.id]
                ).map { row -> (id: String, name: String, role: String) in (row["id"], row["name"] ?? "", row["role"] ?? "") }
            }
            func option(id: String, label: String, detail: String) -> String {
                let current = (active ?? "") == id
                return "<li><form method=\"post\" action=\"/organization\">\(context.hiddenFields)<input type=\"hidden\" name=\"organization_id\" value=\"\(html(id))\"><button type=\"submit\" class=\"secondary\"\(current ? " disabled" : "")>\(html(label))\(current ? " (active)" : "")</button> <span class=\"note\">\(html(detail))</span></form></li>"
            }
            var list = option(id: "", label: "Personal account", detail: "")
            for organization in organizations { list += option(id: organization.id, label: organization.name, detail: organization.role) }
            return Self.htmlPage(title: "Organizations", status: status, body: """
                <h1>Switch organization</h1>\(message)<p>Signed in as \(html(Self.userLabel(signedIn.user.doc))).</p><ul class="users">\(list)</ul>
                """)
        default:
            let who = try await signedInUser(context).map { "<p>Signed in as \(html(Self.userLabel($0.user.doc))).</p>" } ?? "<p>No one is signed in on this browser.</p>"
            return Self.htmlPage(title: "Clerk emulator", status: status, body: """
                <h1>Clerk emulator</h1>\(message)\(who)
                <ul><li><a href="\(html(context.link("/sign-in")))">Sign in</a></li><li><a href="\(html(context.link("/sign-up")))">Sign up</a></li>
                <li><a href="\(html(context.link("/organization")))">Switch organization</a></li><li><a href="\(html(context.link("/sign-out")))">Sign out</a></li></ul>
                """)
        }
    }

    /// The user and session of the browser's client, when one is signed in.
    func signedInUser(_ context: PageContext) async throws -> (user: EmulatorStore.Record, session: EmulatorStore.Record, browser: DevBrowser)? {
        try await store.writer.read { db in
            guard let browser = try Self.existingDevBrowser(context.devBrowser, db),
                let client = try Self.frontendClient(browser.clientID, db),
                let session = try Self.activeSession(of: client, db),
                let userID = session.doc["user_id"]?.stringMember,
                let user = try EmulatorStore.fetch(userID, kind: "user", db)
            else { return nil }
            return (user, session, browser)
        }
    }

    /// How a user is named on the pages: name and email address, else username, else id.
    static func userLabel(_ user: JSONValue) -> String {
        let name = [user["first_name"]?.stringMember, user["last_name"]?.stringMember].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        let primary = user["primary_email_address_id"]?.stringMember
        let email = user["email_addresses"]?.arrayMember?.first { $0["id"]?.stringMember == primary }?["email_address"]?.stringMember
        let identifier = email ?? user["username"]?.stringMember ?? user["phone_numbers"]?.arrayMember?.first?["phone_number"]?.stringMember
        switch (name.isEmpty ? nil : name, identifier) {
        case (let name?, let identifier?): return "\(name) <\(identifier)>"
        case (let name?, nil): return name
        case (nil, let identifier?): return identifier
        default: return user["id"]?.stringMember ?? "user"
        }
    }

    static func htmlPage(title: String, status: Int, body: String) -> EmulatorResponse {
        let document = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex"><title>\(html(title)) · Clerk emulator</title>
            <style>
            body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#222}
            label{display:block;margin:.8rem 0}input{display:block;width:100%;box-sizing:border-box;padding:.5rem;margin-top:.25rem}
            button{padding:.5rem 1rem;margin:.4rem 0;cursor:pointer}.secondary{background:#f4f4f4;border:1px solid #ccc}
            .error{color:#b00020;font-weight:600}.note{color:#666;font-size:.9em}ul.users{list-style:none;padding:0}
            .banner{font-size:.8em;color:#666;border-bottom:1px solid #eee;padding-bottom:.5rem}
            </style></head>
            <body><p class="banner">Clerk emulator · development instance</p>
            \(body)
            </body></html>
            """
        return EmulatorResponse(
            status: status, body: Data(document.utf8), contentType: "text/html; charset=utf-8",
            headers: [
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
                "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
            ]
        )
    }

    // MARK: Submissions

    func submit(_ path: String, _ request: FrontendRequest, _ context: PageContext) async throws -> EmulatorResponse {
        do {
            switch path {
            case "/sign-in": return try await submitSignIn(request, context)
            case "/sign-up": return try await submitSignUp(request, context)
            case "/sign-out":
                let token = try await store.writer.write { db -> String? in
                    guard let browser = try Self.existingDevBrowser(context.devBrowser, db) else { return nil }
                    try self.endSessions(ofClient: browser.clientID, db)
                    try Self.touchClient(browser.clientID, lastActiveSessionID: nil, db)
                    return browser.token
                }
                return finish(context, devBrowser: token)
            default:  // "/organization"
                guard let organizationID = request.formValue("organization_id") else { throw EmulatorError(status: 422, code: "form_param_missing", message: "Choose an organization.") }
                guard let signedIn = try await signedInUser(context) else { throw EmulatorError(status: 422, code: "signed_out", message: "Sign in first.") }
                try await store.writer.write { db in
                    var session = signedIn.session
                    try Self.applyOrganization(organizationID, to: &session, strict: true, db)
                    try Self.touchClient(signedIn.browser.clientID, lastActiveSessionID: session.id, db)
                }
                return finish(context, devBrowser: signedIn.browser.token)
            }
        } catch let error as EmulatorError where error.status == 422 || error.status == 404 {
            let prefill = request.formValue("identifier") ?? request.formValue("email_address")
            return try await renderPage(path, context, error: error.longMessage ?? error.message, status: 422, prefill: prefill)
        }
    }

    func submitSignIn(_ request: FrontendRequest, _ context: PageContext) async throws -> EmulatorResponse {
        if let ticket = context.ticket { return try await submitTicketSignIn(ticket, context) }
        let userID: String
        if let chosen = request.formValue("user_id"), !chosen.isEmpty {
            userID = chosen
        } else {
            let identifier = (request.formValue("identifier") ?? "").trimmingCharacters(in: .whitespaces)
            let password = request.formValue("password") ?? ""
            guard !identifier.isEmpty, !password.isEmpty else {
                throw EmulatorError(status: 422, code: "form_param_missing", message: "Enter your email address, username or phone number, and your password.")
            }
            let incorrect = EmulatorError(status: 422, code: "form_password_incorrect", message: "The identifier or the password is incorrect.")
            let found = try await store.writer.read { db -> EmulatorStore.Record? in
                for kind in ["email", "username", "phone"] {
                    if let owner = try EmulatorStore.owner(of: identifier, kind: kind, db) { return try EmulatorStore.fetch(owner, kind: "user", db) }
                }
                return nil
            }
            guard let user = found, let digest = user.secret, try PasswordDigest.verify(password, digest: digest) else { throw incorrect }
            let compromised = try await store.writer.read { db in try EmulatorStore.owner(of: user.id, kind: "password_compromised", db) != nil }
            guard !compromised else {
                throw EmulatorError(
                    status: 422, code: "form_password_compromised",
                    message: "This password was marked compromised: it can no longer be used to sign in. Reset it (UpdateUser with a new password)."
                )
            }
            userID = user.id
        }
        return try await signIn(userID: userID, context)
    }

    func submitSignUp(_ request: FrontendRequest, _ context: PageContext) async throws -> EmulatorResponse {
        let email = (request.formValue("email_address") ?? "").trimmingCharacters(in: .whitespaces)
        guard !email.isEmpty else { throw EmulatorError(status: 422, code: "form_param_missing", message: "Enter your email address.") }
        guard let password = request.formValue("password"), !password.isEmpty else {
            throw EmulatorError(status: 422, code: "form_param_missing", message: "Enter a password.")
        }
        var fields: [String: JSONValue] = ["email_address": [.string(email)], "password": .string(password)]
        for name in ["first_name", "last_name"] {
            if let value = request.formValue(name)?.trimmingCharacters(in: .whitespaces), !value.isEmpty { fields[name] = .string(value) }
        }
        let created = try await createUser(BodyReader(object: fields))
        guard let userID = (try? JSONDecoder().decode(JSONValue.self, from: created.body))?["id"]?.stringMember else {
            throw EmulatorError(status: 500, code: "internal_clerk_error", message: "The user could not be created.")
        }
        if let ticket = context.ticket { try await acceptInvitation(ticket, email: email) }
        // The sign-up the page stands for, complete (GetSignUp/UpdateSignUp read it; the dashboard shows it).
        let signUp = SignUpAttempt(
            emailAddress: email, firstName: fields["first_name"]?.stringMember, lastName: fields["last_name"]?.stringMember,
            byInvitation: context.ticket != nil
        )
        return try await signIn(userID: userID, context, signUp: signUp)
    }

    /// Starts a session for the user on the browser's client (ending the client's earlier ones), then sends the
    /// browser back.
    func signIn(
        userID: String, _ context: PageContext, actor: JSONValue? = nil, maxDuration: Int64? = nil, signUp: SignUpAttempt? = nil
    ) async throws -> EmulatorResponse {
        let (token, signUpID) = try await store.writer.write { db -> (String, String?) in
            guard let user = try EmulatorStore.fetch(userID, kind: "user", db) else {
                throw EmulatorError(status: 422, code: "form_identifier_not_found", message: "That user does not exist.")
            }
            if user.doc["banned"]?.boolMember == true {
                throw EmulatorError(status: 422, code: "user_banned", message: "This account is banned.")
            }
            if user.doc["locked"]?.boolMember == true {
                throw EmulatorError(status: 422, code: "user_locked", message: "This account is locked.")
            }
            let browser = try Self.resolveDevBrowser(context.devBrowser, db)
            try self.endSessions(ofClient: browser.clientID, db)
            var session = try self.insertSession(userID: userID, clientID: browser.clientID, activeOrganizationID: nil, db)
            if let actor, let id = session["id"]?.stringMember, var record = try EmulatorStore.fetch(id, kind: "session", db) {
                var doc = record.doc.objectMembers ?? [:]
                doc["actor"] = actor
                if let maxDuration, let created = doc["created_at"]?.intMember { doc["expire_at"] = .int(created + maxDuration * 1000) }
                record.doc = .object(doc)
                try EmulatorStore.update(record, db)
                session = record.doc
            }
            try Self.touchClient(browser.clientID, lastActiveSessionID: session["id"]?.stringMember, db)
            let signUpID = try signUp.map { try $0.store(userID: userID, sessionID: session["id"]?.stringMember, db) }
            return (browser.token, signUpID)
        }
        if let signUpID {
            options.logger.info("Sign-up complete", metadata: ["sign_up_id": "\(signUpID)", "user_id": "\(userID)"])
        }
        return finish(context, devBrowser: token)
    }

    /// `303` to the return URL with the dev-browser token (so the app's next request syncs through a handshake), or
    /// to the hosted home page without one. The dev browser is remembered on this host too.
    func finish(_ context: PageContext, devBrowser: String?) -> EmulatorResponse {
        var response = EmulatorResponse.empty(status: 303)
        if let devBrowser {
            response.headers["Location"] = context.redirect?.setting([("__clerk_db_jwt", devBrowser)])
                ?? "/?__clerk_db_jwt=" + RedirectTarget.encode(devBrowser)
            response.cookies.append(Self.setCookie("__clerk_db_jwt", devBrowser, maxAge: 31_536_000, secure: false, httpOnly: true))
        } else {
            response.headers["Location"] = context.redirect?.string ?? "/"
        }
        return response
    }
}
