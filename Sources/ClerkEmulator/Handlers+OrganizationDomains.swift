import ClerkBackend
import Foundation
import GRDB

/// Organization domains: an organization's email domains, with their enrollment mode and verification.
extension EmulatorState {
    static let enrollmentModes = ["manual_invitation", "automatic_invitation", "automatic_suggestion", "enterprise_sso"]

    /// Domains of public email providers, which Clerk refuses as an organization's domain.
    static let commonEmailDomains: Set<String> = [
        "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "icloud.com", "me.com",
        "aol.com", "proton.me", "protonmail.com", "gmx.com", "mail.com", "yandex.com",
    ]

    static func registerOrganizationDomains(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createOrganizationDomain] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let organization = try await state.organization(request.path("organization_id"))
            let name = try body.requiredString("name").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
            guard Self.isDomainName(name) else { throw EmulatorError.invalid("name", "must be a domain name such as example.com") }
            guard !Self.commonEmailDomains.contains(name) else {
                throw EmulatorError(
                    status: 422, code: "organization_domain_common", message: "is a common email provider",
                    longMessage: "\(name) is a public email provider's domain; an organization domain must be the organization's own.",
                    meta: ["param_name": "name"]
                )
            }
            let mode = try Self.enrollmentMode(body.string("enrollment_mode")) ?? "manual_invitation"
            let verified = try body.bool("verified") ?? false
            let now = nowMillis()
            let id = EmulatorIDs.make("orgdmn")
            var doc: [String: JSONValue] = [
                "object": "organization_domain", "id": .string(id), "organization_id": .string(organization.id),
                "name": .string(name), "enrollment_mode": .string(mode), "affiliation_email_address": .null,
                "affiliation_verification": .null, "ownership_verification": .null, "verification": .null,
                "total_pending_invitations": 0, "total_pending_suggestions": 0,
                "public_organization_data": Self.publicOrganizationData(organization.doc),
                "created_at": .int(now), "updated_at": .int(now),
            ]
            if verified { Self.markVerified(&doc, strategy: "admin", now: now) }
            let created = JSONValue.object(doc)
            try await state.store.writer.write { db in
                if try EmulatorStore.owner(of: name, kind: "organization_domain", db) != nil {
                    throw EmulatorError(
                        status: 422, code: "organization_domain_exists", message: "is taken",
                        longMessage: "\(name) is already a domain of an organization of this instance.", meta: ["param_name": "name"]
                    )
                }
                try EmulatorStore.claim(name, kind: "organization_domain", owner: id, db)
                try EmulatorStore.insert(
                    EmulatorStore.Record(id: id, kind: "organization_domain", parentID: organization.id, createdAt: now, updatedAt: now, sortKey: name, doc: created, secret: nil), db
                )
                try state.emitEvent("organizationDomain.created", created, db)
            }
            return try .json(created)
        }
        table[.listOrganizationDomains] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            var (conditions, arguments) = try Self.domainFilters(request)
            conditions.append("parent_id = ?")
            arguments.append(organization.id)
            return try await state.listRecords(conditions, arguments, request, order: "created_at DESC, rowid DESC", wrappedByDefault: true)
        }
        table[.listAllOrganizationDomains] = { state, request in
            var (conditions, arguments) = try Self.domainFilters(request)
            let organizations = request.queryValues("organization_id")
            if !organizations.isEmpty {
                conditions.append("parent_id IN (\(organizations.map { _ in "?" }.joined(separator: ",")))")
                arguments += organizations
            }
            let names = request.queryValues("domains").map { $0.lowercased() }
            if !names.isEmpty {
                conditions.append("sort_key IN (\(names.map { _ in "?" }.joined(separator: ",")))")
                arguments += names
            }
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("sort_key LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            let order = try Self.order(request, allowed: ["name": "sort_key", "created_at": "created_at"], default: "-created_at")
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.updateOrganizationDomain] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let mode = try Self.enrollmentMode(body.string("enrollment_mode"))
            let verified = try body.bool("verified")
            return try await state.mutateDomain(request) { doc in
                if let mode { doc["enrollment_mode"] = .string(mode) }
                if verified == true, doc["verification"]?["status"]?.stringMember != "verified" {
                    Self.markVerified(&doc, strategy: "admin", now: nowMillis())
                } else if verified == false {
                    doc["verification"] = .null
                    doc["ownership_verification"] = .null
                }
            }
        }
        table[.verifyOrganizationDomainOwnership] = { state, request in
            // Outside the emulator this checks a DNS record; here the domain's owner is taken at its word.
            try await state.mutateDomain(request) { doc in
                if doc["ownership_verification"]?["status"]?.stringMember != "verified" {
                    Self.markVerified(&doc, strategy: "dns_record", now: nowMillis())
                }
            }
        }
        table[.deleteOrganizationDomain] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            let id = request.path("domain_id")
            try await state.store.writer.write { db in
                guard let record = try EmulatorStore.fetch(id, kind: "organization_domain", db), record.parentID == organization.id else {
                    throw EmulatorError.notFound("Organization domain")
                }
                try state.emitEvent("organizationDomain.deleted", ["object": "organization_domain", "id": .string(id), "deleted": true], db)
                try EmulatorStore.delete(id, db)
            }
            return try deleted("organization_domain", id: id)
        }
    }

    /// Changes one domain of the organization in the path (404 for a domain of another organization).
    func mutateDomain(_ request: EmulatorRequest, _ change: @escaping @Sendable (inout [String: JSONValue]) throws -> Void) async throws -> EmulatorResponse {
        let organization = try await self.organization(request.path("organization_id"))
        let id = request.path("domain_id")
        let doc = try await store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: "organization_domain", db), record.parentID == organization.id else {
                throw EmulatorError.notFound("Organization domain")
            }
            var doc = record.doc.objectMembers ?? [:]
            try change(&doc)
            record.updatedAt = nowMillis()
            doc["updated_at"] = .int(record.updatedAt)
            record.doc = .object(doc)
            try EmulatorStore.update(record, db)
            try self.emitEvent("organizationDomain.updated", record.doc, db)
            return record.doc
        }
        return try .json(doc)
    }

    static func domainFilters(_ request: EmulatorRequest) throws -> ([String], [any DatabaseValueConvertible]) {
        var conditions = ["kind = 'organization_domain'"]
        var arguments: [any DatabaseValueConvertible] = []
        if let verified = try request.queryBool("verified") {
            conditions.append(verified ? "json_extract(doc, '$.verification.status') = 'verified'" : "COALESCE(json_extract(doc, '$.verification.status'), '') != 'verified'")
        }
        let modes = request.queryValues("enrollment_mode")
        if !modes.isEmpty {
            for mode in modes where !enrollmentModes.contains(mode) {
                throw EmulatorError.invalidQuery("enrollment_mode", "must be one of \(enrollmentModes.joined(separator: ", ")), not \(mode.prefix(50))")
            }
            conditions.append("json_extract(doc, '$.enrollment_mode') IN (\(modes.map { _ in "?" }.joined(separator: ",")))")
            arguments += modes
        }
        return (conditions, arguments)
    }

    static func enrollmentMode(_ text: String?) throws -> String? {
        guard let text else { return nil }
        guard enrollmentModes.contains(text) else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "enrollment_mode must be one of \(enrollmentModes.joined(separator: ", "))", meta: ["param_name": "enrollment_mode"]
            )
        }
        return text
    }

    /// Marks a domain verified: `verification` (deprecated, kept in step) and `ownership_verification`.
    static func markVerified(_ doc: inout [String: JSONValue], strategy: String, now: Int64) {
        let verification: JSONValue = ["status": "verified", "strategy": .string(strategy), "attempts": 0, "expire_at": .null, "verified_at": .int(now)]
        doc["verification"] = verification
        doc["ownership_verification"] = verification
    }

    static func publicOrganizationData(_ organization: JSONValue) -> JSONValue {
        [
            "id": organization["id"] ?? .null, "name": organization["name"] ?? .null, "slug": organization["slug"] ?? .null,
            "image_url": organization["image_url"] ?? .null, "has_image": organization["has_image"] ?? false,
        ]
    }

    /// `example.com`, `mail.example.co.uk`: labels of letters, digits and hyphens, at least two of them.
    static func isDomainName(_ name: String) -> Bool {
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, name.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            (1...63).contains(label.utf8.count) && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }
        }
    }
}
