import ClerkBackend
import Crypto
import Foundation
import GRDB
import Logging

/// Organization logos, the instance's Svix app (its webhook portal) and the beta instance features.
extension EmulatorState {
    static func registerInstanceBeta(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.uploadOrganizationLogo] = { state, request in
            guard request.contentType?.lowercased().hasPrefix("multipart/form-data") == true, !request.body.isEmpty else {
                throw EmulatorError(
                    status: 400, code: "form_param_missing", message: "is missing",
                    longMessage: "Send the image as the `file` part of a multipart/form-data body.", meta: ["param_name": "file"]
                )
            }
            // The image is not kept: the organization gets an image URL of its own, as after an upload to Clerk.
            let digest = SHA256.hash(data: request.body).prefix(8).map { String(format: "%02x", $0) }.joined()
            let organizationID = request.path("organization_id")
            let answer = try await state.mutate(organizationID, kind: "organization", name: "Organization", event: "organization.updated") { doc in
                doc["image_url"] = .string("https://img.clerk.com/emulator-org-\(digest)")
                doc["has_image"] = true
            }
            state.recordEffect(
                "Organization logo uploaded: the emulator does not store or serve the image",
                metadata: ["organization_id": "\(organizationID)", "bytes": "\(request.body.count)"]
            )
            return answer
        }
        table[.deleteOrganizationLogo] = { state, request in
            try await state.mutate(request.path("organization_id"), kind: "organization", name: "Organization", event: "organization.updated") { doc in
                doc["image_url"] = "https://img.clerk.com/emulator-default-org"
                doc["has_image"] = false
            }
        }

        // The instance's Svix app stands for its webhook portal: here, the emulator's own outbox, shown by the
        // dashboard. Its URL is a one-time dashboard link.
        table[.createSvixApp] = { state, _ in
            try await state.setSvixApp(true)
            return try .json(["svix_url": .string(state.dashboardLink().absoluteString)])
        }
        table[.generateSvixAuthURL] = { state, _ in
            guard try await state.hasSvixApp() else {
                throw EmulatorError(status: 400, code: "svix_app_missing", message: "no Svix app", longMessage: "Create the instance's Svix app first (POST /webhooks/svix).")
            }
            return try .json(["svix_url": .string(state.dashboardLink().absoluteString)])
        }
        table[.deleteSvixApp] = { state, _ in
            guard try await state.hasSvixApp() else {
                throw EmulatorError(status: 400, code: "svix_app_missing", message: "no Svix app", longMessage: "The instance has no Svix app.")
            }
            try await state.setSvixApp(false)
            return .empty(status: 204)
        }

        table[.updateInstanceAuthConfig] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let fromEmail = try body.string("from_email_address")
            if let fromEmail, fromEmail.isEmpty || fromEmail.contains("@") || fromEmail.contains(where: \.isWhitespace) {
                throw EmulatorError.invalid("from_email_address", "must be the local part of an address (before the @), such as notifications")
            }
            let restricted = try body.bool("restricted_to_allowlist")
            let progressive = try body.bool("progressive_sign_up")
            let testMode = try body.bool("test_mode")
            let answer = try await state.store.writer.write { db -> JSONValue in
                func stored(_ name: String) throws -> String? { try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [name]) }
                func store(_ name: String, _ value: String) throws {
                    try db.execute(sql: "INSERT OR REPLACE INTO instance (name, value) VALUES (?, ?)", arguments: [name, value])
                }
                // `restricted_to_allowlist` is the same switch as UpdateInstanceRestrictions' `allowlist`.
                if let restricted { try store("restriction_allowlist", restricted ? "true" : "false") }
                if let fromEmail { try store("auth_config_from_email_address", fromEmail) }
                if let progressive { try store("auth_config_progressive_sign_up", progressive ? "true" : "false") }
                if let testMode { try store("auth_config_test_mode", testMode ? "true" : "false") }
                return [
                    "object": "instance_settings", "id": .string(state.keys.signer.kid),
                    "restricted_to_allowlist": .bool(try stored("restriction_allowlist") == "true"),
                    "from_email_address": .string(try stored("auth_config_from_email_address") ?? "notifications"),
                    "progressive_sign_up": .bool((try stored("auth_config_progressive_sign_up") ?? "true") == "true"),
                    "enhanced_email_deliverability": false,
                ]
            }
            return try .json(answer)
        }
        // The emulator is a development instance: production domains do not apply to it, as Clerk answers for one.
        for endpoint in [Endpoint.updateProductionInstanceDomain, .changeProductionInstanceDomain] {
            table[endpoint] = { _, request in
                let body = BodyReader(object: try request.jsonObject())
                _ = try body.string("home_url")
                throw EmulatorError(
                    status: 422, code: "production_instance_required", message: "is only available for production instances",
                    longMessage: "The emulator is a development instance; a production domain can only be set on a production instance."
                )
            }
        }
    }

    func hasSvixApp() async throws -> Bool {
        try await store.writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = 'svix_app'") == "true" }
    }

    func setSvixApp(_ exists: Bool) async throws {
        try await store.writer.write { db in
            if exists {
                try db.execute(sql: "INSERT OR REPLACE INTO instance (name, value) VALUES ('svix_app', 'true')")
            } else {
                try db.execute(sql: "DELETE FROM instance WHERE name = 'svix_app'")
            }
        }
    }
}
