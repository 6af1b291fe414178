import ClerkBackend
import Foundation
import GRDB

/// The instance and its organization settings, kept as JSON documents in the `instance` table
/// (`instance_settings`, `organization_settings`).
extension EmulatorState {
    static let instanceSettingsName = "instance_settings"
    static let organizationSettingsName = "organization_settings"

    static let defaultOrganizationSettings: [String: JSONValue] = [
        "object": "organization_settings", "enabled": true, "max_allowed_memberships": 5, "max_allowed_roles": 10,
        "max_role_sets_allowed": 10, "max_allowed_domains": 10, "creator_role": "org:admin", "admin_delete_enabled": true,
        "domains_enabled": false, "slug_disabled": false, "domains_enrollment_modes": [],
        "domains_default_role": "org:member", "initial_role_set_key": .null,
    ]

    static let domainsEnrollmentModes: Set<String> = ["manual_invitation", "automatic_invitation", "automatic_suggestion"]

    static func registerInstance(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.getInstance] = { state, _ in
            let settings = try await state.store.writer.read { db in try Self.settings(instanceSettingsName, db) }
            return try .json([
                "object": "instance", "id": .string(state.keys.signer.kid), "environment_type": "development",
                "allowed_origins": settings["allowed_origins"] ?? .null, "workspace_id": .null,
            ])
        }
        table[.updateInstance] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            try Self.rejectUnknownSettings(
                body.object,
                allowed: [
                    "test_mode", "hibp", "support_email", "clerk_js_version", "development_origin", "allowed_origins",
                    "cookieless_dev", "url_based_session_syncing", "preferred_sign_in_strategy_when_password_required",
                ]
            )
            var changes: [String: JSONValue] = [:]
            for name in ["test_mode", "hibp", "url_based_session_syncing"] where body.object[name] != nil {
                changes[name] = try body.bool(name).map { .bool($0) } ?? .null
            }
            if body.object["cookieless_dev"] != nil {
                // Deprecated alias of url_based_session_syncing.
                let flag = try body.bool("cookieless_dev").map { JSONValue.bool($0) } ?? .null
                changes["cookieless_dev"] = flag
                if body.object["url_based_session_syncing"] == nil { changes["url_based_session_syncing"] = flag }
            }
            if body.object["support_email"] != nil {
                let email = try body.string("support_email")
                if let email, !isEmail(email) { throw EmulatorError.invalid("support_email", "must be a valid email address") }
                changes["support_email"] = email.map { .string($0) } ?? .null
            }
            if body.object["clerk_js_version"] != nil {
                changes["clerk_js_version"] = try body.string("clerk_js_version").map { .string($0) } ?? .null
            }
            if body.object["development_origin"] != nil {
                let origin = try body.string("development_origin")
                if let origin, !origin.isEmpty, !isOrigin(origin) {
                    throw EmulatorError.invalid("development_origin", "must be an origin such as http://localhost:3000")
                }
                changes["development_origin"] = origin.map { .string($0) } ?? .null
            }
            if body.object["allowed_origins"] != nil {
                let origins = try body.strings("allowed_origins")
                for origin in origins where !isOrigin(origin) {
                    throw EmulatorError.invalid("allowed_origins", "must hold origins such as chrome-extension://id or http://localhost:3000")
                }
                changes["allowed_origins"] = .array(origins.map { .string($0) })
            }
            if body.object["preferred_sign_in_strategy_when_password_required"] != nil {
                let strategy = try body.string("preferred_sign_in_strategy_when_password_required")
                if let strategy, !["password", "otp", ""].contains(strategy) {
                    throw EmulatorError.invalid("preferred_sign_in_strategy_when_password_required", "must be password, otp or empty")
                }
                changes["preferred_sign_in_strategy_when_password_required"] = strategy.map { .string($0) } ?? .null
            }
            let changed = changes
            try await state.store.writer.write { db in
                var settings = try Self.settings(instanceSettingsName, db)
                for (name, value) in changed { settings[name] = value == .null ? nil : value }
                try Self.saveSettings(instanceSettingsName, settings, db)
            }
            return .empty(status: 204)
        }
        table[.getInstanceOrganizationSettings] = { state, _ in
            try .json(.object(try await state.store.writer.read { db in try Self.organizationSettings(db) }))
        }
        table[.updateInstanceOrganizationSettings] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            try Self.rejectUnknownSettings(
                body.object,
                allowed: [
                    "enabled", "max_allowed_memberships", "admin_delete_enabled", "domains_enabled", "slug_disabled",
                    "domains_enrollment_modes", "creator_role_id", "domains_default_role_id",
                ]
            )
            var changes: [String: JSONValue] = [:]
            for name in ["enabled", "admin_delete_enabled", "domains_enabled", "slug_disabled"] {
                if let flag = try body.bool(name) { changes[name] = .bool(flag) }
            }
            if let maximum = try body.int("max_allowed_memberships") {
                guard maximum >= 0 else { throw EmulatorError.invalid("max_allowed_memberships", "must be 0 (unlimited) or more") }
                changes["max_allowed_memberships"] = .int(maximum)
            }
            if body.object["domains_enrollment_modes"] != nil {
                let modes = try body.strings("domains_enrollment_modes")
                for mode in modes where !domainsEnrollmentModes.contains(mode) {
                    throw EmulatorError.invalid("domains_enrollment_modes", "must hold only \(domainsEnrollmentModes.sorted().joined(separator: ", "))")
                }
                changes["domains_enrollment_modes"] = .array(unique(modes).map { .string($0) })
            }
            let requested = changes
            let settings = try await state.store.writer.write { db -> [String: JSONValue] in
                var changes = requested
                for (parameter, setting) in [("creator_role_id", "creator_role"), ("domains_default_role_id", "domains_default_role")] {
                    if let role = try body.string(parameter) { changes[setting] = .string(try Self.roleKey(role, parameter: parameter, db)) }
                }
                var settings = try Self.organizationSettings(db)
                for (name, value) in changes { settings[name] = value }
                try Self.saveSettings(organizationSettingsName, settings, db)
                return settings
            }
            return try .json(.object(settings))
        }
    }

    // MARK: Helpers

    /// A settings document from the `instance` table (empty when never written).
    static func settings(_ name: String, _ db: Database) throws -> [String: JSONValue] {
        guard let text = try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [name]),
            let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        else { return [:] }
        return value.objectMembers ?? [:]
    }

    static func saveSettings(_ name: String, _ settings: [String: JSONValue], _ db: Database) throws {
        try db.execute(
            sql: "INSERT OR REPLACE INTO instance (name, value) VALUES (?, ?)",
            arguments: [name, try EmulatorStore.encode(.object(settings))]
        )
    }

    /// The organization settings: the stored ones over the defaults.
    static func organizationSettings(_ db: Database) throws -> [String: JSONValue] {
        var settings = defaultOrganizationSettings
        for (name, value) in try Self.settings(organizationSettingsName, db) where defaultOrganizationSettings[name] != nil {
            settings[name] = value
        }
        return settings
    }

    /// The instance's development origin (`""` until UpdateInstance sets one).
    static func developmentOrigin(_ db: Database) throws -> String {
        try settings(instanceSettingsName, db)["development_origin"]?.stringMember ?? ""
    }

    /// An organization role's key from its id (a stored role resource), or a role key given as is (`org:admin`).
    static func roleKey(_ value: String, parameter: String, _ db: Database) throws -> String {
        if let row = try Row.fetchOne(db, sql: "SELECT doc FROM resources WHERE id = ? AND kind LIKE '%role%'", arguments: [value]) {
            let text: String = row["doc"]
            if let key = (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)))?["key"]?.stringMember { return key }
        }
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "\(parameter) must be the id of an organization role (or a role key such as org:admin)",
                meta: ["param_name": .string(parameter)]
            )
        }
        // A key must name a role the instance defines (422 otherwise, as for a membership's role).
        return try definedRole(value, parameter: parameter, db)["key"]?.stringMember ?? value
    }

    /// `scheme://host[:port]`, nothing after.
    static func isOrigin(_ text: String) -> Bool {
        guard let components = URLComponents(string: text), let scheme = components.scheme, !scheme.isEmpty,
            let host = components.host, !host.isEmpty
        else { return false }
        return components.path.isEmpty && components.query == nil && components.fragment == nil
    }

    static func rejectUnknownSettings(_ object: [String: JSONValue], allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw EmulatorError(
                status: 422, code: "form_param_unknown", message: "is unknown",
                longMessage: "\(unknown.prefix(64)) is not a valid parameter for this request.",
                meta: ["param_name": .string(String(unknown.prefix(64)))]
            )
        }
    }
}
