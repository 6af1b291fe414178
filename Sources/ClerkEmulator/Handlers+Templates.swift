import ClerkBackend
import Foundation
import GRDB

/// Email and SMS templates (a built-in catalogue of Clerk's standard templates, customisable per instance) and the
/// public interstitial page.
///
/// A customised template is stored as a record of kind `template`, `parent_id` its type and `sort_key`
/// `type/slug`, holding the whole document; reverting deletes the record, so the built-in default answers again.
extension EmulatorState {
    static func registerTemplates(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.getTemplateList] = { state, request in
            let type = try Templates.type(request)
            let stored = try await Templates.stored(state, type: type)
            let instanceID = state.keys.signer.kid
            let items = Templates.catalogue(type).map { definition in
                stored[definition.slug] ?? Templates.defaultDoc(definition, instanceID: instanceID)
            }
            let (limit, offset) = try paging(request)
            let page = Array(items.dropFirst(offset).prefix(limit))
            return try list(page, total: items.count, wrapped: try request.queryBool("paginated") ?? false)
        }
        table[.getTemplate] = { state, request in
            let definition = try Templates.definition(request)
            return try .json(try await Templates.current(state, definition))
        }
        table[.upsertTemplate] = { state, request in
            let definition = try Templates.definition(request)
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.string("name")
            if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw EmulatorError.missing("name") }
            let subject = try body.string("subject")
            let markup = try body.string("markup")
            let text = try body.string("body")
            let delivered = try body.bool("delivered_by_clerk")
            let fromName = try body.string("from_email_name")
            let replyName = try body.string("reply_to_email_name")
            let isEmail = definition.type == "email"
            if isEmail {
                if let subject, subject.trimmingCharacters(in: .whitespaces).isEmpty { throw EmulatorError.missing("subject") }
                try Templates.checkLocalPart(fromName, "from_email_name")
                try Templates.checkLocalPart(replyName, "reply_to_email_name")
            }
            if let text, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { throw EmulatorError.missing("body") }
            let doc = try await Templates.change(state, definition) { doc in
                if let name { doc["name"] = .string(name) }
                if isEmail {
                    if let subject { doc["subject"] = .string(subject) }
                    if let fromName { doc["from_email_name"] = .string(fromName) }
                    if let replyName { doc["reply_to_email_name"] = .string(replyName) }
                }
                if let markup { doc["markup"] = .string(markup) }
                if let text {
                    doc["body"] = .string(text)
                } else if let markup {
                    // The body is generated from the editor markup when only the markup is given.
                    doc["body"] = .string(isEmail ? Templates.emailDocument(markup) : markup)
                }
                if let delivered { doc["delivered_by_clerk"] = .bool(delivered) }
                let finalBody = doc["body"]?.stringMember ?? ""
                let present = Set(Templates.variables(in: finalBody))
                if let missing = definition.required.first(where: { !present.contains($0) }) {
                    throw EmulatorError(
                        status: 422, code: "form_param_format_invalid", message: "is invalid",
                        longMessage: "body must contain the variable {{\(missing)}}", meta: ["param_name": "body"]
                    )
                }
                doc["resource_type"] = "user"
                doc["can_revert"] = true
            }
            return try .json(doc)
        }
        table[.revertTemplate] = { state, request in
            let definition = try Templates.definition(request)
            try await state.store.writer.write { db in
                if let record = try Templates.storedRecord(definition, db) { try EmulatorStore.delete(record.id, db) }
            }
            return try .json(Templates.defaultDoc(definition, instanceID: state.keys.signer.kid))
        }
        table[.toggleTemplateDelivery] = { state, request in
            let definition = try Templates.definition(request)
            let given = try BodyReader(object: try request.jsonObject()).bool("delivered_by_clerk")
            let doc = try await Templates.change(state, definition) { doc in
                doc["delivered_by_clerk"] = .bool(given ?? !(doc["delivered_by_clerk"]?.boolMember ?? true))
            }
            return try .json(doc)
        }
        table[.previewTemplate] = { state, request in
            // The spec puts no enum on this operation's `template_type`, so the router does not check it.
            let definition = try Templates.definition(request)
            let body = BodyReader(object: try request.jsonObject())
            let current = try await Templates.current(state, definition)
            let isEmail = definition.type == "email"
            let text = try body.string("body") ?? current["body"]?.stringMember ?? ""
            var preview: [String: JSONValue] = [
                "body": .string(Templates.render(text, escapeHTML: isEmail)),
                "subject": .null, "from_email_address": .null, "reply_to_email_address": .null,
            ]
            if isEmail {
                let subject = try body.string("subject") ?? current["subject"]?.stringMember ?? ""
                preview["subject"] = .string(Templates.render(subject, escapeHTML: false))
                let fromName = try body.string("from_email_name") ?? current["from_email_name"]?.stringMember ?? ""
                let replyName = try body.string("reply_to_email_name") ?? current["reply_to_email_name"]?.stringMember ?? ""
                try Templates.checkLocalPart(fromName.isEmpty ? nil : fromName, "from_email_name")
                try Templates.checkLocalPart(replyName.isEmpty ? nil : replyName, "reply_to_email_name")
                preview["from_email_address"] = .string((fromName.isEmpty ? "notifications" : fromName) + "@" + Templates.emailDomain)
                if !replyName.isEmpty { preview["reply_to_email_address"] = .string(replyName + "@" + Templates.emailDomain) }
            }
            return try .json(.object(preview))
        }

        // Public (`security: []` in the spec): answered without a secret key, as Clerk serves it.
        table[.getPublicInterstitial] = { state, request in
            let frontendAPI: String
            if let given = request.queryValue("frontend_api") ?? request.queryValue("frontendApi"), !given.isEmpty {
                frontendAPI = given
            } else if let key = request.queryValue("publishable_key"), !key.isEmpty {
                guard let host = Templates.frontendAPI(fromPublishableKey: key) else {
                    throw EmulatorError.invalidQuery("publishable_key", "is not a valid publishable key")
                }
                frontendAPI = host
            } else {
                throw EmulatorError(
                    status: 400, code: "form_param_missing", message: "is missing",
                    longMessage: "Either publishable_key or frontend_api must be included.",
                    meta: ["param_name": "publishable_key"]
                )
            }
            let page = """
                <!DOCTYPE html>
                <html lang="en">
                <head><meta charset="utf-8"><meta name="robots" content="noindex"><title>Clerk interstitial</title></head>
                <body>
                <h1>Clerk interstitial</h1>
                <p>Frontend API: <code>\(html(frontendAPI))</code></p>
                <p>The Clerk emulator serves no clerk-js bundle: its apps refresh sessions through the handshake (a redirect to the Frontend API's <code>/v1/client/handshake</code>) instead of this page's script.</p>
                </body>
                </html>

                """
            return EmulatorResponse(status: 200, body: Data(page.utf8), contentType: "text/html; charset=utf-8")
        }
    }
}

/// The template catalogue, storage and rendering.
private enum Templates {
    struct Definition: Sendable {
        var type: String
        var slug: String
        var name: String
        var position: Int
        var subject: String?
        /// Email: the editor markup (the body is it wrapped in a document). SMS: the message.
        var markup: String
        var required: [String]
        var available: [String]
    }

    static let types = ["email", "sms"]
    static let emailDomain = "emulator.localhost"
    /// When the built-in templates were "created" (a fixed instant, so their documents never change).
    static let systemTimestamp: Int64 = 1_735_689_600_000

    static let common = ["app.name", "app.url", "app.domain_name", "app.logo_url", "theme.primary_color", "support_email"]
    static let requestContext = ["requested_at", "requested_from", "requested_by"]

    static let email: [Definition] = [
        Definition(
            type: "email", slug: "verification_code", name: "Verification code", position: 0,
            subject: "{{otp_code}} is your verification code",
            markup: "<p>Enter this verification code to continue to {{app.name}}:</p><p><strong>{{otp_code}}</strong></p><p>This code expires in {{ttl_minutes}} minutes.</p><p>Requested from {{requested_from}} at {{requested_at}}.</p>",
            required: ["otp_code"], available: common + requestContext + ["otp_code", "ttl_minutes"]
        ),
        Definition(
            type: "email", slug: "reset_password_code", name: "Reset password code", position: 1,
            subject: "{{otp_code}} is your password reset code",
            markup: "<p>Use this code to reset your {{app.name}} password:</p><p><strong>{{otp_code}}</strong></p><p>This code expires in {{ttl_minutes}} minutes. If you did not ask for it, ignore this email.</p>",
            required: ["otp_code"], available: common + requestContext + ["otp_code", "ttl_minutes"]
        ),
        Definition(
            type: "email", slug: "invitation", name: "Invitation", position: 2,
            subject: "You're invited to {{app.name}}",
            markup: "<p>You have been invited to join {{app.name}}.</p><p><a href=\"{{action_url}}\">Accept the invitation</a></p>",
            required: ["action_url"], available: common + ["action_url", "inviter_name"]
        ),
        Definition(
            type: "email", slug: "magic_link_sign_in", name: "Sign in magic link", position: 3,
            subject: "Sign in to {{app.name}}",
            markup: "<p>Click the link below to sign in to {{app.name}}:</p><p><a href=\"{{magic_link}}\">Sign in</a></p><p>This link expires in {{ttl_minutes}} minutes.</p>",
            required: ["magic_link"], available: common + requestContext + ["magic_link", "ttl_minutes"]
        ),
        Definition(
            type: "email", slug: "organization_invitation", name: "Organization invitation", position: 4,
            subject: "{{inviter_name}} invited you to join {{org.name}}",
            markup: "<p>{{inviter_name}} invited you to join {{org.name}} on {{app.name}}.</p><p><a href=\"{{action_url}}\">Accept the invitation</a></p>",
            required: ["action_url"], available: common + ["action_url", "inviter_name", "org.name", "org.image_url"]
        ),
        Definition(
            type: "email", slug: "password_changed", name: "Password changed", position: 5,
            subject: "Your {{app.name}} password has been changed",
            markup: "<p>The password of your {{app.name}} account ({{primary_email_address}}) was changed.</p><p>If you did not change it, contact {{support_email}}.</p>",
            required: [], available: common + ["primary_email_address", "greeting_name"]
        ),
        Definition(
            type: "email", slug: "primary_email_address_changed", name: "Primary email address changed", position: 6,
            subject: "Your primary email address has been changed",
            markup: "<p>The primary email address of your {{app.name}} account was changed from {{previous_email_address}} to {{primary_email_address}}.</p><p>If you did not change it, contact {{support_email}}.</p>",
            required: [], available: common + ["primary_email_address", "previous_email_address", "greeting_name"]
        ),
    ]

    static let sms: [Definition] = [
        Definition(
            type: "sms", slug: "verification_code", name: "Verification code", position: 0, subject: nil,
            markup: "{{otp_code}} is your verification code for {{app.name}}.",
            required: ["otp_code"], available: ["app.name", "app.domain_name", "otp_code"]
        ),
        Definition(
            type: "sms", slug: "reset_password_code", name: "Reset password code", position: 1, subject: nil,
            markup: "{{otp_code}} is your password reset code for {{app.name}}.",
            required: ["otp_code"], available: ["app.name", "app.domain_name", "otp_code"]
        ),
        Definition(
            type: "sms", slug: "invitation", name: "Invitation", position: 2, subject: nil,
            markup: "You have been invited to {{app.name}}: {{action_url}}",
            required: ["action_url"], available: ["app.name", "app.domain_name", "action_url", "inviter_name"]
        ),
    ]

    /// The sample value of each variable in previews.
    static let samples: [String: String] = [
        "app.name": "Emulator", "app.url": "https://emulator.localhost", "app.domain_name": "emulator.localhost",
        "app.logo_url": "https://emulator.localhost/logo.png", "theme.primary_color": "#6C47FF",
        "support_email": "support@emulator.localhost", "otp_code": "424242", "ttl_minutes": "10",
        "requested_at": "12 May 2026, 12:00 UTC", "requested_from": "Safari, macOS", "requested_by": "ada@example.com",
        "action_url": "https://accounts.emulator.localhost/sign-up?__clerk_ticket=sample",
        "magic_link": "https://clerk.emulator.localhost/v1/verify?token=sample", "inviter_name": "Ada Lovelace",
        "org.name": "Acme Inc", "org.image_url": "https://emulator.localhost/org.png",
        "primary_email_address": "ada@example.com", "previous_email_address": "ada.old@example.com",
        "greeting_name": "Ada", "user.first_name": "Ada", "user.last_name": "Lovelace", "user.username": "ada",
    ]

    static func catalogue(_ type: String) -> [Definition] { type == "sms" ? sms : email }

    static func type(_ request: EmulatorRequest) throws -> String {
        let type = request.path("template_type")
        guard types.contains(type) else {
            throw EmulatorError(
                status: 400, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "template_type must be one of email, sms", meta: ["param_name": "template_type"]
            )
        }
        return type
    }

    static func definition(_ request: EmulatorRequest) throws -> Definition {
        let type = try type(request)
        let slug = request.path("slug")
        guard let definition = catalogue(type).first(where: { $0.slug == slug }) else { throw EmulatorError.notFound("Template") }
        return definition
    }

    static func emailDocument(_ markup: String) -> String {
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>" + markup + "</body></html>"
    }

    static func defaultDoc(_ definition: Definition, instanceID: String) -> JSONValue {
        let isEmail = definition.type == "email"
        return [
            "object": "template", "id": .string("tmpl_system_\(definition.type)_\(definition.slug)"),
            "instance_id": .string(instanceID), "resource_type": "system", "template_type": .string(definition.type),
            "name": .string(definition.name), "slug": .string(definition.slug), "position": .int(Int64(definition.position)),
            "can_revert": false, "can_delete": false, "can_edit_body": true, "can_toggle": false,
            "subject": definition.subject.map(JSONValue.string) ?? .null,
            "markup": .string(definition.markup),
            "body": .string(isEmail ? emailDocument(definition.markup) : definition.markup),
            "available_variables": .array(definition.available.map(JSONValue.string)),
            "required_variables": .array(definition.required.map(JSONValue.string)),
            "from_email_name": .string(isEmail ? "notifications" : ""), "reply_to_email_name": "",
            "delivered_by_clerk": true, "enabled": true, "flagged_as_suspicious": false,
            "created_at": .int(systemTimestamp), "updated_at": .int(systemTimestamp),
        ]
    }

    static func storedRecord(_ definition: Definition, _ db: Database) throws -> EmulatorStore.Record? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM resources WHERE kind = 'template' AND sort_key = ?",
            arguments: [definition.type + "/" + definition.slug]
        ).map(EmulatorStore.record)
    }

    /// The customised templates of a type, by slug.
    static func stored(_ state: EmulatorState, type: String) async throws -> [String: JSONValue] {
        let records = try await state.store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM resources WHERE kind = 'template' AND parent_id = ?", arguments: [type])
                .map(EmulatorStore.record)
        }
        var bySlug: [String: JSONValue] = [:]
        for record in records {
            let doc = record.doc
            if let slug = doc["slug"]?.stringMember { bySlug[slug] = doc }
        }
        return bySlug
    }

    /// The customised template, or the built-in default.
    static func current(_ state: EmulatorState, _ definition: Definition) async throws -> JSONValue {
        let record = try await state.store.writer.read { db in try storedRecord(definition, db) }
        return record?.doc ?? defaultDoc(definition, instanceID: state.keys.signer.kid)
    }

    /// Changes the template (starting from the default the first time) and stores it; answers the new document.
    static func change(
        _ state: EmulatorState, _ definition: Definition, _ body: @escaping @Sendable (inout [String: JSONValue]) throws -> Void
    ) async throws -> JSONValue {
        let instanceID = state.keys.signer.kid
        return try await state.store.writer.write { db -> JSONValue in
            let now = nowMillis()
            let existing = try storedRecord(definition, db)
            var doc = (existing?.doc ?? defaultDoc(definition, instanceID: instanceID)).objectMembers ?? [:]
            try body(&doc)
            doc["updated_at"] = .int(now)
            if var record = existing {
                record.updatedAt = now
                record.doc = .object(doc)
                try EmulatorStore.update(record, db)
            } else {
                let id = EmulatorIDs.make("tmpl")
                doc["id"] = .string(id)
                doc["created_at"] = .int(now)
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: "template", parentID: definition.type, createdAt: now, updatedAt: now,
                        sortKey: definition.type + "/" + definition.slug, doc: .object(doc), secret: nil
                    ), db
                )
            }
            return .object(doc)
        }
    }

    /// The local part of an email address: letters, digits, `.`, `_`, `-`, `+`.
    static func checkLocalPart(_ value: String?, _ name: String) throws {
        guard let value else { return }
        let allowed = value.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || ".-_+".unicodeScalars.contains(scalar))
        }
        guard !value.isEmpty, value.utf8.count <= 64, allowed, !value.hasPrefix("."), !value.hasSuffix(".") else {
            throw EmulatorError.invalid(name, "must be the local part of an email address, such as notifications")
        }
    }

    /// The `{{…}}` (and `{{{…}}}`) expressions of a template, trimmed, in order.
    static func variables(in text: String) -> [String] {
        var names: [String] = []
        scan(text) { name, _ in names.append(name); return nil }
        return names
    }

    /// Replaces each `{{variable}}` with its sample value (HTML-escaped in email bodies, except for `{{{…}}}`);
    /// expressions without a sample (block helpers, unknown names) stay as they are.
    static func render(_ text: String, escapeHTML: Bool) -> String {
        scan(text) { name, triple in
            guard let value = samples[name] else { return nil }
            return escapeHTML && !triple ? html(value) : value
        }
    }

    /// Walks the `{{…}}` expressions of `text`; `replace` answers each one's replacement, or `nil` to keep it.
    @discardableResult
    static func scan(_ text: String, _ replace: (String, Bool) -> String?) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            let triple = rest[open.upperBound...].hasPrefix("{")
            let innerStart = triple ? rest.index(after: open.upperBound) : open.upperBound
            let closer = triple ? "}}}" : "}}"
            guard let close = rest[innerStart...].range(of: closer) else {
                output += rest[open.lowerBound...]
                return output
            }
            let name = rest[innerStart..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            output += replace(name, triple) ?? String(rest[open.lowerBound..<close.upperBound])
            rest = rest[close.upperBound...]
        }
        output += rest
        return output
    }

    /// The Frontend API host a publishable key encodes (`pk_test_`/`pk_live_` and the base64 of `host$`).
    static func frontendAPI(fromPublishableKey key: String) -> String? {
        let prefixes = ["pk_test_", "pk_live_"]
        guard let prefix = prefixes.first(where: { key.hasPrefix($0) }) else { return nil }
        // A `+` sent unescaped in the query arrives as a space.
        var encoded = String(key.dropFirst(prefix.count)).replacingOccurrences(of: " ", with: "+")
        while encoded.utf8.count % 4 != 0 { encoded += "=" }
        guard let data = Data(base64Encoded: encoded), let decoded = String(data: data, encoding: .utf8),
            decoded.hasSuffix("$")
        else { return nil }
        let host = String(decoded.dropLast())
        guard !host.isEmpty, !host.contains("$"),
            host.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0 != "/" && $0 != "<" && $0 != ">" })
        else { return nil }
        return host
    }
}
