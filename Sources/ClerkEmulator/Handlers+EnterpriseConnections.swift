import ClerkBackend
import Foundation
import GRDB
import Logging

/// Enterprise connections: SAML or OIDC identity providers for the users of some email domains, and their test runs.
///
/// A connection is self-contained: a SAML connection's settings live in its `saml_connection` member (and no record
/// of kind `saml_connection` is created, so the SAML-connection operations do not see it); an OIDC connection's in
/// `oauth_config`. What the API never shows (the IdP certificate and metadata XML, the attribute mapping, the OIDC
/// client secret) is kept in the record's `secret` column as a JSON object. A domain belongs to at most one
/// connection of the instance (`enterprise_domain` identifiers), nor may it be a domain of a SAML connection.
///
/// A connection can be activated once its IdP is configured; it is then `authenticatable`. The emulator fetches no
/// metadata or discovery URL and runs no SSO: a test run is recorded as `pending` and never completes.
extension EmulatorState {
    static func registerEnterpriseConnections(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.listEnterpriseConnections] = { state, request in
            var conditions = ["kind = '\(EnterpriseConnectionRules.kind)'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let organizationID = request.queryValue("organization_id"), !organizationID.isEmpty {
                conditions.append("json_extract(doc, '$.organization_id') = ?")
                arguments.append(organizationID)
            }
            if let active = try request.queryBool("active") {
                conditions.append(active ? "json_extract(doc, '$.active') = 1" : "json_extract(doc, '$.active') = 0")
            }
            return try await state.listRecords(conditions, arguments, request, order: "created_at DESC, rowid DESC", wrappedByDefault: true)
        }
        table[.createEnterpriseConnection] = { state, request in
            let object = try request.jsonObject()
            try EnterpriseConnectionRules.rejectUnknown(object, allowed: EnterpriseConnectionRules.createMembers, prefix: nil)
            let body = BodyReader(object: object)
            let name = try EnterpriseConnectionRules.name(body.requiredString("name"), parameter: "name")
            let provider = try body.requiredString("provider")
            guard EnterpriseConnectionRules.providers.contains(provider) else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "provider must be one of \(EnterpriseConnectionRules.providers.joined(separator: ", "))",
                    meta: ["param_name": "provider"]
                )
            }
            let domains = try EnterpriseConnectionRules.domains(body.strings("domains"))
            guard !domains.isEmpty else { throw EmulatorError.missing("domains") }
            let organizationID = try body.string("organization_id").flatMap { $0.isEmpty ? nil : $0 }
            if let organizationID {
                _ = try await state.record(organizationID, kind: "organization", name: "Organization")
            }
            let linking = try body.bool("allow_organization_account_linking") ?? false
            let active = try body.bool("active") ?? false
            let customAttributes = try EnterpriseConnectionRules.customAttributes(object["custom_attributes"]) ?? []
            let now = nowMillis()
            let id = EmulatorIDs.make("entc")
            var hidden: [String: JSONValue] = [:]
            var doc: [String: JSONValue] = [
                "object": "enterprise_connection", "id": .string(id), "name": .string(name), "provider": .string(provider),
                "logo_public_url": .null, "active": .bool(active), "domains": .array(domains.map { .string($0) }),
                "organization_id": organizationID.map { .string($0) } ?? .null, "sync_user_attributes": true,
                "disable_additional_identifications": false, "allow_organization_account_linking": .bool(linking),
                "custom_attributes": .array(customAttributes), "saml_connection": .null, "oauth_config": .null,
                "authenticatable": false, "disable_jit_provisioning": false,
                "created_at": .int(now), "updated_at": .int(now),
            ]
            // Only the settings of the connection's protocol apply (the spec: "Only applied when the enterprise
            // connection uses SAML" / "uses OIDC"); the other object is ignored.
            if EnterpriseConnectionRules.isSAML(provider) {
                var saml = EnterpriseConnectionRules.newSAML(id: EmulatorIDs.make("samlc"), name: name, active: active, issuer: state.keys.issuer)
                hidden = EnterpriseConnectionRules.newSAMLHidden()
                try EnterpriseConnectionRules.applySAML(object["saml"], to: &saml, hidden: &hidden, allowName: false)
                doc["saml_connection"] = .object(saml)
            } else {
                var oauth = EnterpriseConnectionRules.newOAuthConfig(name: name, provider: provider, now: now)
                try EnterpriseConnectionRules.applyOIDC(object["oidc"], to: &oauth, hidden: &hidden)
                doc["oauth_config"] = .object(oauth)
            }
            if active { try EnterpriseConnectionRules.requireConfigured(doc, hidden) }
            EnterpriseConnectionRules.refreshDerived(&doc, hidden)
            let created = JSONValue.object(doc)
            let secret = try EnterpriseConnectionRules.encodeHidden(hidden)
            try await state.store.writer.write { db in
                try EnterpriseConnectionRules.claimDomains(domains, connection: id, db)
                if active { try EnterpriseConnectionRules.refuseVerifiedDomainConflicts(domains, db) }
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: EnterpriseConnectionRules.kind, parentID: nil, createdAt: now, updatedAt: now,
                        sortKey: name.lowercased(), doc: created, secret: secret
                    ), db
                )
            }
            return try .json(created, status: 201)
        }
        table[.getEnterpriseConnection] = { state, request in
            .rawJSON(try await state.record(request.path("enterprise_connection_id"), kind: EnterpriseConnectionRules.kind, name: "Enterprise connection").docText)
        }
        table[.updateEnterpriseConnection] = { state, request in
            let object = try request.jsonObject()
            try EnterpriseConnectionRules.rejectUnknown(object, allowed: EnterpriseConnectionRules.updateMembers, prefix: nil)
            let body = BodyReader(object: object)
            let id = request.path("enterprise_connection_id")
            let name = try body.string("name").map { try EnterpriseConnectionRules.name($0, parameter: "name") }
            // An empty array leaves the domains as they are (the spec); a non-empty one replaces them.
            let domains = try EnterpriseConnectionRules.domains(body.strings("domains"))
            let active = try body.bool("active")
            var flags: [String: Bool] = [:]
            for flag in ["sync_user_attributes", "disable_additional_identifications", "allow_organization_account_linking"] {
                if let value = try body.bool(flag) { flags[flag] = value }
            }
            let switched = flags
            let organizationID = try body.string("organization_id")
            if let organizationID {
                // Only linking is supported: there is no way to unlink (the spec).
                guard !organizationID.isEmpty else {
                    throw EmulatorError.invalid("organization_id", "must be the id of an organization: a linked organization cannot be unlinked")
                }
                _ = try await state.record(organizationID, kind: "organization", name: "Organization")
            }
            let customAttributes = try EnterpriseConnectionRules.customAttributes(object["custom_attributes"])
            let samlValue = object["saml"]
            let oidcValue = object["oidc"]
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard var record = try EmulatorStore.fetch(id, kind: EnterpriseConnectionRules.kind, db) else {
                    throw EmulatorError.notFound("Enterprise connection")
                }
                var doc = record.doc.objectMembers ?? [:]
                var hidden = EnterpriseConnectionRules.decodeHidden(record.secret)
                let wasActive = doc["active"]?.boolMember == true
                if let name {
                    doc["name"] = .string(name)
                    if case .object(var oauth)? = doc["oauth_config"] {
                        oauth["name"] = .string(name)
                        doc["oauth_config"] = .object(oauth)
                    }
                    record.sortKey = name.lowercased()
                }
                if !domains.isEmpty {
                    try EnterpriseConnectionRules.claimDomains(domains, connection: id, db)
                    doc["domains"] = .array(domains.map { .string($0) })
                }
                for (flag, value) in switched { doc[flag] = .bool(value) }
                if let organizationID {
                    doc["organization_id"] = .string(organizationID)
                }
                if let customAttributes { doc["custom_attributes"] = .array(customAttributes) }
                let now = nowMillis()
                if case .object(var saml)? = doc["saml_connection"] {
                    try EnterpriseConnectionRules.applySAML(samlValue, to: &saml, hidden: &hidden, allowName: true)
                    doc["saml_connection"] = .object(saml)
                } else if case .object(var oauth)? = doc["oauth_config"] {
                    let before = oauth
                    try EnterpriseConnectionRules.applyOIDC(oidcValue, to: &oauth, hidden: &hidden)
                    if oauth != before || name != nil { oauth["updated_at"] = .int(now) }
                    doc["oauth_config"] = .object(oauth)
                }
                if let active { doc["active"] = .bool(active) }
                let isActive = doc["active"]?.boolMember == true
                if isActive && !wasActive { try EnterpriseConnectionRules.requireConfigured(doc, hidden) }
                if isActive && (!wasActive || !domains.isEmpty) {
                    // Enabling removes verified organization domains for the same domains (the spec).
                    let current = (doc["domains"]?.arrayMember ?? []).compactMap(\.stringMember)
                    try state.removeVerifiedDomainConflicts(current, consent: true, db)
                }
                EnterpriseConnectionRules.refreshDerived(&doc, hidden)
                record.updatedAt = now
                doc["updated_at"] = .int(now)
                record.doc = .object(doc)
                record.secret = try EnterpriseConnectionRules.encodeHidden(hidden)
                try EmulatorStore.update(record, db)
                return record.doc
            }
            return try .json(doc)
        }
        table[.deleteEnterpriseConnection] = { state, request in
            let id = request.path("enterprise_connection_id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: EnterpriseConnectionRules.kind, db) != nil else {
                    throw EmulatorError.notFound("Enterprise connection")
                }
                try db.execute(
                    sql: "DELETE FROM resources WHERE kind = ? AND parent_id = ?", arguments: [EnterpriseConnectionRules.testRunKind, id]
                )
                // Also releases its domains (the identifiers it owns).
                try EmulatorStore.delete(id, db)
            }
            return try deleted("enterprise_connection", id: id)
        }
        table[.listEnterpriseConnectionTestRuns] = { state, request in
            let id = request.path("enterprise_connection_id")
            _ = try await state.record(id, kind: EnterpriseConnectionRules.kind, name: "Enterprise connection")
            var conditions = ["kind = '\(EnterpriseConnectionRules.testRunKind)'", "parent_id = ?"]
            var arguments: [any DatabaseValueConvertible] = [id]
            let statuses = request.queryValues("status").flatMap { $0.split(separator: ",").map(String.init) }.filter { !$0.isEmpty }
            for status in statuses where !EnterpriseConnectionRules.testRunStatuses.contains(status) {
                throw EmulatorError.invalidQuery("status", "must be one of \(EnterpriseConnectionRules.testRunStatuses.joined(separator: ", "))")
            }
            if !statuses.isEmpty {
                conditions.append("json_extract(doc, '$.status') IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                arguments += statuses
            }
            return try await state.listRecords(conditions, arguments, request, order: "created_at DESC, rowid DESC", wrappedByDefault: true)
        }
        table[.createEnterpriseConnectionTestRun] = { state, request in
            let id = request.path("enterprise_connection_id")
            let runID = EmulatorIDs.make("entctr")
            let issuer = state.keys.issuer
            let provider = try await state.store.writer.write { db -> String in
                guard let connection = try EmulatorStore.fetch(id, kind: EnterpriseConnectionRules.kind, db) else {
                    throw EmulatorError.notFound("Enterprise connection")
                }
                let provider = connection.doc["provider"]?.stringMember ?? ""
                let now = nowMillis()
                // The emulator cannot reach the identity provider, so the run never completes. Of the statuses the
                // spec allows (`pending`, `success`, `failed`), it is recorded as `pending`: a run that was started
                // (its URL handed out) and has not completed. A log entry says why it never will.
                let run: JSONValue = [
                    "id": .string(runID), "status": "pending",
                    "connection_type": EnterpriseConnectionRules.isSAML(provider) ? "saml" : "oauth",
                    "parsed_user_info": .null, "saml": .null, "oauth": .null,
                    "logs": [
                        [
                            "level": "warning", "code": "emulator_identity_provider_unreachable",
                            "short_message": "No identity provider reached",
                            "message": "The Clerk emulator does not contact identity providers: this test run stays pending and never completes.",
                        ],
                    ],
                    "created_at": .int(now),
                ]
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: runID, kind: EnterpriseConnectionRules.testRunKind, parentID: id, createdAt: now, updatedAt: now,
                        sortKey: nil, doc: run, secret: nil
                    ), db
                )
                return provider
            }
            state.recordEffect(
                "Enterprise connection test run recorded as pending: the emulator does not reach identity providers, so it never completes",
                metadata: ["enterprise_connection_id": "\(id)", "test_run_id": "\(runID)", "provider": "\(provider)"]
            )
            // A URL in the shape of the Frontend API's; the emulator does not serve it.
            return try .json(["url": .string("\(issuer)/v1/enterprise_connections/\(id)/test_runs/\(runID)/start")])
        }
    }
}

/// The rules and documents of enterprise connections (file-private helpers).
private enum EnterpriseConnectionRules {
    static let kind = "enterprise_connection"
    static let testRunKind = "enterprise_connection_test_run"
    static let domainKind = "enterprise_domain"
    static let providers = [
        "saml_custom", "saml_okta", "saml_google", "saml_microsoft", "oidc_custom", "oidc_github_enterprise", "oidc_gitlab",
    ]
    static let testRunStatuses = ["pending", "success", "failed"]

    static let createMembers: Set<String> = [
        "name", "provider", "domains", "organization_id", "allow_organization_account_linking", "active", "saml", "oidc",
        "custom_attributes",
    ]
    static let updateMembers: Set<String> = [
        "name", "domains", "active", "sync_user_attributes", "disable_additional_identifications",
        "allow_organization_account_linking", "organization_id", "saml", "oidc", "custom_attributes",
    ]
    static let samlMembers: Set<String> = [
        "idp_entity_id", "idp_sso_url", "idp_certificate", "idp_metadata_url", "idp_metadata", "attribute_mapping",
        "allow_subdomains", "allow_idp_initiated", "force_authn", "login_hint",
    ]
    static let oidcMembers: Set<String> = [
        "client_id", "client_secret", "discovery_url", "auth_url", "token_url", "user_info_url", "requires_pkce",
    ]
    static let customAttributeMembers: Set<String> = ["name", "key", "sso_path", "scim_path", "directory_path", "multi_valued"]
    /// The IdP members the API shows in `saml_connection`; the others stay hidden.
    static let publicIdPMembers: Set<String> = ["idp_entity_id", "idp_sso_url", "idp_metadata_url"]

    static func isSAML(_ provider: String) -> Bool { provider.hasPrefix("saml_") }

    /// The objects the spec closes (`additionalProperties: false`) refuse members they do not define.
    static func rejectUnknown(_ object: [String: JSONValue], allowed: Set<String>, prefix: String?) throws {
        guard let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) else { return }
        let name = (prefix.map { $0 + "." } ?? "") + String(unknown.prefix(64))
        throw EmulatorError(
            status: 422, code: "form_param_unknown", message: "is unknown",
            longMessage: "\(name) is not a valid parameter for this request.", meta: ["param_name": .string(name)]
        )
    }

    static func name(_ text: String, parameter: String) throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw EmulatorError.missing(parameter) }
        return text
    }

    /// Lower-cased, checked domains without repeats (an empty list stays empty).
    static func domains(_ raw: [String]) throws -> [String] {
        var domains: [String] = []
        for entry in raw {
            let domain = entry.lowercased().trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: ".")))
            guard EmulatorState.isDomainName(domain) else {
                throw EmulatorError.invalid("domains", "must hold fully qualified domain names such as example.com")
            }
            guard !EmulatorState.commonEmailDomains.contains(domain) else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "\(domain) is a public email provider's domain; an enterprise connection needs the organization's own domain.",
                    meta: ["param_name": "domains"]
                )
            }
            if !domains.contains(domain) { domains.append(domain) }
        }
        return domains
    }

    /// Makes `domains` the connection's own, releasing those it had. A domain of another enterprise connection, or of
    /// a SAML connection, is refused.
    static func claimDomains(_ domains: [String], connection id: String, _ db: Database) throws {
        for domain in domains {
            let enterpriseOwner = try EmulatorStore.owner(of: domain, kind: domainKind, db)
            let samlOwner = try EmulatorStore.owner(of: domain, kind: "saml_domain", db)
            if (enterpriseOwner != nil && enterpriseOwner != id) || samlOwner != nil {
                throw EmulatorError(
                    status: 422, code: "enterprise_connection_domain_exists", message: "is taken",
                    longMessage: "\(domain) is already a domain of another \(samlOwner != nil ? "SAML" : "enterprise") connection of this instance.",
                    meta: ["param_name": "domains"]
                )
            }
        }
        try EmulatorStore.release(kind: domainKind, owner: id, db)
        for domain in domains { try EmulatorStore.claim(domain, kind: domainKind, owner: id, db) }
    }

    /// A connection created active would need verified organization domains with automatic invitations or suggestions
    /// for its domains removed; creation does not remove them (only an update that enables a connection does, as the
    /// spec says), so it is refused with a 409.
    static func refuseVerifiedDomainConflicts(_ domains: [String], _ db: Database) throws {
        let count = try Int.fetchOne(
            db,
            sql: """
                SELECT COUNT(*) FROM resources WHERE kind = 'organization_domain'
                AND sort_key IN (\(domains.map { _ in "?" }.joined(separator: ",")))
                AND json_extract(doc, '$.verification.status') = 'verified'
                AND json_extract(doc, '$.enrollment_mode') IN ('automatic_invitation', 'automatic_suggestion')
                """,
            arguments: StatementArguments(domains)
        ) ?? 0
        guard count > 0 else { return }
        throw EmulatorError(
            status: 409, code: "enterprise_connection_verified_domains_exist", message: "Verified organization domains use these domains",
            longMessage: "Verified organization domains with automatic invitations or suggestions exist for the connection's domains. Create the connection inactive, then enable it with UpdateEnterpriseConnection, which removes them.",
            meta: ["param_name": "active"]
        )
    }

    // MARK: SAML

    static func newSAML(id: String, name: String, active: Bool, issuer: String) -> [String: JSONValue] {
        [
            "id": .string(id), "name": .string(name), "idp_entity_id": .null, "idp_sso_url": .null, "idp_metadata_url": .null,
            "acs_url": .string("\(issuer)/v1/saml/acs/\(id)"), "sp_entity_id": .string("\(issuer)/saml/\(id)"),
            "sp_metadata_url": .string("\(issuer)/v1/saml/metadata/\(id)"), "active": .bool(active),
            "allow_idp_initiated": false, "allow_subdomains": false, "force_authn": false, "login_hint": ["mode": "email_address"],
        ]
    }

    static func newSAMLHidden() -> [String: JSONValue] {
        [
            "idp_certificate": .null, "idp_certificate_issued_at": .null, "idp_certificate_expires_at": .null,
            "idp_metadata": .null, "attribute_mapping": EmulatorState.defaultSAMLAttributeMapping,
        ]
    }

    /// Applies a request's `saml` object (nothing when absent or null), with the SAML connections' rules.
    static func applySAML(
        _ value: JSONValue?, to saml: inout [String: JSONValue], hidden: inout [String: JSONValue], allowName: Bool
    ) throws {
        guard let value, value != .null else { return }
        guard case .object(let members) = value else { throw EmulatorError.invalid("saml", "must be an object") }
        try rejectUnknown(members, allowed: allowName ? samlMembers.union(["name"]) : samlMembers, prefix: "saml")
        let reader = BodyReader(object: members)
        try nested("saml") {
            if allowName, let name = try reader.string("name") { saml["name"] = .string(try self.name(name, parameter: "name")) }
            for (key, member) in try EmulatorState.samlIdPMembers(reader) {
                if publicIdPMembers.contains(key) { saml[key] = member } else { hidden[key] = member }
            }
            if let mapping = members["attribute_mapping"], mapping != .null {
                hidden["attribute_mapping"] = try EmulatorState.samlAttributeMapping(
                    mapping, base: hidden["attribute_mapping"] ?? EmulatorState.defaultSAMLAttributeMapping
                )
            }
            if let hint = try EmulatorState.samlLoginHint(members["login_hint"]) { saml["login_hint"] = hint }
            for flag in ["allow_subdomains", "allow_idp_initiated", "force_authn"] {
                if let on = try reader.bool(flag) { saml[flag] = .bool(on) }
            }
        }
    }

    // MARK: OIDC

    static func newOAuthConfig(name: String, provider: String, now: Int64) -> [String: JSONValue] {
        let suffix = EmulatorIDs.random(length: 8).lowercased()
        let providerKey =
            switch provider {
            case "oidc_github_enterprise": "oidc_ghe_\(suffix)"
            case "oidc_gitlab": "oidc_gitlab_ent_\(suffix)"
            default: "oidc_custom_\(suffix)"
            }
        return [
            "id": .string(EmulatorIDs.make("oac")), "name": .string(name), "provider_key": .string(providerKey),
            "client_id": .null, "discovery_url": .null, "auth_url": .null, "token_url": .null, "user_info_url": .null,
            "requires_pkce": false, "logo_public_url": .null, "created_at": .int(now), "updated_at": .int(now),
        ]
    }

    /// Applies a request's `oidc` object: an empty string clears a member; the client secret stays hidden.
    static func applyOIDC(_ value: JSONValue?, to oauth: inout [String: JSONValue], hidden: inout [String: JSONValue]) throws {
        guard let value, value != .null else { return }
        guard case .object(let members) = value else { throw EmulatorError.invalid("oidc", "must be an object") }
        try rejectUnknown(members, allowed: oidcMembers, prefix: "oidc")
        let reader = BodyReader(object: members)
        try nested("oidc") {
            if let clientID = try reader.string("client_id") { oauth["client_id"] = clientID.isEmpty ? .null : .string(clientID) }
            if let secret = try reader.string("client_secret") { hidden["client_secret"] = secret.isEmpty ? nil : .string(secret) }
            for member in ["discovery_url", "auth_url", "token_url", "user_info_url"] {
                guard let url = try reader.string(member) else { continue }
                if !url.isEmpty { try EmulatorState.checkSAMLURL(url, parameter: member) }
                oauth[member] = url.isEmpty ? .null : .string(url)
            }
            if let pkce = try reader.bool("requires_pkce") { oauth["requires_pkce"] = .bool(pkce) }
        }
    }

    /// Runs `body`, naming the nested object in the `param_name` and message of a 422 it throws (`saml.idp_sso_url`).
    static func nested(_ prefix: String, _ body: () throws -> Void) throws {
        do {
            try body()
        } catch var error as EmulatorError {
            if case .string(let parameter)? = error.meta["param_name"], !parameter.hasPrefix(prefix + ".") {
                error.meta["param_name"] = .string("\(prefix).\(parameter)")
                if let message = error.longMessage, message.hasPrefix(parameter) { error.longMessage = "\(prefix).\(message)" }
            }
            throw error
        }
    }

    // MARK: Derived members

    /// Whether the connection's IdP is configured: for SAML, entity id, SSO URL and certificate, or metadata, or a
    /// metadata URL; for OIDC, a client id, a discovery URL (or authorization and token URLs), and a client secret or
    /// PKCE (a public client must use PKCE).
    static func isConfigured(_ doc: [String: JSONValue], _ hidden: [String: JSONValue]) -> Bool {
        if case .object(let saml)? = doc["saml_connection"] {
            return EmulatorState.samlConfigured(saml.merging(hidden) { current, _ in current })
        }
        guard case .object(let oauth)? = doc["oauth_config"] else { return false }
        func present(_ value: JSONValue?) -> Bool { !(value?.stringMember ?? "").isEmpty }
        let endpoints = present(oauth["discovery_url"]) || (present(oauth["auth_url"]) && present(oauth["token_url"]))
        let client = present(hidden["client_secret"]) || oauth["requires_pkce"]?.boolMember == true
        return present(oauth["client_id"]) && endpoints && client
    }

    static func requireConfigured(_ doc: [String: JSONValue], _ hidden: [String: JSONValue]) throws {
        guard !isConfigured(doc, hidden) else { return }
        let how =
            doc["saml_connection"] != nil && doc["saml_connection"] != .null
            ? "set saml.idp_entity_id, saml.idp_sso_url and saml.idp_certificate, or saml.idp_metadata, or saml.idp_metadata_url"
            : "set oidc.client_id, oidc.discovery_url (or oidc.auth_url and oidc.token_url), and oidc.client_secret or oidc.requires_pkce"
        throw EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid",
            longMessage: "The enterprise connection cannot be activated before its identity provider is configured: \(how).",
            meta: ["param_name": "active"]
        )
    }

    /// `authenticatable` (active and configured) and the embedded SAML connection's `active`.
    static func refreshDerived(_ doc: inout [String: JSONValue], _ hidden: [String: JSONValue]) {
        let active = doc["active"]?.boolMember == true
        if case .object(var saml)? = doc["saml_connection"] {
            saml["active"] = .bool(active)
            doc["saml_connection"] = .object(saml)
        }
        doc["authenticatable"] = .bool(active && isConfigured(doc, hidden))
    }

    static func encodeHidden(_ hidden: [String: JSONValue]) throws -> String? {
        hidden.isEmpty ? nil : try EmulatorStore.encode(.object(hidden))
    }

    static func decodeHidden(_ text: String?) -> [String: JSONValue] {
        guard let text, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) else { return [:] }
        return value.objectMembers ?? [:]
    }

    // MARK: Custom attributes

    /// Checked `custom_attributes` as the API shows them (`scim_path` and `directory_path` carry the same value;
    /// `multi_valued` defaults to false); `nil` when not sent.
    static func customAttributes(_ value: JSONValue?) throws -> [JSONValue]? {
        guard let value, value != .null else { return nil }
        guard case .array(let items) = value else { throw EmulatorError.invalid("custom_attributes", "must be an array of objects") }
        var keys: Set<String> = []
        var result: [JSONValue] = []
        for (index, item) in items.enumerated() {
            let at = "custom_attributes[\(index)]"
            guard case .object(let members) = item else { throw EmulatorError.invalid("custom_attributes", "must be an array of objects") }
            try rejectUnknown(members, allowed: customAttributeMembers, prefix: at)
            let reader = BodyReader(object: members)
            var name = ""
            var key = ""
            var paths: [String: String] = [:]
            var multiValued = false
            try nested(at) {
                name = try reader.requiredString("name")
                key = try reader.requiredString("key")
                for member in ["sso_path", "scim_path", "directory_path"] {
                    if let path = try reader.string(member) { paths[member] = path }
                }
                multiValued = try reader.bool("multi_valued") ?? false
            }
            guard let first = key.unicodeScalars.first, first != "_",
                key.unicodeScalars.dropFirst().allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "_" || $0 == "-" })
            else {
                throw EmulatorError.invalid("\(at).key", "must not start with an underscore and may hold only letters, digits, underscores and hyphens")
            }
            guard keys.insert(key).inserted else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "\(at).key repeats \(key.prefix(64)): each custom attribute needs its own key.",
                    meta: ["param_name": .string("\(at).key")]
                )
            }
            if let scim = paths["scim_path"], let directory = paths["directory_path"], scim != directory {
                throw EmulatorError.invalid("\(at).directory_path", "must equal scim_path when both are sent (directory_path is its new name)")
            }
            var attribute: [String: JSONValue] = ["name": .string(name), "key": .string(key), "multi_valued": .bool(multiValued)]
            if let sso = paths["sso_path"] { attribute["sso_path"] = .string(sso) }
            if let path = paths["scim_path"] ?? paths["directory_path"] {
                attribute["scim_path"] = .string(path)
                attribute["directory_path"] = .string(path)
            }
            result.append(.object(attribute))
        }
        return result
    }
}
