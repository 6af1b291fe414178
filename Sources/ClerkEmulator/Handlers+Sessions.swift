import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerSessions(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.getJWKS] = { state, _ in
            try .json(["keys": [state.keys.signer.jwk]])
        }
        table[.createSession] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let userID = try body.requiredString("user_id")
            let activeOrganizationID = try body.string("active_organization_id")
            let doc = try await state.store.writer.write { db in
                try state.insertSession(userID: userID, clientID: EmulatorIDs.make("client"), activeOrganizationID: activeOrganizationID, db)
            }
            return try .json(doc)
        }
        table[.getSession] = { state, request in try await .json(try state.session(request.path("session_id")).doc) }
        table[.getSessionList] = { state, request in
            var conditions = ["kind = 'session'"]
            var arguments: [any DatabaseValueConvertible] = []
            for (parameter, path) in [("user_id", "$.user_id"), ("client_id", "$.client_id"), ("status", "$.status")] {
                if let value = request.queryValue(parameter) {
                    conditions.append("json_extract(doc, '\(path)') = ?")
                    arguments.append(value)
                }
            }
            return try await state.listRecords(conditions, arguments, request, order: "created_at DESC, rowid DESC", wrappedByDefault: false)
        }
        table[.revokeSession] = { state, request in
            try await state.mutate(request.path("session_id"), kind: "session", name: "Session", event: "session.revoked") { doc in
                doc["status"] = "revoked"
            }
        }
        table[.createSessionToken] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let session = try await state.session(request.path("session_id"))
            let lifetime = try Self.lifetime(body.int("expires_in_seconds") ?? state.options.sessionTokenLifetimeSeconds)
            return try await .json(["object": "token", "jwt": .string(try state.sessionToken(session, lifetime: lifetime, template: nil))])
        }
        table[.createSessionTokenFromTemplate] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let session = try await state.session(request.path("session_id"))
            let name = request.path("template_name")
            // (The record, not the Row, comes out of the closure: a Row is not Sendable, and only a Sendable result
            // lets GRDB's async read run off the cooperative threads.)
            let found = try await state.store.writer.read { db in
                try Row.fetchOne(db, sql: "SELECT * FROM resources WHERE kind = 'jwt_template' AND json_extract(doc, '$.name') = ?", arguments: [name])
                    .map(EmulatorStore.record)
            }
            guard let template = found else {
                throw EmulatorError.notFound("JWT template")
            }
            let lifetime = try Self.lifetime(body.int("expires_in_seconds") ?? template.doc["lifetime"]?.intMember ?? 60)
            return try await .json(["object": "token", "jwt": .string(try state.sessionToken(session, lifetime: lifetime, template: template.doc))])
        }

        // JWT templates
        table[.createJWTTemplate] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.requiredString("name")
            guard case .object(let claims)? = body.object["claims"] else { throw EmulatorError.missing("claims") }
            try Self.refuseReservedClaims(claims)
            let now = nowMillis()
            let id = EmulatorIDs.make("jtmp")
            let doc: JSONValue = [
                "object": "jwt_template", "id": .string(id), "name": .string(name), "claims": body.object["claims"] ?? [:],
                "lifetime": .int(try body.int("lifetime") ?? 60), "allowed_clock_skew": .int(try body.int("allowed_clock_skew") ?? 5),
                "custom_signing_key": .bool(try body.bool("custom_signing_key") ?? false), "signing_algorithm": "RS256",
                "created_at": .int(now), "updated_at": .int(now),
            ]
            try await state.store.writer.write { db in
                if try EmulatorStore.owner(of: name, kind: "jwt_template", db) != nil { throw EmulatorError.exists("name") }
                try EmulatorStore.claim(name, kind: "jwt_template", owner: id, db)
                try EmulatorStore.insert(EmulatorStore.Record(id: id, kind: "jwt_template", parentID: nil, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil), db)
            }
            return try .json(doc)
        }
        table[.listJWTTemplates] = { state, request in
            try await state.listRecords(["kind = 'jwt_template'"], [], request, order: "created_at DESC, rowid DESC", wrappedByDefault: false)
        }
        table[.getJWTTemplate] = { state, request in try await .json(try state.record(request.path("template_id"), kind: "jwt_template", name: "JWT template").doc) }
        table[.updateJWTTemplate] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = request.path("template_id")
            return try await state.mutate(id, kind: "jwt_template", name: "JWT template") { doc, db in
                if let name = try body.string("name"), name != doc["name"]?.stringMember {
                    // A new name must be free; the old one is released (names are unique per instance).
                    if let owner = try EmulatorStore.owner(of: name, kind: "jwt_template", db), owner != id {
                        throw EmulatorError.exists("name")
                    }
                    try EmulatorStore.release(kind: "jwt_template", owner: id, db)
                    try EmulatorStore.claim(name, kind: "jwt_template", owner: id, db)
                    doc["name"] = .string(name)
                }
                if case .object(let claims)? = body.object["claims"] {
                    try Self.refuseReservedClaims(claims)
                    doc["claims"] = .object(claims)
                }
                if let lifetime = try body.int("lifetime") { doc["lifetime"] = .int(try Self.lifetime(lifetime)) }
                if let skew = try body.int("allowed_clock_skew") { doc["allowed_clock_skew"] = .int(skew) }
            }
        }
        table[.deleteJWTTemplate] = { state, request in
            let id = request.path("template_id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "jwt_template", db) != nil else { throw EmulatorError.notFound("JWT template") }
                try EmulatorStore.delete(id, db)
            }
            return try deleted("jwt_template", id: id)
        }
    }

    /// Creates an active session of a user on a client (checking that an active organization is one the user belongs
    /// to), marks the user active, and queues `session.created`; answers the session's document.
    func insertSession(userID: String, clientID: String, activeOrganizationID: String?, _ db: Database) throws -> JSONValue {
        let now = nowMillis()
        let sessionID = EmulatorIDs.make("sess")
        let doc: JSONValue = [
            "object": "session", "id": .string(sessionID), "user_id": .string(userID), "client_id": .string(clientID),
            "actor": .null, "status": "active", "last_active_organization_id": activeOrganizationID.map { .string($0) } ?? .null,
            "last_active_at": .int(now), "expire_at": .int(now + 7 * 86_400_000), "abandon_at": .int(now + 30 * 86_400_000),
            "created_at": .int(now), "updated_at": .int(now), "tasks": .null,
        ]
        guard try EmulatorStore.fetch(userID, kind: "user", db) != nil else { throw EmulatorError.notFound("User") }
        if let activeOrganizationID {
            // The active organization must be one the user belongs to.
            guard try EmulatorStore.fetch(activeOrganizationID, kind: "organization", db) != nil else {
                throw EmulatorError.notFound("Organization")
            }
            guard try Self.isMember(userID: userID, organizationID: activeOrganizationID, db) else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "The user is not a member of the organization active_organization_id names.",
                    meta: ["param_name": "active_organization_id"]
                )
            }
        }
        try EmulatorStore.insert(
            EmulatorStore.Record(id: sessionID, kind: "session", parentID: userID, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil),
            db
        )
        // The user was active now.
        if var user = try EmulatorStore.fetch(userID, kind: "user", db), var fields = user.doc.objectMembers {
            fields["last_active_at"] = .int(now)
            fields["last_sign_in_at"] = .int(now)
            user.doc = .object(fields)
            try EmulatorStore.update(user, db)
        }
        try emitEvent("session.created", doc, db)
        return doc
    }

    /// Whether the user has a membership in the organization.
    static func isMember(userID: String, organizationID: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(
            db,
            sql: "SELECT EXISTS (SELECT 1 FROM resources WHERE kind = 'organization_membership' AND parent_id = ? AND json_extract(doc, '$.public_user_data.user_id') = ?)",
            arguments: [organizationID, userID]
        ) ?? false
    }

    /// A token lifetime in seconds: 1 s to 10 years (larger values would overflow the claims).
    static func lifetime(_ seconds: Int64) throws -> Int64 {
        guard (1...315_360_000).contains(seconds) else { throw EmulatorError.invalid("expires_in_seconds", "must be between 1 and 315360000") }
        return seconds
    }

    /// A number of days for an expiry: 1 to 3650.
    static func days(_ value: Int64?, default defaultValue: Int64, name: String) throws -> Int64 {
        let days = value ?? defaultValue
        guard (1...3650).contains(days) else { throw EmulatorError.invalid(name, "must be between 1 and 3650") }
        return days
    }

    func session(_ id: String) async throws -> EmulatorStore.Record { try await record(id, kind: "session", name: "Session") }

    func record(_ id: String, kind: String, name: String) async throws -> EmulatorStore.Record {
        guard let record = try await store.writer.read({ db in try EmulatorStore.fetch(id, kind: kind, db) }) else {
            throw EmulatorError.notFound(name)
        }
        return record
    }

    /// Reads, changes and writes a resource's document in one transaction; answers the new document. With `event`,
    /// a webhook event of that type carries the new document.
    func mutate(
        _ id: String, kind: String, name: String, event: String? = nil, _ change: @Sendable (inout [String: JSONValue]) throws -> Void
    ) async throws -> EmulatorResponse {
        try await mutate(id, kind: kind, name: name, event: event) { doc, _ in try change(&doc) }
    }

    /// ``mutate(_:kind:name:event:_:)`` for a change that also reads or writes other rows in the same transaction.
    func mutate(
        _ id: String, kind: String, name: String, event: String? = nil,
        _ change: @Sendable (inout [String: JSONValue], Database) throws -> Void
    ) async throws -> EmulatorResponse {
        let doc = try await store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: kind, db) else { throw EmulatorError.notFound(name) }
            var doc = record.doc.objectMembers ?? [:]
            try change(&doc, db)
            record.updatedAt = nowMillis()
            if doc["updated_at"] != nil { doc["updated_at"] = .int(record.updatedAt) }
            record.doc = .object(doc)
            try EmulatorStore.update(record, db)
            if let event { try self.emitEvent(event, record.doc, db) }
            return record.doc
        }
        return try .json(doc)
    }

    /// Lists records with limit/offset; `{data, total_count}` when `wrappedByDefault` or `paginated=true`.
    func listRecords(
        _ conditions: [String], _ arguments: [any DatabaseValueConvertible], _ request: EmulatorRequest, order: String,
        wrappedByDefault: Bool, paged: Bool = true
    ) async throws -> EmulatorResponse {
        let (limit, offset) = paged ? try Self.paging(request) : (Int(Int32.max), 0)
        let (records, total) = try await page(conditions, arguments, order: order, limit: limit, offset: offset)
        let paginated = try request.queryBool("paginated") ?? false
        let wrapped = wrappedByDefault || paginated
        return .rawList(records.map(\.docText), total: total, wrapped: wrapped)
    }

    /// Clerk's `cat` header of session tokens.
    static let sessionTokenCategory = "cl_B7d4PD111AAA"
    /// Clerk's `cat` header of JWT-template tokens (which the SDK never accepts as session tokens).
    static let jwtTemplateTokenCategory = "cl_B7d4PD222AAA"

    /// Claims a JWT template cannot set: those every token has (`azp exp iat iss jti nbf sub`), those bound to a
    /// session (`sid v pla fea o fva sts`), the actor, and the organization claims of v1 session tokens.
    static let reservedTemplateClaims: Set<String> = [
        "azp", "exp", "iat", "iss", "jti", "nbf", "sub",
        "sid", "v", "pla", "fea", "o", "fva", "sts",
        "act", "org_id", "org_slug", "org_role", "org_permissions",
    ]

    /// A 422 naming `claims` when a template's claims include a reserved one.
    static func refuseReservedClaims(_ claims: [String: JSONValue]) throws {
        let reserved = claims.keys.filter(reservedTemplateClaims.contains).sorted()
        guard !reserved.isEmpty else { return }
        throw EmulatorError(
            status: 422, code: "form_param_value_invalid", message: "is invalid",
            longMessage: "claims cannot include \(reserved.joined(separator: ", ")): reserved claims are set by Clerk or belong to session tokens only.",
            meta: ["param_name": "claims"]
        )
    }

    /// A token for the session's user, RS256 by the instance key, `iss` the frontend host.
    ///
    /// Without a template it is a session token (`cat` session): `sid`, `v` 2, `fva`, and when the session has an
    /// active organization the user is a member of, the `o` claim and the organization's features in `fea`, from the
    /// membership's role. With a template it is a JWT-template token (`cat` template): the claims every token has
    /// plus the template's own (shortcodes such as `{{user.id}}` filled in), none of the session-bound ones; a
    /// reserved claim in a template (stored before they were refused) is left out.
    ///
    /// `authorizedParty` becomes `azp`: the origin of the app the Frontend API hands the token to.
    func sessionToken(
        _ session: EmulatorStore.Record, lifetime: Int64, template: JSONValue?, authorizedParty: String? = nil
    ) async throws -> String {
        guard session.doc["status"]?.stringMember == "active" else {
            throw EmulatorError(status: 422, code: "session_not_active", message: "The session is not active.", longMessage: "Tokens can only be created for active sessions.")
        }
        let userID = session.doc["user_id"]?.stringMember ?? ""
        let now = Int64(Date().timeIntervalSince1970)
        var claims: [String: JSONValue] = [
            "sub": .string(userID), "iss": .string(keys.issuer),
            "iat": .int(now), "nbf": .int(now - 10), "exp": .int(now + max(lifetime, 1)),
            "jti": .string(EmulatorIDs.random(length: 20)),
        ]
        if let authorizedParty { claims["azp"] = .string(authorizedParty) }
        guard let template else {
            claims["sid"] = .string(session.id)
            claims["v"] = 2
            // An impersonated session (actor token): the actor, as Clerk puts it in `act`.
            if case .object = session.doc["actor"] ?? .null { claims["act"] = session.doc["actor"] }
            claims["fva"] = [0, -1]
            if let organizationID = session.doc["last_active_organization_id"]?.stringMember,
                let organization = try await organizationClaims(organizationID: organizationID, userID: userID)
            {
                claims["o"] = organization.organization
                if !organization.features.isEmpty {
                    claims["fea"] = .string(organization.features.map { "o:" + $0 }.joined(separator: ","))
                }
            }
            return try keys.signer.sign(claims: claims, header: ["cat": .string(Self.sessionTokenCategory)])
        }
        let user = try? await self.user(userID)
        for (name, value) in template["claims"]?.objectMembers ?? [:] where !Self.reservedTemplateClaims.contains(name) {
            claims[name] = Self.fillShortcodes(value, user: user?.doc ?? .null)
        }
        return try keys.signer.sign(claims: claims, header: ["cat": .string(Self.jwtTemplateTokenCategory)])
    }

    static func fillShortcodes(_ value: JSONValue, user: JSONValue) -> JSONValue {
        switch value {
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("{{"), trimmed.hasSuffix("}}") else { return value }
            let path = trimmed.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces)
            switch path {
            case "user.id": return user["id"] ?? .null
            case "user.first_name": return user["first_name"] ?? .null
            case "user.last_name": return user["last_name"] ?? .null
            case "user.username": return user["username"] ?? .null
            case "user.external_id": return user["external_id"] ?? .null
            case "user.public_metadata": return user["public_metadata"] ?? .null
            case "user.primary_email_address":
                let primary = user["primary_email_address_id"]?.stringMember
                let email = user["email_addresses"]?.arrayMember?.first { $0["id"]?.stringMember == primary }
                return email?["email_address"] ?? .null
            default: return .null
            }
        case .object(let members): return .object(members.mapValues { fillShortcodes($0, user: user) })
        case .array(let items): return .array(items.map { fillShortcodes($0, user: user) })
        default: return value
        }
    }
}
