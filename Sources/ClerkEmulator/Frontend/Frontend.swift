import ClerkBackend
import Crypto
import Foundation
import GRDB

/// Which part of the emulator a request is addressed to, by its `Host`.
enum FrontendSite: Sendable {
    /// `clerk.emulator.localhost:<port>`: the Frontend API (handshake, dev browser, JWKS).
    case frontendAPI
    /// `accounts.emulator.localhost:<port>`: the hosted sign-in, sign-up, sign-out and organization pages.
    case accountsPortal
}

/// A request to the Frontend API or the hosted pages.
struct FrontendRequest: Sendable {
    var method: String
    var path: String
    /// Query pairs in order, decoded.
    var query: [(name: String, value: String)]
    /// Header values by lower-case name (repeated headers joined).
    var headers: [String: String]
    var body: Data
    /// The `Host` header as sent (with the port).
    var authority: String

    func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }

    func header(_ name: String) -> String? { headers[name] }

    /// The cookies of the `Cookie` header; the first of a name wins, as browsers send the most specific first.
    var cookies: [String: String] {
        var result: [String: String] = [:]
        for pair in (headers["cookie"] ?? "").split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = parts[0].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, result[name] == nil else { continue }
            result[name] = parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : ""
        }
        return result
    }

    /// The fields of an `application/x-www-form-urlencoded` body (none for other bodies).
    var form: [(name: String, value: String)] {
        guard let type = headers["content-type"]?.lowercased(), type.hasPrefix("application/x-www-form-urlencoded") else { return [] }
        return EmulatorRoutes.parseQuery(String(decoding: body, as: UTF8.self))
    }

    func formValue(_ name: String) -> String? { form.first { $0.name == name }?.value }
}

/// A validated redirect target: an absolute http(s) URL on an allowed origin.
struct RedirectTarget: Sendable {
    let components: URLComponents
    /// `scheme://host[:port]`.
    let origin: String
    var isSecure: Bool { components.scheme == "https" }
    var string: String { components.string ?? origin }

    /// The URL with these query parameters set (earlier values of the same names removed; the rest, and the
    /// fragment, kept as they were).
    func setting(_ items: [(name: String, value: String)]) -> String {
        var url = components
        let names = Set(items.map(\.name))
        var pairs = (url.percentEncodedQuery ?? "").split(separator: "&").map(String.init).filter { pair in
            let name = String(pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0])
            return !names.contains(name.removingPercentEncoding ?? name)
        }
        pairs += items.map { RedirectTarget.encode($0.name) + "=" + RedirectTarget.encode($0.value) }
        url.percentEncodedQuery = pairs.joined(separator: "&")
        return url.string ?? origin
    }

    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
}

extension EmulatorState {
    /// The hosted pages' host name without the port.
    static let accountsHostName = "accounts.emulator.localhost"

    /// The host name of a `Host` value: lower case, without the port or IPv6 brackets.
    static func hostName(_ authority: String) -> String {
        var host = Substring(authority)
        if host.hasPrefix("[") {
            host = host.dropFirst().prefix { $0 != "]" }
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return host.lowercased()
    }

    /// The Frontend API or the hosted pages, when the request is addressed to one of their names (any port).
    func frontendSite(_ authority: String) -> FrontendSite? {
        switch Self.hostName(authority) {
        case Self.frontendHost: return .frontendAPI
        case Self.accountsHostName: return .accountsPortal
        default: return nil
        }
    }

    /// Answers a Frontend API or hosted-page request. Every answer carries `Cache-Control: no-store`.
    func handleFrontend(_ site: FrontendSite, _ request: FrontendRequest) async throws -> EmulatorResponse {
        var response: EmulatorResponse
        do {
            switch site {
            case .frontendAPI: response = try await frontendAPI(request)
            case .accountsPortal: response = try await hostedPage(request)
            }
        } catch let error as EmulatorError {
            let wantsHTML = site == .accountsPortal || (request.header("accept")?.contains("text/html") ?? false)
            response = wantsHTML
                ? Self.htmlPage(title: "Error", status: error.status, body: "<h1>Something went wrong</h1><p class=\"error\">\(html(error.longMessage ?? error.message))</p>")
                : try error.response(traceID: "trace_" + EmulatorIDs.random(length: 24))
        }
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    // MARK: Frontend API

    func frontendAPI(_ request: FrontendRequest) async throws -> EmulatorResponse {
        switch (request.method, request.path) {
        case ("GET", "/v1/client/handshake"):
            return try await handshake(request)
        case (_, "/v1/client/handshake"):
            throw EmulatorError(status: 405, code: "method_not_allowed", message: "Method not allowed", longMessage: "The handshake only answers GET.")
        case ("POST", "/v1/dev_browser"):
            let browser = try await store.writer.write { db in try Self.resolveDevBrowser(nil, db) }
            var response = try EmulatorResponse.json(["object": "dev_browser", "id": .string(browser.token)])
            await addCORS(&response, request)
            return response
        case ("OPTIONS", "/v1/dev_browser"):
            var response = EmulatorResponse.empty(status: 204)
            await addCORS(&response, request)
            response.headers["Access-Control-Allow-Methods"] = "POST"
            return response
        case ("GET", "/v1/tickets/accept"):
            return try await acceptTicket(request)
        case ("GET", "/.well-known/jwks.json"), ("GET", "/v1/jwks"):
            return try .json(["keys": [keys.signer.jwk]])
        default:
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "The emulator's Frontend API answers only GET /v1/client/handshake, POST /v1/dev_browser and GET /.well-known/jwks.json"
            )
        }
    }

    /// CORS for browser callers of `POST /v1/dev_browser`: only for allowed origins, never a wildcard.
    func addCORS(_ response: inout EmulatorResponse, _ request: FrontendRequest) async {
        response.headers["Vary"] = "Origin"
        guard let origin = request.header("origin"), let url = URLComponents(string: origin), url.path.isEmpty,
            (try? await isAllowedOrigin(url)) == true
        else { return }
        response.headers["Access-Control-Allow-Origin"] = origin
    }

    /// `GET /v1/client/handshake` on a development instance: finds the browser's client through its dev-browser
    /// token (a new one when missing or unknown), builds the signed-in or signed-out cookie directives, and sends
    /// the browser back to `redirect_url` with the dev-browser token and a nonce (or a signed payload for
    /// `format=token`).
    func handshake(_ request: FrontendRequest) async throws -> EmulatorResponse {
        guard let target = try await redirectTarget(request.queryValue("redirect_url"), name: "redirect_url") else {
            throw EmulatorError(
                status: 400, code: "form_param_missing", message: "is missing", longMessage: "redirect_url must be included.",
                meta: ["param_name": "redirect_url"]
            )
        }
        let suffixed = request.queryValue("suffixed_cookies") == "true"
        let format = request.queryValue("format") ?? "token"
        guard format == "nonce" || format == "token" else { throw EmulatorError.invalidQuery("format", "must be nonce or token") }
        let organizationTarget = request.query.first { $0.name == "organization_id" }?.value
        let presented = request.queryValue("__clerk_db_jwt").flatMap { $0.isEmpty ? nil : $0 } ?? request.cookies["__clerk_db_jwt"]

        // The browser, its client and the session to hand out (with the organization the app asked for).
        let (browser, client, session) = try await store.writer.write { db -> (DevBrowser, FrontendClient, EmulatorStore.Record?) in
            let browser = try Self.resolveDevBrowser(presented, db)
            guard let client = try Self.frontendClient(browser.clientID, db) else { throw EmulatorError.notFound("Client") }
            guard var session = try Self.activeSession(of: client, db) else { return (browser, client, nil) }
            if let organizationTarget {
                try Self.applyOrganization(organizationTarget, to: &session, strict: false, db)
            }
            return (browser, client, session)
        }
        // What the dashboard's "sign in as" offers to return to: the page of the last app that ran a handshake.
        dashboard.setLastAppURL(target.origin + (target.components.path.isEmpty ? "/" : target.components.path))
        let token: String? =
            if let session {
                try? await sessionToken(session, lifetime: options.sessionTokenLifetimeSeconds, template: nil, authorizedParty: target.origin)
            } else {
                nil
            }
        let suffix = try PublishableKey(keys.publishableKey).cookieSuffix
        let secure = target.isSecure
        let query = try await store.writer.write { db -> [(name: String, value: String)] in
            var refreshToken: String?
            if let session, token != nil, suffixed { refreshToken = try Self.issueRefreshToken(sessionID: session.id, db) }
            let directives = Self.handshakeDirectives(
                token: token, clientUAT: client.updatedAt / 1000, devBrowser: browser.token, refreshToken: refreshToken,
                suffix: suffix, suffixed: suffixed, secure: secure
            )
            if format == "nonce" {
                return [("__clerk_db_jwt", browser.token), ("__clerk_handshake_nonce", try Self.storeHandshakeNonce(directives, db))]
            }
            let signed = try keys.signer.sign(
                claims: ["handshake": .array(directives.map { .string($0) })], header: ["cat": .string(Self.sessionTokenCategory)]
            )
            return [("__clerk_db_jwt", browser.token), ("__clerk_handshake", signed)]
        }
        var response = EmulatorResponse.empty(status: 307)
        response.headers["Location"] = target.setting(query)
        response.cookies = [Self.setCookie("__clerk_db_jwt", browser.token, maxAge: 31_536_000, secure: false, httpOnly: true)]
        return response
    }

    /// The `Set-Cookie` directives of a handshake, for the app to replay on its own domain: host-only, `SameSite=Lax`,
    /// `Secure` only for https apps; suffixed names only when the app reads them (deletions go to both names); the
    /// `__session` directives last, as the SDK verifies the last one.
    static func handshakeDirectives(
        token: String?, clientUAT: Int64, devBrowser: String, refreshToken: String?, suffix: String, suffixed: Bool, secure: Bool
    ) -> [String] {
        func names(_ base: String) -> [String] { suffixed ? [base, base + "_" + suffix] : [base] }
        var directives: [String] = []
        let uat = token == nil ? "0" : String(clientUAT)
        for name in names("__client_uat") { directives.append(setCookie(name, uat, maxAge: 315_360_000, secure: secure)) }
        for name in names("__clerk_db_jwt") { directives.append(setCookie(name, devBrowser, maxAge: 31_536_000, secure: secure)) }
        if let token {
            if let refreshToken {
                directives.append(setCookie("__refresh_" + suffix, refreshToken, maxAge: 315_360_000, secure: secure, httpOnly: true))
            }
            for name in names("__session") { directives.append(setCookie(name, token, maxAge: 31_536_000, secure: secure)) }
        } else {
            directives.append(deleteCookie("__refresh_" + suffix, secure: secure, httpOnly: true))
            for name in ["__session", "__session_" + suffix] { directives.append(deleteCookie(name, secure: secure)) }
        }
        return directives
    }

    static func setCookie(_ name: String, _ value: String, maxAge: Int, secure: Bool, httpOnly: Bool = false) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); SameSite=Lax" + (httpOnly ? "; HttpOnly" : "") + (secure ? "; Secure" : "")
    }

    static func deleteCookie(_ name: String, secure: Bool, httpOnly: Bool = false) -> String {
        "\(name)=; Path=/; Max-Age=0; SameSite=Lax" + (httpOnly ? "; HttpOnly" : "") + (secure ? "; Secure" : "")
    }

    /// Sets the session's active organization from an id or slug (`""` for the personal account). With `strict`
    /// an unknown organization or one the user does not belong to is an error; otherwise the session keeps its own.
    static func applyOrganization(_ idOrSlug: String, to session: inout EmulatorStore.Record, strict: Bool, _ db: Database) throws {
        var organizationID: String?
        if !idOrSlug.isEmpty {
            let organization = try EmulatorStore.fetch(idOrSlug, kind: "organization", db)
                ?? Row.fetchOne(db, sql: "SELECT * FROM resources WHERE kind = 'organization' AND json_extract(doc, '$.slug') = ?", arguments: [idOrSlug]).map(EmulatorStore.record)
            let userID = session.doc["user_id"]?.stringMember ?? ""
            guard let organization, try isMember(userID: userID, organizationID: organization.id, db) else {
                if strict {
                    throw EmulatorError(status: 422, code: "not_a_member", message: "You are not a member of that organization.")
                }
                return
            }
            organizationID = organization.id
        }
        var doc = session.doc.objectMembers ?? [:]
        guard doc["last_active_organization_id"]?.stringMember != organizationID else { return }
        doc["last_active_organization_id"] = organizationID.map { .string($0) } ?? .null
        session.updatedAt = nowMillis()
        doc["updated_at"] = .int(session.updatedAt)
        session.doc = .object(doc)
        try EmulatorStore.update(session, db)
    }

    // MARK: Redirect targets

    /// `text` as a redirect target, `nil` when absent; an error when it is not an absolute http(s) URL on an allowed
    /// origin (loopback, `localhost`, `*.localhost`, the instance's allowed origins, redirect URLs and domains).
    func redirectTarget(_ text: String?, name: String) async throws -> RedirectTarget? {
        guard let text, !text.isEmpty else { return nil }
        let invalid = EmulatorError(
            status: 400, code: "redirect_url_invalid", message: "is invalid",
            longMessage: "\(name) must be an absolute http or https URL on an origin this instance allows (localhost, *.localhost, loopback, or a configured allowed origin, redirect URL or domain).",
            meta: ["param_name": .string(name)]
        )
        guard text.utf8.count <= 4096, let url = URLComponents(string: text), url.user == nil, url.password == nil,
            let host = url.host, !host.isEmpty, try await isAllowedOrigin(url)
        else { throw invalid }
        var components = url
        components.scheme = url.scheme?.lowercased()
        return RedirectTarget(components: components, origin: Self.origin(of: components))
    }

    /// `scheme://host[:port]` of a URL (the port only when it is not the scheme's default).
    static func origin(of url: URLComponents) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        var host = (url.host ?? "").lowercased()
        if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
        if host.contains(":") { host = "[\(host)]" }
        let defaultPort = scheme == "https" ? 443 : 80
        return scheme + "://" + host + (url.port.map { $0 == defaultPort ? "" : ":\($0)" } ?? "")
    }

    /// Whether an http(s) URL's origin is one this development instance sends browsers to.
    func isAllowedOrigin(_ url: URLComponents) async throws -> Bool {
        guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https" else { return false }
        let name = (url.host ?? "").lowercased()
        let host = name.hasPrefix("[") ? String(name.dropFirst().dropLast()) : name
        guard !host.isEmpty else { return false }
        if host == "localhost" || host.hasSuffix(".localhost") || ClerkEmulator.isLoopback(host) { return true }
        let origin = Self.origin(of: url)
        return try await store.writer.read { db in
            let settings = try Self.settings(Self.instanceSettingsName, db)
            for allowed in settings["allowed_origins"]?.arrayMember ?? [] {
                if let text = allowed.stringMember, let parsed = URLComponents(string: text), Self.origin(of: parsed) == origin { return true }
            }
            for text in try String.fetchAll(db, sql: "SELECT json_extract(doc, '$.url') FROM resources WHERE kind = 'redirect_url'") {
                if let parsed = URLComponents(string: text), parsed.host != nil, Self.origin(of: parsed) == origin { return true }
            }
            for domain in try String.fetchAll(db, sql: "SELECT json_extract(doc, '$.name') FROM resources WHERE kind = 'domain'") {
                let name = Self.hostName(domain)
                if host == name || host.hasSuffix("." + name) { return true }
            }
            return false
        }
    }
}

/// Text escaped for HTML element content and quoted attribute values.
func html(_ text: String) -> String {
    var escaped = ""
    escaped.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": escaped += "&amp;"
        case "<": escaped += "&lt;"
        case ">": escaped += "&gt;"
        case "\"": escaped += "&quot;"
        case "'": escaped += "&#39;"
        default: escaped.append(character)
        }
    }
    return escaped
}
