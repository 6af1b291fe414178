import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerMisc(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.updateInstanceRestrictions] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let names = ["allowlist", "blocklist", "allowlist_blocklist_disabled_on_sign_in", "block_email_subaddresses", "block_disposable_email_domains"]
            let result = try await state.store.writer.write { db -> [String: JSONValue] in
                var result: [String: JSONValue] = ["object": "instance_restrictions"]
                for name in names {
                    if let flag = try body.bool(name) {
                        try db.execute(sql: "INSERT OR REPLACE INTO instance (name, value) VALUES (?, ?)", arguments: ["restriction_" + name, flag ? "true" : "false"])
                    }
                    let stored = try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: ["restriction_" + name])
                    result[name] = .bool(stored == "true")
                }
                return result
            }
            return try .json(.object(result))
        }
        table[.createTestingToken] = { _, _ in
            try .json([
                "object": "testing_token", "token": .string("1713877200-" + EmulatorIDs.random(length: 32)),
                "expires_at": .int(Int64(Date().timeIntervalSince1970) + 3600),
            ])
        }
        table[.createSignInToken] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let userID = try body.requiredString("user_id")
            _ = try await state.user(userID)
            let seconds = try Self.lifetime(body.int("expires_in_seconds") ?? 2_592_000)
            let now = nowMillis()
            let id = EmulatorIDs.make("sit")
            let token = EmulatorIDs.random(length: 40)
            let doc: JSONValue = [
                "object": "sign_in_token", "id": .string(id), "status": "pending", "user_id": .string(userID),
                "token": .string(token), "url": .string(state.ticketURL(token)),
                "created_at": .int(now), "updated_at": .int(now),
            ]
            try await state.store.writer.write { db in
                try EmulatorStore.insert(EmulatorStore.Record(id: id, kind: "sign_in_token", parentID: userID, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: String(now + seconds * 1000)), db)
            }
            return try .json(doc)
        }
        table[.revokeSignInToken] = { state, request in
            try await state.mutate(request.path("sign_in_token_id"), kind: "sign_in_token", name: "Sign-in token") { doc in
                doc["status"] = "revoked"
                doc["token"] = nil
                doc["url"] = nil
            }
        }
        table[.createRedirectURL] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let url = try body.requiredString("url")
            guard let parsed = URL(string: url), parsed.scheme != nil else { throw EmulatorError.invalid("url", "must be a URL") }
            let now = nowMillis()
            let id = EmulatorIDs.make("ru")
            let doc: JSONValue = ["object": "redirect_url", "id": .string(id), "url": .string(url), "created_at": .int(now), "updated_at": .int(now)]
            try await state.store.writer.write { db in
                if try EmulatorStore.owner(of: url, kind: "redirect_url", db) != nil { throw EmulatorError.exists("url") }
                try EmulatorStore.claim(url, kind: "redirect_url", owner: id, db)
                try EmulatorStore.insert(EmulatorStore.Record(id: id, kind: "redirect_url", parentID: nil, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil), db)
            }
            return try .json(doc)
        }
        table[.listRedirectURLs] = { state, request in
            try await state.listRecords(["kind = 'redirect_url'"], [], request, order: "created_at DESC, rowid DESC", wrappedByDefault: false)
        }
        table[.getRedirectURL] = { state, request in try await .json(try state.record(request.path("id"), kind: "redirect_url", name: "Redirect URL").doc) }
        table[.deleteRedirectURL] = { state, request in
            let id = request.path("id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "redirect_url", db) != nil else { throw EmulatorError.notFound("Redirect URL") }
                try EmulatorStore.delete(id, db)
            }
            return try deleted("redirect_url", id: id)
        }
    }

    /// Creates the users and organizations of a seed file:
    /// `{"users": [CreateUser bodies…], "organizations": [CreateOrganization bodies…, with "members": [{"user_index" or "user_id", "role"}]]}`.
    func seed(fromFile path: String) async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let root = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let object) = root else {
            throw EmulatorStartError(message: "The seed file \(path) is not a JSON object with \"users\" and \"organizations\"")
        }
        var userIDs: [String] = []
        for (index, user) in (object["users"]?.arrayMember ?? []).enumerated() {
            guard case .object(let fields) = user else { throw EmulatorStartError(message: "Seed user \(index) is not an object") }
            do {
                let response = try await createUser(BodyReader(object: fields))
                let created = try JSONDecoder().decode(JSONValue.self, from: response.body)
                userIDs.append(created["id"]?.stringMember ?? "")
            } catch let error as EmulatorError where error.code == "form_identifier_exists" {
                userIDs.append("")  // already seeded (restart of the same database)
            }
        }
        for (index, organization) in (object["organizations"]?.arrayMember ?? []).enumerated() {
            guard case .object(var fields) = organization else { throw EmulatorStartError(message: "Seed organization \(index) is not an object") }
            let members = fields.removeValue(forKey: "members")?.arrayMember ?? []
            let created: JSONValue
            do {
                created = try JSONDecoder().decode(JSONValue.self, from: try await createOrganization(BodyReader(object: fields)).body)
            } catch let error as EmulatorError where error.code == "form_identifier_exists" {
                continue
            }
            let record = try await self.organization(created["id"]?.stringMember ?? "")
            for member in members {
                let userID = member["user_id"]?.stringMember ?? member["user_index"]?.intMember.flatMap { userIDs.indices.contains(Int($0)) ? userIDs[Int($0)] : nil } ?? ""
                guard !userID.isEmpty else { continue }
                _ = try await addMember(organization: record, userID: userID, role: member["role"]?.stringMember ?? "org:member")
            }
        }
    }
}
