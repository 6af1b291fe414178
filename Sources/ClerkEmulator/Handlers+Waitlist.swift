import ClerkBackend
import Foundation
import GRDB
import Logging

/// Waitlist entries and actor tokens.
extension EmulatorState {
    static func registerWaitlist(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createWaitlistEntry] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            return try .json(try await state.createWaitlistEntry(email: body.requiredString("email_address"), notify: body.bool("notify") ?? false))
        }
        table[.createBulkWaitlistEntries] = { state, request in
            guard !request.body.isEmpty, case .array(let items)? = try? JSONDecoder().decode(JSONValue.self, from: request.body) else {
                throw EmulatorError(status: 400, code: "request_body_invalid", message: "Request body must be a JSON array of entries")
            }
            guard (1...50).contains(items.count) else { throw EmulatorError.invalid("entries", "must hold between 1 and 50 entries") }
            // Every entry is checked before any is created: a bad one creates none.
            let entries = try items.map { item -> (String, Bool) in
                guard case .object(let fields) = item else { throw EmulatorError.invalid("entries", "must be objects with email_address") }
                let reader = BodyReader(object: fields)
                let email = try reader.requiredString("email_address")
                guard Self.isEmail(email) else { throw EmulatorError.invalid("email_address", "must be a valid email address") }
                return (email, try reader.bool("notify") ?? true)
            }
            var created: [JSONValue] = []
            for (email, notify) in entries { created.append(try await state.createWaitlistEntry(email: email, notify: notify)) }
            return try .json(.array(created))
        }
        table[.listWaitlistEntries] = { state, request in
            var conditions = ["kind = 'waitlist_entry'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("(LOWER(json_extract(doc, '$.email_address')) LIKE ? ESCAPE '\\' OR id = ?)")
                arguments += [likePattern(containing: query), query]
            }
            if let status = request.queryValue("status") {
                conditions.append("json_extract(doc, '$.status') = ?")
                arguments.append(status)
            }
            let order = try Self.order(
                request, allowed: ["created_at": "created_at", "email_address": "LOWER(json_extract(doc, '$.email_address'))"], default: "-created_at"
            )
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.deleteWaitlistEntry] = { state, request in
            let id = request.path("waitlist_entry_id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "waitlist_entry", db) != nil else { throw EmulatorError.notFound("Waitlist entry") }
                try EmulatorStore.delete(id, db)
            }
            return try deleted("waitlist_entry", id: id)
        }
        table[.inviteWaitlistEntry] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = request.path("waitlist_entry_id")
            let entry = try await state.record(id, kind: "waitlist_entry", name: "Waitlist entry")
            guard entry.doc["status"]?.stringMember != "completed" else {
                throw EmulatorError(status: 422, code: "waitlist_entry_completed", message: "This waitlist entry has already signed up.")
            }
            let email = entry.doc["email_address"]?.stringMember ?? ""
            // The invitation a real instance sends: stored (and listed by ListInvitations), its email logged.
            let invitation = try await state.createInvitation(BodyReader(object: [
                "email_address": .string(email), "ignore_existing": .bool(try body.bool("ignore_existing") ?? false),
                // Its email is the one effect recorded below.
                "notify": false,
            ]))
            state.recordEffect(
                "Waitlist entry invited: the invitation email is not sent by the emulator",
                metadata: ["waitlist_entry_id": "\(id)", "invitation_id": "\(invitation["id"]?.stringMember ?? "")"]
            )
            return try await state.mutate(id, kind: "waitlist_entry", name: "Waitlist entry", event: "waitlistEntry.updated") { doc in
                doc["status"] = "invited"
                doc["invitation"] = invitation
            }
        }
        table[.rejectWaitlistEntry] = { state, request in
            try await state.mutate(request.path("waitlist_entry_id"), kind: "waitlist_entry", name: "Waitlist entry", event: "waitlistEntry.updated") { doc in
                guard doc["status"]?.stringMember != "completed" else {
                    throw EmulatorError(status: 422, code: "waitlist_entry_completed", message: "This waitlist entry has already signed up.")
                }
                doc["status"] = "rejected"
            }
        }

        table[.createActorToken] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let userID = try body.requiredString("user_id")
            guard let actor = try body.metadata("actor") else { throw EmulatorError.missing("actor") }
            guard let subject = actor["sub"]?.stringMember, !subject.isEmpty else { throw EmulatorError.missing("actor.sub") }
            let seconds = try Self.lifetime(body.int("expires_in_seconds") ?? 3600)
            let sessionSeconds = try body.int("session_max_duration_in_seconds") ?? 1800
            guard (1...315_360_000).contains(sessionSeconds) else {
                throw EmulatorError.invalid("session_max_duration_in_seconds", "must be between 1 and 315360000")
            }
            let now = nowMillis()
            let id = EmulatorIDs.make("act")
            let token = EmulatorIDs.random(length: 40)
            let doc: JSONValue = [
                "object": "actor_token", "id": .string(id), "status": "pending", "user_id": .string(userID), "actor": actor,
                "token": .string(token), "url": .string(state.ticketURL(token)), "created_at": .int(now), "updated_at": .int(now),
            ]
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(userID, kind: "user", db) != nil else {
                    throw EmulatorError(
                        status: 422, code: "form_identifier_not_found", message: "not found", longMessage: "No user has the id \(userID.prefix(100)).",
                        meta: ["param_name": "user_id"]
                    )
                }
                // The secret column keeps when the link expires and how long its session may last.
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: "actor_token", parentID: userID, createdAt: now, updatedAt: now, sortKey: nil, doc: doc,
                        secret: "\(now + seconds * 1000)|\(sessionSeconds)"
                    ), db
                )
            }
            state.options.logger.notice("Actor token created", metadata: ["actor_token_id": "\(id)", "user_id": "\(userID)", "actor": "\(subject)"])
            return try .json(doc)
        }
        table[.revokeActorToken] = { state, request in
            try await state.mutate(request.path("actor_token_id"), kind: "actor_token", name: "Actor token") { doc in
                guard doc["status"]?.stringMember == "pending" else {
                    throw EmulatorError(status: 400, code: "actor_token_cannot_be_revoked", message: "Only a pending actor token can be revoked.")
                }
                doc["status"] = "revoked"
                doc["token"] = nil
                doc["url"] = nil
            }
        }
    }

    /// A waitlist entry for an email address; an address already on the waitlist gets its existing entry back.
    func createWaitlistEntry(email: String, notify: Bool) async throws -> JSONValue {
        guard Self.isEmail(email) else { throw EmulatorError.invalid("email_address", "must be a valid email address") }
        let now = nowMillis()
        let id = EmulatorIDs.make("wle")
        let doc: JSONValue = [
            "object": "waitlist_entry", "id": .string(id), "email_address": .string(email), "status": "pending",
            "is_locked": false, "invitation": .null, "created_at": .int(now), "updated_at": .int(now),
        ]
        let (entry, isNew) = try await store.writer.write { db -> (JSONValue, Bool) in
            if let owner = try EmulatorStore.owner(of: email, kind: "waitlist_email", db),
                let existing = try EmulatorStore.fetch(owner, kind: "waitlist_entry", db)
            {
                return (existing.doc, false)
            }
            try EmulatorStore.claim(email, kind: "waitlist_email", owner: id, db)
            try EmulatorStore.insert(
                EmulatorStore.Record(id: id, kind: "waitlist_entry", parentID: nil, createdAt: now, updatedAt: now, sortKey: email.lowercased(), doc: doc, secret: nil), db
            )
            try emitEvent("waitlistEntry.created", doc, db)
            return (doc, true)
        }
        if isNew && notify {
            recordEffect("Waitlist entry created: the confirmation email is not sent by the emulator", metadata: ["waitlist_entry_id": "\(id)", "to": "\(Self.masked(email))"])
        }
        return entry
    }
}
