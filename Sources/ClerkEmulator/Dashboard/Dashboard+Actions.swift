import ClerkBackend
import Foundation
import GRDB
import Logging

/// The dashboard's forms (POST). Each goes through the emulator's own Backend API, so it is validated, stored and
/// announced by webhooks exactly as the same call from an SDK; then the browser is sent to a page (303) with a
/// notice. An API error comes back to the page the form was on, with what was typed.
extension EmulatorState {
    func dashboardAction(_ call: DashboardCall) async throws -> DashboardOutcome {
        let form = Dictionary(call.request.form.map { ($0.name, $0.value) }) { first, _ in first }
        func field(_ name: String) -> String? {
            guard let value = form[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
            return value
        }
        let segments = call.segments
        switch (segments.first, segments.count, segments.last) {
        // Users
        case ("users", 1, _):
            var body: [String: JSONValue] = [:]
            if let email = field("email_address") { body["email_address"] = [.string(email)] }
            for name in ["username", "first_name", "last_name"] { if let value = field(name) { body[name] = .string(value) } }
            if let password = form["password"], !password.isEmpty { body["password"] = .string(password) }
            let user = try await dashboardAPI("POST", "/v1/users", body: .object(body))
            let id = user["id"]?.stringMember ?? ""
            options.logger.notice("Dashboard: user created", metadata: ["user_id": "\(id)"])
            return .redirect("/dashboard/users", notice: "Created \(Self.userName(user)) (\(id)).")
        case ("users", 2, _):
            let id = segments[1]
            var body: [String: JSONValue] = [
                "first_name": .string(form["first_name"] ?? ""), "last_name": .string(form["last_name"] ?? ""),
            ]
            if let username = field("username") { body["username"] = .string(username) }
            // The metadata fields hold the whole objects: they replace the stored ones (checked before anything changes).
            var metadata: [String: JSONValue] = [:]
            for name in ["public_metadata", "private_metadata"] {
                let text = field(name) ?? "{}"
                guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), case .object = value else {
                    throw EmulatorError.invalid(name, "must be a JSON object")
                }
                metadata[name] = value
            }
            try await dashboardAPI("PATCH", "/v1/users/\(id)", body: .object(body))
            try await dashboardAPI("PUT", "/v1/users/\(id)/metadata", body: .object(metadata))
            return .redirect("/dashboard/users/\(id)", notice: "Saved.")
        case ("users", 3, "ban"), ("users", 3, "unban"):
            let id = segments[1], verb = segments[2]
            try await dashboardAPI("POST", "/v1/users/\(id)/\(verb)")
            return .redirect("/dashboard/users/\(id)", notice: verb == "ban" ? "Banned: the user's sessions were revoked." : "Unbanned.")
        case ("users", 3, "delete"):
            let id = segments[1]
            try await dashboardAPI("DELETE", "/v1/users/\(id)")
            return .redirect("/dashboard/users", notice: "Deleted \(id).")
        case ("users", 3, "sign-in-as"):
            return try await signInAs(userID: segments[1], redirectURL: field("redirect_url"))

        // Sessions
        case ("sessions", 3, "revoke"):
            let id = segments[1]
            try await dashboardAPI("POST", "/v1/sessions/\(id)/revoke")
            let back = field("return_to").flatMap { $0.hasPrefix("/dashboard/") && !$0.hasPrefix("/dashboard//") ? $0 : nil }
            return .redirect(back ?? "/dashboard/sessions", notice: "Revoked \(id): the app signs the user out once its session token expires.")

        // Organizations
        case ("organizations", 1, _):
            var body: [String: JSONValue] = [:]
            for name in ["name", "slug", "created_by"] { if let value = field(name) { body[name] = .string(value) } }
            let organization = try await dashboardAPI("POST", "/v1/organizations", body: .object(body))
            let id = organization["id"]?.stringMember ?? ""
            return .redirect("/dashboard/organizations/\(id)", notice: "Created \(organization["name"]?.stringMember ?? id).")
        case ("organizations", 2, _):
            let id = segments[1]
            var body: [String: JSONValue] = ["name": .string(form["name"] ?? "")]
            if let slug = field("slug") { body["slug"] = .string(slug) }
            try await dashboardAPI("PATCH", "/v1/organizations/\(id)", body: .object(body))
            return .redirect("/dashboard/organizations/\(id)", notice: "Saved.")
        case ("organizations", 3, "members"):
            let id = segments[1]
            var body: [String: JSONValue] = ["role": .string(field("role") ?? "")]
            if let user = field("user_id") { body["user_id"] = .string(user) }
            try await dashboardAPI("POST", "/v1/organizations/\(id)/memberships", body: .object(body))
            return .redirect("/dashboard/organizations/\(id)", notice: "Member added.")
        case ("organizations", 4, _) where segments[2] == "members":
            let (id, user) = (segments[1], segments[3])
            try await dashboardAPI("PATCH", "/v1/organizations/\(id)/memberships/\(user)", body: ["role": .string(field("role") ?? "")])
            return .redirect("/dashboard/organizations/\(id)", notice: "Role changed.")
        case ("organizations", 5, "remove") where segments[2] == "members":
            let (id, user) = (segments[1], segments[3])
            try await dashboardAPI("DELETE", "/v1/organizations/\(id)/memberships/\(user)")
            return .redirect("/dashboard/organizations/\(id)", notice: "Member removed.")
        case ("organizations", 3, "delete"):
            try await dashboardAPI("DELETE", "/v1/organizations/\(segments[1])")
            return .redirect("/dashboard/organizations", notice: "Organization deleted.")

        // JWT templates
        case ("jwt-templates", 1, _), ("jwt-templates", 2, _):
            var body: [String: JSONValue] = [:]
            if let name = field("name") { body["name"] = .string(name) }
            let claimsText = field("claims") ?? "{}"
            guard let claims = try? JSONDecoder().decode(JSONValue.self, from: Data(claimsText.utf8)), case .object = claims else {
                throw EmulatorError.invalid("claims", "must be a JSON object")
            }
            body["claims"] = claims
            if let lifetime = field("lifetime") {
                guard let seconds = Int64(lifetime) else { throw EmulatorError.invalid("lifetime", "must be a whole number of seconds") }
                body["lifetime"] = .int(seconds)
            }
            if segments.count == 2 {
                try await dashboardAPI("PATCH", "/v1/jwt_templates/\(segments[1])", body: .object(body))
                return .redirect("/dashboard/jwt-templates/\(segments[1])", notice: "Saved.")
            }
            try await dashboardAPI("POST", "/v1/jwt_templates", body: .object(body))
            return .redirect("/dashboard/jwt-templates", notice: "Template created.")
        case ("jwt-templates", 3, "delete"):
            try await dashboardAPI("DELETE", "/v1/jwt_templates/\(segments[1])")
            return .redirect("/dashboard/jwt-templates", notice: "Template deleted.")

        // Webhooks
        case ("webhooks", 3, "redeliver"):
            let id = segments[1]
            guard webhooks != nil, try await store.writer.write({ db in try WebhookOutbox.redeliver(id: id, db) }) else {
                throw EmulatorError.notFound("Webhook event")
            }
            webhooks?.wake()
            options.logger.notice("Webhook event queued again", metadata: ["svix_id": "\(id)"])
            return .redirect("/dashboard/webhooks", notice: "\(id) is queued for delivery again.")
        default:
            throw EmulatorError(status: 404, code: "resource_not_found", message: "not found", longMessage: "The dashboard has no such form.")
        }
    }

    /// "Sign in as": a sign-in token for the user, and the browser sent to the hosted sign-in page with it (and
    /// with the app page to come back to). The token works once, for 10 minutes.
    private func signInAs(userID: String, redirectURL: String?) async throws -> DashboardOutcome {
        let target = try await redirectTarget(redirectURL, name: "redirect_url")
        let token = try await dashboardAPI(
            "POST", "/v1/sign_in_tokens", body: ["user_id": .string(userID), "expires_in_seconds": 600]
        )
        guard let ticket = token["token"]?.stringMember else { throw EmulatorError.notFound("Sign-in token") }
        if let target { dashboard.setLastAppURL(target.string) }
        options.logger.notice("Dashboard: signing in as a user", metadata: ["user_id": "\(userID)"])
        var location = "http://\(keys.accountsHost)/sign-in?__clerk_ticket=\(ticket)"
        if let target { location += "&redirect_url=" + RedirectTarget.encode(target.string) }
        return .location(location)
    }
}
