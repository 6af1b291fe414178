import ClerkBackend
import Crypto
import Foundation
import GRDB
import Logging

/// The users operations about access and security: bans in bulk, the profile image, the password (removal,
/// compromised), second factors (TOTP, backup codes), linked accounts and devices, and the invitations a user holds.
extension EmulatorState {
    static func registerUserSecurity(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.usersBan] = { state, request in try await state.setBanned(request, true) }
        table[.usersUnban] = { state, request in try await state.setBanned(request, false) }

        table[.setUserProfileImage] = { state, request in
            guard request.contentType?.lowercased().hasPrefix("multipart/form-data") == true, !request.body.isEmpty else {
                throw EmulatorError(
                    status: 400, code: "form_param_missing", message: "is missing",
                    longMessage: "Send the image as the `file` part of a multipart/form-data body.", meta: ["param_name": "file"]
                )
            }
            let digest = SHA256.hash(data: request.body).prefix(8).map { String(format: "%02x", $0) }.joined()
            let userID = request.path("user_id")
            let answer = try await state.mutateUser(userID) { doc in
                let url = JSONValue.string("https://img.clerk.com/emulator-\(digest)")
                doc["image_url"] = url
                doc["profile_image_url"] = url
                doc["has_image"] = true
            }
            state.recordEffect(
                "Profile image uploaded: the emulator does not store or serve the image",
                metadata: ["user_id": "\(userID)", "bytes": "\(request.body.count)"]
            )
            return answer
        }
        table[.deleteUserProfileImage] = { state, request in
            try await state.mutateUser(request.path("user_id")) { doc in
                doc["image_url"] = "https://img.clerk.com/emulator-default"
                doc["profile_image_url"] = "https://img.clerk.com/emulator-default"
                doc["has_image"] = false
            }
        }

        table[.removeUserPassword] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let signOut = try body.bool("sign_out_of_other_sessions") ?? false
            return try await state.changeUser(request.path("user_id")) { record, doc, db in
                guard record.secret != nil else {
                    throw EmulatorError(status: 400, code: "no_password", message: "This user has no password.")
                }
                record.secret = nil
                doc["password_enabled"] = false
                doc["password_last_updated_at"] = .null
                try EmulatorStore.release(kind: "password_compromised", owner: record.id, db)
                if signOut { try state.revokeActiveSessions(userID: record.id, db) }
            }
        }
        table[.setUserPasswordCompromised] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let revoke = try body.bool("revoke_all_sessions") ?? false
            return try await state.changeUser(request.path("user_id")) { record, _, db in
                guard record.secret != nil else {
                    throw EmulatorError(status: 422, code: "no_password", message: "This user has no password to mark.")
                }
                // Kept beside the user: the hosted sign-in page refuses a compromised password until it is reset.
                try EmulatorStore.release(kind: "password_compromised", owner: record.id, db)
                try EmulatorStore.claim(record.id, kind: "password_compromised", owner: record.id, db)
                if revoke { try state.revokeActiveSessions(userID: record.id, db) }
            }
        }
        table[.unsetUserPasswordCompromised] = { state, request in
            try await state.changeUser(request.path("user_id")) { record, _, db in
                guard try EmulatorStore.owner(of: record.id, kind: "password_compromised", db) != nil else {
                    throw EmulatorError(status: 422, code: "password_not_compromised", message: "This user's password is not marked compromised.")
                }
                try EmulatorStore.release(kind: "password_compromised", owner: record.id, db)
            }
        }

        table[.verifyTOTP] = { state, request in
            let code = try BodyReader(object: try request.jsonObject()).requiredString("code").trimmingCharacters(in: .whitespaces)
            let userID = request.path("user_id")
            let kind = try await state.store.writer.write { db -> String? in
                guard try EmulatorStore.fetch(userID, kind: "user", db) != nil else { throw EmulatorError.notFound("User") }
                let totp = try EmulatorStore.fetch(Self.totpID(userID), kind: "user_totp", db)
                let backup = try EmulatorStore.fetch(Self.backupCodesID(userID), kind: "user_backup_codes", db)
                guard totp != nil || backup != nil else {
                    throw EmulatorError(status: 422, code: "totp_not_enabled", message: "This user has neither TOTP nor backup codes.")
                }
                if let secret = totp?.secret, TOTP.verify(code, secret: secret) { return "totp" }
                // A backup code works once.
                if var backup, var hashes = backup.secret.map({ $0.split(separator: ",").map(String.init) }),
                    let index = hashes.firstIndex(of: Self.codeHash(code))
                {
                    hashes.remove(at: index)
                    backup.secret = hashes.joined(separator: ",")
                    try EmulatorStore.update(backup, db)
                    return "backup_code"
                }
                return nil
            }
            return try .json(["verified": .bool(kind != nil), "code_type": .string(kind ?? "totp")])
        }
        table[.deleteTOTP] = { state, request in try await state.removeSecondFactors(request.path("user_id"), totp: true, backupCodes: false) }
        table[.deleteBackupCode] = { state, request in try await state.removeSecondFactors(request.path("user_id"), totp: false, backupCodes: true) }
        table[.disableMFA] = { state, request in try await state.removeSecondFactors(request.path("user_id"), totp: true, backupCodes: true, phones: true) }

        table[.userPasskeyDelete] = { state, request in
            try await state.removeLinked(request.path("user_id"), list: "passkeys", id: request.path("passkey_identification_id"), object: "passkey")
        }
        table[.userWeb3WalletDelete] = { state, request in
            try await state.removeLinked(request.path("user_id"), list: "web3_wallets", id: request.path("web3_wallet_identification_id"), object: "web3_wallet")
        }
        table[.deleteExternalAccount] = { state, request in
            try await state.removeLinked(request.path("user_id"), list: "external_accounts", id: request.path("external_account_id"), object: "external_account")
        }
        // The emulator's sign-in never trusts a device, so a user has none to list or revoke.
        table[.listUserTrustedDevices] = { state, request in
            _ = try await state.user(request.path("user_id"))
            return try .json(["data": [], "total_count": 0])
        }
        table[.revokeUserTrustedDevice] = { state, request in
            _ = try await state.user(request.path("user_id"))
            throw EmulatorError.notFound("Trusted device")
        }
        // OAuth tokens come from an external provider's sign-in, which the emulator does not offer: none to give.
        table[.getOAuthAccessToken] = { state, request in
            let provider = request.path("provider")
            guard provider.hasPrefix("oauth_"), provider.count > "oauth_".count else {
                throw EmulatorError(
                    status: 400, code: "form_param_format_invalid", message: "is invalid",
                    longMessage: "provider must be an OAuth provider such as oauth_google", meta: ["param_name": "provider"]
                )
            }
            _ = try await state.user(request.path("user_id"))
            return try Self.list([], total: 0, wrapped: try request.queryBool("paginated") ?? false)
        }
        table[.usersGetOrganizationInvitations] = { state, request in
            let user = try await state.user(request.path("user_id"))
            let emails = (user.doc["email_addresses"]?.arrayMember ?? []).compactMap { $0["email_address"]?.stringMember?.lowercased() }
            let (limit, offset) = try Self.paging(request)
            let status = request.queryValue("status")
            let (items, total) = try await state.store.writer.read { db -> ([JSONValue], Int) in
                guard !emails.isEmpty else { return ([], 0) }
                var sql = "FROM resources WHERE kind = 'organization_invitation' AND LOWER(json_extract(doc, '$.email_address')) IN (\(emails.map { _ in "?" }.joined(separator: ",")))"
                var arguments = StatementArguments(emails)
                if let status {
                    sql += " AND json_extract(doc, '$.status') = ?"
                    arguments += [status]
                }
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) " + sql, arguments: arguments) ?? 0
                let rows = try Row.fetchAll(db, sql: "SELECT * " + sql + " ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?", arguments: arguments + [limit, offset])
                var items: [JSONValue] = []
                for row in rows {
                    let record = try EmulatorStore.record(row)
                    var doc = record.doc.objectMembers ?? [:]
                    if let organization = try EmulatorStore.fetch(record.parentID ?? "", kind: "organization", db) {
                        doc["public_organization_data"] = Self.publicOrganizationData(organization.doc)
                    }
                    items.append(.object(doc))
                }
                return (items, total)
            }
            return try Self.list(items, total: total, wrapped: true)
        }
    }

    // MARK: Bans

    /// Bans or unbans up to 50 users at once (all must exist). A ban revokes the user's active sessions, as Clerk's does.
    func setBanned(_ request: EmulatorRequest, _ banned: Bool) async throws -> EmulatorResponse {
        let ids = try BodyReader(object: try request.jsonObject()).strings("user_ids")
        let users = try await store.writer.write { db -> [JSONValue] in
            try ids.map { id in
                guard let record = try EmulatorStore.fetch(id, kind: "user", db) else {
                    throw EmulatorError(
                        status: 400, code: "resource_not_found", message: "not found", longMessage: "No user has the id \(id.prefix(100)).",
                        meta: ["param_name": "user_ids"]
                    )
                }
                return try self.setBanned(record, banned, db)
            }
        }
        return try .json(.array(users))
    }

    func setBanned(_ record: EmulatorStore.Record, _ banned: Bool, _ db: Database) throws -> JSONValue {
        var record = record
        var doc = record.doc.objectMembers ?? [:]
        doc["banned"] = .bool(banned)
        if banned { try revokeActiveSessions(userID: record.id, db) }
        return try saveUser(&record, doc, db)
    }

    /// Revokes every active session of a user (`session.revoked` for each).
    func revokeActiveSessions(userID: String, _ db: Database) throws {
        let sessions = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'session' AND parent_id = ? AND json_extract(doc, '$.status') = 'active'",
            arguments: [userID]
        ).map(EmulatorStore.record)
        for var session in sessions {
            var doc = session.doc.objectMembers ?? [:]
            session.updatedAt = nowMillis()
            doc["status"] = "revoked"
            doc["updated_at"] = .int(session.updatedAt)
            session.doc = .object(doc)
            try EmulatorStore.update(session, db)
            try emitEvent("session.revoked", session.doc, db)
        }
    }

    /// Changes a user in one transaction (the record too: its password digest) and answers the user.
    func changeUser(
        _ id: String, _ change: @escaping @Sendable (inout EmulatorStore.Record, inout [String: JSONValue], Database) throws -> Void
    ) async throws -> EmulatorResponse {
        let doc = try await store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: "user", db) else { throw EmulatorError.notFound("User") }
            var doc = record.doc.objectMembers ?? [:]
            try change(&record, &doc, db)
            return try self.saveUser(&record, doc, db)
        }
        return try .json(doc)
    }

    // MARK: Second factors

    static func totpID(_ userID: String) -> String { "totp_" + userID }
    static func backupCodesID(_ userID: String) -> String { "bkc_" + userID }
    static func codeHash(_ code: String) -> String { SHA256.hash(data: Data(code.utf8)).map { String(format: "%02x", $0) }.joined() }

    /// `totp_secret` and `backup_codes` of CreateUser and UpdateUser: kept beside the user (never in its JSON), and
    /// reflected in `totp_enabled`, `backup_code_enabled`, `two_factor_enabled` and `mfa_enabled_at`.
    func applySecondFactors(_ body: BodyReader, userID: String, _ doc: inout [String: JSONValue], _ db: Database) throws {
        let now = nowMillis()
        if let secret = try body.string("totp_secret") {
            let normalized = secret.uppercased().replacingOccurrences(of: " ", with: "")
            guard normalized.count >= 16, TOTP.base32Decode(normalized) != nil else {
                throw EmulatorError.invalid("totp_secret", "must be a base32 secret of at least 16 characters")
            }
            try EmulatorStore.delete(Self.totpID(userID), db)
            try EmulatorStore.insert(
                EmulatorStore.Record(id: Self.totpID(userID), kind: "user_totp", parentID: userID, createdAt: now, updatedAt: now, sortKey: nil, doc: [:], secret: normalized), db
            )
            doc["totp_enabled"] = true
        }
        if body.object["backup_codes"] != nil {
            let codes = try body.strings("backup_codes")
            try EmulatorStore.delete(Self.backupCodesID(userID), db)
            if !codes.isEmpty {
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: Self.backupCodesID(userID), kind: "user_backup_codes", parentID: userID, createdAt: now, updatedAt: now, sortKey: nil,
                        doc: [:], secret: codes.map(Self.codeHash).joined(separator: ",")
                    ), db
                )
            }
            doc["backup_code_enabled"] = .bool(!codes.isEmpty)
        }
        Self.refreshTwoFactor(&doc, now: now)
    }

    static func refreshTwoFactor(_ doc: inout [String: JSONValue], now: Int64) {
        let was = doc["two_factor_enabled"]?.boolMember ?? false
        let reserved = (doc["phone_numbers"]?.arrayMember ?? []).contains { $0["reserved_for_second_factor"]?.boolMember == true }
        let enabled = reserved || doc["totp_enabled"]?.boolMember == true || doc["backup_code_enabled"]?.boolMember == true
        doc["two_factor_enabled"] = .bool(enabled)
        if enabled && !was { doc["mfa_enabled_at"] = .int(now) }
        if !enabled && was { doc["mfa_disabled_at"] = .int(now) }
    }

    /// DeleteTOTP, DeleteBackupCode and DisableMFA (which also frees phone numbers reserved for the second factor):
    /// `{"user_id": …}`.
    func removeSecondFactors(_ userID: String, totp: Bool, backupCodes: Bool, phones: Bool = false) async throws -> EmulatorResponse {
        try await store.writer.write { db in
            guard var record = try EmulatorStore.fetch(userID, kind: "user", db) else { throw EmulatorError.notFound("User") }
            var doc = record.doc.objectMembers ?? [:]
            if totp {
                try EmulatorStore.delete(Self.totpID(userID), db)
                doc["totp_enabled"] = false
            }
            if backupCodes {
                try EmulatorStore.delete(Self.backupCodesID(userID), db)
                doc["backup_code_enabled"] = false
            }
            if phones {
                doc["phone_numbers"] = .array((doc["phone_numbers"]?.arrayMember ?? []).map { phone in
                    var fields = phone.objectMembers ?? [:]
                    fields["reserved_for_second_factor"] = false
                    fields["default_second_factor"] = false
                    return .object(fields)
                })
            }
            Self.refreshTwoFactor(&doc, now: nowMillis())
            _ = try self.saveUser(&record, doc, db)
        }
        return try .json(["user_id": .string(userID)])
    }

    /// Removes one passkey, web3 wallet or external account from a user (404 when the user has no such item).
    func removeLinked(_ userID: String, list: String, id: String, object: String) async throws -> EmulatorResponse {
        try await store.writer.write { db in
            guard var record = try EmulatorStore.fetch(userID, kind: "user", db) else { throw EmulatorError.notFound("User") }
            var doc = record.doc.objectMembers ?? [:]
            var items = doc[list]?.arrayMember ?? []
            guard let index = items.firstIndex(where: { $0["id"]?.stringMember == id }) else {
                throw EmulatorError.notFound(object.replacingOccurrences(of: "_", with: " ").capitalized)
            }
            let removed = items.remove(at: index)
            doc[list] = .array(items)
            if list == "web3_wallets" {
                if doc["primary_web3_wallet_id"]?.stringMember == id { doc["primary_web3_wallet_id"] = items.first?["id"] ?? .null }
                // The address is free for another user again.
                if let address = removed["web3_wallet"]?.stringMember {
                    try db.execute(
                        sql: "DELETE FROM identifiers WHERE kind = 'web3_wallet' AND value = ? AND owner_id = ?",
                        arguments: [address.lowercased(), userID]
                    )
                }
            }
            _ = try self.saveUser(&record, doc, db)
        }
        return try Self.deleted(object, id: id)
    }
}

/// Time-based one-time passwords (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits), to check codes against a
/// user's `totp_secret`.
enum TOTP {
    /// Whether `code` is the password of the current step or of the one before or after it (clock drift).
    static func verify(_ code: String, secret: String, at date: Date = Date()) -> Bool {
        guard code.count == 6, code.allSatisfy(\.isASCII), code.allSatisfy(\.isNumber), let key = base32Decode(secret) else { return false }
        let step = Int64(date.timeIntervalSince1970) / 30
        return (step - 1...step + 1).contains { password(key: key, counter: UInt64($0)) == code }
    }

    static func password(key: Data, counter: UInt64) -> String {
        var bigEndian = counter.bigEndian
        let message = withUnsafeBytes(of: &bigEndian) { Data($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: SymmetricKey(data: key)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let text = String(value % 1_000_000)
        return String(repeating: "0", count: 6 - text.count) + text
    }

    /// RFC 4648 base32 (upper case, padding optional); `nil` for any other character.
    static func base32Decode(_ text: String) -> Data? {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)
        var buffer: UInt64 = 0
        var bits = 0
        var output = Data()
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: byte) else { return nil }
            buffer = (buffer << 5) | UInt64(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8((buffer >> UInt64(bits)) & 0xFF))
            }
        }
        return output.isEmpty ? nil : output
    }
}
