import ClerkBackend
import Foundation
import GRDB

/// Organization roles and permissions.
///
/// The instance has the system permissions (`org:sys_*`), custom permissions (`org:<feature>:<action>`) created through
/// the API, and roles, each holding a list of permissions. A fresh database gets the default roles `org:admin` (every
/// system permission) and `org:member` (reading members); neither has a custom permission until one is assigned.
/// Memberships name a role by key; a membership's `role_name` and `permissions` follow its role, and session tokens
/// carry the role and its custom permissions of the session's active organization (``organizationClaims``).
extension EmulatorState {
    static let roleKind = "organization_role"
    static let permissionKind = "organization_permission"
    /// Identifier kinds that keep role and permission keys unique.
    static let roleKeyKind = "organization_role_key"
    static let permissionKeyKind = "organization_permission_key"

    /// The system permissions of every instance: key, name, description.
    static let systemPermissions: [(key: String, name: String, description: String)] = [
        ("org:sys_profile:manage", "Manage organization", "Change the organization's name, slug, logo and settings."),
        ("org:sys_profile:delete", "Delete organization", "Delete the organization."),
        ("org:sys_memberships:read", "Read members", "See the organization's members and invitations."),
        ("org:sys_memberships:manage", "Manage members", "Invite, remove and change the roles of members."),
        ("org:sys_domains:read", "Read domains", "See the organization's verified domains."),
        ("org:sys_domains:manage", "Manage domains", "Add, verify and remove the organization's domains."),
    ]

    /// The roles a fresh database starts with: key, name, description, permission keys.
    static let defaultRoles: [(key: String, name: String, description: String, permissions: [String])] = [
        ("org:admin", "Admin", "Manages the organization and its members.", systemPermissions.map(\.key)),
        ("org:member", "Member", "Takes part in the organization.", ["org:sys_memberships:read"]),
    ]

    /// A role may be an organization's creator role when it can manage the organization and its members.
    static let creatorPermissions: Set<String> = [
        "org:sys_profile:manage", "org:sys_profile:delete", "org:sys_memberships:read", "org:sys_memberships:manage",
    ]

    static func registerOrganizationRoles(_ table: inout [Endpoint: EmulatorHandler]) {
        // Permissions
        table[.listOrganizationPermissions] = { state, request in
            let (conditions, arguments) = Self.roleSearch(kind: permissionKind, request)
            let order = try Self.order(request, allowed: Self.roleOrders, default: "-created_at")
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.createOrganizationPermission] = { state, request in
            let object = try request.jsonObject()
            try rejectUnknown(object, allowed: ["name", "key", "description"])
            let body = BodyReader(object: object)
            let name = try body.requiredString("name")
            let key = try body.requiredString("key")
            try Self.validatePermissionKey(key)
            let now = nowMillis()
            let doc = Self.permissionDoc(
                id: EmulatorIDs.make("perm"), name: name, key: key, description: try body.string("description") ?? "",
                type: "custom", now: now
            )
            try await state.store.writer.write { db in
                try Self.insertPermission(doc, db)
                try state.emitEvent("permission.created", doc, db)
            }
            return try .json(doc)
        }
        table[.getOrganizationPermission] = { state, request in
            try await .json(try state.record(request.path("permission_id"), kind: permissionKind, name: "Permission").doc)
        }
        table[.updateOrganizationPermission] = { state, request in
            let object = try request.jsonObject()
            try rejectUnknown(object, allowed: ["name", "key", "description"])
            let body = BodyReader(object: object)
            let id = request.path("permission_id")
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard var record = try EmulatorStore.fetch(id, kind: permissionKind, db) else { throw EmulatorError.notFound("Permission") }
                var fields = record.doc.objectMembers ?? [:]
                try Self.refuseSystemPermission(fields)
                if let name = try body.string("name") {
                    guard !name.isEmpty else { throw EmulatorError.missing("name") }
                    fields["name"] = .string(name)
                }
                if let description = try body.string("description") { fields["description"] = .string(description) }
                if let key = try body.string("key"), key != fields["key"]?.stringMember {
                    try Self.validatePermissionKey(key)
                    if try EmulatorStore.owner(of: key, kind: permissionKeyKind, db) != nil { throw EmulatorError.exists("key") }
                    try EmulatorStore.release(kind: permissionKeyKind, owner: id, db)
                    try EmulatorStore.claim(key, kind: permissionKeyKind, owner: id, db)
                    fields["key"] = .string(key)
                }
                record.updatedAt = nowMillis()
                fields["updated_at"] = .int(record.updatedAt)
                record.doc = .object(fields)
                try EmulatorStore.update(record, db)
                // Roles embed their permissions: replace this one in each role that holds it.
                try state.changeRoles(holding: id, db) { permissions in
                    permissions.map { $0["id"]?.stringMember == id ? record.doc : $0 }
                }
                try state.emitEvent("permission.updated", record.doc, db)
                return record.doc
            }
            return try .json(doc)
        }
        table[.deleteOrganizationPermission] = { state, request in
            let id = request.path("permission_id")
            try await state.store.writer.write { db in
                guard let record = try EmulatorStore.fetch(id, kind: permissionKind, db) else { throw EmulatorError.notFound("Permission") }
                try Self.refuseSystemPermission(record.doc.objectMembers ?? [:])
                try state.changeRoles(holding: id, db) { permissions in permissions.filter { $0["id"]?.stringMember != id } }
                try EmulatorStore.delete(id, db)
                try state.emitEvent("permission.deleted", ["object": "permission", "id": .string(id), "deleted": true], db)
            }
            return try deleted("permission", id: id)
        }

        // Roles
        table[.listOrganizationRoles] = { state, request in
            let (conditions, arguments) = Self.roleSearch(kind: roleKind, request)
            let order = try Self.order(request, allowed: Self.roleOrders, default: "-created_at")
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.createOrganizationRole] = { state, request in
            let object = try request.jsonObject()
            try rejectUnknown(object, allowed: ["name", "key", "description", "permissions", "include_in_initial_role_set"])
            let body = BodyReader(object: object)
            let name = try body.requiredString("name")
            let key = try body.requiredString("key")
            try Self.validateRoleKey(key)
            let description = try body.string("description")
            let permissionIDs = try body.strings("permissions")
            _ = try body.bool("include_in_initial_role_set")  // role sets are not emulated: checked, then ignored
            let doc = try await state.store.writer.write { db -> JSONValue in
                let permissions = try Self.permissions(ids: permissionIDs, db)
                let doc = Self.roleDoc(
                    id: EmulatorIDs.make("role"), name: name, key: key, description: description, permissions: permissions,
                    createdAt: nowMillis()
                )
                try Self.insertRole(doc, db)
                try state.emitEvent("role.created", doc, db)
                return doc
            }
            return try .json(doc)
        }
        table[.getOrganizationRole] = { state, request in
            try await .json(try state.record(request.path("organization_role_id"), kind: roleKind, name: "Organization role").doc)
        }
        table[.updateOrganizationRole] = { state, request in
            let object = try request.jsonObject()
            try rejectUnknown(object, allowed: ["name", "key", "description", "permissions"])
            let body = BodyReader(object: object)
            let id = request.path("organization_role_id")
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard let record = try EmulatorStore.fetch(id, kind: roleKind, db) else { throw EmulatorError.notFound("Organization role") }
                var fields = record.doc.objectMembers ?? [:]
                if let name = try body.string("name") {
                    guard !name.isEmpty else { throw EmulatorError.missing("name") }
                    fields["name"] = .string(name)
                }
                if object["description"] != nil { fields["description"] = try body.string("description").map { .string($0) } ?? .null }
                if let key = try body.string("key"), key != fields["key"]?.stringMember {
                    try Self.validateRoleKey(key)
                    if try EmulatorStore.owner(of: key, kind: roleKeyKind, db) != nil { throw EmulatorError.exists("key") }
                    try EmulatorStore.release(kind: roleKeyKind, owner: id, db)
                    try EmulatorStore.claim(key, kind: roleKeyKind, owner: id, db)
                    fields["key"] = .string(key)
                }
                if let value = object["permissions"], value != .null {
                    fields["permissions"] = .array(try Self.permissions(ids: try body.strings("permissions"), db))
                }
                return try state.saveRole(record, fields, db)
            }
            return try .json(doc)
        }
        table[.deleteOrganizationRole] = { state, request in
            let id = request.path("organization_role_id")
            try await state.store.writer.write { db in
                guard let record = try EmulatorStore.fetch(id, kind: roleKind, db) else { throw EmulatorError.notFound("Organization role") }
                let key = record.doc["key"]?.stringMember ?? ""
                try Self.refuseRoleInUse(key, db)
                try EmulatorStore.delete(id, db)
                try state.emitEvent("role.deleted", ["object": "role", "id": .string(id), "deleted": true], db)
            }
            return try deleted("role", id: id)
        }
        table[.assignPermissionToOrganizationRole] = { state, request in
            let roleID = request.path("organization_role_id")
            let permissionID = request.path("permission_id")
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard let record = try EmulatorStore.fetch(roleID, kind: roleKind, db) else { throw EmulatorError.notFound("Organization role") }
                guard let permission = try EmulatorStore.fetch(permissionID, kind: permissionKind, db) else {
                    throw EmulatorError.notFound("Permission")
                }
                var fields = record.doc.objectMembers ?? [:]
                var permissions = fields["permissions"]?.arrayMember ?? []
                guard !permissions.contains(where: { $0["id"]?.stringMember == permissionID }) else {
                    throw EmulatorError(
                        status: 409, code: "duplicate_record", message: "duplicate record",
                        longMessage: "The role already has this permission.", meta: ["param_name": "permission_id"]
                    )
                }
                permissions.append(permission.doc)
                fields["permissions"] = .array(permissions)
                return try state.saveRole(record, fields, db)
            }
            return try .json(doc)
        }
        table[.removePermissionFromOrganizationRole] = { state, request in
            let roleID = request.path("organization_role_id")
            let permissionID = request.path("permission_id")
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard let record = try EmulatorStore.fetch(roleID, kind: roleKind, db) else { throw EmulatorError.notFound("Organization role") }
                guard try EmulatorStore.fetch(permissionID, kind: permissionKind, db) != nil else { throw EmulatorError.notFound("Permission") }
                var fields = record.doc.objectMembers ?? [:]
                let permissions = fields["permissions"]?.arrayMember ?? []
                guard permissions.contains(where: { $0["id"]?.stringMember == permissionID }) else {
                    throw EmulatorError(
                        status: 404, code: "resource_not_found", message: "not found",
                        longMessage: "The role does not have this permission.", meta: ["param_name": "permission_id"]
                    )
                }
                fields["permissions"] = .array(permissions.filter { $0["id"]?.stringMember != permissionID })
                return try state.saveRole(record, fields, db)
            }
            return try .json(doc)
        }
    }

    // MARK: Documents

    static let roleOrders = ["created_at": "created_at", "name": "json_extract(doc, '$.name')", "key": "json_extract(doc, '$.key')"]

    /// `query`: the exact id, or part of the name or key.
    static func roleSearch(kind: String, _ request: EmulatorRequest) -> ([String], [any DatabaseValueConvertible]) {
        var conditions = ["kind = '\(kind)'"]
        var arguments: [any DatabaseValueConvertible] = []
        if let query = request.queryValue("query"), !query.isEmpty {
            conditions.append("(id = ? OR json_extract(doc, '$.name') LIKE ? ESCAPE '\\' OR json_extract(doc, '$.key') LIKE ? ESCAPE '\\')")
            arguments += [query, likePattern(containing: query), likePattern(containing: query)]
        }
        return (conditions, arguments)
    }

    static func permissionDoc(id: String, name: String, key: String, description: String, type: String, now: Int64) -> JSONValue {
        [
            "object": "permission", "id": .string(id), "name": .string(name), "key": .string(key),
            "description": .string(description), "type": .string(type), "created_at": .int(now), "updated_at": .int(now),
        ]
    }

    static func roleDoc(id: String, name: String, key: String, description: String?, permissions: [JSONValue], createdAt: Int64) -> JSONValue {
        [
            "object": "role", "id": .string(id), "name": .string(name), "key": .string(key),
            "description": description.map { .string($0) } ?? .null,
            "is_creator_eligible": .bool(isCreatorEligible(permissions)),
            "permissions": .array(permissions), "created_at": .int(createdAt), "updated_at": .int(createdAt),
        ]
    }

    static func isCreatorEligible(_ permissions: [JSONValue]) -> Bool {
        creatorPermissions.isSubset(of: Set(permissions.compactMap { $0["key"]?.stringMember }))
    }

    static func insertPermission(_ doc: JSONValue, _ db: Database) throws {
        let id = doc["id"]?.stringMember ?? ""
        let key = doc["key"]?.stringMember ?? ""
        let now = doc["created_at"]?.intMember ?? nowMillis()
        if try EmulatorStore.owner(of: key, kind: permissionKeyKind, db) != nil { throw EmulatorError.exists("key") }
        try EmulatorStore.claim(key, kind: permissionKeyKind, owner: id, db)
        try EmulatorStore.insert(
            EmulatorStore.Record(id: id, kind: permissionKind, parentID: nil, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil), db
        )
    }

    static func insertRole(_ doc: JSONValue, _ db: Database) throws {
        let id = doc["id"]?.stringMember ?? ""
        let key = doc["key"]?.stringMember ?? ""
        let now = doc["created_at"]?.intMember ?? nowMillis()
        if try EmulatorStore.owner(of: key, kind: roleKeyKind, db) != nil { throw EmulatorError.exists("key") }
        try EmulatorStore.claim(key, kind: roleKeyKind, owner: id, db)
        try EmulatorStore.insert(
            EmulatorStore.Record(id: id, kind: roleKind, parentID: nil, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil), db
        )
    }

    /// The permission documents of `ids`, in order, without repeats; 404 for an unknown id.
    static func permissions(ids: [String], _ db: Database) throws -> [JSONValue] {
        var seen: Set<String> = []
        var result: [JSONValue] = []
        for id in ids where seen.insert(id).inserted {
            guard let record = try EmulatorStore.fetch(id, kind: permissionKind, db) else { throw EmulatorError.notFound("Permission") }
            result.append(record.doc)
        }
        return result
    }

    /// Stores a role's changed fields, brings its memberships, invitations and the organization settings up to date
    /// (a renamed key moves with it), and sends `role.updated`.
    func saveRole(_ record: EmulatorStore.Record, _ fields: [String: JSONValue], _ db: Database) throws -> JSONValue {
        var record = record
        var fields = fields
        let previousKey = record.doc["key"]?.stringMember ?? ""
        fields["is_creator_eligible"] = .bool(Self.isCreatorEligible(fields["permissions"]?.arrayMember ?? []))
        record.updatedAt = nowMillis()
        fields["updated_at"] = .int(record.updatedAt)
        record.doc = .object(fields)
        try EmulatorStore.update(record, db)
        try Self.applyRole(record.doc, previousKey: previousKey, db)
        try emitEvent("role.updated", record.doc, db)
        return record.doc
    }

    /// Changes the permission list of every role that holds the permission `id`, through ``saveRole``.
    func changeRoles(holding id: String, _ db: Database, _ change: ([JSONValue]) -> [JSONValue]) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM resources WHERE kind = ? AND EXISTS (SELECT 1 FROM json_each(resources.doc, '$.permissions') p WHERE json_extract(p.value, '$.id') = ?)",
            arguments: [Self.roleKind, id]
        )
        for record in try rows.map(EmulatorStore.record) {
            var fields = record.doc.objectMembers ?? [:]
            fields["permissions"] = .array(change(fields["permissions"]?.arrayMember ?? []))
            _ = try saveRole(record, fields, db)
        }
    }

    /// Writes a role's key, name and permission keys into the memberships (and pending invitations) that name it.
    static func applyRole(_ role: JSONValue, previousKey: String, _ db: Database) throws {
        let key = role["key"]?.stringMember ?? previousKey
        let name = role["name"] ?? .string(roleName(key))
        let permissionKeys = (role["permissions"]?.arrayMember ?? []).compactMap { $0["key"] }
        let memberships = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'organization_membership' AND json_extract(doc, '$.role') = ?", arguments: [previousKey]
        )
        for var record in try memberships.map(EmulatorStore.record) {
            var fields = record.doc.objectMembers ?? [:]
            fields["role"] = .string(key)
            fields["role_name"] = name
            fields["permissions"] = .array(permissionKeys)
            record.doc = .object(fields)
            try EmulatorStore.update(record, db)
        }
        guard key != previousKey else { return }
        let invitations = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'organization_invitation' AND json_extract(doc, '$.role') = ?", arguments: [previousKey]
        )
        for var record in try invitations.map(EmulatorStore.record) {
            var fields = record.doc.objectMembers ?? [:]
            fields["role"] = .string(key)
            fields["role_name"] = name
            record.doc = .object(fields)
            try EmulatorStore.update(record, db)
        }
        var settings = try organizationSettings(db)
        var changed = false
        for setting in ["creator_role", "domains_default_role"] where settings[setting]?.stringMember == previousKey {
            settings[setting] = .string(key)
            changed = true
        }
        if changed { try saveSettings(organizationSettingsName, settings, db) }
    }

    // MARK: Rules

    /// `org:` and then lowercase letters, digits and underscores.
    static func validateRoleKey(_ key: String) throws {
        guard key.hasPrefix("org:"), isKeySegment(key.dropFirst(4)) else {
            throw EmulatorError(
                status: 422, code: "form_param_format_invalid", message: "is invalid",
                longMessage: "key must start with org: followed by lowercase letters, digits and underscores, such as org:billing_manager.",
                meta: ["param_name": "key"]
            )
        }
    }

    /// `org:<feature>:<action>`, each part lowercase letters, digits and underscores; `org:sys_` is for system permissions.
    static func validatePermissionKey(_ key: String) throws {
        let parts = key.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "org", isKeySegment(parts[1]), isKeySegment(parts[2]) else {
            throw EmulatorError(
                status: 422, code: "form_param_format_invalid", message: "is invalid",
                longMessage: "key must have the form org:<feature>:<action> (lowercase letters, digits and underscores), such as org:reports:read.",
                meta: ["param_name": "key"]
            )
        }
        guard !parts[1].hasPrefix("sys_") else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "Keys starting with org:sys_ are reserved for system permissions.", meta: ["param_name": "key"]
            )
        }
    }

    static func isKeySegment(_ text: Substring) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }
    }

    static func refuseSystemPermission(_ fields: [String: JSONValue]) throws {
        if fields["type"]?.stringMember == "system" {
            throw EmulatorError(
                status: 403, code: "authorization_invalid", message: "Unauthorized request",
                longMessage: "System permissions cannot be changed or deleted."
            )
        }
    }

    /// A role that members, pending invitations or the organization settings use cannot be deleted.
    static func refuseRoleInUse(_ key: String, _ db: Database) throws {
        let members = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM resources WHERE kind = 'organization_membership' AND json_extract(doc, '$.role') = ?", arguments: [key]
        ) ?? 0
        let invitations = try Int.fetchOne(
            db,
            sql: "SELECT COUNT(*) FROM resources WHERE kind = 'organization_invitation' AND json_extract(doc, '$.role') = ? AND json_extract(doc, '$.status') = 'pending'",
            arguments: [key]
        ) ?? 0
        let settings = try organizationSettings(db)
        let reason: String? =
            members > 0 ? "it is assigned to \(members) member(s)"
            : invitations > 0 ? "pending invitations use it"
            : settings["creator_role"]?.stringMember == key ? "it is the creator role of new organizations"
            : settings["domains_default_role"]?.stringMember == key ? "it is the default role of domain enrollment"
            : nil
        if let reason {
            throw EmulatorError(
                status: 422, code: "organization_role_in_use", message: "role in use",
                longMessage: "The role \(key) cannot be deleted: \(reason)."
            )
        }
    }

    /// The role with this key, or a 422 naming `parameter` when the instance has no such role.
    static func definedRole(_ key: String, parameter: String, _ db: Database) throws -> JSONValue {
        if let id = try EmulatorStore.owner(of: key, kind: roleKeyKind, db), let record = try EmulatorStore.fetch(id, kind: roleKind, db) {
            return record.doc
        }
        throw EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid",
            longMessage: "\(key.prefix(64)) is not an organization role of this instance. Create it with POST /organization_roles first.",
            meta: ["param_name": .string(parameter)]
        )
    }

    /// A membership's `role`, `role_name` and `permissions` from a role document.
    static func membershipRoleFields(_ role: JSONValue) -> [String: JSONValue] {
        let key = role["key"]?.stringMember ?? ""
        return [
            "role": .string(key), "role_name": role["name"] ?? .string(roleName(key)),
            "permissions": .array((role["permissions"]?.arrayMember ?? []).compactMap { $0["key"] }),
        ]
    }

    // MARK: Seeding

    /// Creates the system permissions and the default roles once per database (a role deleted later stays deleted).
    func seedOrganizationRoles() throws {
        try store.writer.write { db in
            let marker = "organization_roles_seeded"
            guard try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [marker]) == nil else { return }
            let now = nowMillis()
            var permissions: [String: JSONValue] = [:]
            for permission in Self.systemPermissions {
                let doc = Self.permissionDoc(
                    id: EmulatorIDs.make("perm"), name: permission.name, key: permission.key, description: permission.description,
                    type: "system", now: now
                )
                try Self.insertPermission(doc, db)
                permissions[permission.key] = doc
            }
            for role in Self.defaultRoles where try EmulatorStore.owner(of: role.key, kind: Self.roleKeyKind, db) == nil {
                let doc = Self.roleDoc(
                    id: EmulatorIDs.make("role"), name: role.name, key: role.key, description: role.description,
                    permissions: role.permissions.compactMap { permissions[$0] }, createdAt: now
                )
                try Self.insertRole(doc, db)
            }
            try db.execute(sql: "INSERT INTO instance (name, value) VALUES (?, ?)", arguments: [marker, String(now)])
        }
    }

    // MARK: Session-token claims

    /// The `o` claim (`{id, slg, rol, per, fpm}`) and the organization features (for `fea`) of a session whose active
    /// organization is `organizationID`; `nil` when the organization is gone or the user is no longer a member.
    func organizationClaims(organizationID: String, userID: String) async throws -> (organization: JSONValue, features: [String])? {
        try await store.writer.read { db -> (JSONValue, [String])? in
            guard let organization = try EmulatorStore.fetch(organizationID, kind: "organization", db),
                let membership = try Row.fetchOne(
                    db,
                    sql: "SELECT doc FROM resources WHERE kind = 'organization_membership' AND parent_id = ? AND json_extract(doc, '$.public_user_data.user_id') = ?",
                    arguments: [organizationID, userID]
                )
            else { return nil }
            let membershipText: String = membership["doc"]
            let roleKey = (try? JSONDecoder().decode(JSONValue.self, from: Data(membershipText.utf8)))?["role"]?.stringMember ?? ""
            var claim: [String: JSONValue] = [
                "id": .string(organizationID), "slg": organization.doc["slug"] ?? .null,
                "rol": .string(roleKey.hasPrefix("org:") ? String(roleKey.dropFirst(4)) : roleKey),
            ]
            var permissionKeys: [String] = []
            if let id = try EmulatorStore.owner(of: roleKey, kind: Self.roleKeyKind, db), let role = try EmulatorStore.fetch(id, kind: Self.roleKind, db) {
                permissionKeys = (role.doc["permissions"]?.arrayMember ?? []).compactMap { $0["key"]?.stringMember }
            }
            let encoded = Self.encodePermissions(permissionKeys)
            if !encoded.features.isEmpty {
                claim["per"] = .string(encoded.permissions.joined(separator: ","))
                claim["fpm"] = .string(encoded.masks.joined(separator: ","))
            }
            return (.object(claim), encoded.features)
        }
    }

    /// Session-token v2 encoding of a role's custom permission keys (`org:<feature>:<permission>`; system permissions
    /// are left out): the features and the permission names, each distinct and sorted, and per feature the decimal
    /// mask whose bit i says the role has permission name i for that feature.
    static func encodePermissions(_ keys: [String]) -> (features: [String], permissions: [String], masks: [String]) {
        var pairs: [(feature: String, permission: String)] = []
        for key in keys {
            let parts = key.split(separator: ":", omittingEmptySubsequences: false)
            guard parts.count == 3, parts[0] == "org", !parts[1].isEmpty, !parts[2].isEmpty, !parts[1].hasPrefix("sys_") else { continue }
            pairs.append((String(parts[1]), String(parts[2])))
        }
        let features = Set(pairs.map(\.feature)).sorted()
        let permissions = Set(pairs.map(\.permission)).sorted()
        let index = Dictionary(uniqueKeysWithValues: permissions.enumerated().map { ($1, $0) })
        let masks = features.map { feature in
            var bits = [Bool](repeating: false, count: permissions.count)
            for pair in pairs where pair.feature == feature { bits[index[pair.permission] ?? 0] = true }
            return decimalString(bitsLSBFirst: bits)
        }
        return (features, permissions, masks)
    }

    /// The decimal digits of a binary number of any length given least significant bit first.
    static func decimalString(bitsLSBFirst bits: [Bool]) -> String {
        var digits: [Int] = [0]  // least significant digit first
        for bit in bits.reversed() {
            var carry = bit ? 1 : 0
            for position in digits.indices {
                let value = digits[position] * 2 + carry
                digits[position] = value % 10
                carry = value / 10
            }
            if carry > 0 { digits.append(carry) }
        }
        return String(digits.reversed().map { Character(String($0)) })
    }
}
