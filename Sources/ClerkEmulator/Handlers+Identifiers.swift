import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerIdentifiers(_ table: inout [Endpoint: EmulatorHandler]) {
        let operations: [(kind: String, prefix: String, object: String, create: Endpoint, list: Endpoint, delete: Endpoint)] = [
            ("allowlist", "alid", "allowlist_identifier", .createAllowlistIdentifier, .listAllowlistIdentifiers, .deleteAllowlistIdentifier),
            ("blocklist", "blid", "blocklist_identifier", .createBlocklistIdentifier, .listBlocklistIdentifiers, .deleteBlocklistIdentifier),
        ]
        for (kind, prefix, object, create, list, delete) in operations {
            table[create] = { state, request in
                let body = BodyReader(object: try request.jsonObject())
                let identifier = try body.requiredString("identifier")
                let type: String
                if identifier.contains("@") {
                    type = "email_address"
                } else if identifier.hasPrefix("+") {
                    type = "phone_number"
                } else if identifier.hasPrefix("0x") {
                    type = "web3_wallet"
                } else {
                    throw EmulatorError.invalid("identifier", "must be an email address (or *@domain), a phone number or a web3 wallet")
                }
                let now = nowMillis()
                let id = EmulatorIDs.make(prefix)
                let doc: [String: JSONValue] = [
                    "object": .string(object), "id": .string(id), "identifier": .string(identifier),
                    "identifier_type": .string(type), "instance_id": .string(state.keys.signer.kid), "created_at": .int(now), "updated_at": .int(now),
                ]
                try await state.store.writer.write { db in
                    if try EmulatorStore.owner(of: identifier, kind: kind, db) != nil {
                        throw EmulatorError(status: 422, code: "duplicate_record", message: "duplicate record", longMessage: "\(identifier) is already on the \(kind).", meta: ["param_name": "identifier"])
                    }
                    try EmulatorStore.claim(identifier, kind: kind, owner: id, db)
                    try EmulatorStore.insert(EmulatorStore.Record(id: id, kind: object, parentID: nil, createdAt: now, updatedAt: now, sortKey: nil, doc: .object(doc), secret: nil), db)
                }
                return try .json(.object(doc))
            }
            table[list] = { state, request in
                // The allowlist is a bare array (paginated=true wraps it); the blocklist always {data, total_count}.
                try await state.listRecords(
                    ["kind = ?"], [object], request, order: "created_at DESC, rowid DESC", wrappedByDefault: kind == "blocklist",
                    paged: kind == "allowlist"
                )
            }
            let idParameter = kind == "allowlist" ? "identifier_id" : "identifier_id"
            table[delete] = { state, request in
                let id = request.path(idParameter)
                try await state.store.writer.write { db in
                    guard try EmulatorStore.fetch(id, kind: object, db) != nil else { throw EmulatorError.notFound("Identifier") }
                    try EmulatorStore.delete(id, db)
                }
                return try deleted(object, id: id)
            }
        }

        // Invitations
        table[.createInvitation] = { state, request in
            try await .json(try state.createInvitation(BodyReader(object: try request.jsonObject())))
        }
        table[.createBulkInvitations] = { state, request in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: request.body), case .array(let items) = value else {
                throw EmulatorError(status: 400, code: "request_body_invalid", message: "Request body must be a JSON array")
            }
            var created: [JSONValue] = []
            for item in items {
                guard case .object(let object) = item else { throw EmulatorError.invalid("invitations", "must be objects") }
                created.append(try await state.createInvitation(BodyReader(object: object)))
            }
            return try .json(.array(created))
        }
        table[.listInvitations] = { state, request in
            var conditions = ["kind = 'invitation'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let status = request.queryValue("status") {
                conditions.append("json_extract(doc, '$.status') = ?")
                arguments.append(status)
            }
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("sort_key LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            let order = try Self.order(
                request, allowed: ["created_at": "created_at", "email_address": "sort_key", "expires_at": "json_extract(doc, '$.expires_at')"],
                default: "-created_at"
            )
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: false)
        }
        table[.revokeInvitation] = { state, request in
            try await state.mutate(request.path("invitation_id"), kind: "invitation", name: "Invitation") { doc in
                guard doc["status"]?.stringMember == "pending" else {
                    throw EmulatorError(status: 400, code: "invitation_not_pending", message: "Only pending invitations can be revoked.")
                }
                doc["status"] = "revoked"
                doc["revoked"] = true
            }
        }
    }

    func createInvitation(_ body: BodyReader) async throws -> JSONValue {
        let email = try body.requiredString("email_address")
        guard Self.isEmail(email) else { throw EmulatorError.invalid("email_address", "must be a valid email address") }
        let now = nowMillis()
        let id = EmulatorIDs.make("inv")
        let days = try Self.days(body.int("expires_in_days"), default: 30, name: "expires_in_days")
        let doc: JSONValue = [
            "object": "invitation", "id": .string(id), "email_address": .string(email),
            "public_metadata": try body.metadata("public_metadata") ?? [:], "revoked": false, "status": "pending",
            "url": .string(ticketURL(EmulatorIDs.random(length: 32))),
            "expires_at": .int(now + days * 86_400_000), "created_at": .int(now), "updated_at": .int(now),
        ]
        try await store.writer.write { db in
            if try body.bool("ignore_existing") != true {
                let pending = try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM resources WHERE kind = 'invitation' AND sort_key = ? AND json_extract(doc, '$.status') = 'pending'",
                    arguments: [email.lowercased()]
                ) ?? 0
                let existingUser = try EmulatorStore.owner(of: email, kind: "email", db)
                if pending > 0 || existingUser != nil {
                    throw EmulatorError(status: 422, code: "duplicate_record", message: "duplicate record", longMessage: "There are already pending invitations or users for \(email).", meta: ["param_name": "email_address"])
                }
            }
            try EmulatorStore.insert(EmulatorStore.Record(id: id, kind: "invitation", parentID: nil, createdAt: now, updatedAt: now, sortKey: email.lowercased(), doc: doc, secret: nil), db)
        }
        if try body.bool("notify") != false {
            recordEffect(
                "Invitation email not sent by the emulator: the invitation's url signs the invitee up",
                metadata: ["invitation_id": "\(id)", "to": "\(Self.masked(email))"]
            )
        }
        return doc
    }
}
