import ClerkBackend
import Foundation
import GRDB
import Logging

/// Verifying an email address or phone number with a one-time code, and replacing all of a user's email addresses
/// or phone numbers with one.
///
/// The emulator sends no email or SMS: every code is Clerk's test-mode code, 424242, and a log line says where the
/// code would have gone.
extension EmulatorState {
    /// The code every verification of the emulator accepts (Clerk's test-mode code).
    static let verificationCode = "424242"
    /// Wrong codes allowed per verification; the next wrong one fails it.
    static let verificationAttempts = 3

    static func registerVerification(_ table: inout [Endpoint: EmulatorHandler]) {
        let kinds: [(IdentificationKind, prepare: Endpoint, attempt: Endpoint, replace: Endpoint)] = [
            (.email, .prepareEmailAddressVerification, .attemptEmailAddressVerification, .replaceUserEmailAddress),
            (.phone, .preparePhoneNumberVerification, .attemptPhoneNumberVerification, .replaceUserPhoneNumber),
        ]
        for (kind, prepare, attempt, replace) in kinds {
            table[prepare] = { state, request in try await state.prepareVerification(kind, id: request.path(kind.pathParameter)) }
            table[attempt] = { state, request in
                let body = BodyReader(object: try request.jsonObject())
                return try await state.attemptVerification(
                    kind, id: request.path(kind.pathParameter), verificationID: body.requiredString("verification_id"),
                    code: body.requiredString("code")
                )
            }
            table[replace] = { state, request in
                try await state.replaceIdentifications(kind, userID: request.path("user_id"), BodyReader(object: try request.jsonObject()))
            }
        }
    }

    /// A new code for an address or number: its `verification` becomes an unverified OTP verification (10 minutes),
    /// and the answer names the verification to attempt.
    func prepareVerification(_ kind: IdentificationKind, id: String) async throws -> EmulatorResponse {
        let now = nowMillis()
        let strategy = kind.isPhone ? "phone_code" : "email_code"
        let verificationID = EmulatorIDs.make("ver")
        let expireAt = now + 600_000
        let value = try await store.writer.write { db -> String in
            guard case let (record, index)? = try Self.findIdentification(id, kind, db) else { throw EmulatorError.notFound(kind.name) }
            var doc = record.doc.objectMembers ?? [:]
            var items = doc[kind.list]?.arrayMember ?? []
            var item = items[index].objectMembers ?? [:]
            guard item["verification"]?["status"]?.stringMember != "verified" else {
                throw EmulatorError(
                    status: 400, code: "verification_already_verified", message: "already verified",
                    longMessage: "This \(kind.name.lowercased()) is already verified."
                )
            }
            var verification: [String: JSONValue] = [
                "object": "verification_otp", "status": "unverified", "strategy": .string(strategy), "attempts": 0, "expire_at": .int(expireAt),
            ]
            if kind.isPhone { verification["channel"] = "sms" }
            item["verification"] = .object(verification)
            item["updated_at"] = .int(now)
            items[index] = .object(item)
            doc[kind.list] = .array(items)
            try self.saveUser(record, doc, now: now, db)
            // The pending verification: which identification it is for (the code is the fixed test code).
            try db.execute(sql: "DELETE FROM resources WHERE kind = 'identification_verification' AND parent_id = ?", arguments: [id])
            try EmulatorStore.insert(
                EmulatorStore.Record(
                    id: verificationID, kind: "identification_verification", parentID: id, createdAt: now, updatedAt: now, sortKey: nil,
                    doc: [:], secret: String(expireAt)
                ), db
            )
            return item[kind.object]?.stringMember ?? ""
        }
        recordEffect(
            "Verification code not sent by the emulator: use 424242",
            metadata: ["to": "\(Self.masked(value))", "strategy": "\(strategy)"]
        )
        var answer: [String: JSONValue] = [
            "object": "verification", "id": .string(verificationID), "status": "unverified", "strategy": .string(strategy),
            "attempts": 0, "expire_at": .int(expireAt),
        ]
        answer["channel"] = kind.isPhone ? "sms" : .null
        return try .json(.object(answer))
    }

    /// Checks a code: 424242 verifies the address or number; a wrong code counts an attempt (the third fails the
    /// verification); an expired or unknown verification is refused.
    func attemptVerification(_ kind: IdentificationKind, id: String, verificationID: String, code: String) async throws -> EmulatorResponse {
        let now = nowMillis()
        let answer = try await store.writer.write { db -> JSONValue in
            guard case let (record, index)? = try Self.findIdentification(id, kind, db) else { throw EmulatorError.notFound(kind.name) }
            guard let pending = try EmulatorStore.fetch(verificationID, kind: "identification_verification", db), pending.parentID == id else {
                throw EmulatorError(
                    status: 404, code: "resource_not_found", message: "not found",
                    longMessage: "No pending verification \(verificationID.prefix(100)) for this \(kind.name.lowercased()); prepare one first."
                )
            }
            var doc = record.doc.objectMembers ?? [:]
            var items = doc[kind.list]?.arrayMember ?? []
            var item = items[index].objectMembers ?? [:]
            var verification = item["verification"]?.objectMembers ?? [:]
            let attempts = (verification["attempts"]?.intMember ?? 0) + 1
            let expireAt = Int64(pending.secret ?? "") ?? 0
            var status: String
            if expireAt <= now {
                status = "expired"
            } else if code == Self.verificationCode {
                status = "verified"
            } else {
                status = attempts >= Self.verificationAttempts ? "failed" : "unverified"
            }
            verification["attempts"] = .int(attempts)
            verification["status"] = .string(status)
            item["verification"] = .object(verification)
            item["updated_at"] = .int(now)
            items[index] = .object(item)
            doc[kind.list] = .array(items)
            try self.saveUser(record, doc, now: now, db)
            if status != "unverified" { try EmulatorStore.delete(verificationID, db) }
            var answer: [String: JSONValue] = [
                "object": "verification", "id": .string(verificationID), "status": .string(status),
                "strategy": verification["strategy"] ?? .string(kind.isPhone ? "phone_code" : "email_code"),
                "attempts": .int(attempts), "expire_at": .int(expireAt),
            ]
            answer["channel"] = verification["channel"] ?? .null
            return .object(answer)
        }
        let status = answer["status"]?.stringMember ?? ""
        guard status == "verified" else {
            let (code, message) =
                switch status {
                case "expired": ("verification_expired", "This verification has expired; prepare a new one.")
                case "failed": ("verification_failed", "Too many incorrect codes; prepare a new verification.")
                default: ("form_code_incorrect", "Incorrect code.")
                }
            throw EmulatorError(status: 400, code: code, message: message, meta: ["param_name": "code"])
        }
        return try .json(answer)
    }

    /// Replaces every email address (or phone number) of a user with one, primary: verified by default, or reserved
    /// (unverified, usable for sign-in, held by this user) or unverified (not held).
    func replaceIdentifications(_ kind: IdentificationKind, userID: String, _ body: BodyReader) async throws -> EmulatorResponse {
        let value = try body.requiredString(kind.object)
        if kind.isPhone {
            guard Self.isPhone(value) else { throw EmulatorError.invalid("phone_number", "must be a valid phone number according to E.164 international standard") }
        } else {
            guard Self.isEmail(value) else { throw EmulatorError.invalid("email_address", "must be a valid email address") }
        }
        let status = try body.string("identification_status") ?? "verified"
        let notify = kind.isPhone ? false : (try body.bool("notify_primary_email_address_changed") ?? false)
        let now = nowMillis()
        let (item, previous) = try await store.writer.write { db -> (JSONValue, String?) in
            guard let record = try EmulatorStore.fetch(userID, kind: "user", db) else { throw EmulatorError.notFound("User") }
            try self.checkAllowed([value], db)
            if let owner = try EmulatorStore.owner(of: value, kind: kind.identifierKind, db), owner != userID {
                throw EmulatorError.exists(kind.object)
            }
            var doc = record.doc.objectMembers ?? [:]
            let old = doc[kind.list]?.arrayMember ?? []
            if old.contains(where: { !($0["linked_to"]?.arrayMember ?? []).isEmpty }) {
                throw EmulatorError(
                    status: 422, code: "identification_linked", message: "is linked to a connected account",
                    longMessage: "An existing \(kind.name.lowercased()) is linked to a connected account; remove the account first.",
                    meta: ["param_name": .string(kind.object)]
                )
            }
            let previousPrimary = old.first { $0["id"] == doc[kind.primaryKey] }?[kind.object]?.stringMember
            guard var item = Self.identificationDoc(kind.object, value: value, now: now).objectMembers, let id = item["id"] else {
                throw EmulatorError(status: 500, code: "internal_clerk_error", message: "Oops, something went wrong")
            }
            if status != "verified" { item["verification"] = .null }
            item["reserved"] = .bool(status == "reserved")
            if kind.isPhone {
                item["reserved_for_second_factor"] = false
                item["default_second_factor"] = false
                item["backup_codes"] = .null
            }
            doc[kind.list] = [.object(item)]
            doc[kind.primaryKey] = id
            try self.saveUser(record, doc, now: now, db)
            try db.execute(sql: "DELETE FROM identifiers WHERE kind = ? AND owner_id = ?", arguments: [kind.identifierKind, userID])
            // An unverified replacement is not held: another user may claim it until one of them verifies it.
            if status != "unverified" { try EmulatorStore.claim(value, kind: kind.identifierKind, owner: userID, db) }
            return (.object(item), previousPrimary)
        }
        if notify, let previous, previous.lowercased() != value.lowercased() {
            recordEffect("Primary email change notice not sent by the emulator", metadata: ["to": "\(Self.masked(previous))"])
        }
        return try .json(item)
    }

    /// An address or number with most of it hidden, for log lines (`a***@example.com`, `+1******67`).
    static func masked(_ value: String) -> String {
        if let at = value.firstIndex(of: "@") {
            return String(value.prefix(1)) + "***" + value[at...]
        }
        return String(value.prefix(2)) + String(repeating: "*", count: max(0, value.count - 4)) + String(value.suffix(2))
    }
}
