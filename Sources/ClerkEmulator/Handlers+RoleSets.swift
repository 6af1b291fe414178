import ClerkBackend
import Foundation
import GRDB

/// Role sets: named collections of the instance's organization roles, each with a default role (for new members)
/// and a creator role (for an organization's creator).
///
/// A role set names organization roles the instance defines (records of kind `organization_role`, looked up by key);
/// it keeps them by id, so a renamed role stays in its sets, and every answer shows the roles as they are now (a role
/// deleted since is left out, and a default or creator role deleted since shows as `null`). Keys are unique
/// (`role_set_key` identifiers) and the path accepts a key or an id. At most one role set is `initial`; the
/// organization settings' `initial_role_set_key` names it.
///
/// Organizations use the role set their document's `role_set_key` names: replacing a role in a set, or replacing a
/// set, reassigns their members' roles. Migrations complete at once, so `role_set_migration` is always `null`.
extension EmulatorState {
    static func registerRoleSets(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.listRoleSets] = { state, request in
            var conditions = ["kind = '\(RoleSetRules.kind)'"]
            var arguments: [any DatabaseValueConvertible] = []
            // `query`: the exact id, or part of the name or key.
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append(
                    "(id = ? OR LOWER(json_extract(doc, '$.name')) LIKE ? ESCAPE '\\' OR LOWER(json_extract(doc, '$.key')) LIKE ? ESCAPE '\\')"
                )
                arguments += [query, likePattern(containing: query), likePattern(containing: query)]
            }
            let order = try Self.order(
                request,
                allowed: ["created_at": "created_at", "name": "LOWER(json_extract(doc, '$.name'))", "key": "json_extract(doc, '$.key')"],
                default: "-created_at"
            )
            let (limit, offset) = try Self.paging(request)
            let whereClause = conditions.joined(separator: " AND ")
            let statementArguments = StatementArguments(arguments.map(\.databaseValue))
            let (docs, total) = try await state.store.writer.read { db -> ([JSONValue], Int) in
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE \(whereClause)", arguments: statementArguments) ?? 0
                let rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM resources WHERE \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?",
                    arguments: statementArguments + [limit, offset]
                )
                return (try rows.map { try RoleSetRules.render(EmulatorStore.record($0).doc, db) }, total)
            }
            return try Self.list(docs, total: total, wrapped: true)
        }
        table[.createRoleSet] = { state, request in
            let object = try request.jsonObject()
            try RoleSetRules.rejectUnknown(
                object, allowed: ["name", "key", "description", "default_role_key", "creator_role_key", "type", "roles"]
            )
            let body = BodyReader(object: object)
            let name = try RoleSetRules.name(body.requiredString("name"))
            let requestedKey = try body.string("key")
            if let requestedKey { try RoleSetRules.validateKey(requestedKey) }
            let description = try body.string("description")
            let defaultRoleKey = try body.requiredString("default_role_key")
            let creatorRoleKey = try body.requiredString("creator_role_key")
            let type = try body.string("type") ?? "custom"
            guard type == "initial" || type == "custom" else { throw RoleSetRules.valueInvalid("type", "must be initial or custom") }
            let roleKeys = try RoleSetRules.roleKeys(body.strings("roles"), parameter: "roles")
            let doc = try await state.store.writer.write { db -> JSONValue in
                let settings = try Self.organizationSettings(db)
                let existing = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE kind = ?", arguments: [RoleSetRules.kind]) ?? 0
                let maximum = settings["max_role_sets_allowed"]?.intMember ?? 10
                guard existing < maximum else {
                    throw EmulatorError(
                        status: 403, code: "role_set_quota_exceeded", message: "role set limit reached",
                        longMessage: "The instance already has \(existing) role sets, the most its organization settings allow (max_role_sets_allowed \(maximum))."
                    )
                }
                let roles = try roleKeys.map { try Self.definedRole($0, parameter: "roles", db) }
                let defaultRole = try RoleSetRules.member(defaultRoleKey, of: roles, parameter: "default_role_key")
                let creatorRole = try RoleSetRules.member(creatorRoleKey, of: roles, parameter: "creator_role_key")
                try RoleSetRules.requireCreatorEligible(roles.first { $0["key"]?.stringMember == creatorRoleKey } ?? .null)
                let key: String
                if let requestedKey {
                    if try EmulatorStore.owner(of: requestedKey, kind: RoleSetRules.keyKind, db) != nil { throw EmulatorError.exists("key") }
                    key = requestedKey
                } else {
                    key = try RoleSetRules.generatedKey(name, db)
                }
                let now = nowMillis()
                let id = EmulatorIDs.make("rs")
                let items = roles.map(RoleSetRules.item)
                let doc: JSONValue = [
                    "object": "role_set", "id": .string(id), "name": .string(name), "key": .string(key),
                    "description": description.map { .string($0) } ?? .null, "roles": .array(items),
                    "default_role": RoleSetRules.item(defaultRole), "creator_role": RoleSetRules.item(creatorRole),
                    "type": .string(type), "role_set_migration": .null, "created_at": .int(now), "updated_at": .int(now),
                ]
                try EmulatorStore.claim(key, kind: RoleSetRules.keyKind, owner: id, db)
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: RoleSetRules.kind, parentID: nil, createdAt: now, updatedAt: now, sortKey: key, doc: doc, secret: nil
                    ), db
                )
                if type == "initial" { try RoleSetRules.makeInitial(id: id, key: key, db) }
                return doc
            }
            return try .json(doc)
        }
        table[.getRoleSet] = { state, request in
            let keyOrID = request.path("role_set_key_or_id")
            return try .json(
                try await state.store.writer.read { db in try RoleSetRules.render(try RoleSetRules.find(keyOrID, db).doc, db) }
            )
        }
        table[.updateRoleSet] = { state, request in
            let object = try request.jsonObject()
            let body = BodyReader(object: object)
            let keyOrID = request.path("role_set_key_or_id")
            let name = try body.string("name").map(RoleSetRules.name)
            let key = try body.string("key")
            if let key { try RoleSetRules.validateKey(key) }
            // `description: null` clears it.
            var description: JSONValue? = nil
            if object["description"] != nil { description = try body.string("description").map { .string($0) } ?? .null }
            let newDescription = description
            let type = try body.string("type")
            if let type, type != "initial" { throw RoleSetRules.valueInvalid("type", "can only be set to initial") }
            let defaultRoleKey = try body.string("default_role_key")
            let creatorRoleKey = try body.string("creator_role_key")
            let doc = try await state.store.writer.write { db -> JSONValue in
                let record = try RoleSetRules.find(keyOrID, db)
                var fields = try RoleSetRules.render(record.doc, db).objectMembers ?? [:]
                let roles = fields["roles"]?.arrayMember ?? []
                if let name { fields["name"] = .string(name) }
                if let newDescription { fields["description"] = newDescription }
                if let key, key != fields["key"]?.stringMember {
                    if try EmulatorStore.owner(of: key, kind: RoleSetRules.keyKind, db) != nil { throw EmulatorError.exists("key") }
                    try EmulatorStore.release(kind: RoleSetRules.keyKind, owner: record.id, db)
                    try EmulatorStore.claim(key, kind: RoleSetRules.keyKind, owner: record.id, db)
                    try RoleSetRules.renameInOrganizations(from: fields["key"]?.stringMember ?? "", to: key, db)
                    fields["key"] = .string(key)
                }
                try RoleSetRules.setDefaultAndCreator(&fields, roles: roles, defaultRoleKey: defaultRoleKey, creatorRoleKey: creatorRoleKey, db)
                let saved = try RoleSetRules.save(record, fields, db)
                if type == "initial" || saved["type"]?.stringMember == "initial" {
                    try RoleSetRules.makeInitial(id: record.id, key: saved["key"]?.stringMember ?? "", db)
                }
                return try RoleSetRules.render(try RoleSetRules.find(record.id, db).doc, db)
            }
            return try .json(doc)
        }
        table[.replaceRoleSet] = { state, request in
            let object = try request.jsonObject()
            let body = BodyReader(object: object)
            let keyOrID = request.path("role_set_key_or_id")
            let destinationKey = try body.requiredString("dest_role_set_key")
            var mappings: [String: String] = [:]
            if let value = object["reassignment_mappings"], value != .null {
                guard case .object(let members) = value else { throw EmulatorError.invalid("reassignment_mappings", "must be an object") }
                for (source, target) in members {
                    guard case .string(let text) = target else {
                        throw EmulatorError.invalid("reassignment_mappings", "must map role keys to role keys (strings)")
                    }
                    mappings[source] = text
                }
            }
            let reassignments = mappings
            let id = try await state.store.writer.write { db -> String in
                let source = try RoleSetRules.find(keyOrID, db)
                guard let destination = try RoleSetRules.find(key: destinationKey, db) else {
                    throw EmulatorError(
                        status: 404, code: "resource_not_found", message: "not found",
                        longMessage: "Role set \(destinationKey.prefix(64)) not found", meta: ["param_name": "dest_role_set_key"]
                    )
                }
                guard destination.id != source.id else {
                    throw RoleSetRules.valueInvalid("dest_role_set_key", "must name another role set than the one replaced")
                }
                let sourceDoc = try RoleSetRules.render(source.doc, db)
                let destinationDoc = try RoleSetRules.render(destination.doc, db)
                let sourceKeys = RoleSetRules.keys(sourceDoc)
                let destinationKeys = Set(RoleSetRules.keys(destinationDoc))
                for (from, to) in reassignments {
                    guard sourceKeys.contains(from) else {
                        throw RoleSetRules.valueInvalid("reassignment_mappings", "maps \(from.prefix(64)), which is not a role of the replaced role set")
                    }
                    guard destinationKeys.contains(to) else {
                        throw RoleSetRules.valueInvalid("reassignment_mappings", "maps to \(to.prefix(64)), which is not a role of the destination role set")
                    }
                }
                let sourceKey = sourceDoc["key"]?.stringMember ?? ""
                let newKey = destinationDoc["key"]?.stringMember ?? ""
                let organizations = try RoleSetRules.organizations(using: sourceKey, db)
                // Members whose role the destination lacks need a mapping.
                for organizationID in organizations {
                    for role in try RoleSetRules.memberRoles(organizationID: organizationID, db)
                    where !destinationKeys.contains(role) && reassignments[role] == nil {
                        throw RoleSetRules.valueInvalid(
                            "reassignment_mappings", "must map \(role.prefix(64)): members have it and the destination role set does not"
                        )
                    }
                }
                for organizationID in organizations {
                    for (from, to) in reassignments where from != to {
                        let role = try Self.definedRole(to, parameter: "reassignment_mappings", db)
                        try RoleSetRules.reassignMembers(organizationID: organizationID, from: from, to: role, state: state, db)
                    }
                }
                try RoleSetRules.renameInOrganizations(from: sourceKey, to: newKey, db)
                if sourceDoc["type"]?.stringMember == "initial" { try RoleSetRules.makeInitial(id: destination.id, key: newKey, db) }
                try EmulatorStore.delete(source.id, db)
                return source.id
            }
            return try deleted("role_set", id: id)
        }
        table[.addRolesToRoleSet] = { state, request in
            let object = try request.jsonObject()
            let body = BodyReader(object: object)
            let keyOrID = request.path("role_set_key_or_id")
            let roleKeys = try RoleSetRules.roleKeys(body.strings("role_keys"), parameter: "role_keys")
            let defaultRoleKey = try body.string("default_role_key")
            let creatorRoleKey = try body.string("creator_role_key")
            let doc = try await state.store.writer.write { db -> JSONValue in
                let record = try RoleSetRules.find(keyOrID, db)
                var fields = try RoleSetRules.render(record.doc, db).objectMembers ?? [:]
                var roles = fields["roles"]?.arrayMember ?? []
                for key in roleKeys {
                    let role = try Self.definedRole(key, parameter: "role_keys", db)
                    guard !roles.contains(where: { $0["key"]?.stringMember == key }) else {
                        throw RoleSetRules.valueInvalid("role_keys", "holds \(key.prefix(64)), which the role set already has")
                    }
                    roles.append(RoleSetRules.item(role))
                }
                fields["roles"] = .array(roles)
                try RoleSetRules.setDefaultAndCreator(&fields, roles: roles, defaultRoleKey: defaultRoleKey, creatorRoleKey: creatorRoleKey, db)
                _ = try RoleSetRules.save(record, fields, db)
                return try RoleSetRules.render(try RoleSetRules.find(record.id, db).doc, db)
            }
            return try .json(doc)
        }
        table[.replaceRoleInRoleSet] = { state, request in
            let object = try request.jsonObject()
            let body = BodyReader(object: object)
            let keyOrID = request.path("role_set_key_or_id")
            let roleKey = try body.requiredString("role_key")
            let toRoleKey = try body.requiredString("to_role_key")
            guard roleKey != toRoleKey else { throw RoleSetRules.valueInvalid("to_role_key", "must be another role than role_key") }
            let doc = try await state.store.writer.write { db -> JSONValue in
                let record = try RoleSetRules.find(keyOrID, db)
                var fields = try RoleSetRules.render(record.doc, db).objectMembers ?? [:]
                var roles = fields["roles"]?.arrayMember ?? []
                guard let index = roles.firstIndex(where: { $0["key"]?.stringMember == roleKey }) else {
                    throw RoleSetRules.valueInvalid("role_key", "must be a role of the role set; \(roleKey.prefix(64)) is not")
                }
                let target = try Self.definedRole(toRoleKey, parameter: "to_role_key", db)
                let targetItem = RoleSetRules.item(target)
                // The destination takes the removed role's place (or keeps its own, when the set already has it).
                if roles.contains(where: { $0["key"]?.stringMember == toRoleKey }) {
                    roles.remove(at: index)
                } else {
                    roles[index] = targetItem
                }
                fields["roles"] = .array(roles)
                for member in ["default_role", "creator_role"] where fields[member]?["key"]?.stringMember == roleKey {
                    if member == "creator_role" { try RoleSetRules.requireCreatorEligible(target, parameter: "to_role_key") }
                    fields[member] = targetItem
                }
                for organizationID in try RoleSetRules.organizations(using: fields["key"]?.stringMember ?? "", db) {
                    try RoleSetRules.reassignMembers(organizationID: organizationID, from: roleKey, to: target, state: state, db)
                }
                _ = try RoleSetRules.save(record, fields, db)
                return try RoleSetRules.render(try RoleSetRules.find(record.id, db).doc, db)
            }
            return try .json(doc)
        }
    }
}

/// The rules and documents of role sets (file-private helpers).
private enum RoleSetRules {
    static let kind = "role_set"
    static let keyKind = "role_set_key"
    static let keyPrefix = "role_set:"
    /// How many roles one request may name (the spec: at least one, no more than 10).
    static let maximumRolesPerRequest = 10

    static func rejectUnknown(_ object: [String: JSONValue], allowed: Set<String>) throws {
        guard let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) else { return }
        throw EmulatorError(
            status: 422, code: "form_param_unknown", message: "is unknown",
            longMessage: "\(unknown.prefix(64)) is not a valid parameter for this request.",
            meta: ["param_name": .string(String(unknown.prefix(64)))]
        )
    }

    static func valueInvalid(_ parameter: String, _ reason: String) -> EmulatorError {
        EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid", longMessage: "\(parameter) \(reason)",
            meta: ["param_name": .string(parameter)]
        )
    }

    static func name(_ text: String) throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw EmulatorError.missing("name") }
        return text
    }

    /// `role_set:` and then lowercase letters, digits and underscores.
    static func validateKey(_ key: String) throws {
        let rest = key.hasPrefix(keyPrefix) ? key.dropFirst(keyPrefix.count) : ""
        guard EmulatorState.isKeySegment(rest) else {
            throw EmulatorError(
                status: 422, code: "form_param_format_invalid", message: "is invalid",
                longMessage: "key must start with role_set: followed by lowercase letters, digits and underscores, such as role_set:engineering.",
                meta: ["param_name": "key"]
            )
        }
    }

    /// A free key from the name: `role_set:` and the name's letters and digits, lower-cased, other runs as `_`
    /// (`_2`, `_3`… appended while taken).
    static func generatedKey(_ name: String, _ db: Database) throws -> String {
        var slug = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, CharacterSet.alphanumerics.contains(scalar) {
                slug.unicodeScalars.append(scalar)
            } else if !slug.isEmpty, !slug.hasSuffix("_") {
                slug += "_"
            }
        }
        while slug.hasSuffix("_") { slug.removeLast() }
        if slug.isEmpty { slug = "role_set" }
        let base = keyPrefix + String(slug.prefix(60))
        var key = base
        var suffix = 2
        while try EmulatorStore.owner(of: key, kind: keyKind, db) != nil {
            key = "\(base)_\(suffix)"
            suffix += 1
        }
        return key
    }

    /// Role keys from a request: at least one, at most 10, repeats dropped.
    static func roleKeys(_ keys: [String], parameter: String) throws -> [String] {
        guard !keys.isEmpty else { throw EmulatorError.missing(parameter) }
        guard keys.count <= maximumRolesPerRequest else {
            throw valueInvalid(parameter, "must hold at most \(maximumRolesPerRequest) roles")
        }
        var seen: Set<String> = []
        return keys.filter { seen.insert($0).inserted }
    }

    /// The role set with this id or key; 404 otherwise.
    static func find(_ keyOrID: String, _ db: Database) throws -> EmulatorStore.Record {
        if let record = try EmulatorStore.fetch(keyOrID, kind: kind, db) { return record }
        if let record = try find(key: keyOrID, db) { return record }
        throw EmulatorError.notFound("Role set")
    }

    static func find(key: String, _ db: Database) throws -> EmulatorStore.Record? {
        guard let id = try EmulatorStore.owner(of: key, kind: keyKind, db) else { return nil }
        return try EmulatorStore.fetch(id, kind: kind, db)
    }

    /// A role set's item for an organization role's document.
    static func item(_ role: JSONValue) -> JSONValue {
        [
            "object": "role_set_item", "id": role["id"] ?? "", "name": role["name"] ?? "", "key": role["key"] ?? "",
            "description": role["description"] ?? .null, "created_at": role["created_at"] ?? 0, "updated_at": role["updated_at"] ?? 0,
        ]
    }

    /// The item of the role with this key in `roles` (items or role documents); a 422 naming `parameter` otherwise.
    /// Sets `default_role` and `creator_role` from their keys, when given: each must be one of the set's roles, and
    /// the creator role one a creator may hold.
    static func setDefaultAndCreator(
        _ fields: inout [String: JSONValue], roles: [JSONValue], defaultRoleKey: String?, creatorRoleKey: String?, _ db: Database
    ) throws {
        if let defaultRoleKey {
            fields["default_role"] = try member(defaultRoleKey, of: roles, parameter: "default_role_key")
        }
        if let creatorRoleKey {
            let role = try member(creatorRoleKey, of: roles, parameter: "creator_role_key")
            try requireCreatorEligible(try EmulatorState.definedRole(creatorRoleKey, parameter: "creator_role_key", db))
            fields["creator_role"] = role
        }
    }

    static func member(_ key: String, of roles: [JSONValue], parameter: String) throws -> JSONValue {
        guard let role = roles.first(where: { $0["key"]?.stringMember == key }) else {
            throw valueInvalid(parameter, "must be one of the role set's roles; \(key.prefix(64)) is not")
        }
        return item(role)
    }

    /// The creator role must be able to manage the organization and its members (`is_creator_eligible`).
    static func requireCreatorEligible(_ role: JSONValue, parameter: String = "creator_role_key") throws {
        guard role["is_creator_eligible"]?.boolMember ?? EmulatorState.isCreatorEligible(role["permissions"]?.arrayMember ?? []) else {
            throw valueInvalid(
                parameter, "must name a role that can manage the organization and its members (is_creator_eligible); \(role["key"]?.stringMember ?? "") cannot"
            )
        }
    }

    static func keys(_ doc: JSONValue) -> [String] {
        (doc["roles"]?.arrayMember ?? []).compactMap { $0["key"]?.stringMember }
    }

    /// The role set as it answers: its roles as the organization roles are now (looked up by id; one deleted since is
    /// left out), and its default and creator roles likewise (`null` when deleted since).
    static func render(_ doc: JSONValue, _ db: Database) throws -> JSONValue {
        var fields = doc.objectMembers ?? [:]
        var items: [JSONValue] = []
        for stored in fields["roles"]?.arrayMember ?? [] {
            guard let id = stored["id"]?.stringMember, let role = try EmulatorStore.fetch(id, kind: EmulatorState.roleKind, db) else { continue }
            items.append(item(role.doc))
        }
        fields["roles"] = .array(items)
        for member in ["default_role", "creator_role"] {
            let id = fields[member]?["id"]?.stringMember
            fields[member] = items.first(where: { id != nil && $0["id"]?.stringMember == id }) ?? .null
        }
        fields["role_set_migration"] = .null
        return .object(fields)
    }

    /// Stores changed fields with a new `updated_at`; answers the stored document.
    static func save(_ record: EmulatorStore.Record, _ fields: [String: JSONValue], _ db: Database) throws -> JSONValue {
        var record = record
        var fields = fields
        record.updatedAt = nowMillis()
        fields["updated_at"] = .int(record.updatedAt)
        record.sortKey = fields["key"]?.stringMember
        record.doc = .object(fields)
        try EmulatorStore.update(record, db)
        return record.doc
    }

    /// Makes this role set the instance's only `initial` one (any other becomes `custom`) and names it in the
    /// organization settings' `initial_role_set_key`.
    static func makeInitial(id: String, key: String, _ db: Database) throws {
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND (id = ? OR json_extract(doc, '$.type') = 'initial')", arguments: [kind, id]
        )
        for record in try rows.map(EmulatorStore.record) {
            let type = record.id == id ? "initial" : "custom"
            guard record.doc["type"]?.stringMember != type else { continue }
            var fields = record.doc.objectMembers ?? [:]
            fields["type"] = .string(type)
            _ = try save(record, fields, db)
        }
        var settings = try EmulatorState.organizationSettings(db)
        if settings["initial_role_set_key"]?.stringMember != key {
            settings["initial_role_set_key"] = .string(key)
            try EmulatorState.saveSettings(EmulatorState.organizationSettingsName, settings, db)
        }
    }

    // MARK: Organizations using a role set

    /// The organizations whose `role_set_key` names the role set.
    static func organizations(using key: String, _ db: Database) throws -> [String] {
        guard !key.isEmpty else { return [] }
        return try String.fetchAll(
            db, sql: "SELECT id FROM resources WHERE kind = 'organization' AND json_extract(doc, '$.role_set_key') = ?", arguments: [key]
        )
    }

    /// The distinct roles of an organization's members.
    static func memberRoles(organizationID: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: "SELECT DISTINCT json_extract(doc, '$.role') FROM resources WHERE kind = 'organization_membership' AND parent_id = ? AND json_extract(doc, '$.role') IS NOT NULL",
            arguments: [organizationID]
        )
    }

    /// Gives an organization's members who have the role `from` the role `role` (its key, name and permissions),
    /// each with an `organizationMembership.updated` event.
    static func reassignMembers(organizationID: String, from: String, to role: JSONValue, state: EmulatorState, _ db: Database) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM resources WHERE kind = 'organization_membership' AND parent_id = ? AND json_extract(doc, '$.role') = ?",
            arguments: [organizationID, from]
        )
        for var record in try rows.map(EmulatorStore.record) {
            var fields = record.doc.objectMembers ?? [:]
            for (name, value) in EmulatorState.membershipRoleFields(role) { fields[name] = value }
            record.updatedAt = nowMillis()
            if fields["updated_at"] != nil { fields["updated_at"] = .int(record.updatedAt) }
            record.doc = .object(fields)
            try EmulatorStore.update(record, db)
            try state.emitEvent("organizationMembership.updated", record.doc, db)
        }
    }

    /// Points organizations that use the role set `from` at `to` (a renamed or replaced role set).
    static func renameInOrganizations(from: String, to: String, _ db: Database) throws {
        guard !from.isEmpty, from != to else { return }
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'organization' AND json_extract(doc, '$.role_set_key') = ?", arguments: [from]
        )
        for var record in try rows.map(EmulatorStore.record) {
            var fields = record.doc.objectMembers ?? [:]
            fields["role_set_key"] = .string(to)
            record.doc = .object(fields)
            try EmulatorStore.update(record, db)
        }
    }
}
