import ClerkBackend
import Foundation
import GRDB

/// Email addresses and phone numbers (kept inside their user's document), clients (built from sessions) and the
/// instance's domains.
extension EmulatorState {
    /// What differs between email addresses and phone numbers.
    struct IdentificationKind: Sendable {
        /// `email_address` / `phone_number`: the object name and the member holding the value.
        let object: String
        /// The user's array: `email_addresses` / `phone_numbers`.
        let list: String
        /// The user's primary id member.
        let primaryKey: String
        /// The `identifiers` kind that keeps values unique.
        let identifierKind: String
        /// For messages: "Email address" / "Phone number".
        let name: String
        /// The path parameter.
        let pathParameter: String

        static let email = IdentificationKind(
            object: "email_address", list: "email_addresses", primaryKey: "primary_email_address_id", identifierKind: "email",
            name: "Email address", pathParameter: "email_address_id"
        )
        static let phone = IdentificationKind(
            object: "phone_number", list: "phone_numbers", primaryKey: "primary_phone_number_id", identifierKind: "phone",
            name: "Phone number", pathParameter: "phone_number_id"
        )

        var isPhone: Bool { object == "phone_number" }
    }

    static func registerAccounts(_ table: inout [Endpoint: EmulatorHandler]) {
        let operations: [(IdentificationKind, create: Endpoint, get: Endpoint, update: Endpoint, delete: Endpoint)] = [
            (.email, .createEmailAddress, .getEmailAddress, .updateEmailAddress, .deleteEmailAddress),
            (.phone, .createPhoneNumber, .getPhoneNumber, .updatePhoneNumber, .deletePhoneNumber),
        ]
        for (kind, create, get, update, delete) in operations {
            table[create] = { state, request in
                try await state.createIdentification(kind, BodyReader(object: try request.jsonObject()))
            }
            table[get] = { state, request in
                let id = request.path(kind.pathParameter)
                let found = try await state.store.writer.read { db in try Self.findIdentification(id, kind, db) }
                guard case let (record, index)? = found, let items = record.doc[kind.list]?.arrayMember else { throw EmulatorError.notFound(kind.name) }
                return try .json(items[index])
            }
            table[update] = { state, request in
                try await state.updateIdentification(kind, id: request.path(kind.pathParameter), BodyReader(object: try request.jsonObject()))
            }
            table[delete] = { state, request in
                try await state.deleteIdentification(kind, id: request.path(kind.pathParameter))
            }
        }
        registerClients(&table)
        registerDomains(&table)
    }

    // MARK: Email addresses and phone numbers

    /// The user holding an email address or phone number, and its index in the user's array.
    static func findIdentification(_ id: String, _ kind: IdentificationKind, _ db: Database) throws -> (EmulatorStore.Record, Int)? {
        guard !id.isEmpty,
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT * FROM resources WHERE kind = 'user' AND EXISTS (
                        SELECT 1 FROM json_each(resources.doc, '$.\(kind.list)') AS item WHERE json_extract(item.value, '$.id') = ?
                    )
                    """,
                arguments: [id]
            )
        else { return nil }
        let record = try EmulatorStore.record(row)
        guard let index = record.doc[kind.list]?.arrayMember?.firstIndex(where: { $0["id"]?.stringMember == id }) else { return nil }
        return (record, index)
    }

    static func verifiedAdmin() -> JSONValue {
        ["object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": .null, "expire_at": .null]
    }

    /// Writes a changed user document (updated_at, search text) and announces it as `user.updated`.
    func saveUser(_ record: EmulatorStore.Record, _ doc: [String: JSONValue], now: Int64, _ db: Database) throws {
        var record = record
        var doc = doc
        // Two-factor: a phone number reserved for second factor turns it on.
        let phones = doc["phone_numbers"]?.arrayMember ?? []
        let reserved = phones.contains { $0["reserved_for_second_factor"]?.boolMember == true }
        doc["two_factor_enabled"] = .bool(reserved || doc["totp_enabled"]?.boolMember == true || doc["backup_code_enabled"]?.boolMember == true)
        doc["updated_at"] = .int(now)
        record.updatedAt = now
        record.doc = .object(doc)
        record.sortKey = Self.userSearchText(doc)
        try EmulatorStore.update(record, db)
        try emitEvent("user.updated", record.doc, db)
    }

    func createIdentification(_ kind: IdentificationKind, _ body: BodyReader) async throws -> EmulatorResponse {
        let userID = try body.requiredString("user_id")
        let value = try body.requiredString(kind.object)
        if kind.isPhone {
            guard Self.isPhone(value) else {
                throw EmulatorError(status: 422, code: "form_param_format_invalid", message: "must be a valid phone number according to E.164 international standard.", meta: ["param_name": "phone_number"])
            }
        } else {
            guard Self.isEmail(value) else {
                throw EmulatorError(status: 422, code: "form_param_format_invalid", message: "must be a valid email address.", longMessage: "email_address must be a valid email address.", meta: ["param_name": "email_address"])
            }
        }
        let verified = try body.bool("verified") ?? false
        let primary = try body.bool("primary") ?? false
        let reserved = kind.isPhone ? try body.bool("reserved_for_second_factor") ?? false : false
        if reserved && !verified {
            throw EmulatorError.invalid("reserved_for_second_factor", "requires a verified phone number")
        }
        let now = nowMillis()
        return try await store.writer.write { db in
            guard let record = try EmulatorStore.fetch(userID, kind: "user", db) else { throw EmulatorError.notFound("User") }
            try self.checkAllowed([value], db)
            if try EmulatorStore.owner(of: value, kind: kind.identifierKind, db) != nil { throw EmulatorError.exists(kind.object) }
            var doc = record.doc.objectMembers ?? [:]
            var items = doc[kind.list]?.arrayMember ?? []
            guard var item = Self.identificationDoc(kind.object, value: value, now: now).objectMembers, let id = item["id"] else {
                throw EmulatorError(status: 500, code: "internal_clerk_error", message: "Oops, something went wrong")
            }
            if !verified { item["verification"] = .null }
            if kind.isPhone {
                let hasDefault = items.contains { $0["default_second_factor"]?.boolMember == true }
                item["reserved_for_second_factor"] = .bool(reserved)
                item["default_second_factor"] = .bool(reserved && !hasDefault)
                item["backup_codes"] = .null
            }
            items.append(.object(item))
            doc[kind.list] = .array(items)
            if primary || doc[kind.primaryKey]?.stringMember == nil { doc[kind.primaryKey] = id }
            try self.saveUser(record, doc, now: now, db)
            try EmulatorStore.claim(value, kind: kind.identifierKind, owner: userID, db)
            return try .json(.object(item))
        }
    }

    func updateIdentification(_ kind: IdentificationKind, id: String, _ body: BodyReader) async throws -> EmulatorResponse {
        let verified = try body.bool("verified")
        let primary = try body.bool("primary")
        let reserved = kind.isPhone ? try body.bool("reserved_for_second_factor") : nil
        let now = nowMillis()
        return try await store.writer.write { db in
            guard case let (record, index)? = try Self.findIdentification(id, kind, db) else { throw EmulatorError.notFound(kind.name) }
            var doc = record.doc.objectMembers ?? [:]
            var items = doc[kind.list]?.arrayMember ?? []
            var item = items[index].objectMembers ?? [:]
            if let verified { item["verification"] = verified ? Self.verifiedAdmin() : .null }
            if let reserved {
                if reserved {
                    guard item["verification"]?["status"]?.stringMember == "verified" else {
                        throw EmulatorError.invalid("reserved_for_second_factor", "requires a verified phone number")
                    }
                    let hasDefault = items.enumerated().contains { $0.offset != index && $0.element["default_second_factor"]?.boolMember == true }
                    item["reserved_for_second_factor"] = true
                    if !hasDefault { item["default_second_factor"] = true }
                } else {
                    item["reserved_for_second_factor"] = false
                    item["default_second_factor"] = false
                }
            }
            item["updated_at"] = .int(now)
            items[index] = .object(item)
            if kind.isPhone { items = Self.withDefaultSecondFactor(items) }
            doc[kind.list] = .array(items)
            if primary == true { doc[kind.primaryKey] = .string(id) }
            try self.saveUser(record, doc, now: now, db)
            return try .json(items[index])
        }
    }

    func deleteIdentification(_ kind: IdentificationKind, id: String) async throws -> EmulatorResponse {
        let now = nowMillis()
        try await store.writer.write { db in
            guard case let (record, index)? = try Self.findIdentification(id, kind, db) else { throw EmulatorError.notFound(kind.name) }
            var doc = record.doc.objectMembers ?? [:]
            var items = doc[kind.list]?.arrayMember ?? []
            let removed = items.remove(at: index)
            if kind.isPhone { items = Self.withDefaultSecondFactor(items) }
            doc[kind.list] = .array(items)
            if doc[kind.primaryKey]?.stringMember == id {
                // The next one becomes primary, as the dashboard does; none left, none primary.
                doc[kind.primaryKey] = items.first?["id"] ?? .null
            }
            try self.saveUser(record, doc, now: now, db)
            if let value = removed[kind.object]?.stringMember {
                try db.execute(
                    sql: "DELETE FROM identifiers WHERE kind = ? AND value = ? AND owner_id = ?",
                    arguments: [kind.identifierKind, value.lowercased(), record.id]
                )
            }
        }
        return try Self.deleted(kind.object, id: id)
    }

    /// When phone numbers are reserved for second factor, exactly one of them is the default.
    static func withDefaultSecondFactor(_ phones: [JSONValue]) -> [JSONValue] {
        let reserved = phones.indices.filter { phones[$0]["reserved_for_second_factor"]?.boolMember == true }
        let current = reserved.first { phones[$0]["default_second_factor"]?.boolMember == true } ?? reserved.first
        return phones.indices.map { index in
            guard var fields = phones[index].objectMembers, fields["default_second_factor"] != nil || index == current else { return phones[index] }
            fields["default_second_factor"] = .bool(index == current)
            return .object(fields)
        }
    }

    // MARK: Clients

    static func registerClients(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.getClient] = { state, request in
            let id = request.path("client_id")
            guard let client = try await state.store.writer.read({ db in try Self.clientJSON(id, db) }) else {
                throw EmulatorError.notFound("Client")
            }
            return try .json(client)
        }
        table[.getClientList] = { state, request in
            let (limit, offset) = try Self.paging(request)
            let (clients, total) = try await state.store.writer.read { db -> ([JSONValue], Int) in
                let total = try Int.fetchOne(
                    db, sql: "SELECT COUNT(DISTINCT json_extract(doc, '$.client_id')) FROM resources WHERE kind = 'session'"
                ) ?? 0
                let ids = try String.fetchAll(
                    db,
                    sql: """
                        SELECT json_extract(doc, '$.client_id') AS client FROM resources
                        WHERE kind = 'session' AND json_extract(doc, '$.client_id') IS NOT NULL
                        GROUP BY client ORDER BY MIN(created_at) DESC, MIN(rowid) DESC LIMIT ? OFFSET ?
                        """,
                    arguments: [limit, offset]
                )
                return (try ids.compactMap { try Self.clientJSON($0, db) }, total)
            }
            return try Self.list(clients, total: total, wrapped: try request.queryBool("paginated") ?? false)
        }
        table[.verifyClient] = { state, request in
            let token = try badRequest { try BodyReader(object: try request.jsonObject()).requiredString("token") }
            let invalid = EmulatorError(
                status: 400, code: "token_invalid", message: "Invalid token",
                longMessage: "The token is not a client or session token signed by this instance, or it has expired."
            )
            guard let decoded = state.verifiedInstanceJWT(token) else { throw invalid }
            if let expiry = decoded.claims.exp, expiry < Date().timeIntervalSince1970 { throw invalid }
            // A client token names its client (`id`); a session token its session (`sid`), whose client is meant.
            let client = try await state.store.writer.read { db -> JSONValue? in
                if let id = decoded.claims["id"]?.stringMember, id.hasPrefix("client_") { return try Self.clientJSON(id, db) }
                guard let sessionID = decoded.claims.sid,
                    let session = try EmulatorStore.fetch(sessionID, kind: "session", db),
                    let clientID = session.doc["client_id"]?.stringMember
                else { return nil }
                return try Self.clientJSON(clientID, db)
            }
            guard let client else { throw EmulatorError.notFound("Client") }
            return try .json(client)
        }
    }

    /// A client as Clerk describes it, from its sessions (every session `createSession` makes has its own client).
    static func clientJSON(_ id: String, _ db: Database) throws -> JSONValue? {
        let sessions = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'session' AND json_extract(doc, '$.client_id') = ? ORDER BY created_at, rowid",
            arguments: [id]
        ).map(EmulatorStore.record)
        guard !sessions.isEmpty else { return nil }
        let lastActive = sessions
            .filter { $0.doc["status"]?.stringMember == "active" }
            .max { ($0.doc["last_active_at"]?.intMember ?? 0) < ($1.doc["last_active_at"]?.intMember ?? 0) }
        return [
            "object": "client", "id": .string(id),
            "session_ids": .array(sessions.map { .string($0.id) }),
            "sessions": .array(sessions.map(\.doc)),
            "sign_in_id": .null, "sign_up_id": .null,
            "last_active_session_id": lastActive.map { .string($0.id) } ?? .null,
            "last_authentication_strategy": .null,
            "created_at": .int(sessions.map(\.createdAt).min() ?? 0),
            "updated_at": .int(sessions.map(\.updatedAt).max() ?? 0),
        ]
    }

    // MARK: Domains

    static func registerDomains(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.listDomains] = { state, request in
            let (records, origin) = try await state.store.writer.write { db -> ([EmulatorStore.Record], String) in
                try Self.ensurePrimaryDomain(db)
                let rows = try Row.fetchAll(db, sql: "SELECT * FROM resources WHERE kind = 'domain' ORDER BY created_at, rowid")
                return (try rows.map(EmulatorStore.record), try Self.developmentOrigin(db))
            }
            return try .json(["data": .array(records.map { Self.domainJSON($0, origin: origin) }), "total_count": .int(Int64(records.count))])
        }
        table[.addDomain] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.requiredString("name")
            try Self.checkDomainName(name)
            guard let satellite = try body.bool("is_satellite") else { throw EmulatorError.missing("is_satellite") }
            guard satellite else { throw EmulatorError.invalid("is_satellite", "must be true: an instance has one primary domain") }
            let proxy = try body.string("proxy_url")
            if let proxy { try Self.checkProxyURL(proxy) }
            let now = nowMillis()
            let id = EmulatorIDs.make("dmn")
            let doc: JSONValue = [
                "object": "domain", "id": .string(id), "name": .string(name), "is_satellite": true,
                "frontend_api_url": .string("https://" + frontendHost), "accounts_portal_url": .null,
                "proxy_url": proxy.map { .string($0) } ?? .null, "cname_targets": .null,
            ]
            let (record, origin) = try await state.store.writer.write { db -> (EmulatorStore.Record, String) in
                try Self.ensurePrimaryDomain(db)
                if try EmulatorStore.owner(of: name, kind: "domain", db) != nil { throw EmulatorError.exists("name") }
                let record = EmulatorStore.Record(id: id, kind: "domain", parentID: nil, createdAt: now, updatedAt: now, sortKey: name.lowercased(), doc: doc, secret: nil)
                try EmulatorStore.insert(record, db)
                try EmulatorStore.claim(name, kind: "domain", owner: id, db)
                return (record, try Self.developmentOrigin(db))
            }
            return try .json(Self.domainJSON(record, origin: origin))
        }
        table[.updateDomain] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.string("name")
            if let name { try Self.checkDomainName(name) }
            let proxy = try body.string("proxy_url")
            if let proxy { try Self.checkProxyURL(proxy) }
            _ = try body.bool("is_secondary")
            let id = request.path("domain_id")
            let (record, origin) = try await state.store.writer.write { db -> (EmulatorStore.Record, String) in
                try Self.ensurePrimaryDomain(db)
                guard var record = try EmulatorStore.fetch(id, kind: "domain", db) else { throw EmulatorError.notFound("Domain") }
                var doc = record.doc.objectMembers ?? [:]
                if let name {
                    if let owner = try EmulatorStore.owner(of: name, kind: "domain", db), owner != id { throw EmulatorError.exists("name") }
                    try EmulatorStore.release(kind: "domain", owner: id, db)
                    try EmulatorStore.claim(name, kind: "domain", owner: id, db)
                    doc["name"] = .string(name)
                    record.sortKey = name.lowercased()
                }
                if body.object["proxy_url"] != nil { doc["proxy_url"] = proxy.map { .string($0) } ?? .null }
                record.updatedAt = nowMillis()
                record.doc = .object(doc)
                try EmulatorStore.update(record, db)
                return (record, try Self.developmentOrigin(db))
            }
            return try .json(Self.domainJSON(record, origin: origin))
        }
        table[.deleteDomain] = { state, request in
            let id = request.path("domain_id")
            try await state.store.writer.write { db in
                try Self.ensurePrimaryDomain(db)
                guard let record = try EmulatorStore.fetch(id, kind: "domain", db) else { throw EmulatorError.notFound("Domain") }
                guard record.doc["is_satellite"]?.boolMember == true else {
                    throw EmulatorError(
                        status: 403, code: "primary_domain_deletion_not_allowed", message: "The primary domain cannot be deleted",
                        longMessage: "Only satellite domains can be deleted; the instance's primary domain stays."
                    )
                }
                try EmulatorStore.delete(id, db)
            }
            return try deleted("domain", id: id)
        }
    }

    /// The instance starts with one primary domain: the emulator's frontend host.
    static func ensurePrimaryDomain(_ db: Database) throws {
        let primaries = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM resources WHERE kind = 'domain' AND json_extract(doc, '$.is_satellite') = 0"
        ) ?? 0
        guard primaries == 0 else { return }
        let now = nowMillis()
        let id = EmulatorIDs.make("dmn")
        let doc: JSONValue = [
            "object": "domain", "id": .string(id), "name": .string(frontendHost), "is_satellite": false,
            "frontend_api_url": .string("https://" + frontendHost), "accounts_portal_url": .null, "proxy_url": .null,
            "cname_targets": .null,
        ]
        try EmulatorStore.insert(
            EmulatorStore.Record(id: id, kind: "domain", parentID: nil, createdAt: now, updatedAt: now, sortKey: frontendHost, doc: doc, secret: nil),
            db
        )
        if try EmulatorStore.owner(of: frontendHost, kind: "domain", db) == nil {
            try EmulatorStore.claim(frontendHost, kind: "domain", owner: id, db)
        }
    }

    /// A domain as the API answers it; `development_origin` is the instance's (UpdateInstance sets it).
    static func domainJSON(_ record: EmulatorStore.Record, origin: String) -> JSONValue {
        var doc = record.doc.objectMembers ?? [:]
        doc["development_origin"] = .string(origin)
        return .object(doc)
    }

    static func checkDomainName(_ name: String) throws {
        guard !name.contains("://"), !name.contains(where: { $0.isWhitespace || $0 == "/" }), name.contains(where: { $0 != "." && $0 != ":" }),
            name.count <= 253
        else {
            throw EmulatorError.invalid("name", "must be a host name (a port is allowed for development instances), without a scheme or path")
        }
    }

    static func checkProxyURL(_ url: String) throws {
        guard let parsed = URL(string: url), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
            throw EmulatorError.invalid("proxy_url", "must be an absolute http(s) URL")
        }
    }
}
