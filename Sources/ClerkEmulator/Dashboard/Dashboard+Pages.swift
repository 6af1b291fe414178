import ClerkBackend
import Foundation
import GRDB
import Logging

/// The dashboard's pages (GET): each reads through the emulator's own Backend API or, for what only the emulator
/// has (the webhook outbox, the request log), its database and memory.
extension EmulatorState {
    func dashboardPage(_ call: DashboardCall, flash: DashboardAccess.Flash?, form: [String: String] = [:]) async throws -> EmulatorResponse {
        let segments = call.segments
        let session = call.session
        func render(_ template: String, _ title: String, _ section: String, _ data: [String: Any]) -> EmulatorResponse {
            var data = data
            data["form"] = form.merging(data["form"] as? [String: String] ?? [:]) { typed, _ in typed }
            return dashboardRender(template, title: title, section: section, data: data, session: session, flash: flash)
        }
        do {
            switch (segments.first, segments.count) {
            case (nil, _):
                return render("overview", "Overview", "", try await overviewData())
            case ("users", 1):
                return render("users", "Users", "users", try await usersData(call.request))
            case ("users", 2):
                return render("user", "User", "users", try await userData(segments[1]))
            case ("organizations", 1):
                return render("organizations", "Organizations", "organizations", try await organizationsData(call.request))
            case ("organizations", 2):
                return render("organization", "Organization", "organizations", try await organizationData(segments[1]))
            case ("sessions", 1):
                return render("sessions", "Sessions", "sessions", try await sessionsData(call.request))
            case ("jwt-templates", 1):
                return render("jwt-templates", "JWT templates", "jwt-templates", try await jwtTemplatesData())
            case ("jwt-templates", 2):
                return render("jwt-template", "JWT template", "jwt-templates", try await jwtTemplateData(segments[1]))
            case ("webhooks", 1):
                return render("webhooks", "Webhooks", "webhooks", try await webhooksData(call.request))
            case ("requests", 1):
                return render("requests", "Requests", "requests", requestsData())
            case ("effects", 1):
                let (entries, total) = effects.recent
                return render("effects", "Effects", "effects", [
                    "total": total,
                    "items": entries.map { entry -> [String: Any] in
                        [
                            "time": Self.time(entry.at), "text": entry.text,
                            "details": entry.details.sorted { $0.key < $1.key }.map { ["name": $0.key, "value": $0.value] },
                        ]
                    },
                ])
            default:
                return dashboardNotFound(session)
            }
        } catch let error as EmulatorError where error.status == 404 {
            return dashboardNotFound(session)
        }
    }

    // MARK: Overview

    private func overviewData() async throws -> [String: Any] {
        let users = try await dashboardAPI("GET", "/v1/users/count")["total_count"]?.intMember ?? 0
        let organizations = Self.listItems(try await dashboardAPI("GET", "/v1/organizations", query: [("limit", "1")])).total
        let (sessions, failed) = try await store.writer.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE kind = 'session' AND json_extract(doc, '$.status') = 'active'") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM webhook_messages WHERE status = ?", arguments: [WebhookOutbox.failed]) ?? 0
            )
        }
        let keys = self.keys
        var data: [String: Any] = [
            "users": users, "organizations": organizations, "sessions": sessions, "webhooksFailed": failed,
            "requests": requestLog.recent.total, "instanceID": keys.signer.kid, "apiURL": apiURLString,
            "publishableKey": keys.publishableKey, "frontendAPI": keys.issuer, "signInURL": "http://\(keys.accountsHost)/sign-in",
            "tokenLifetime": options.sessionTokenLifetimeSeconds,
        ]
        if let endpoint = webhooks?.endpoint.url { data["webhookURL"] = Self.withoutQuery(endpoint) }
        return data
    }

    // MARK: Users

    static let pageSize = 50

    private func usersData(_ request: FrontendRequest) async throws -> [String: Any] {
        let query = String((request.queryValue("query") ?? "").prefix(200))
        let offset = max(0, min(EmulatorRequest.integer(request.queryValue("offset") ?? "0") ?? 0, 1_000_000))
        var filters: [(String, String)] = []
        if !query.isEmpty { filters.append(("query", query)) }
        let list = try await dashboardAPI(
            "GET", "/v1/users", query: filters + [("limit", String(Self.pageSize)), ("offset", String(offset)), ("order_by", "-created_at")]
        )
        let total = Int(try await dashboardAPI("GET", "/v1/users/count", query: filters)["total_count"]?.intMember ?? 0)
        let items = Self.listItems(list).items.map { user -> [String: Any] in
            [
                "id": user["id"]?.stringMember ?? "", "name": Self.userName(user), "identifier": Self.userIdentifier(user) ?? "—",
                "created": Self.time(user["created_at"]?.intMember), "lastSignIn": Self.time(user["last_sign_in_at"]?.intMember),
                "banned": user["banned"]?.boolMember ?? false, "locked": user["locked"]?.boolMember ?? false,
            ]
        }
        var data: [String: Any] = ["items": items, "total": total, "query": query, "searching": !query.isEmpty]
        let pageQuery = [("query", query)]
        if offset > 0, let link = Self.pageLink("/dashboard/users", pageQuery, offset: max(0, offset - Self.pageSize), limit: Self.pageSize, total: total) {
            data["previous"] = link
        }
        if let link = Self.pageLink("/dashboard/users", pageQuery, offset: offset + Self.pageSize, limit: Self.pageSize, total: total) {
            data["next"] = link
        }
        return data
    }

    private func userData(_ id: String) async throws -> [String: Any] {
        let user = try await dashboardAPI("GET", "/v1/users/\(id)")
        let sessions = Self.listItems(try await dashboardAPI("GET", "/v1/sessions", query: [("user_id", id), ("limit", "100")])).items
        let memberships = Self.listItems(
            try await dashboardAPI("GET", "/v1/users/\(id)/organization_memberships", query: [("limit", "100")])
        ).items
        let primary = user["primary_email_address_id"]?.stringMember
        var data: [String: Any] = [
            "id": id, "name": Self.userName(user), "banned": user["banned"]?.boolMember ?? false,
            "created": Self.time(user["created_at"]?.intMember), "lastSignIn": Self.time(user["last_sign_in_at"]?.intMember),
            "emails": (user["email_addresses"]?.arrayMember ?? []).map { email -> [String: Any] in
                ["address": email["email_address"]?.stringMember ?? "", "primary": email["id"]?.stringMember == primary]
            },
            "phones": (user["phone_numbers"]?.arrayMember ?? []).map { ["number": $0["phone_number"]?.stringMember ?? ""] },
            "sessions": sessions.map(Self.sessionRow),
            "memberships": memberships.map { membership -> [String: Any] in
                [
                    "organizationID": membership["organization"]?["id"]?.stringMember ?? "",
                    "organization": membership["organization"]?["name"]?.stringMember ?? "",
                    "role": membership["role_name"]?.stringMember ?? membership["role"]?.stringMember ?? "",
                ]
            },
            "redirectURL": dashboard.lastAppURL ?? "",
            "form": [
                "first_name": user["first_name"]?.stringMember ?? "", "last_name": user["last_name"]?.stringMember ?? "",
                "username": user["username"]?.stringMember ?? "",
                "public_metadata": Self.prettyJSON(user["public_metadata"]), "private_metadata": Self.prettyJSON(user["private_metadata"]),
            ],
        ]
        if let username = user["username"]?.stringMember, !username.isEmpty { data["username"] = username }
        // The sign-up that created the user through the hosted page (users created over the API have none).
        let signUp = try await store.writer.read { db in
            try Row.fetchOne(
                db, sql: "SELECT * FROM resources WHERE kind = 'sign_up' AND parent_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
                arguments: [id]
            ).map(EmulatorStore.record)
        }
        if let signUp {
            data["signUp"] = ["id": signUp.id, "status": signUp.doc["status"]?.stringMember ?? "", "created": Self.time(signUp.createdAt)]
        }
        return data
    }

    static func userName(_ user: JSONValue) -> String {
        let name = [user["first_name"]?.stringMember, user["last_name"]?.stringMember].compactMap { $0 }.filter { !$0.isEmpty }
            .joined(separator: " ")
        return name.isEmpty ? (userIdentifier(user) ?? user["id"]?.stringMember ?? "User") : name
    }

    static func userIdentifier(_ user: JSONValue) -> String? {
        let primary = user["primary_email_address_id"]?.stringMember
        let emails = user["email_addresses"]?.arrayMember ?? []
        let email = (emails.first { $0["id"]?.stringMember == primary } ?? emails.first)?["email_address"]?.stringMember
        return email ?? user["username"]?.stringMember ?? user["phone_numbers"]?.arrayMember?.first?["phone_number"]?.stringMember
    }

    static func sessionRow(_ session: JSONValue) -> [String: Any] {
        let status = session["status"]?.stringMember ?? ""
        return [
            "id": session["id"]?.stringMember ?? "", "userID": session["user_id"]?.stringMember ?? "", "status": status,
            "statusClass": status == "active" ? "ok" : (status == "pending" ? "wait" : "bad"), "active": status == "active",
            "lastActive": time(session["last_active_at"]?.intMember), "expires": time(session["expire_at"]?.intMember),
        ]
    }

    // MARK: Organizations

    private func organizationsData(_ request: FrontendRequest) async throws -> [String: Any] {
        let offset = max(0, min(EmulatorRequest.integer(request.queryValue("offset") ?? "0") ?? 0, 1_000_000))
        let (items, total) = Self.listItems(
            try await dashboardAPI(
                "GET", "/v1/organizations",
                query: [("limit", String(Self.pageSize)), ("offset", String(offset)), ("include_members_count", "true"), ("order_by", "-created_at")]
            )
        )
        var data: [String: Any] = [
            "total": total,
            "items": items.map { organization -> [String: Any] in
                [
                    "id": organization["id"]?.stringMember ?? "", "name": organization["name"]?.stringMember ?? "",
                    "slug": organization["slug"]?.stringMember ?? "", "members": organization["members_count"]?.intMember ?? 0,
                    "created": Self.time(organization["created_at"]?.intMember),
                ]
            },
        ]
        if offset > 0, let link = Self.pageLink("/dashboard/organizations", [], offset: max(0, offset - Self.pageSize), limit: Self.pageSize, total: total) {
            data["previous"] = link
        }
        if let link = Self.pageLink("/dashboard/organizations", [], offset: offset + Self.pageSize, limit: Self.pageSize, total: total) {
            data["next"] = link
        }
        return data
    }

    private func organizationData(_ id: String) async throws -> [String: Any] {
        let organization = try await dashboardAPI("GET", "/v1/organizations/\(id)")
        let members = Self.listItems(try await dashboardAPI("GET", "/v1/organizations/\(id)/memberships", query: [("limit", "100")])).items
        let roles = Self.listItems(try await dashboardAPI("GET", "/v1/organization_roles", query: [("limit", "100")])).items.map {
            (key: $0["key"]?.stringMember ?? "", name: $0["name"]?.stringMember ?? "")
        }
        return [
            "id": id, "name": organization["name"]?.stringMember ?? "", "slug": organization["slug"]?.stringMember ?? "",
            "created": Self.time(organization["created_at"]?.intMember),
            "form": ["name": organization["name"]?.stringMember ?? "", "slug": organization["slug"]?.stringMember ?? ""],
            "allRoles": roles.map { ["key": $0.key, "name": $0.name] },
            "members": members.map { membership -> [String: Any] in
                let user = membership["public_user_data"]
                let role = membership["role"]?.stringMember ?? ""
                let name = [user?["first_name"]?.stringMember, user?["last_name"]?.stringMember].compactMap { $0 }.filter { !$0.isEmpty }
                    .joined(separator: " ")
                let identifier = user?["identifier"]?.stringMember ?? ""
                return [
                    "organizationID": id, "userID": user?["user_id"]?.stringMember ?? "",
                    "user": name.isEmpty ? identifier : (identifier.isEmpty ? name : "\(name) <\(identifier)>"),
                    "roles": roles.map { ["key": $0.key, "name": $0.name, "selected": $0.key == role] as [String: Any] },
                ]
            },
        ]
    }

    // MARK: Sessions

    private func sessionsData(_ request: FrontendRequest) async throws -> [String: Any] {
        let statuses = ["active", "revoked", "ended", "expired", "removed", "abandoned"]
        let status = request.queryValue("status").flatMap { statuses.contains($0) || $0 == "all" ? $0 : nil } ?? "active"
        var query = [("limit", "100"), ("paginated", "true")]
        if status != "all" { query.append(("status", status)) }
        let (items, total) = Self.listItems(try await dashboardAPI("GET", "/v1/sessions", query: query))
        return [
            "total": total, "items": items.map(Self.sessionRow),
            "filters": (["active", "revoked", "ended", "all"]).map { name -> [String: Any] in
                ["label": name, "href": "/dashboard/sessions?status=" + name, "current": name == status]
            },
        ]
    }

    // MARK: JWT templates

    private func jwtTemplatesData() async throws -> [String: Any] {
        let (items, total) = Self.listItems(try await dashboardAPI("GET", "/v1/jwt_templates", query: [("limit", "100"), ("paginated", "true")]))
        return [
            "total": total,
            "items": items.map { template -> [String: Any] in
                [
                    "id": template["id"]?.stringMember ?? "", "name": template["name"]?.stringMember ?? "",
                    "claims": Self.prettyJSON(template["claims"]), "lifetime": template["lifetime"]?.intMember ?? 0,
                ]
            },
            "form": ["claims": "{\n  \"email\": \"{{user.primary_email_address}}\"\n}", "lifetime": "60"],
        ]
    }

    private func jwtTemplateData(_ id: String) async throws -> [String: Any] {
        let template = try await dashboardAPI("GET", "/v1/jwt_templates/\(id)")
        let name = template["name"]?.stringMember ?? ""
        return [
            "id": id, "name": name, "created": Self.time(template["created_at"]?.intMember),
            "form": ["name": name, "claims": Self.prettyJSON(template["claims"]), "lifetime": "\(template["lifetime"]?.intMember ?? 60)"],
        ]
    }

    // MARK: Webhooks

    private func webhooksData(_ request: FrontendRequest) async throws -> [String: Any] {
        guard let webhooks else { return ["configured": false, "total": 0] }
        let statuses = [WebhookOutbox.pending, WebhookOutbox.delivered, WebhookOutbox.failed]
        let status = request.queryValue("status").flatMap { statuses.contains($0) ? $0 : nil }
        let offset = max(0, min(EmulatorRequest.integer(request.queryValue("offset") ?? "0") ?? 0, 1_000_000))
        let (items, total) = try await store.writer.read { db in
            try WebhookOutbox.list(status: status, type: nil, limit: Self.pageSize, offset: offset, db)
        }
        var data: [String: Any] = [
            "configured": true, "endpoint": Self.withoutQuery(webhooks.endpoint.url), "total": total,
            "filters": ([("all", nil)] + statuses.map { ($0, $0) }).map { (label: String, value: String?) -> [String: Any] in
                ["label": label, "href": "/dashboard/webhooks" + (value.map { "?status=" + $0 } ?? ""), "current": value == status]
            },
            "items": items.map { message -> [String: Any] in
                let status = message["status"]?.stringMember ?? ""
                var row: [String: Any] = [
                    "id": message["id"]?.stringMember ?? "", "type": message["type"]?.stringMember ?? "", "status": status,
                    "statusClass": status == WebhookOutbox.delivered ? "ok" : (status == WebhookOutbox.failed ? "bad" : "wait"),
                    "pending": status == WebhookOutbox.pending, "attemptCount": message["attempt_count"]?.intMember ?? 0,
                    "created": Self.time(message["created_at"]?.intMember), "payload": Self.prettyJSON(message["payload"]),
                    "attempts": (message["attempts"]?.arrayMember ?? []).map { attempt -> [String: Any] in
                        let result = attempt["response_status"]?.intMember.map { "HTTP \($0)" } ?? attempt["error"]?.stringMember ?? "—"
                        return [
                            "started": Self.time(attempt["started_at"]?.intMember), "result": result,
                            "duration": attempt["duration_ms"]?.intMember ?? 0,
                        ]
                    },
                ]
                if let error = message["last_error"]?.stringMember { row["lastError"] = error }
                return row
            },
        ]
        let filter = [("status", status ?? "")]
        if offset > 0, let link = Self.pageLink("/dashboard/webhooks", filter, offset: max(0, offset - Self.pageSize), limit: Self.pageSize, total: total) {
            data["previous"] = link
        }
        if let link = Self.pageLink("/dashboard/webhooks", filter, offset: offset + Self.pageSize, limit: Self.pageSize, total: total) {
            data["next"] = link
        }
        return data
    }

    // MARK: Requests

    private func requestsData() -> [String: Any] {
        let (entries, total) = requestLog.recent
        return [
            "total": total, "capacity": RequestLog.capacity,
            "items": entries.map { entry -> [String: Any] in
                [
                    "time": Self.time(entry.at), "method": entry.method, "path": entry.path, "status": entry.status,
                    "operation": routes.match(method: entry.method, path: entry.path)?.0.operationID ?? "—",
                    "statusClass": entry.status < 300 ? "ok" : (entry.status < 500 ? "wait" : "bad"),
                    "duration": String(format: "%.1f", entry.milliseconds), "fromDashboard": entry.fromDashboard,
                ]
            },
        ]
    }
}

extension EmulatorState {
    /// A URL without its user, password, query and fragment (where a token could be).
    static func withoutQuery(_ text: String) -> String {
        guard var components = URLComponents(string: text) else { return "(a URL)" }
        components.user = nil
        components.password = nil
        components.query = nil
        components.fragment = nil
        return components.string ?? "(a URL)"
    }
}
