import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerOrganizations(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createOrganization] = { state, request in try await state.createOrganization(BodyReader(object: try request.jsonObject())) }
        table[.getOrganization] = { state, request in try await .json(try state.organization(request.path("organization_id")).doc) }
        table[.listOrganizations] = { state, request in
            var conditions = ["kind = 'organization'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("sort_key LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            let ids = request.queryValues("organization_id")
            if !ids.isEmpty {
                conditions.append("id IN (\(ids.map { _ in "?" }.joined(separator: ",")))")
                arguments += ids
            }
            let users = request.queryValues("user_id")
            if !users.isEmpty {
                conditions.append("id IN (SELECT parent_id FROM resources WHERE kind = 'organization_membership' AND json_extract(doc, '$.public_user_data.user_id') IN (\(users.map { _ in "?" }.joined(separator: ","))))")
                arguments += users
            }
            let order = try Self.order(
                request,
                allowed: [
                    "created_at": "created_at", "name": "json_extract(doc, '$.name')",
                    "members_count": "(SELECT COUNT(*) FROM resources m WHERE m.kind = 'organization_membership' AND m.parent_id = resources.id)",
                ],
                default: "-created_at"
            )
            let withCount = try request.queryBool("include_members_count") ?? false
            let response = try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
            guard withCount else { return response }
            // Add members_count to each organization.
            let value = try JSONDecoder().decode(JSONValue.self, from: response.body)
            guard var object = value.objectMembers, let data = object["data"]?.arrayMember else { return response }
            var counted: [JSONValue] = []
            for organization in data {
                var fields = organization.objectMembers ?? [:]
                fields["members_count"] = .int(Int64(try await state.memberCount(fields["id"]?.stringMember ?? "")))
                counted.append(.object(fields))
            }
            object["data"] = .array(counted)
            return try .json(.object(object))
        }
        table[.updateOrganization] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = try await state.organization(request.path("organization_id")).id
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard var record = try EmulatorStore.fetch(id, kind: "organization", db) else { throw EmulatorError.notFound("Organization") }
                var doc = record.doc.objectMembers ?? [:]
                if let name = try body.string("name") { doc["name"] = .string(name) }
                if let slug = try body.string("slug"), slug != doc["slug"]?.stringMember {
                    try Self.checkSlug(slug)
                    // A slug belongs to one organization: the new one is claimed, the old one freed.
                    if let owner = try EmulatorStore.owner(of: slug, kind: "organization_slug", db), owner != id {
                        throw EmulatorError(status: 422, code: "form_identifier_exists", message: "That slug is taken. Please try another.", meta: ["param_name": "slug"])
                    }
                    try EmulatorStore.release(kind: "organization_slug", owner: id, db)
                    try EmulatorStore.claim(slug, kind: "organization_slug", owner: id, db)
                    doc["slug"] = .string(slug)
                }
                if let max = try body.int("max_allowed_memberships") { doc["max_allowed_memberships"] = .int(max) }
                if let flag = try body.bool("admin_delete_enabled") { doc["admin_delete_enabled"] = .bool(flag) }
                for kind in ["public_metadata", "private_metadata"] {
                    if let value = try body.metadata(kind) { doc[kind] = value }
                }
                record.updatedAt = nowMillis()
                doc["updated_at"] = .int(record.updatedAt)
                // The search key follows the name and the slug.
                let name = doc["name"]?.stringMember ?? "", slug = doc["slug"]?.stringMember ?? ""
                record.sortKey = "\(id)\u{1F}\(name)\u{1F}\(slug)".lowercased()
                record.doc = .object(doc)
                try EmulatorStore.update(record, db)
                try state.emitEvent("organization.updated", record.doc, db)
                return record.doc
            }
            return try .json(doc)
        }
        table[.deleteOrganization] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            let id = organization.id
            try await state.store.writer.write { db in
                try state.emitMembershipsDeleted(where: "parent_id = ?", [id], db)
                var stub: [String: JSONValue] = ["object": "organization", "id": .string(id), "deleted": true]
                if let slug = organization.doc["slug"], slug != .null { stub["slug"] = slug }
                try state.emitEvent("organization.deleted", .object(stub), db)
                try EmulatorStore.delete(id, db)
                try db.execute(sql: "DELETE FROM resources WHERE kind = 'organization_membership' AND parent_id = ?", arguments: [id])
                // Its domains go with it (and their names become free).
                for domain in try String.fetchAll(db, sql: "SELECT id FROM resources WHERE kind = 'organization_domain' AND parent_id = ?", arguments: [id]) {
                    try EmulatorStore.delete(domain, db)
                }
            }
            return try deleted("organization", id: id)
        }
        table[.mergeOrganizationMetadata] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = try await state.organization(request.path("organization_id")).id
            return try await state.mutate(id, kind: "organization", name: "Organization", event: "organization.updated") { doc in
                for kind in ["public_metadata", "private_metadata"] {
                    if let patch = try body.metadata(kind) { doc[kind] = mergeMetadata(doc[kind], patch) }
                }
            }
        }
        table[.replaceOrganizationMetadata] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = try await state.organization(request.path("organization_id")).id
            return try await state.mutate(id, kind: "organization", name: "Organization", event: "organization.updated") { doc in
                for kind in ["public_metadata", "private_metadata"] {
                    if let value = try body.metadata(kind) { doc[kind] = value }
                }
            }
        }

        // Memberships
        table[.createOrganizationMembership] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let organization = try await state.organization(request.path("organization_id"))
            let userID = try body.requiredString("user_id")
            let role = try body.requiredString("role")
            return try await .json(try state.addMember(organization: organization, userID: userID, role: role))
        }
        table[.listOrganizationMemberships] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            var conditions = ["kind = 'organization_membership'", "parent_id = ?"]
            var arguments: [any DatabaseValueConvertible] = [organization.id]
            let users = request.queryValues("user_id")
            if !users.isEmpty {
                conditions.append("json_extract(doc, '$.public_user_data.user_id') IN (\(users.map { _ in "?" }.joined(separator: ",")))")
                arguments += users
            }
            let roles = request.queryValues("role")
            if !roles.isEmpty {
                conditions.append("json_extract(doc, '$.role') IN (\(roles.map { _ in "?" }.joined(separator: ",")))")
                arguments += roles
            }
            let order = try Self.order(request, allowed: ["created_at": "created_at"], default: "-created_at")
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.instanceGetOrganizationMemberships] = { state, request in
            let order = try Self.order(request, allowed: ["created_at": "created_at"], default: "-created_at")
            return try await state.listRecords(["kind = 'organization_membership'"], [], request, order: order, wrappedByDefault: true)
        }
        table[.usersGetOrganizationMemberships] = { state, request in
            _ = try await state.user(request.path("user_id"))
            return try await state.listRecords(
                ["kind = 'organization_membership'", "json_extract(doc, '$.public_user_data.user_id') = ?"], [request.path("user_id")],
                request, order: "created_at DESC, rowid DESC", wrappedByDefault: true
            )
        }
        table[.updateOrganizationMembership] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let key = try body.requiredString("role")
            let membership = try await state.membership(request.path("organization_id"), request.path("user_id"))
            let role = try await state.store.writer.read { db in try Self.definedRole(key, parameter: "role", db) }
            return try await state.mutate(membership.id, kind: "organization_membership", name: "Membership", event: "organizationMembership.updated") { doc in
                for (name, value) in Self.membershipRoleFields(role) { doc[name] = value }
            }
        }
        table[.updateOrganizationMembershipMetadata] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let membership = try await state.membership(request.path("organization_id"), request.path("user_id"))
            return try await state.mutate(membership.id, kind: "organization_membership", name: "Membership", event: "organizationMembership.updated") { doc in
                for kind in ["public_metadata", "private_metadata"] {
                    if let patch = try body.metadata(kind) { doc[kind] = mergeMetadata(doc[kind], patch) }
                }
            }
        }
        table[.deleteOrganizationMembership] = { state, request in
            let membership = try await state.membership(request.path("organization_id"), request.path("user_id"))
            try await state.store.writer.write { db in
                try EmulatorStore.delete(membership.id, db)
                try state.emitEvent("organizationMembership.deleted", membership.doc, db)
            }
            return try .json(membership.doc)
        }
    }

    static func roleName(_ role: String) -> String {
        switch role {
        case "org:admin": return "Admin"
        case "org:member": return "Member"
        default: return role.split(separator: ":").last.map { $0.prefix(1).uppercased() + $0.dropFirst() } ?? role
        }
    }

    /// An organization by id or slug.
    func organization(_ idOrSlug: String) async throws -> EmulatorStore.Record {
        let found = try await store.writer.read { db -> EmulatorStore.Record? in
            if let record = try EmulatorStore.fetch(idOrSlug, kind: "organization", db) { return record }
            return try Row.fetchOne(
                db, sql: "SELECT * FROM resources WHERE kind = 'organization' AND json_extract(doc, '$.slug') = ?", arguments: [idOrSlug]
            ).map(EmulatorStore.record)
        }
        guard let found else { throw EmulatorError.notFound("Organization") }
        return found
    }

    func memberCount(_ organizationID: String) async throws -> Int {
        try await store.writer.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE kind = 'organization_membership' AND parent_id = ?", arguments: [organizationID]) ?? 0
        }
    }

    func membership(_ organizationID: String, _ userID: String) async throws -> EmulatorStore.Record {
        let organization = try await self.organization(organizationID)
        let found = try await store.writer.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT * FROM resources WHERE kind = 'organization_membership' AND parent_id = ? AND json_extract(doc, '$.public_user_data.user_id') = ?",
                arguments: [organization.id, userID]
            ).map(EmulatorStore.record)
        }
        guard let found else { throw EmulatorError.notFound("Organization membership") }
        return found
    }

    func createOrganization(_ body: BodyReader) async throws -> EmulatorResponse {
        let name = try body.requiredString("name")
        let slug = try body.string("slug") ?? Self.slugify(name)
        try Self.checkSlug(slug)
        let createdBy = try body.string("created_by")
        let now = nowMillis()
        let id = EmulatorIDs.make("org")
        var doc: [String: JSONValue] = [
            "object": "organization", "id": .string(id), "name": .string(name), "slug": .string(slug),
            "image_url": "https://img.clerk.com/emulator-default-org", "has_image": false,
            "max_allowed_memberships": .int(try body.int("max_allowed_memberships") ?? 0),
            "admin_delete_enabled": true,
            "public_metadata": try body.metadata("public_metadata") ?? [:],
            "private_metadata": try body.metadata("private_metadata") ?? [:],
            // `created_by` is optional but not nullable in the spec: left out when unknown.
            "created_at": .int(now), "updated_at": .int(now),
        ]
        if let createdBy { doc["created_by"] = .string(createdBy) }
        let document = doc
        let record = EmulatorStore.Record(
            id: id, kind: "organization", parentID: nil, createdAt: now, updatedAt: now,
            sortKey: "\(id)\u{1F}\(name)\u{1F}\(slug)".lowercased(), doc: .object(doc), secret: nil
        )
        try await store.writer.write { db in
            if try EmulatorStore.owner(of: slug, kind: "organization_slug", db) != nil {
                throw EmulatorError(status: 422, code: "form_identifier_exists", message: "That slug is taken. Please try another.", meta: ["param_name": "slug"])
            }
            if let createdBy {
                if try EmulatorStore.fetch(createdBy, kind: "user", db) == nil { throw EmulatorError.notFound("User") }
                // The creator becomes an admin: the role must exist before the organization does.
                _ = try Self.definedRole("org:admin", parameter: "created_by", db)
            }
            try EmulatorStore.claim(slug, kind: "organization_slug", owner: id, db)
            try EmulatorStore.insert(record, db)
            try self.emitEvent("organization.created", .object(document), db)
        }
        if let createdBy {
            _ = try await addMember(organization: record, userID: createdBy, role: "org:admin")
        }
        return try .json(.object(doc))
    }

    /// A 422 naming `slug` unless it is letters, digits, `-` and `_` (at least one).
    static func checkSlug(_ slug: String) throws {
        guard !slug.isEmpty, slug.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw EmulatorError.invalid("slug", "may contain only letters, digits, - and _")
        }
    }

    static func slugify(_ name: String) -> String {
        var slug = ""
        for character in name.lowercased() {
            if character.isLetter || character.isNumber { slug.append(character) } else if !slug.hasSuffix("-") { slug.append("-") }
        }
        return slug.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    }

    func addMember(organization: EmulatorStore.Record, userID: String, role: String) async throws -> JSONValue {
        try await store.writer.write { db in
            guard let user = try EmulatorStore.fetch(userID, kind: "user", db) else { throw EmulatorError.notFound("User") }
            let existing = try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM resources WHERE kind = 'organization_membership' AND parent_id = ? AND json_extract(doc, '$.public_user_data.user_id') = ?",
                arguments: [organization.id, userID]
            ) ?? 0
            guard existing == 0 else {
                throw EmulatorError(status: 422, code: "already_a_member_in_organization", message: "User is already a member of the organization.", meta: ["param_name": "user_id"])
            }
            let max = organization.doc["max_allowed_memberships"]?.intMember ?? 0
            let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE kind = 'organization_membership' AND parent_id = ?", arguments: [organization.id]) ?? 0
            if max > 0 && count >= max {
                throw EmulatorError(status: 403, code: "organization_membership_quota_exceeded", message: "Membership quota exceeded", longMessage: "The organization allows at most \(max) members.")
            }
            let roleFields = Self.membershipRoleFields(try Self.definedRole(role, parameter: "role", db))
            let now = nowMillis()
            let id = EmulatorIDs.make("orgmem")
            let primaryEmail = user.doc["email_addresses"]?.arrayMember?.first?["email_address"]
            var organizationDoc = organization.doc.objectMembers ?? [:]
            organizationDoc["private_metadata"] = nil
            var fields: [String: JSONValue] = [
                "object": "organization_membership", "id": .string(id),
                "public_metadata": [:], "private_metadata": [:],
                "organization": .object(organizationDoc),
                "public_user_data": [
                    "user_id": .string(userID), "first_name": user.doc["first_name"] ?? .null, "last_name": user.doc["last_name"] ?? .null,
                    "image_url": user.doc["image_url"] ?? "", "profile_image_url": user.doc["image_url"] ?? "",
                    "has_image": user.doc["has_image"] ?? false,
                    "identifier": primaryEmail ?? user.doc["username"] ?? .null, "username": user.doc["username"] ?? .null,
                ],
                "created_at": .int(now), "updated_at": .int(now),
            ]
            for (name, value) in roleFields { fields[name] = value }
            let doc = JSONValue.object(fields)
            try EmulatorStore.insert(
                EmulatorStore.Record(id: id, kind: "organization_membership", parentID: organization.id, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil),
                db
            )
            try self.emitEvent("organizationMembership.created", doc, db)
            return doc
        }
    }
}
