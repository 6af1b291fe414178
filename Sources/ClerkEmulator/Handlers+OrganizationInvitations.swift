import ClerkBackend
import Foundation
import GRDB

extension EmulatorState {
    static func registerOrganizationInvitations(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createOrganizationInvitation] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            return try await .json(try state.createOrganizationInvitation(organization, BodyReader(object: try request.jsonObject())))
        }
        table[.createOrganizationInvitationBulk] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: request.body), case .array(let items) = value else {
                throw EmulatorError(status: 400, code: "request_body_invalid", message: "Request body must be a JSON array")
            }
            var created: [JSONValue] = []
            for item in items {
                guard case .object(let object) = item else { throw EmulatorError.invalid("invitations", "must be objects") }
                created.append(try await state.createOrganizationInvitation(organization, BodyReader(object: object)))
            }
            return try .json(["data": .array(created), "total_count": .int(Int64(created.count))])
        }
        table[.listOrganizationInvitations] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            var conditions = ["kind = 'organization_invitation'", "parent_id = ?"]
            var arguments: [any DatabaseValueConvertible] = [organization.id]
            let statuses = request.queryValues("status")
            if !statuses.isEmpty {
                conditions.append("json_extract(doc, '$.status') IN (\(statuses.map { _ in "?" }.joined(separator: ",")))")
                arguments += statuses
            }
            if let email = request.queryValue("email_address") {
                conditions.append("sort_key = ?")
                arguments.append(email.lowercased())
            }
            let order = try Self.order(request, allowed: ["created_at": "created_at", "email_address": "sort_key"], default: "-created_at")
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.listPendingOrganizationInvitations] = { state, request in
            let organization = try await state.organization(request.path("organization_id"))
            return try await state.listRecords(
                ["kind = 'organization_invitation'", "parent_id = ?", "json_extract(doc, '$.status') = 'pending'"], [organization.id],
                request, order: "created_at DESC, rowid DESC", wrappedByDefault: true
            )
        }
        table[.listInstanceOrganizationInvitations] = { state, request in
            var conditions = ["kind = 'organization_invitation'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let status = request.queryValue("status") {
                conditions.append("json_extract(doc, '$.status') = ?")
                arguments.append(status)
            }
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("sort_key LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            let order = try Self.order(request, allowed: ["created_at": "created_at", "email_address": "sort_key"], default: "-created_at")
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.getOrganizationInvitation] = { state, request in
            await .rawJSON(try state.organizationInvitation(request.path("organization_id"), request.path("invitation_id")).docText)
        }
        table[.revokeOrganizationInvitation] = { state, request in
            let invitation = try await state.organizationInvitation(request.path("organization_id"), request.path("invitation_id"))
            return try await state.mutate(invitation.id, kind: "organization_invitation", name: "Organization invitation") { doc in
                guard doc["status"]?.stringMember == "pending" else {
                    throw EmulatorError(status: 400, code: "organization_invitation_not_pending", message: "Only pending invitations can be revoked.")
                }
                doc["status"] = "revoked"
            }
        }
    }

    func organizationInvitation(_ organizationID: String, _ invitationID: String) async throws -> EmulatorStore.Record {
        let organization = try await self.organization(organizationID)
        let record = try await self.record(invitationID, kind: "organization_invitation", name: "Organization invitation")
        guard record.parentID == organization.id else { throw EmulatorError.notFound("Organization invitation") }
        return record
    }

    func createOrganizationInvitation(_ organization: EmulatorStore.Record, _ body: BodyReader) async throws -> JSONValue {
        let email = try body.requiredString("email_address")
        guard Self.isEmail(email) else { throw EmulatorError.invalid("email_address", "must be a valid email address") }
        let role = try body.requiredString("role")
        let inviter = try body.string("inviter_user_id")
        let now = nowMillis()
        let id = EmulatorIDs.make("orginv")
        let days = try Self.days(body.int("expires_in_days"), default: 30, name: "expires_in_days")
        var doc: [String: JSONValue] = [
            "object": "organization_invitation", "id": .string(id), "email_address": .string(email),
            "role": .string(role), "role_name": .string(Self.roleName(role)), "organization_id": .string(organization.id),
            "status": "pending", "public_metadata": try body.metadata("public_metadata") ?? [:],
            "private_metadata": try body.metadata("private_metadata") ?? [:],
            "url": .string(ticketURL(EmulatorIDs.random(length: 32))),
            "expires_at": .int(now + days * 86_400_000), "created_at": .int(now), "updated_at": .int(now),
        ]
        doc["inviter_id"] = inviter.map { .string($0) } ?? .null
        doc["public_inviter_data"] = .null
        let draft = doc
        let stored = try await store.writer.write { db -> [String: JSONValue] in
            var doc = draft
            // Only a role the instance defines can be offered.
            let defined = try Self.definedRole(role, parameter: "role", db)
            doc["role"] = defined["key"] ?? .string(role)
            doc["role_name"] = defined["name"] ?? .string(Self.roleName(role))
            if let inviter {
                guard let user = try EmulatorStore.fetch(inviter, kind: "user", db) else { throw EmulatorError.notFound("User") }
                let fields = user.doc
                doc["public_inviter_data"] = [
                    "user_id": .string(inviter), "first_name": fields["first_name"] ?? .null, "last_name": fields["last_name"] ?? .null,
                    "image_url": fields["image_url"] ?? "", "has_image": fields["has_image"] ?? false,
                    "identifier": fields["email_addresses"]?.arrayMember?.first?["email_address"] ?? fields["username"] ?? .string(inviter),
                ]
            }
            let pending = try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM resources WHERE kind = 'organization_invitation' AND parent_id = ? AND sort_key = ? AND json_extract(doc, '$.status') = 'pending'",
                arguments: [organization.id, email.lowercased()]
            ) ?? 0
            guard pending == 0 else {
                throw EmulatorError(status: 422, code: "duplicate_record", message: "duplicate record", longMessage: "\(email) already has a pending invitation to this organization.", meta: ["param_name": "email_address"])
            }
            try EmulatorStore.insert(
                EmulatorStore.Record(id: id, kind: "organization_invitation", parentID: organization.id, createdAt: now, updatedAt: now, sortKey: email.lowercased(), doc: .object(doc), secret: nil),
                db
            )
            return doc
        }
        if try body.bool("notify") != false {
            recordEffect(
                "Organization invitation email not sent by the emulator: the invitation's url accepts it",
                metadata: ["organization_invitation_id": "\(id)", "organization_id": "\(organization.id)", "to": "\(Self.masked(email))"]
            )
        }
        return .object(stored)
    }
}
