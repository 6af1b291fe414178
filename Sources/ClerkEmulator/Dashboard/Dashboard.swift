import ClerkBackend
import Foundation
import GRDB
import Logging
import Mustache

/// A dashboard request, routed: what the page and action handlers need besides the raw request.
struct DashboardCall: Sendable {
    let request: FrontendRequest
    /// The path split into segments after `/dashboard` (`["users", "user_…", "ban"]`); empty for the overview.
    let segments: [String]
    let session: DashboardAccess.Session
    let cookie: String
}

/// What an action did: a page to go to with a message, or a page to show again (with the error and the input).
enum DashboardOutcome: Sendable {
    case redirect(String, notice: String)
    case location(String)
}

extension EmulatorState {
    /// The dashboard's paths: the emulator's root and everything under `/dashboard` (on the Backend API's host names).
    static func isDashboardPath(_ path: String) -> Bool { path == "/" || path == "/dashboard" || path.hasPrefix("/dashboard/") }

    /// The session cookie's name carries the port: browsers share cookies across the ports of one host name.
    static func dashboardCookieName(_ authority: String) -> String {
        let port = authority.split(separator: ":").last.flatMap { Int($0) } ?? 80
        return "clerk_emulator_dashboard_\(port)"
    }

    /// Answers a dashboard request (HTML). Every answer carries a strict CSP (no script at all), no caching and no
    /// framing.
    func handleDashboard(_ request: FrontendRequest, peerIsLoopback: Bool) async -> EmulatorResponse {
        var response: EmulatorResponse
        do {
            response = try await dashboardResponse(request, peerIsLoopback: peerIsLoopback)
        } catch let error as EmulatorError {
            response = dashboardMessage(status: error.status, heading: "Something went wrong", text: error.longMessage ?? error.message)
        } catch {
            options.logger.error("Dashboard request failed", metadata: ["error": "\(type(of: error))"])
            response = dashboardMessage(status: 500, heading: "Something went wrong", text: "The emulator failed to answer; its log has the details.")
        }
        let keys = self.keys
        response.headers["Content-Security-Policy"] =
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http://\(keys.frontendHost) http://\(keys.accountsHost); frame-ancestors 'none'; base-uri 'none'"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Cache-Control"] = "no-store"
        return response
    }

    private func dashboardResponse(_ request: FrontendRequest, peerIsLoopback: Bool) async throws -> EmulatorResponse {
        let host = Self.hostName(request.authority)
        guard peerIsLoopback, ClerkEmulator.isLoopback(host) || host == "localhost" else {
            return dashboardMessage(
                status: 403, heading: "Loopback only",
                text: "The dashboard answers only requests from this machine addressed to 127.0.0.1, localhost or [::1]."
            )
        }
        var path = request.path
        if path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let cookieName = Self.dashboardCookieName(request.authority)

        if path == "/dashboard/open" {
            guard request.method == "GET" else { return dashboardMessage(status: 405, heading: "Method not allowed", text: "Open the link in a browser.") }
            guard let token = request.queryValue("token"), let cookie = dashboard.open(linkToken: token) else {
                return dashboardMessage(
                    status: 403, heading: "This link does not open the dashboard",
                    text: "A dashboard link works once and for 24 hours; this one was already used, has expired, or belongs to another run of the emulator.",
                    hint: Self.newLinkHint
                )
            }
            options.logger.notice("Dashboard opened through a one-time link")
            var response = EmulatorResponse.empty(status: 303)
            response.headers["Location"] = "/"
            response.cookies = [
                "\(cookieName)=\(cookie); Path=/; Max-Age=\(DashboardAccess.sessionLifetime.components.seconds); HttpOnly; SameSite=Strict"
            ]
            return response
        }
        guard let cookie = request.cookies[cookieName], let session = dashboard.session(cookie: cookie) else {
            return dashboardMessage(
                status: 401, heading: "Open the dashboard through its link",
                text: "The emulator prints a one-time dashboard link when it starts. Opening it signs this browser in to the dashboard for 12 hours.",
                hint: Self.newLinkHint
            )
        }
        if path == "/dashboard" { return Self.seeOther("/") }
        let segments = path == "/" ? [] : path.split(separator: "/").dropFirst().map { $0.removingPercentEncoding ?? String($0) }
        guard segments.allSatisfy(Self.isDashboardSegment) else { return dashboardNotFound(session) }
        let call = DashboardCall(request: request, segments: segments, session: session, cookie: cookie)
        switch request.method {
        case "GET", "HEAD":
            return try await dashboardPage(call, flash: session.flash)
        case "POST":
            if let problem = dashboardCSRFProblem(request, session) {
                options.logger.warning("Dashboard form refused", metadata: ["reason": "\(problem)"])
                return dashboardMessage(
                    status: 403, heading: "This form was refused",
                    text: "It was not sent from a page of this dashboard, or the page is out of date. Go back, reload the page and try again."
                )
            }
            do {
                switch try await dashboardAction(call) {
                case .redirect(let location, let notice):
                    dashboard.setFlash(cookie: cookie, .init(text: notice, isError: false))
                    return Self.seeOther(location)
                case .location(let location):
                    return Self.seeOther(location)
                }
            } catch let error as EmulatorError {
                // The page the form was on, again, with the error and what was typed (passwords aside).
                var form: [String: String] = [:]
                for (name, value) in request.form where name != "password" && name != "csrf_token" { form[name] = value }
                // Actions sit under their page: `users/{id}/ban` is on `users/{id}`, `sessions/{id}/revoke` on `sessions`.
                let pageSegments = segments.count <= 2 ? segments
                    : Array(segments.prefix(["users", "organizations"].contains(segments[0]) ? 2 : 1))
                let pageCall = DashboardCall(request: request, segments: pageSegments, session: session, cookie: cookie)
                var page = try await dashboardPage(
                    pageCall, flash: .init(text: Self.describe(error), isError: true), form: form
                )
                page.status = error.status
                return page
            }
        default:
            return dashboardMessage(status: 405, heading: "Method not allowed", text: "The dashboard answers GET and POST.")
        }
    }

    static let newLinkHint = "For a new link, restart the emulator, or run: curl -X POST -H \"Authorization: Bearer $CLERK_SECRET_KEY\" <api-url>/_emulator/dashboard_link"

    /// Path segments the dashboard accepts: its own words and Clerk ids (letters, digits, `_` and `-`).
    static func isDashboardSegment(_ text: String) -> Bool {
        (1...128).contains(text.utf8.count)
            && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
    }

    /// Why a POST is refused: a cross-origin request (by `Sec-Fetch-Site` or `Origin`, when the browser sends them;
    /// another port of `localhost` is another origin), or a CSRF field that is not this session's.
    func dashboardCSRFProblem(_ request: FrontendRequest, _ session: DashboardAccess.Session) -> String? {
        if let site = request.header("sec-fetch-site")?.lowercased(), site != "same-origin", site != "none" { return "Sec-Fetch-Site: \(site.prefix(20))" }
        if let origin = request.header("origin")?.lowercased(), origin != "http://" + request.authority.lowercased() { return "cross-origin" }
        guard let field = request.formValue("csrf_token"), constantTimeEquals(field, session.csrfToken) else { return "CSRF token" }
        return nil
    }

    /// A new one-time dashboard link, on a loopback address of the listener (the dashboard answers no other).
    func dashboardLink() -> URL {
        var components = URLComponents(string: apiURLString) ?? URLComponents()
        if !ClerkEmulator.isLoopback(components.host ?? "") { components.host = "127.0.0.1" }
        components.path = "/dashboard/open"
        components.queryItems = [URLQueryItem(name: "token", value: dashboard.mintLinkToken())]
        return components.url ?? URL(fileURLWithPath: "/")
    }

    /// An error as one line for the dashboard: the message and the parameter it is about.
    static func describe(_ error: EmulatorError) -> String {
        let text = error.longMessage ?? error.message
        if let parameter = error.meta["param_name"]?.stringMember, !text.contains(parameter) { return "\(parameter): \(text)" }
        return text
    }

    static func seeOther(_ location: String) -> EmulatorResponse {
        var response = EmulatorResponse.empty(status: 303)
        response.headers["Location"] = location
        return response
    }

    // MARK: Calling the Backend API

    /// Calls the emulator's own Backend API as an SDK would (routing, validation, handlers, webhook events), and
    /// records the call in the request log as the dashboard's. Errors are thrown as the API answers them.
    @discardableResult
    func dashboardAPI(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil) async throws -> JSONValue {
        let started = ContinuousClock.now
        let queryText = query.map { RedirectTarget.encode($0.0) + "=" + RedirectTarget.encode($0.1) }.joined(separator: "&")
        let data = try body.map { try JSONEncoder().encode($0) } ?? Data()
        do {
            let response = try await handle(
                method: method, path: path, query: queryText.isEmpty ? nil : queryText, authorization: "Bearer " + keys.secretKey,
                contentType: body == nil ? nil : "application/json", body: data
            )
            requestLog.record(method: method, path: path, status: response.status, elapsed: ContinuousClock.now - started, fromDashboard: true)
            if response.body.isEmpty { return .null }
            return try JSONDecoder().decode(JSONValue.self, from: response.body)
        } catch let error as EmulatorError {
            requestLog.record(method: method, path: path, status: error.status, elapsed: ContinuousClock.now - started, fromDashboard: true)
            throw error
        }
    }

    /// The items and total of a list answer, whichever shape it has (`{data, total_count}` or a bare array).
    static func listItems(_ value: JSONValue) -> (items: [JSONValue], total: Int) {
        if let items = value.arrayMember { return (items, items.count) }
        let items = value["data"]?.arrayMember ?? []
        return (items, Int(value["total_count"]?.intMember ?? Int64(items.count)))
    }

    // MARK: Rendering

    func dashboardRender(
        _ template: String, title: String, section: String?, data: [String: Any], session: DashboardAccess.Session?,
        flash: DashboardAccess.Flash? = nil, status: Int = 200
    ) -> EmulatorResponse {
        var values = data
        if let session { values["csrf"] = session.csrfToken }
        let body = DashboardTemplates.library.render(values, withTemplate: template) ?? ""
        var layout: [String: Any] = ["title": title, "body": body]
        if session != nil {
            let sections = [
                ("", "Overview", "/"), ("users", "Users", "/dashboard/users"), ("organizations", "Organizations", "/dashboard/organizations"),
                ("sessions", "Sessions", "/dashboard/sessions"), ("jwt-templates", "JWT templates", "/dashboard/jwt-templates"),
                ("webhooks", "Webhooks", "/dashboard/webhooks"), ("requests", "Requests", "/dashboard/requests"),
                ("effects", "Effects", "/dashboard/effects"),
            ]
            layout["nav"] = sections.map { ["label": $0.1, "href": $0.2, "current": $0.0 == section] as [String: Any] }
        }
        if let flash { layout["flash"] = ["text": flash.text, "isError": flash.isError] as [String: Any] }
        let page = DashboardTemplates.library.render(layout, withTemplate: "layout") ?? ""
        return EmulatorResponse(status: status, body: Data(page.utf8), contentType: "text/html; charset=utf-8")
    }

    func dashboardMessage(status: Int, heading: String, text: String, hint: String? = nil) -> EmulatorResponse {
        var data: [String: Any] = ["heading": heading, "text": text]
        if let hint { data["hint"] = hint }
        return dashboardRender("message", title: heading, section: nil, data: data, session: nil, status: status)
    }

    func dashboardNotFound(_ session: DashboardAccess.Session) -> EmulatorResponse {
        dashboardRender(
            "message", title: "Not found", section: nil,
            data: ["heading": "Not found", "text": "The dashboard has no such page, or what it showed was deleted."], session: session,
            status: 404
        )
    }

    /// A time in milliseconds since 1970 as `2026-12-04 16:30:12` (UTC), or `—`.
    static func time(_ milliseconds: Int64?) -> String {
        guard let milliseconds, milliseconds > 0 else { return "—" }
        let text = Date(timeIntervalSince1970: Double(milliseconds) / 1000).ISO8601Format()
        return text.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    /// JSON as indented text (for metadata and claims).
    static func prettyJSON(_ value: JSONValue?) -> String {
        guard let value else { return "{}" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// A page link with a new `offset` (`nil` when out of range).
    static func pageLink(_ base: String, _ query: [(String, String)], offset: Int, limit: Int, total: Int) -> String? {
        guard offset >= 0, offset < total || (offset == 0 && total == 0) else { return nil }
        let pairs = query.filter { !$0.1.isEmpty } + [("offset", String(offset))]
        return base + "?" + pairs.map { RedirectTarget.encode($0.0) + "=" + RedirectTarget.encode($0.1) }.joined(separator: "&")
    }
}
