import ClerkBackend
import Crypto
import _CryptoExtras
import Foundation
import GRDB

extension EmulatorState {
    static func registerUsers(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createUser] = { state, request in try await state.createUser(BodyReader(object: try request.jsonObject())) }
        table[.getUser] = { state, request in await .rawJSON(try state.user(request.path("user_id")).docText) }
        table[.getUserList] = { state, request in
            let (records, _) = try await state.queryUsers(request, paged: true)
            return .rawList(records.map(\.docText), total: records.count, wrapped: false)
        }
        table[.getUsersCount] = { state, request in
            let (_, total) = try await state.queryUsers(request, paged: false)
            return try .json(["object": "total_count", "total_count": .int(Int64(total))])
        }
        table[.updateUser] = { state, request in
            try await state.updateUser(request.path("user_id"), BodyReader(object: try request.jsonObject()))
        }
        table[.deleteUser] = { state, request in
            let id = request.path("user_id")
            let record = try await state.store.writer.write { db -> EmulatorStore.Record in
                guard let record = try EmulatorStore.fetch(id, kind: "user", db) else { throw EmulatorError.notFound("User") }
                try state.emitMembershipsDeleted(where: "json_extract(doc, '$.public_user_data.user_id') = ?", [id], db)
                var stub: [String: JSONValue] = ["object": "user", "id": .string(id), "deleted": true]
                if let external = record.doc["external_id"], external != .null { stub["external_id"] = external }
                try state.emitEvent("user.deleted", .object(stub), db)
                try EmulatorStore.delete(id, db)
                try db.execute(sql: "DELETE FROM resources WHERE kind = 'session' AND parent_id = ?", arguments: [id])
                try db.execute(
                    sql: "DELETE FROM resources WHERE kind = 'organization_membership' AND json_extract(doc, '$.public_user_data.user_id') = ?",
                    arguments: [id]
                )
                return record
            }
            var extra: [String: JSONValue] = [:]
            if let external = record.doc["external_id"], external != .null { extra["external_id"] = external }
            return try deleted("user", id: id, extra: extra)
        }
        table[.updateUserMetadata] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            return try await state.mutateUser(request.path("user_id")) { doc in
                for kind in ["public_metadata", "private_metadata", "unsafe_metadata"] {
                    if let patch = try body.metadata(kind) { doc[kind] = mergeMetadata(doc[kind], patch) }
                }
            }
        }
        table[.replaceUserMetadata] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            return try await state.mutateUser(request.path("user_id")) { doc in
                for kind in ["public_metadata", "private_metadata", "unsafe_metadata"] {
                    if let value = try body.metadata(kind) { doc[kind] = value }
                }
            }
        }
        // A ban also revokes the user's active sessions, as Clerk's does.
        table[.banUser] = { state, request in
            let id = request.path("user_id")
            return try .json(try await state.store.writer.write { db in
                guard let record = try EmulatorStore.fetch(id, kind: "user", db) else { throw EmulatorError.notFound("User") }
                return try state.setBanned(record, true, db)
            })
        }
        table[.unbanUser] = { state, request in try await state.mutateUser(request.path("user_id")) { $0["banned"] = false } }
        table[.lockUser] = { state, request in
            try await state.mutateUser(request.path("user_id")) { doc in
                doc["locked"] = true
                doc["lockout_expires_in_seconds"] = .null
            }
        }
        table[.unlockUser] = { state, request in
            try await state.mutateUser(request.path("user_id")) { doc in
                doc["locked"] = false
                doc["lockout_expires_in_seconds"] = .null
            }
        }
        table[.verifyPassword] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let password = try body.requiredString("password")
            let record = try await state.user(request.path("user_id"))
            guard let digest = record.secret else {
                throw EmulatorError(status: 422, code: "password_not_set", message: "no password", longMessage: "This user has no password.")
            }
            guard try PasswordDigest.verify(password, digest: digest) else {
                throw EmulatorError(status: 422, code: "form_password_incorrect", message: "Password is incorrect. Try again, or use another method.")
            }
            return try .json(["verified": true])
        }
    }

    func user(_ id: String) async throws -> EmulatorStore.Record {
        guard let record = try await store.writer.read({ db in try EmulatorStore.fetch(id, kind: "user", db) }) else {
            throw EmulatorError.notFound("User")
        }
        return record
    }

    /// Reads, changes and writes a user's document in one transaction.
    func mutateUser(_ id: String, _ change: @Sendable (inout [String: JSONValue]) throws -> Void) async throws -> EmulatorResponse {
        let doc = try await store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: "user", db) else { throw EmulatorError.notFound("User") }
            var doc = record.doc.objectMembers ?? [:]
            try change(&doc)
            return try self.saveUser(&record, doc, db)
        }
        return try .json(doc)
    }

    /// Stores a changed user document (new `updated_at` and search text) and queues `user.updated`.
    func saveUser(_ record: inout EmulatorStore.Record, _ fields: [String: JSONValue], _ db: Database) throws -> JSONValue {
        var doc = fields
        record.updatedAt = nowMillis()
        doc["updated_at"] = .int(record.updatedAt)
        record.doc = .object(doc)
        record.sortKey = Self.userSearchText(doc)
        try EmulatorStore.update(record, db)
        try emitEvent("user.updated", record.doc, db)
        return record.doc
    }

    static func userSearchText(_ doc: [String: JSONValue]) -> String {
        var parts: [String] = []
        for key in ["id", "username", "first_name", "last_name", "external_id"] {
            if let text = doc[key]?.stringMember { parts.append(text) }
        }
        for email in doc["email_addresses"]?.arrayMember ?? [] {
            if let text = email["email_address"]?.stringMember { parts.append(text) }
        }
        for phone in doc["phone_numbers"]?.arrayMember ?? [] {
            if let text = phone["phone_number"]?.stringMember { parts.append(text) }
        }
        return parts.joined(separator: "\u{1F}").lowercased()
    }

    // MARK: Create

    func createUser(_ body: BodyReader) async throws -> EmulatorResponse {
        let emails = try body.strings("email_address")
        let phones = try body.strings("phone_number")
        let username = try body.string("username")
        let externalID = try body.string("external_id")
        let wallets = try body.strings("web3_wallet")
        for wallet in wallets where !Self.isWeb3Wallet(wallet) {
            throw EmulatorError(status: 422, code: "form_param_format_invalid", message: "is invalid", longMessage: "web3_wallet must be an Ethereum address (0x and 40 hexadecimal digits) or a Solana address.", meta: ["param_name": "web3_wallet"])
        }
        // The same identifier twice in one request is refused, as one already taken is.
        for (values, name) in [(emails, "email_address"), (phones, "phone_number"), (wallets, "web3_wallet")]
        where Set(values.map { $0.lowercased() }).count != values.count {
            throw EmulatorError.exists(name)
        }
        for email in emails where !Self.isEmail(email) {
            throw EmulatorError(status: 422, code: "form_param_format_invalid", message: "must be a valid email address.", longMessage: "email_address must be a valid email address.", meta: ["param_name": "email_address"])
        }
        for phone in phones where !Self.isPhone(phone) {
            throw EmulatorError(status: 422, code: "form_param_format_invalid", message: "must be a valid phone number according to E.164 international standard.", meta: ["param_name": "phone_number"])
        }
        if let username, !(4...64).contains(username.count) {
            throw EmulatorError(status: 422, code: "form_username_invalid_length", message: "Username must be between 4 and 64 characters long.", meta: ["param_name": "username"])
        }
        // The password: plain (hashed here), or an imported digest with its hasher.
        let secret: String?
        if let password = try body.string("password") {
            if try body.bool("skip_password_checks") != true, password.count < 8 {
                throw EmulatorError(status: 422, code: "form_password_length_too_short", message: "Passwords must be 8 characters or more.", meta: ["param_name": "password"])
            }
            secret = try PasswordDigest.hash(password, rounds: options.passwordRounds)
        } else if let digest = try body.string("password_digest") {
            let hasher = try body.requiredString("password_hasher")
            secret = try PasswordDigest.imported(digest, hasher: hasher)
        } else {
            secret = nil
        }
        if emails.isEmpty && phones.isEmpty && wallets.isEmpty && username == nil && externalID == nil && secret == nil {
            throw EmulatorError(status: 422, code: "form_data_missing", message: "missing data", longMessage: "At least one identifier (email address, phone number, username or external id) is required.")
        }
        let now = nowMillis()
        let createdAt = try body.string("created_at").flatMap(Self.parseTimestamp) ?? now
        let userID = EmulatorIDs.make("user")
        return try await store.writer.write { db in
            try self.checkAllowed(emails + phones, db)
            for email in emails where try EmulatorStore.owner(of: email, kind: "email", db) != nil { throw EmulatorError.exists("email_address") }
            for phone in phones where try EmulatorStore.owner(of: phone, kind: "phone", db) != nil { throw EmulatorError.exists("phone_number") }
            if let username, try EmulatorStore.owner(of: username, kind: "username", db) != nil { throw EmulatorError.exists("username") }
            if let externalID, try EmulatorStore.owner(of: externalID, kind: "external_id", db) != nil { throw EmulatorError.exists("external_id") }
            for wallet in wallets where try EmulatorStore.owner(of: wallet, kind: "web3_wallet", db) != nil { throw EmulatorError.exists("web3_wallet") }
            let walletDocs = wallets.map { Self.web3WalletDoc($0, now: now) }
            let emailDocs = emails.map { Self.identificationDoc("email_address", value: $0, now: now) }
            let phoneDocs = phones.map { Self.identificationDoc("phone_number", value: $0, now: now) }
            var doc: [String: JSONValue] = [
                "id": .string(userID), "object": "user",
                "username": username.map { .string($0) } ?? .null,
                "first_name": try body.string("first_name").map { .string($0) } ?? .null,
                "last_name": try body.string("last_name").map { .string($0) } ?? .null,
                "image_url": "https://img.clerk.com/emulator-default",
                "has_image": false,
                "primary_email_address_id": emailDocs.first?["id"] ?? .null,
                "primary_phone_number_id": phoneDocs.first?["id"] ?? .null,
                "primary_web3_wallet_id": walletDocs.first?["id"] ?? .null,
                "password_enabled": .bool(secret != nil),
                "two_factor_enabled": false, "totp_enabled": false, "backup_code_enabled": false,
                "email_addresses": .array(emailDocs), "phone_numbers": .array(phoneDocs),
                "web3_wallets": .array(walletDocs), "passkeys": [], "external_accounts": [], "saml_accounts": [],
                "enterprise_accounts": [],
                "public_metadata": try body.metadata("public_metadata") ?? [:],
                "private_metadata": try body.metadata("private_metadata") ?? [:],
                "unsafe_metadata": try body.metadata("unsafe_metadata") ?? [:],
                "external_id": externalID.map { .string($0) } ?? .null,
                "last_sign_in_at": .null, "banned": false, "locked": false, "lockout_expires_in_seconds": .null,
                "verification_attempts_remaining": 100,
                "created_at": .int(createdAt), "updated_at": .int(now),
                "delete_self_enabled": .bool(try body.bool("delete_self_enabled") ?? true),
                "create_organization_enabled": .bool(try body.bool("create_organization_enabled") ?? true),
                "create_organizations_limit": .null,
                "last_active_at": .null, "legal_accepted_at": .null,
                "password_last_updated_at": secret == nil ? .null : .int(now),
            ]
            doc["mfa_enabled_at"] = .null
            doc["mfa_disabled_at"] = .null
            try self.applySecondFactors(body, userID: userID, &doc, db)
            let record = EmulatorStore.Record(
                id: userID, kind: "user", parentID: nil, createdAt: createdAt, updatedAt: now,
                sortKey: Self.userSearchText(doc), doc: .object(doc), secret: secret
            )
            try EmulatorStore.insert(record, db)
            for email in emails { try EmulatorStore.claim(email, kind: "email", owner: userID, db) }
            for phone in phones { try EmulatorStore.claim(phone, kind: "phone", owner: userID, db) }
            if let username { try EmulatorStore.claim(username, kind: "username", owner: userID, db) }
            if let externalID { try EmulatorStore.claim(externalID, kind: "external_id", owner: userID, db) }
            for wallet in wallets { try EmulatorStore.claim(wallet, kind: "web3_wallet", owner: userID, db) }
            try self.emitEvent("user.created", .object(doc), db)
            return try .json(.object(doc))
        }
    }

    static func identificationDoc(_ object: String, value: String, now: Int64) -> JSONValue {
        let prefix = "idn"
        return .object([
            "id": .string(EmulatorIDs.make(prefix)), "object": .string(object), object: .string(value),
            "reserved": false,
            "verification": [
                "object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": .null,
                "expire_at": .null,
            ],
            "linked_to": [], "created_at": .int(now), "updated_at": .int(now),
        ])
    }

    /// A Web3 wallet of a user created with `web3_wallet` (the Web3Wallet schema: no `reserved` or `linked_to`),
    /// verified by the admin as the created addresses are.
    static func web3WalletDoc(_ address: String, now: Int64) -> JSONValue {
        [
            "id": .string(EmulatorIDs.make("idn")), "object": "web3_wallet", "web3_wallet": .string(address),
            "verification": [
                "object": "verification_admin", "status": "verified", "strategy": "admin", "attempts": .null, "expire_at": .null,
            ],
            "created_at": .int(now), "updated_at": .int(now),
        ]
    }

    /// An Ethereum address (`0x` and 40 hexadecimal digits) or a Solana one (32 to 44 base-58 characters).
    static func isWeb3Wallet(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        if utf8.count == 42, text.hasPrefix("0x") {
            return utf8.dropFirst(2).allSatisfy { (0x30...0x39).contains($0) || (0x41...0x46).contains($0) || (0x61...0x66).contains($0) }
        }
        let base58 = Set("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
        return (32...44).contains(utf8.count) && utf8.allSatisfy(base58.contains)
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."), !parts[1].hasSuffix(".") else { return false }
        return !text.contains(where: { $0.isWhitespace })
    }

    static func isPhone(_ text: String) -> Bool {
        text.hasPrefix("+") && (8...16).contains(text.count) && text.dropFirst().allSatisfy(\.isNumber)
    }

    static func parseTimestamp(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970 * 1000) }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text).map { Int64($0.timeIntervalSince1970 * 1000) }
    }

    /// The blocklist always applies; the allowlist when the instance restricts sign-ups to it.
    func checkAllowed(_ identifiers: [String], _ db: Database) throws {
        for identifier in identifiers {
            let lowered = identifier.lowercased()
            var candidates = [lowered]
            if let at = lowered.lastIndex(of: "@") {
                let domain = String(lowered[lowered.index(after: at)...])
                candidates += [domain, "*@" + domain]
            }
            for candidate in candidates where try EmulatorStore.owner(of: candidate, kind: "blocklist", db) != nil {
                throw EmulatorError(status: 422, code: "identifier_not_allowed_access", message: "You are not allowed to sign up.", longMessage: "\(identifier) is blocked on this instance.", meta: ["param_name": "identifier"])
            }
        }
        let restricted = try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = 'restriction_allowlist'") == "true"
        if restricted {
            for identifier in identifiers {
                let lowered = identifier.lowercased()
                var candidates = [lowered]
                if let at = lowered.lastIndex(of: "@") {
                    let domain = String(lowered[lowered.index(after: at)...])
                    candidates += [domain, "*@" + domain]
                }
                if try candidates.allSatisfy({ try EmulatorStore.owner(of: $0, kind: "allowlist", db) == nil }) {
                    throw EmulatorError(status: 422, code: "not_allowed_access", message: "You are not allowed to sign up.", longMessage: "\(identifier) is not on the instance's allowlist.", meta: ["param_name": "identifier"])
                }
            }
        }
    }

    // MARK: Update

    func updateUser(_ id: String, _ body: BodyReader) async throws -> EmulatorResponse {
        let password = try body.string("password")
        if let password, try body.bool("skip_password_checks") != true, password.count < 8 {
            throw EmulatorError(status: 422, code: "form_password_length_too_short", message: "Passwords must be 8 characters or more.", meta: ["param_name": "password"])
        }
        let secret = try password.map { try PasswordDigest.hash($0, rounds: options.passwordRounds) }
        let doc = try await store.writer.write { db -> JSONValue in
            guard var record = try EmulatorStore.fetch(id, kind: "user", db) else { throw EmulatorError.notFound("User") }
            var doc = record.doc.objectMembers ?? [:]
            for key in ["first_name", "last_name"] where body.object[key] != nil {
                doc[key] = try body.string(key).map { .string($0) } ?? .null
            }
            if body.object["username"] != nil {
                let username = try body.string("username")
                if let username {
                    guard (4...64).contains(username.count) else {
                        throw EmulatorError(status: 422, code: "form_username_invalid_length", message: "Username must be between 4 and 64 characters long.", meta: ["param_name": "username"])
                    }
                    if let owner = try EmulatorStore.owner(of: username, kind: "username", db), owner != id { throw EmulatorError.exists("username") }
                }
                try EmulatorStore.release(kind: "username", owner: id, db)
                if let username { try EmulatorStore.claim(username, kind: "username", owner: id, db) }
                doc["username"] = username.map { .string($0) } ?? .null
            }
            if body.object["external_id"] != nil {
                let external = try body.string("external_id")
                if let external, let owner = try EmulatorStore.owner(of: external, kind: "external_id", db), owner != id {
                    throw EmulatorError.exists("external_id")
                }
                try EmulatorStore.release(kind: "external_id", owner: id, db)
                if let external { try EmulatorStore.claim(external, kind: "external_id", owner: id, db) }
                doc["external_id"] = external.map { .string($0) } ?? .null
            }
            for (key, list) in [("primary_email_address_id", "email_addresses"), ("primary_phone_number_id", "phone_numbers")] {
                if let wanted = try body.string(key) {
                    guard (doc[list]?.arrayMember ?? []).contains(where: { $0["id"]?.stringMember == wanted }) else {
                        throw EmulatorError.invalid(key, "does not belong to this user")
                    }
                    doc[key] = .string(wanted)
                }
            }
            for key in ["delete_self_enabled", "create_organization_enabled"] {
                if let flag = try body.bool(key) { doc[key] = .bool(flag) }
            }
            if let secret {
                record.secret = secret
                doc["password_enabled"] = true
                doc["password_last_updated_at"] = .int(nowMillis())
                // A new password is no longer a compromised one.
                try EmulatorStore.release(kind: "password_compromised", owner: id, db)
            }
            try self.applySecondFactors(body, userID: id, &doc, db)
            return try self.saveUser(&record, doc, db)
        }
        return try .json(doc)
    }

    // MARK: List

    /// Users matching the spec's filters, ordered and paged; with the total count.
    func queryUsers(_ request: EmulatorRequest, paged: Bool) async throws -> ([EmulatorStore.Record], Int) {
        var conditions = ["kind = 'user'"]
        var arguments: [any DatabaseValueConvertible] = []
        func identifierFilter(_ parameter: String, _ kind: String) {
            let values = request.queryValues(parameter).map { $0.lowercased() }
            guard !values.isEmpty else { return }
            conditions.append("id IN (SELECT owner_id FROM identifiers WHERE kind = ? AND value IN (\(values.map { _ in "?" }.joined(separator: ","))))")
            arguments.append(kind)
            arguments += values
        }
        for parameter in ["email_address", "phone_number", "username", "external_id", "web3_wallet", "user_id", "organization_id", "provider_user_id"] {
            guard request.queryValues(parameter).count <= 100 else { throw EmulatorError.invalidQuery(parameter, "accepts at most 100 values") }
        }
        identifierFilter("email_address", "email")
        identifierFilter("phone_number", "phone")
        identifierFilter("username", "username")
        /// `+id` (or a bare id) includes, `-id` excludes: for each parameter, the user must match one included value
        /// (when any is given) and none of the excluded ones.
        func signedFilter(_ parameter: String, _ condition: (String) -> String) {
            var included: [String] = []
            var excluded: [String] = []
            for value in request.queryValues(parameter) {
                if value.hasPrefix("-") { excluded.append(String(value.dropFirst())) }
                else if value.hasPrefix("+") { included.append(String(value.dropFirst())) }
                else { included.append(value) }
            }
            if !included.isEmpty {
                conditions.append(condition(included.map { _ in "?" }.joined(separator: ",")))
                arguments += included
            }
            if !excluded.isEmpty {
                conditions.append("NOT (" + condition(excluded.map { _ in "?" }.joined(separator: ",")) + ")")
                arguments += excluded
            }
        }
        signedFilter("external_id") { "coalesce(json_extract(doc, '$.external_id'), '') IN (\($0))" }
        signedFilter("user_id") { "id IN (\($0))" }
        signedFilter("organization_id") {
            "id IN (SELECT json_extract(doc, '$.public_user_data.user_id') FROM resources WHERE kind = 'organization_membership' AND json_extract(doc, '$.organization.id') IN (\($0)))"
        }
        let wallets = request.queryValues("web3_wallet").map { $0.lowercased() }
        if !wallets.isEmpty {
            conditions.append("EXISTS (SELECT 1 FROM json_each(doc, '$.web3_wallets') WHERE lower(json_extract(value, '$.web3_wallet')) IN (\(wallets.map { _ in "?" }.joined(separator: ","))))")
            arguments += wallets
        }
        let provider = request.queryValue("provider")
        let providerUserIDs = request.queryValues("provider_user_id")
        if provider != nil || !providerUserIDs.isEmpty {
            guard let provider, !provider.isEmpty else { throw EmulatorError.invalidQuery("provider", "is required with provider_user_id") }
            guard !providerUserIDs.isEmpty else { throw EmulatorError.invalidQuery("provider_user_id", "is required with provider") }
            // Stored accounts name the provider as `google` or `oauth_google`; either spelling finds them.
            let bare = provider.hasPrefix("oauth_") ? String(provider.dropFirst("oauth_".count)) : provider
            conditions.append("EXISTS (SELECT 1 FROM json_each(doc, '$.external_accounts') WHERE json_extract(value, '$.provider') IN (?, ?) AND json_extract(value, '$.provider_user_id') IN (\(providerUserIDs.map { _ in "?" }.joined(separator: ","))))")
            arguments += [bare, "oauth_" + bare] + providerUserIDs
        }
        if let query = request.queryValue("query"), !query.isEmpty {
            conditions.append("sort_key LIKE ? ESCAPE '\\'")
            arguments.append(likePattern(containing: query))
        }
        // Case-insensitive partial matches on one kind of field.
        for (parameter, expression) in [
            ("email_address_query", "EXISTS (SELECT 1 FROM json_each(doc, '$.email_addresses') WHERE lower(json_extract(value, '$.email_address')) LIKE ? ESCAPE '\\')"),
            ("phone_number_query", "EXISTS (SELECT 1 FROM json_each(doc, '$.phone_numbers') WHERE lower(json_extract(value, '$.phone_number')) LIKE ? ESCAPE '\\')"),
            ("username_query", "lower(coalesce(json_extract(doc, '$.username'), '')) LIKE ? ESCAPE '\\'"),
            ("name_query", "lower(trim(coalesce(json_extract(doc, '$.first_name'), '') || ' ' || coalesce(json_extract(doc, '$.last_name'), ''))) LIKE ? ESCAPE '\\'"),
        ] {
            if let query = request.queryValue(parameter), !query.isEmpty {
                conditions.append(expression)
                arguments.append(likePattern(containing: query))
            }
        }
        if let banned = try request.queryBool("banned") {
            conditions.append("json_extract(doc, '$.banned') = ?")
            arguments.append(banned)
        }
        for (parameter, column, comparison) in [
            ("created_at_before", "created_at", "<"), ("created_at_after", "created_at", ">"),
            ("last_active_at_before", "json_extract(doc, '$.last_active_at')", "<"),
            ("last_active_at_after", "json_extract(doc, '$.last_active_at')", ">"),
            ("last_active_at_since", "json_extract(doc, '$.last_active_at')", ">="),
            ("last_sign_in_at_before", "json_extract(doc, '$.last_sign_in_at')", "<"),
            ("last_sign_in_at_after", "json_extract(doc, '$.last_sign_in_at')", ">"),
        ] {
            if let text = request.queryValue(parameter) {
                guard let value = Int64(text) else { throw EmulatorError.invalidQuery(parameter, "must be a timestamp in milliseconds") }
                conditions.append("\(column) \(comparison) ?")
                arguments.append(value)
            }
        }
        let whereClause = conditions.joined(separator: " AND ")
        let order = try Self.order(
            request,
            allowed: [
                "created_at": "created_at", "updated_at": "updated_at",
                "first_name": "json_extract(doc, '$.first_name')", "last_name": "json_extract(doc, '$.last_name')",
                "username": "json_extract(doc, '$.username')",
                "email_address": "json_extract(doc, '$.email_addresses[0].email_address')",
                "phone_number": "json_extract(doc, '$.phone_numbers[0].phone_number')",
                "last_sign_in_at": "json_extract(doc, '$.last_sign_in_at')",
                "last_active_at": "json_extract(doc, '$.last_active_at')",
            ],
            default: "-created_at"
        )
        let queryArguments = StatementArguments(arguments.map(\.databaseValue))
        return try await store.writer.read { db in
            guard paged else {
                let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE \(whereClause)", arguments: queryArguments) ?? 0
                return ([], total)
            }
            let (limit, offset) = try Self.paging(request)
            var pageConditions = whereClause
            var pageArguments = queryArguments
            if let cursor = request.queryValue("starting_after") {
                let raw = request.queryValue("order_by") ?? "-created_at"
                guard ["-created_at", "+created_at", "created_at"].contains(raw) else {
                    throw EmulatorError(status: 422, code: "form_param_value_invalid", message: "is invalid", longMessage: "starting_after can only be used with order_by created_at", meta: ["param_name": "starting_after"])
                }
                guard offset == 0 else {
                    throw EmulatorError(status: 422, code: "form_param_value_invalid", message: "is invalid", longMessage: "starting_after cannot be combined with a non-zero offset", meta: ["param_name": "starting_after"])
                }
                guard let anchor = try Row.fetchOne(db, sql: "SELECT created_at, rowid FROM resources WHERE id = ? AND kind = 'user'", arguments: [cursor]) else {
                    throw EmulatorError(status: 422, code: "form_param_value_invalid", message: "is invalid", longMessage: "starting_after must be the id of an existing user", meta: ["param_name": "starting_after"])
                }
                let comparison = raw.hasPrefix("-") ? "<" : ">"
                pageConditions += " AND (created_at, rowid) \(comparison) (?, ?)"
                pageArguments += [anchor["created_at"] as Int64, anchor["rowid"] as Int64]
            }
            pageArguments += [limit, offset]
            let rows = try Row.fetchAll(
                db, sql: "SELECT *, rowid FROM resources WHERE \(pageConditions) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: pageArguments
            )
            let records = try rows.map(EmulatorStore.record)
            return (records, records.count)
        }
    }
}

/// Password digests: PBKDF2-SHA256 for passwords set here, and the imported hashers swift-crypto can verify.
enum PasswordDigest {
    /// Hashers whose imported digests the emulator can verify. Others (bcrypt, argon2, scrypt…) are refused.
    static let verifiableHashers: Set<String> = ["pbkdf2_sha256", "pbkdf2_sha256_django", "pbkdf2_sha512", "pbkdf2_sha1", "sha256", "md5"]

    static func hash(_ password: String, rounds: Int) throws -> String {
        var generator = SystemRandomNumberGenerator()
        let salt = Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
        let key = try KDF.Insecure.PBKDF2.deriveKey(
            from: Data(password.utf8), salt: Data(salt.utf8), using: .sha256, outputByteCount: 32, unsafeUncheckedRounds: rounds
        )
        return "pbkdf2_sha256$\(rounds)$\(salt)$" + key.withUnsafeBytes { Data($0).base64EncodedString() }
    }

    static func imported(_ digest: String, hasher: String) throws -> String {
        guard verifiableHashers.contains(hasher) else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is not supported by the emulator",
                longMessage: "The emulator cannot verify \(hasher) digests; it supports \(verifiableHashers.sorted().joined(separator: ", ")).",
                meta: ["param_name": "password_hasher"]
            )
        }
        if hasher.hasPrefix("pbkdf2") {
            let parts = digest.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, let rounds = Int(parts[1]), (1...10_000_000).contains(rounds),
                let hash = Data(base64Encoded: String(parts[3])), (16...64).contains(hash.count)
            else {
                throw EmulatorError.invalid("password_digest", "must be algorithm$iterations$salt$base64-hash for \(hasher)")
            }
        } else {
            let expected = hasher == "md5" ? 32 : 64
            guard digest.count == expected, digest.allSatisfy(\.isHexDigit) else {
                throw EmulatorError.invalid("password_digest", "must be \(expected) hex digits for \(hasher)")
            }
        }
        return hasher + ":" + digest
    }

    static func verify(_ password: String, digest stored: String) throws -> Bool {
        var hasher = "pbkdf2_sha256"
        var digest = Substring(stored)
        if let colon = stored.firstIndex(of: ":"), !stored.hasPrefix("pbkdf2_sha256$") {
            hasher = String(stored[..<colon])
            digest = stored[stored.index(after: colon)...]
        }
        switch hasher {
        case "sha256":
            return SHA256.hash(data: Data(password.utf8)).map { String(format: "%02x", $0) }.joined() == digest.lowercased()
        case "md5":
            return Insecure.MD5.hash(data: Data(password.utf8)).map { String(format: "%02x", $0) }.joined() == digest.lowercased()
        default:
            let parts = digest.split(separator: "$", omittingEmptySubsequences: false)
            guard parts.count == 4, let rounds = Int(parts[1]), (1...10_000_000).contains(rounds),
                let expected = Data(base64Encoded: String(parts[3])), (16...64).contains(expected.count)
            else { return false }
            let function: KDF.Insecure.PBKDF2.HashFunction
            switch hasher {
            case "pbkdf2_sha512": function = .sha512
            case "pbkdf2_sha1": function = .insecureSHA1
            default: function = .sha256
            }
            let key = try KDF.Insecure.PBKDF2.deriveKey(
                from: Data(password.utf8), salt: Data(parts[2].utf8), using: function, outputByteCount: expected.count,
                unsafeUncheckedRounds: rounds
            )
            let derived = key.withUnsafeBytes { Data($0) }
            // Constant time: compare digests of both.
            return SHA256.hash(data: derived) == SHA256.hash(data: expected)
        }
    }
}
