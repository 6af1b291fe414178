import ClerkBackend
import Foundation
import GRDB

/// Directories (user provisioning from an identity provider) and their group-to-role mappings.
///
/// The spec serves the same resource under two paths: `/directories` (objects `directory` and
/// `directory_group_role_mapping`) and the older `/scim_directories` (objects `scim_directory` and
/// `scim_group_role_mapping`). Apart from `object`, the two schemas have the same members, so the emulator keeps one
/// record kind for each (`directory`, `directory_group_role_mapping`): a directory created through one path is read,
/// changed, listed and deleted through the other, and only `object` in the answer follows the path asked.
///
/// A directory belongs to an enterprise connection of the instance (`enterprise_connection_id`: an enterprise
/// connection or, as the emulator has those, a SAML connection), at most one directory per connection, and through it
/// to the connection's organization when it has one. Its API key lives in the record's `secret` column, never in the
/// document: as on Clerk, only the answers of create and `rotate_api_key` show it (`api_key`). The emulator serves no
/// provisioning protocol: `endpoint_url` names where it would be, and nothing is provisioned.
///
/// A group role mapping names an organization role of the instance by `role_id` (a role's id; a role key such as
/// `org:admin` is taken too). Answers embed the role as it is now; a mapping whose role was deleted since has no
/// `role`. Creating, replacing and deleting mappings needs `group_role_mapping_enabled` on the directory (400
/// otherwise; creating a directory with `group_role_mappings` turns it on), and, when the directory belongs to an
/// organization, that organization must still exist (404). A group has at most one mapping per directory.
extension EmulatorState {
    static func registerDirectories(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.listDirectories] = { state, request in try await DirectoryHandlers.list(state, request, .directory) }
        table[.listSCIMDirectories] = { state, request in try await DirectoryHandlers.list(state, request, .scim) }
        table[.createDirectory] = { state, request in try await DirectoryHandlers.create(state, request, .directory) }
        table[.createSCIMDirectory] = { state, request in try await DirectoryHandlers.create(state, request, .scim) }
        table[.getDirectory] = { state, request in try await DirectoryHandlers.get(state, request, .directory) }
        table[.getSCIMDirectory] = { state, request in try await DirectoryHandlers.get(state, request, .scim) }
        table[.updateDirectory] = { state, request in try await DirectoryHandlers.update(state, request, .directory) }
        table[.updateSCIMDirectory] = { state, request in try await DirectoryHandlers.update(state, request, .scim) }
        table[.deleteDirectory] = { state, request in try await DirectoryHandlers.delete(state, request, .directory) }
        table[.deleteSCIMDirectory] = { state, request in try await DirectoryHandlers.delete(state, request, .scim) }
        table[.rotateDirectoryAPIKey] = { state, request in try await DirectoryHandlers.rotate(state, request, .directory) }
        table[.rotateSCIMDirectoryAPIKey] = { state, request in try await DirectoryHandlers.rotate(state, request, .scim) }
        table[.listDirectoryGroupRoleMappings] = { state, request in
            try await DirectoryHandlers.listMappings(state, request, .directory)
        }
        table[.listSCIMGroupRoleMappings] = { state, request in try await DirectoryHandlers.listMappings(state, request, .scim) }
        table[.createDirectoryGroupRoleMapping] = { state, request in
            try await DirectoryHandlers.createMapping(state, request, .directory)
        }
        table[.createSCIMGroupRoleMapping] = { state, request in try await DirectoryHandlers.createMapping(state, request, .scim) }
        table[.replaceDirectoryGroupRoleMappings] = { state, request in
            try await DirectoryHandlers.replaceMappings(state, request, .directory)
        }
        table[.replaceSCIMGroupRoleMappings] = { state, request in
            try await DirectoryHandlers.replaceMappings(state, request, .scim)
        }
        table[.deleteDirectoryGroupRoleMapping] = { state, request in
            try await DirectoryHandlers.deleteMapping(state, request, .directory)
        }
        table[.deleteSCIMGroupRoleMapping] = { state, request in try await DirectoryHandlers.deleteMapping(state, request, .scim) }
    }
}

/// The directory operations, written once and parameterised by the path they are called through.
private enum DirectoryHandlers {
    /// Which of the two paths an operation was called through: it decides the answers' `object` and the names of the
    /// path parameter and of the group members a request body may use.
    enum Flavor: Sendable {
        /// `/directories`.
        case directory
        /// `/scim_directories`.
        case scim

        var directoryParameter: String { self == .directory ? "directory_id" : "scim_directory_id" }
        var object: String { self == .directory ? "directory" : "scim_directory" }
        var mappingObject: String { self == .directory ? "directory_group_role_mapping" : "scim_group_role_mapping" }
        /// The body members naming a group: `/directories` takes `directory_group_id` or its legacy name.
        var groupIDMembers: [String] { self == .directory ? ["directory_group_id", "scim_group_id"] : ["scim_group_id"] }
        var displayNameMembers: [String] {
            self == .directory ? ["directory_group_display_name", "scim_group_display_name"] : ["scim_group_display_name"]
        }
    }

    static let kind = "directory"
    static let mappingKind = "directory_group_role_mapping"
    /// Identifier kind: an enterprise connection has at most one directory.
    static let connectionKind = "directory_enterprise_connection"
    /// The record kinds `enterprise_connection_id` may name.
    static let connectionTypes = ["enterprise_connection", "saml_connection"]
    static let mappingOrder = "CAST(json_extract(doc, '$.precedence') AS INTEGER) ASC, created_at ASC, rowid ASC"

    /// The attribute mapping of a new directory: user attributes and the paths (GJSON, into the provisioned user
    /// resource) they are read from.
    static let defaultAttributeMapping: [String: JSONValue] = [
        "email_address": "emails.#(primary==true).value",
        "first_name": "name.givenName",
        "last_name": "name.familyName",
        "username": "userName",
        "external_id": "externalId",
    ]

    /// One group role mapping as a request asks for it.
    struct MappingInput: Sendable {
        var groupID: String
        var displayName: String?
        var roleID: String
        var precedence: Int64?
        /// The member that named the group (for error messages).
        var groupParameter: String
        var roleParameter: String
    }

    // MARK: Directories

    static func list(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let (limit, offset) = try EmulatorState.paging(request)
        let (records, total) = try await state.page(["kind = '\(kind)'"], [], order: "created_at DESC, rowid DESC", limit: limit, offset: offset)
        return try EmulatorState.list(records.map { render($0.doc, flavor, state, apiKey: nil) }, total: total, wrapped: true)
    }

    static func create(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let body = BodyReader(object: try request.jsonObject())
        let connectionID = try body.requiredString("enterprise_connection_id")
        let provider = try nonBlank(body.requiredString("provider"), "provider")
        let name = try body.string("name").map { try nonBlank($0, "name") }
        let inputs = try mappingInputs(
            body.object["group_role_mappings"], parameter: "group_role_mappings", flavor, precedence: true, displayName: true
        )
        let now = nowMillis()
        let id = EmulatorIDs.make("dir")
        let apiKey = newAPIKey()
        let doc = try await state.store.writer.write { db -> JSONValue in
            let connection = try enterpriseConnection(connectionID, db)
            if let organizationID = connection.organizationID, try EmulatorStore.fetch(organizationID, kind: "organization", db) == nil {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "The enterprise connection belongs to the organization \(organizationID), which does not exist.",
                    meta: ["param_name": "enterprise_connection_id"]
                )
            }
            if try EmulatorStore.owner(of: connectionID, kind: connectionKind, db) != nil {
                throw EmulatorError(
                    status: 422, code: "form_identifier_exists", message: "already has a directory",
                    longMessage: "The enterprise connection \(connectionID.prefix(64)) already has a directory.",
                    meta: ["param_name": "enterprise_connection_id"]
                )
            }
            let roles = try inputs.map { try role($0.roleID, parameter: $0.roleParameter, db) }
            try EmulatorStore.claim(connectionID, kind: connectionKind, owner: id, db)
            let doc: JSONValue = [
                "object": "directory", "id": .string(id), "name": .string(name ?? connection.name ?? provider),
                "enterprise_connection_id": .string(connectionID), "endpoint_url": .string(endpointURL(state, id)),
                "provider": .string(provider), "enabled": true, "group_role_mapping_enabled": .bool(!inputs.isEmpty),
                "attribute_mapping": .object(defaultAttributeMapping), "custom_attributes": [],
                "created_at": .int(now), "updated_at": .int(now),
            ]
            try EmulatorStore.insert(
                EmulatorStore.Record(
                    id: id, kind: kind, parentID: connection.organizationID, createdAt: now, updatedAt: now, sortKey: nil,
                    doc: doc, secret: apiKey
                ), db
            )
            for (input, role) in zip(inputs, roles) {
                _ = try insertMapping(input, role: role, directoryID: id, now: now, db)
            }
            return doc
        }
        return try .json(render(doc, flavor, state, apiKey: apiKey))
    }

    static func get(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let record = try await state.record(request.path(flavor.directoryParameter), kind: kind, name: "Directory")
        return try .json(render(record.doc, flavor, state, apiKey: nil))
    }

    static func update(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let body = BodyReader(object: try request.jsonObject())
        let name = try body.string("name").map { try nonBlank($0, "name") }
        let provider = try body.string("provider").map { try nonBlank($0, "provider") }
        let enabled = try body.bool("enabled")
        let mappingEnabled = try body.bool("group_role_mapping_enabled")
        let attributeChanges = try attributeMappingChanges(body.object["attribute_mapping"])
        let id = request.path(flavor.directoryParameter)
        let doc = try await state.store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: kind, db) else { throw EmulatorError.notFound("Directory") }
            var fields = record.doc.objectMembers ?? [:]
            if let name { fields["name"] = .string(name) }
            if let provider { fields["provider"] = .string(provider) }
            if let enabled { fields["enabled"] = .bool(enabled) }
            if let mappingEnabled { fields["group_role_mapping_enabled"] = .bool(mappingEnabled) }
            if let attributeChanges {
                var mapping = fields["attribute_mapping"]?.objectMembers ?? [:]
                for (attribute, path) in attributeChanges { mapping[attribute] = path }
                fields["attribute_mapping"] = .object(mapping)
            }
            record.updatedAt = nowMillis()
            fields["updated_at"] = .int(record.updatedAt)
            record.doc = .object(fields)
            try EmulatorStore.update(record, db)
            return record.doc
        }
        return try .json(render(doc, flavor, state, apiKey: nil))
    }

    static func delete(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let id = request.path(flavor.directoryParameter)
        try await state.store.writer.write { db in
            guard try EmulatorStore.fetch(id, kind: kind, db) != nil else { throw EmulatorError.notFound("Directory") }
            try db.execute(sql: "DELETE FROM resources WHERE kind = ? AND parent_id = ?", arguments: [mappingKind, id])
            // Also releases the enterprise connection, which may have a new directory.
            try EmulatorStore.delete(id, db)
        }
        return try EmulatorState.deleted(flavor.object, id: id)
    }

    /// A new API key; the previous one stops working at once (the emulator serves no provisioning, so there is no
    /// grace period to honour).
    static func rotate(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let id = request.path(flavor.directoryParameter)
        let apiKey = newAPIKey()
        let doc = try await state.store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: kind, db) else { throw EmulatorError.notFound("Directory") }
            var fields = record.doc.objectMembers ?? [:]
            record.updatedAt = nowMillis()
            fields["updated_at"] = .int(record.updatedAt)
            record.doc = .object(fields)
            record.secret = apiKey
            try EmulatorStore.update(record, db)
            return record.doc
        }
        return try .json(render(doc, flavor, state, apiKey: apiKey))
    }

    // MARK: Group role mappings

    static func listMappings(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let id = request.path(flavor.directoryParameter)
        let items = try await state.store.writer.read { db -> [JSONValue] in
            guard try EmulatorStore.fetch(id, kind: kind, db) != nil else { throw EmulatorError.notFound("Directory") }
            return try mappings(of: id, db).map { try renderMapping($0.doc, flavor, db) }
        }
        return try EmulatorState.list(items, total: items.count, wrapped: true)
    }

    static func createMapping(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let input = try mappingInput(try request.jsonObject(), prefix: "", flavor, precedence: true, displayName: false)
        let id = request.path(flavor.directoryParameter)
        let doc = try await state.store.writer.write { db -> JSONValue in
            let directory = try mappableDirectory(id, db)
            try requireOrganization(of: directory, db)
            let roleDoc = try role(input.roleID, parameter: input.roleParameter, db)
            if try mappings(of: id, db).contains(where: { $0.doc["directory_group_id"]?.stringMember == input.groupID }) {
                throw EmulatorError(
                    status: 422, code: "form_identifier_exists", message: "already mapped",
                    longMessage: "The group \(input.groupID.prefix(64)) already has a role mapping in this directory.",
                    meta: ["param_name": .string(input.groupParameter)]
                )
            }
            let mapping = try insertMapping(input, role: roleDoc, directoryID: id, now: nowMillis(), db)
            return try renderMapping(mapping, flavor, db)
        }
        return try .json(doc)
    }

    /// The whole set, in the order given (precedence 1, 2, …). A group that already had a mapping keeps its id,
    /// creation time and display name; mappings of groups not listed are deleted.
    static func replaceMappings(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let body = try request.jsonObject()
        guard let value = body["mappings"], value != .null else { throw EmulatorError.missing("mappings") }
        let inputs = try mappingInputs(value, parameter: "mappings", flavor, precedence: false, displayName: false)
        let id = request.path(flavor.directoryParameter)
        let items = try await state.store.writer.write { db -> [JSONValue] in
            let directory = try mappableDirectory(id, db)
            try requireOrganization(of: directory, db)
            let roles = try inputs.map { try role($0.roleID, parameter: $0.roleParameter, db) }
            let now = nowMillis()
            var existing: [String: EmulatorStore.Record] = [:]
            for record in try mappings(of: id, db) {
                existing[record.doc["directory_group_id"]?.stringMember ?? ""] = record
            }
            var kept: Set<String> = []
            for (index, (input, role)) in zip(inputs, roles).enumerated() {
                let precedence = Int64(index + 1)
                if var record = existing[input.groupID] {
                    var fields = record.doc.objectMembers ?? [:]
                    fields["role"] = role
                    fields["precedence"] = .int(precedence)
                    fields["updated_at"] = .int(now)
                    record.updatedAt = now
                    record.doc = .object(fields)
                    try EmulatorStore.update(record, db)
                    kept.insert(record.id)
                } else {
                    var placed = input
                    placed.precedence = precedence
                    let doc = try insertMapping(placed, role: role, directoryID: id, now: now, db, shift: false)
                    kept.insert(doc["id"]?.stringMember ?? "")
                }
            }
            for record in existing.values where !kept.contains(record.id) {
                try EmulatorStore.delete(record.id, db)
            }
            return try mappings(of: id, db).map { try renderMapping($0.doc, flavor, db) }
        }
        return try EmulatorState.list(items, total: items.count, wrapped: true)
    }

    static func deleteMapping(_ state: EmulatorState, _ request: EmulatorRequest, _ flavor: Flavor) async throws -> EmulatorResponse {
        let id = request.path(flavor.directoryParameter)
        let mappingID = request.path("mapping_id")
        try await state.store.writer.write { db in
            _ = try mappableDirectory(id, db)
            guard let mapping = try EmulatorStore.fetch(mappingID, kind: mappingKind, db), mapping.parentID == id else {
                throw EmulatorError.notFound("Group role mapping")
            }
            try EmulatorStore.delete(mapping.id, db)
        }
        return try EmulatorState.deleted(flavor.mappingObject, id: mappingID)
    }

    // MARK: Helpers

    /// A directory's document as the path answers it: its `object`, the endpoint URL on the emulator's current
    /// address, and the API key only when given (create and rotate).
    static func render(_ doc: JSONValue, _ flavor: Flavor, _ state: EmulatorState, apiKey: String?) -> JSONValue {
        var fields = doc.objectMembers ?? [:]
        fields["object"] = .string(flavor.object)
        if let id = fields["id"]?.stringMember { fields["endpoint_url"] = .string(endpointURL(state, id)) }
        if let apiKey { fields["api_key"] = .string(apiKey) }
        return .object(fields)
    }

    /// A mapping's document as the path answers it, with its role as it is now (none when the role was deleted).
    static func renderMapping(_ doc: JSONValue, _ flavor: Flavor, _ db: Database) throws -> JSONValue {
        var fields = doc.objectMembers ?? [:]
        fields["object"] = .string(flavor.mappingObject)
        if let roleID = fields["role"]?["id"]?.stringMember {
            fields["role"] = try EmulatorStore.fetch(roleID, kind: EmulatorState.roleKind, db)?.doc
        }
        return .object(fields)
    }

    static func endpointURL(_ state: EmulatorState, _ id: String) -> String {
        let base = state.apiURLString.isEmpty ? "http://127.0.0.1" : state.apiURLString
        return "\(base)/scim/v2/\(id)"
    }

    static func newAPIKey() -> String { "scim_" + EmulatorIDs.random(length: 48) }

    /// A name or provider that is not blank.
    static func nonBlank(_ text: String, _ name: String) throws -> String {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw EmulatorError.missing(name) }
        return text
    }

    /// The name and organization of the enterprise connection (or SAML connection) with this id; 422 naming
    /// `enterprise_connection_id` when the instance has none (the spec documents no 404 for creating a directory).
    static func enterpriseConnection(_ id: String, _ db: Database) throws -> (name: String?, organizationID: String?) {
        for type in connectionTypes {
            if let record = try EmulatorStore.fetch(id, kind: type, db) {
                return (record.doc["name"]?.stringMember, record.doc["organization_id"]?.stringMember)
            }
        }
        throw EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid",
            longMessage: "enterprise_connection_id \(id.prefix(64)) is not an enterprise connection of this instance.",
            meta: ["param_name": "enterprise_connection_id"]
        )
    }

    /// The directory, 404 when unknown, 400 when group role mapping is not enabled on it.
    static func mappableDirectory(_ id: String, _ db: Database) throws -> EmulatorStore.Record {
        guard let directory = try EmulatorStore.fetch(id, kind: kind, db) else { throw EmulatorError.notFound("Directory") }
        guard directory.doc["group_role_mapping_enabled"]?.boolMember == true else {
            throw EmulatorError(
                status: 400, code: "group_role_mapping_disabled", message: "group role mapping is not enabled",
                longMessage: "Group role mapping is not enabled on this directory. Enable it with group_role_mapping_enabled first."
            )
        }
        return directory
    }

    /// When the directory belongs to an organization (its enterprise connection's, or the one it had when it was
    /// created if the connection is gone), that organization must exist: 404 otherwise.
    static func requireOrganization(of directory: EmulatorStore.Record, _ db: Database) throws {
        var organizationID = directory.parentID
        if let connectionID = directory.doc["enterprise_connection_id"]?.stringMember {
            for type in connectionTypes {
                if let connection = try EmulatorStore.fetch(connectionID, kind: type, db) {
                    organizationID = connection.doc["organization_id"]?.stringMember
                    break
                }
            }
        }
        if let organizationID, try EmulatorStore.fetch(organizationID, kind: "organization", db) == nil {
            throw EmulatorError.notFound("Organization")
        }
    }

    /// The organization role a mapping names by id (or by key); 422 naming `parameter` when the instance has none.
    static func role(_ roleID: String, parameter: String, _ db: Database) throws -> JSONValue {
        if let record = try EmulatorStore.fetch(roleID, kind: EmulatorState.roleKind, db) { return record.doc }
        if roleID.hasPrefix("org:") { return try EmulatorState.definedRole(roleID, parameter: parameter, db) }
        throw EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid",
            longMessage: "\(parameter) \(roleID.prefix(64)) is not an organization role of this instance. Create it with POST /organization_roles first.",
            meta: ["param_name": .string(parameter)]
        )
    }

    /// The directory's mappings by precedence.
    static func mappings(of directoryID: String, _ db: Database) throws -> [EmulatorStore.Record] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = ? AND parent_id = ? ORDER BY \(mappingOrder)",
            arguments: [mappingKind, directoryID]
        ).map(EmulatorStore.record)
    }

    /// Stores a mapping; answers its document. Without a precedence it goes last; with one already taken, that
    /// mapping and those after it move down one (unless `shift` is false, for a replacement numbering them anew).
    static func insertMapping(
        _ input: MappingInput, role: JSONValue, directoryID: String, now: Int64, _ db: Database, shift: Bool = true
    ) throws -> JSONValue {
        let current = try mappings(of: directoryID, db)
        let last = current.compactMap { $0.doc["precedence"]?.intMember }.max() ?? 0
        let precedence = input.precedence ?? last + 1
        if shift, input.precedence != nil, current.contains(where: { $0.doc["precedence"]?.intMember == precedence }) {
            for var record in current {
                guard let value = record.doc["precedence"]?.intMember, value >= precedence else { continue }
                var fields = record.doc.objectMembers ?? [:]
                fields["precedence"] = .int(value + 1)
                fields["updated_at"] = .int(now)
                record.updatedAt = now
                record.doc = .object(fields)
                try EmulatorStore.update(record, db)
            }
        }
        let id = EmulatorIDs.make("dgrm")
        let displayName = JSONValue.string(input.displayName ?? "")
        let doc: JSONValue = [
            "object": "directory_group_role_mapping", "id": .string(id),
            "directory_id": .string(directoryID), "scim_directory_id": .string(directoryID),
            "directory_group_id": .string(input.groupID), "scim_group_id": .string(input.groupID),
            "directory_group_display_name": displayName, "scim_group_display_name": displayName,
            "role": role, "precedence": .int(precedence), "created_at": .int(now), "updated_at": .int(now),
        ]
        try EmulatorStore.insert(
            EmulatorStore.Record(id: id, kind: mappingKind, parentID: directoryID, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil),
            db
        )
        return doc
    }

    /// The mappings of an array member (`group_role_mappings`, `mappings`): objects, no group twice.
    static func mappingInputs(
        _ value: JSONValue?, parameter: String, _ flavor: Flavor, precedence: Bool, displayName: Bool
    ) throws -> [MappingInput] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else { throw EmulatorError.invalid(parameter, "must be an array of objects") }
        var inputs: [MappingInput] = []
        var groups: Set<String> = []
        for (index, item) in items.enumerated() {
            guard case .object(let fields) = item else { throw EmulatorError.invalid("\(parameter)[\(index)]", "must be an object") }
            let input = try mappingInput(fields, prefix: "\(parameter)[\(index)].", flavor, precedence: precedence, displayName: displayName)
            guard groups.insert(input.groupID).inserted else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "\(input.groupParameter) names a group an earlier item already maps.",
                    meta: ["param_name": .string(input.groupParameter)]
                )
            }
            inputs.append(input)
        }
        return inputs
    }

    /// One mapping's members; `prefix` leads the names in errors (`mappings[2].`).
    static func mappingInput(
        _ fields: [String: JSONValue], prefix: String, _ flavor: Flavor, precedence: Bool, displayName: Bool
    ) throws -> MappingInput {
        let (groupID, groupParameter) = try aliased(fields, flavor.groupIDMembers, prefix: prefix)
        guard let groupID else { throw EmulatorError.missing(prefix + flavor.groupIDMembers[0]) }
        var name: String?
        if displayName {
            let (value, member) = try aliased(fields, flavor.displayNameMembers, prefix: prefix)
            if let value, value.count > 255 { throw valueInvalid(member, "must be at most 255 characters") }
            name = value
        }
        guard let roleID = try string(fields, "role_id", prefix: prefix), !roleID.isEmpty else {
            throw EmulatorError.missing(prefix + "role_id")
        }
        var order: Int64?
        if precedence, let value = fields["precedence"], value != .null {
            guard let number = value.intMember else { throw EmulatorError.invalid(prefix + "precedence", "must be an integer") }
            guard number >= 1 else { throw valueInvalid(prefix + "precedence", "must be at least 1") }
            order = number
        }
        return MappingInput(
            groupID: groupID, displayName: name, roleID: roleID, precedence: order, groupParameter: groupParameter,
            roleParameter: prefix + "role_id"
        )
    }

    /// A value sent under one of several names (a member and its legacy name): the two must agree when both are
    /// sent. Answers the value (`nil` when neither is sent, or it is empty) and the full name of the member used.
    static func aliased(_ fields: [String: JSONValue], _ names: [String], prefix: String) throws -> (String?, String) {
        var found: (value: String, name: String)?
        for name in names {
            guard let value = try string(fields, name, prefix: prefix), !value.isEmpty else { continue }
            if let found, found.value != value {
                throw valueInvalid(prefix + name, "must equal \(found.name) when both are sent")
            }
            if found == nil { found = (value, prefix + name) }
        }
        return (found?.value, found?.name ?? prefix + names[0])
    }

    static func string(_ fields: [String: JSONValue], _ name: String, prefix: String) throws -> String? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .string(let text) = value else { throw EmulatorError.invalid(prefix + name, "must be a string") }
        return text
    }

    static func valueInvalid(_ name: String, _ reason: String) -> EmulatorError {
        EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid", longMessage: "\(name) \(reason)",
            meta: ["param_name": .string(name)]
        )
    }

    /// `attribute_mapping` of an update: entries to merge, `null` removing an attribute; `nil` when not sent.
    static func attributeMappingChanges(_ value: JSONValue?) throws -> [String: JSONValue?]? {
        guard let value, value != .null else { return nil }
        guard case .object(let entries) = value else { throw EmulatorError.invalid("attribute_mapping", "must be an object") }
        var changes: [String: JSONValue?] = [:]
        for (attribute, path) in entries {
            guard !attribute.isEmpty else { throw valueInvalid("attribute_mapping", "cannot have an empty attribute name") }
            switch path {
            case .null: changes[attribute] = .some(nil)
            case .string(let text) where !text.isEmpty: changes[attribute] = .some(JSONValue.string(text))
            default: throw valueInvalid("attribute_mapping", "values must be non-empty strings, or null to remove an attribute")
            }
        }
        return changes
    }
}
