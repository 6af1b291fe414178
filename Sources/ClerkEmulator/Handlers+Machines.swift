import ClerkBackend
import Crypto
import _CryptoExtras
import Foundation
import GRDB

/// API keys, M2M tokens, machines and OAuth access-token verification.
///
/// Secrets are looked up by their SHA-256 digest (the `identifiers` table): API-key secrets (`api_key_secret`),
/// opaque M2M tokens (`m2m_token`) and machine secret keys (`machine_secret`). Only the plaintexts the API must be
/// able to show again are kept, in the record's `secret` column (never in its JSON): an API key's secret
/// (`getAPIKeySecret`) and a machine's current secret key (`GetMachineSecretKey`). M2M tokens are stored as digests
/// only; JWT-format M2M tokens are not stored at all (as Clerk).
extension EmulatorState {
    static func registerMachines(_ table: inout [Endpoint: EmulatorHandler]) {
        registerAPIKeys(&table)
        registerM2MTokens(&table)
        registerMachineResources(&table)
        table[.verifyOAuthAccessToken] = { _, request in
            let body = try badRequest { BodyReader(object: try request.jsonObject()) }
            let token = try badRequest { try body.string("access_token") ?? body.string("secret") }
            guard let token, !token.isEmpty else { throw badRequestError(.missing("access_token")) }
            // The emulator is no OAuth identity provider: no access token it could know of exists.
            throw EmulatorError(
                status: 404, code: "resource_not_found", message: "not found",
                longMessage: "OAuth access token not found. The emulator does not issue OAuth access tokens."
            )
        }
    }

    // MARK: Machine secret keys as credentials

    /// Operations a machine's secret key may authenticate instead of the instance secret key.
    static let machineAuthenticatedOperations: Set<String> = ["createM2MToken", "getM2MTokens", "revokeM2MToken", "verifyM2MToken"]

    /// The machine whose secret key is the bearer of an M2M-token request; `nil` when the bearer is no machine secret
    /// key (then the instance secret key is required, as for every other operation).
    func machineCaller(operationID: String, authorization: String?) async throws -> String? {
        guard Self.machineAuthenticatedOperations.contains(operationID), let authorization,
            authorization.lowercased().hasPrefix("bearer ")
        else { return nil }
        let token = authorization.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
        guard token.hasPrefix("ak_"), token.utf8.count <= 512 else { return nil }
        return try await store.writer.read { db in try Self.machineOwning(secret: token, db) }
    }

    /// The machine a secret key belongs to: its current key, or a previous one still within its rotation grace period.
    static func machineOwning(secret: String, _ db: Database) throws -> String? {
        let digest = secretDigest(secret)
        if let owner = try EmulatorStore.owner(of: digest, kind: "machine_secret", db) { return owner }
        return try String.fetchOne(
            db,
            sql: "SELECT parent_id FROM resources WHERE kind = 'machine_secret_grace' AND secret = ? AND json_extract(doc, '$.expires_at') > ?",
            arguments: [digest, nowMillis()]
        )
    }

    // MARK: API keys

    static let apiKeyCreateFields: Set<String> = ["type", "name", "description", "subject", "claims", "scopes", "created_by", "seconds_until_expiration"]
    static let apiKeyUpdateFields: Set<String> = ["claims", "scopes", "description", "subject", "seconds_until_expiration"]

    static func registerAPIKeys(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createAPIKey] = { state, request in
            let object = try badRequest { try request.jsonObject() }
            try rejectUnknown(object, allowed: apiKeyCreateFields)
            let body = BodyReader(object: object)
            let now = nowMillis()
            var doc: [String: JSONValue] = try badRequest {
                let name = try body.requiredString("name")
                guard name.count >= 3, name.first?.isWhitespace == false, name.last?.isWhitespace == false else {
                    throw EmulatorError.invalid("name", "must be at least 3 characters, without leading or trailing spaces")
                }
                let subject = try body.requiredString("subject")
                try checkSubject(subject, "subject", prefixes: ["user", "org", "mch", "scim"])
                let type = try body.string("type") ?? "api_key"
                guard (3...25).contains(type.count) else { throw EmulatorError.invalid("type", "must be 3 to 25 characters") }
                let createdBy = try body.string("created_by")
                if let createdBy { try checkSubject(createdBy, "created_by", prefixes: ["user"]) }
                let seconds = try positiveNumber(body, "seconds_until_expiration")
                return [
                    "object": "api_key", "type": .string(type), "subject": .string(subject), "name": .string(name),
                    "description": try body.string("description").map { .string($0) } ?? .null,
                    "claims": body.object["claims"] ?? .null,
                    "scopes": .array(try body.strings("scopes").map { .string($0) }),
                    "revoked": false, "revocation_reason": .null, "expired": false,
                    "expiration": seconds.map { .int(now + Int64(($0 * 1000).rounded())) } ?? .null,
                    "created_by": createdBy.map { .string($0) } ?? .null,
                    "last_used_at": .null, "created_at": .int(now), "updated_at": .int(now),
                ]
            }
            let id = hexID("ak")
            let secret = "ak_" + EmulatorIDs.random(length: 48)
            doc["id"] = .string(id)
            let subject = doc["subject"]?.stringMember
            let record = EmulatorStore.Record(
                id: id, kind: "api_key", parentID: subject, createdAt: now, updatedAt: now,
                sortKey: doc["name"]?.stringMember?.lowercased(), doc: .object(doc), secret: secret
            )
            try await state.store.writer.write { db in
                try EmulatorStore.insert(
                    record,
                    db
                )
                try EmulatorStore.claim(secretDigest(secret), kind: "api_key_secret", owner: id, db)
            }
            var answer = expiring(doc, now: now)
            answer["secret"] = .string(secret)
            // 201, where the spec copy lists 200: Clerk's Python SDK accepts only 201 here, and this SDK and the
            // JavaScript one accept either.
            return try .json(.object(answer), status: 201)
        }
        table[.getAPIKeys] = { state, request in
            guard let subject = request.queryValue("subject"), !subject.isEmpty else { throw badRequestError(.missing("subject")) }
            var conditions = ["kind = 'api_key'", "parent_id = ?", "json_extract(doc, '$.type') = ?"]
            var arguments: [any DatabaseValueConvertible] = [subject, request.queryValue("type") ?? "api_key"]
            switch request.queryValue("include_invalid") ?? "false" {
            case "true": break
            case "false":
                conditions.append("json_extract(doc, '$.revoked') = 0")
                conditions.append("(json_extract(doc, '$.expiration') IS NULL OR json_extract(doc, '$.expiration') > ?)")
                arguments.append(nowMillis())
            default: throw EmulatorError.invalidQuery("include_invalid", "must be true or false")
            }
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("sort_key LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            let limit = try request.queryInt("limit", default: 10, range: 1...100)
            let offset = try request.queryInt("offset", default: 0, range: 0...Int(Int32.max))
            let (records, total) = try await state.page(conditions, arguments, order: "created_at DESC, rowid DESC", limit: limit, offset: offset)
            let now = nowMillis()
            return try .json([
                "data": .array(records.map { .object(expiring($0.doc.objectMembers ?? [:], now: now)) }),
                "total_count": .int(Int64(total)),
            ])
        }
        table[.getAPIKey] = { state, request in
            let record = try await state.record(request.path("apiKeyID"), kind: "api_key", name: "API key")
            return try .json(.object(expiring(record.doc.objectMembers ?? [:], now: nowMillis())))
        }
        table[.updateAPIKey] = { state, request in
            let object = try badRequest { try request.jsonObject() }
            try rejectUnknown(object, allowed: apiKeyUpdateFields)
            let body = BodyReader(object: object)
            let subject = try badRequest { try body.string("subject") }
            if let subject { try badRequest { try checkSubject(subject, "subject", prefixes: ["user", "org", "mch", "scim"]) } }
            let scopes = try badRequest { object["scopes"] == nil ? nil : try body.strings("scopes") }
            let description = try badRequest { try body.string("description") }
            let seconds = try badRequest { try positiveNumber(body, "seconds_until_expiration") }
            let id = request.path("apiKeyID")
            let now = nowMillis()
            let doc = try await state.store.writer.write { db -> [String: JSONValue] in
                guard var record = try EmulatorStore.fetch(id, kind: "api_key", db) else { throw EmulatorError.notFound("API key") }
                var doc = record.doc.objectMembers ?? [:]
                if let claims = object["claims"] { doc["claims"] = claims }
                if let scopes { doc["scopes"] = .array(scopes.map { .string($0) }) }
                if object["description"] != nil { doc["description"] = description.map { .string($0) } ?? .null }
                if let subject {
                    doc["subject"] = .string(subject)
                    record.parentID = subject
                }
                if object["seconds_until_expiration"] != nil {
                    doc["expiration"] = seconds.map { .int(now + Int64(($0 * 1000).rounded())) } ?? .null
                }
                doc["updated_at"] = .int(now)
                record.updatedAt = now
                record.doc = .object(doc)
                try EmulatorStore.update(record, db)
                return doc
            }
            return try .json(.object(expiring(doc, now: now)))
        }
        table[.deleteAPIKey] = { state, request in
            let id = request.path("apiKeyID")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "api_key", db) != nil else { throw EmulatorError.notFound("API key") }
                try EmulatorStore.delete(id, db)
            }
            return try deleted("api_key", id: id)
        }
        table[.revokeAPIKey] = { state, request in
            let object = try badRequest { try request.jsonObject() }
            try rejectUnknown(object, allowed: ["revocation_reason"])
            let reason = try badRequest { try BodyReader(object: object).string("revocation_reason") }
            let now = nowMillis()
            let response = try await state.mutate(request.path("apiKeyID"), kind: "api_key", name: "API key") { doc in
                doc["revoked"] = true
                doc["revocation_reason"] = reason.map { .string($0) } ?? .null
            }
            return try rendered(response, now: now)
        }
        table[.getAPIKeySecret] = { state, request in
            let record = try await state.record(request.path("apiKeyID"), kind: "api_key", name: "API key")
            guard let secret = record.secret else { throw EmulatorError.notFound("API key secret") }
            return try .json(["secret": .string(secret)])
        }
        table[.verifyAPIKey] = { state, request in
            let object = try badRequest { try request.jsonObject() }
            let secret = try badRequest { try BodyReader(object: object).requiredString("secret") }
            let now = nowMillis()
            let doc = try await state.store.writer.write { db -> [String: JSONValue] in
                guard secret.utf8.count <= 512, let id = try EmulatorStore.owner(of: secretDigest(secret), kind: "api_key_secret", db),
                    var record = try EmulatorStore.fetch(id, kind: "api_key", db)
                else { throw EmulatorError.notFound("API key") }
                var doc = record.doc.objectMembers ?? [:]
                guard doc["revoked"]?.boolMember != true, !isExpired(doc, now: now) else { throw EmulatorError.notFound("API key") }
                doc["last_used_at"] = .int(now)
                record.doc = .object(doc)
                try EmulatorStore.update(record, db)
                return doc
            }
            return try .json(.object(expiring(doc, now: now)))
        }
    }

    // MARK: M2M tokens

    static func registerM2MTokens(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createM2MToken] = { state, request in
            guard let machineID = request.machineID else {
                throw EmulatorError(
                    status: 400, code: "machine_secret_key_required", message: "a machine secret key is required",
                    longMessage: "M2M tokens are created with a machine's secret key (ak_…) as the bearer, not the instance secret key."
                )
            }
            let object = try badRequest { try request.jsonObject() }
            try rejectUnknown(object, allowed: ["token_format", "seconds_until_expiration", "claims", "min_remaining_ttl_seconds"])
            let body = BodyReader(object: object)
            let format = try badRequest { try body.string("token_format") ?? "opaque" }
            guard format == "opaque" || format == "jwt" else { throw badRequestError(.invalid("token_format", "must be opaque or jwt")) }
            let seconds = try badRequest { try positiveNumber(body, "seconds_until_expiration") }
            if let minimum = try badRequest({ try body.int("min_remaining_ttl_seconds") }), minimum < 0 {
                throw badRequestError(.invalid("min_remaining_ttl_seconds", "must be 0 or more"))
            }
            let claims = object["claims"] ?? .null
            if claims != .null, claims.objectMembers == nil { throw badRequestError(.invalid("claims", "must be an object")) }
            let now = nowMillis()
            let (machine, scopes) = try await state.store.writer.read { db -> (EmulatorStore.Record, [String]) in
                guard let machine = try EmulatorStore.fetch(machineID, kind: "machine", db) else { throw EmulatorError.notFound("Machine") }
                return (machine, try Self.scopedMachineIDs(of: machineID, db))
            }
            let ttl = seconds ?? Double(machine.doc["default_token_ttl"]?.intMember ?? 3600)
            let expiration = now + Int64((ttl * 1000).rounded())
            let id = hexID("mt")
            let doc: [String: JSONValue] = [
                "object": "machine_to_machine_token", "id": .string(id), "subject": .string(machineID), "claims": claims,
                "scopes": .array(scopes.map { .string($0) }), "revoked": false, "revocation_reason": .null, "expired": false,
                "expiration": .int(expiration), "last_used_at": .null, "created_at": .int(now), "updated_at": .int(now),
            ]
            let token: String
            if format == "jwt" {
                // Stateless: signed by the instance key (verifiable through the JWKS), not stored, not revocable.
                var jwtClaims: [String: JSONValue] = [:]
                for (name, value) in claims.objectMembers ?? [:] { jwtClaims[name] = value }
                let seconds = now / 1000
                jwtClaims["iss"] = .string(state.keys.issuer)
                jwtClaims["sub"] = .string(machineID)
                jwtClaims["iat"] = .int(seconds)
                jwtClaims["nbf"] = .int(seconds - 5)
                jwtClaims["exp"] = .int(expiration / 1000)
                jwtClaims["jti"] = .string(id)
                if !scopes.isEmpty { jwtClaims["scopes"] = .string(scopes.joined(separator: " ")) }
                token = try state.keys.signer.sign(claims: jwtClaims, header: ["cat": .string(m2mTokenCategory)])
            } else {
                token = "mt_" + EmulatorIDs.random(length: 48)
                try await state.store.writer.write { db in
                    try EmulatorStore.insert(
                        EmulatorStore.Record(id: id, kind: "m2m_token", parentID: machineID, createdAt: now, updatedAt: now, sortKey: nil, doc: .object(doc), secret: nil),
                        db
                    )
                    try EmulatorStore.claim(secretDigest(token), kind: "m2m_token", owner: id, db)
                }
            }
            var answer = doc
            answer["token"] = .string(token)
            return try .json(.object(answer), status: 201)
        }
        table[.getM2MTokens] = { state, request in
            guard let subject = request.queryValue("subject"), !subject.isEmpty else { throw badRequestError(.missing("subject")) }
            try badRequest { try checkSubject(subject, "subject", prefixes: ["mch"]) }
            if let caller = request.machineID, caller != subject {
                throw EmulatorError(
                    status: 403, code: "authorization_invalid", message: "Unauthorized request",
                    longMessage: "A machine secret key can only list the tokens of its own machine."
                )
            }
            var conditions = ["kind = 'm2m_token'", "parent_id = ?"]
            var arguments: [any DatabaseValueConvertible] = [subject]
            if try request.queryBool("revoked") != true { conditions.append("json_extract(doc, '$.revoked') = 0") }
            if try request.queryBool("expired") != true {
                conditions.append("(json_extract(doc, '$.expiration') IS NULL OR json_extract(doc, '$.expiration') > ?)")
                arguments.append(nowMillis())
            }
            let limit = try request.queryInt("limit", default: 10, range: 1...100)
            let offset = try request.queryInt("offset", default: 0, range: 0...Int(Int32.max))
            let (records, total) = try await state.page(conditions, arguments, order: "created_at DESC, rowid DESC", limit: limit, offset: offset)
            let now = nowMillis()
            return try .json([
                "m2m_tokens": .array(records.map { .object(expiring($0.doc.objectMembers ?? [:], now: now)) }),
                "total_count": .int(Int64(total)),
            ])
        }
        table[.revokeM2MToken] = { state, request in
            let object = try badRequest { try request.jsonObject() }
            try rejectUnknown(object, allowed: ["revocation_reason"])
            let reason = try badRequest { try BodyReader(object: object).string("revocation_reason") }
            let id = request.path("m2m_token_id")
            if let caller = request.machineID {
                let token = try await state.record(id, kind: "m2m_token", name: "M2M token")
                guard token.parentID == caller else { throw EmulatorError.notFound("M2M token") }
            }
            let now = nowMillis()
            let response = try await state.mutate(id, kind: "m2m_token", name: "M2M token") { doc in
                doc["revoked"] = true
                doc["revocation_reason"] = reason.map { .string($0) } ?? .null
            }
            return try rendered(response, now: now)
        }
        table[.verifyM2MToken] = { state, request in
            let object = try badRequest { try request.jsonObject() }
            let token = try badRequest { try BodyReader(object: object).requiredString("token") }
            let now = nowMillis()
            let notFound = EmulatorError.notFound("M2M token")
            @Sendable func granted(_ doc: [String: JSONValue]) -> Bool {
                // With a machine secret key, the token must have been granted to that machine.
                guard let caller = request.machineID else { return true }
                return (doc["scopes"]?.arrayMember ?? []).contains(.string(caller))
            }
            if token.hasPrefix("mt_") {
                let doc = try await state.store.writer.write { db -> [String: JSONValue] in
                    guard token.utf8.count <= 512, let id = try EmulatorStore.owner(of: secretDigest(token), kind: "m2m_token", db),
                        var record = try EmulatorStore.fetch(id, kind: "m2m_token", db)
                    else { throw notFound }
                    var doc = record.doc.objectMembers ?? [:]
                    guard doc["revoked"]?.boolMember != true, !isExpired(doc, now: now), granted(doc) else { throw notFound }
                    doc["last_used_at"] = .int(now)
                    record.doc = .object(doc)
                    try EmulatorStore.update(record, db)
                    return doc
                }
                return try .json(.object(expiring(doc, now: now)))
            }
            // A JWT-format token: checked against the instance key, as the SDKs do locally.
            guard let decoded = state.verifiedInstanceJWT(token), decoded.header.cat == m2mTokenCategory,
                let subject = decoded.claims.sub, subject.hasPrefix("mch_"), let id = decoded.claims.jti,
                let expiration = decoded.claims.exp, expiration * 1000 > Double(now)
            else { throw notFound }
            var custom = decoded.claims.raw
            for reserved in ["iss", "sub", "iat", "nbf", "exp", "jti", "scopes"] { custom[reserved] = nil }
            let scopes = (decoded.claims["scopes"]?.stringMember ?? "").split(separator: " ").map { JSONValue.string(String($0)) }
            let issued = Int64((decoded.claims.iat ?? 0) * 1000)
            let doc: [String: JSONValue] = [
                "object": "machine_to_machine_token", "id": .string(id), "subject": .string(subject),
                "claims": custom.isEmpty ? .null : .object(custom), "scopes": .array(scopes), "revoked": false,
                "revocation_reason": .null, "expired": false, "expiration": .int(Int64(expiration * 1000)),
                "last_used_at": .null, "created_at": .int(issued), "updated_at": .int(issued),
            ]
            guard granted(doc) else { throw notFound }
            return try .json(.object(doc))
        }
    }

    // MARK: Machines

    static func registerMachineResources(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.listMachines] = { state, request in
            var conditions = ["kind = 'machine'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("sort_key LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            let order = try Self.order(request, allowed: ["created_at": "created_at", "name": "json_extract(doc, '$.name')"], default: "-created_at")
            let (limit, offset) = try Self.paging(request)
            let (records, total) = try await state.page(conditions, arguments, order: order, limit: limit, offset: offset)
            let machines = try await state.store.writer.read { db in try records.map { try Self.machineJSON($0, db) } }
            return try .json(["data": .array(machines), "total_count": .int(Int64(total))])
        }
        table[.createMachine] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.requiredString("name")
            guard name.count <= 255 else { throw EmulatorError.invalid("name", "must be at most 255 characters") }
            let scoped = try body.strings("scoped_machines")
            guard scoped.count <= 150 else { throw EmulatorError.invalid("scoped_machines", "can hold at most 150 machines") }
            let ttl = try body.int("default_token_ttl") ?? 3600
            guard (1...315_360_000).contains(ttl) else { throw EmulatorError.invalid("default_token_ttl", "must be between 1 and 315360000 seconds") }
            let now = nowMillis()
            let id = EmulatorIDs.make("mch")
            let secret = "ak_" + EmulatorIDs.random(length: 48)
            let doc: JSONValue = [
                "object": "machine", "id": .string(id), "name": .string(name), "instance_id": .string(state.keys.signer.kid),
                "created_at": .int(now), "updated_at": .int(now), "default_token_ttl": .int(ttl),
            ]
            let answer = try await state.store.writer.write { db -> JSONValue in
                for other in Set(scoped) where try EmulatorStore.fetch(other, kind: "machine", db) == nil {
                    throw EmulatorError(
                        status: 422, code: "form_param_value_invalid", message: "is invalid",
                        longMessage: "scoped_machines holds \(other.prefix(64)), which is not a machine of this instance",
                        meta: ["param_name": "scoped_machines"]
                    )
                }
                let record = EmulatorStore.Record(
                    id: id, kind: "machine", parentID: nil, createdAt: now, updatedAt: now,
                    sortKey: Self.machineSearchText(name: name, id: id), doc: doc, secret: secret
                )
                try EmulatorStore.insert(record, db)
                try EmulatorStore.claim(secretDigest(secret), kind: "machine_secret", owner: id, db)
                for other in Self.unique(scoped) { try Self.insertScope(from: id, to: other, now: now, db) }
                return try Self.machineJSON(record, db)
            }
            guard var object = answer.objectMembers else { return try .json(answer) }
            object["secret_key"] = .string(secret)
            return try .json(.object(object))
        }
        table[.getMachine] = { state, request in
            let id = request.path("machine_id")
            return try .json(try await state.store.writer.read { db in
                guard let record = try EmulatorStore.fetch(id, kind: "machine", db) else { throw EmulatorError.notFound("Machine") }
                return try Self.machineJSON(record, db)
            })
        }
        table[.updateMachine] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try body.string("name")
            if let name, name.isEmpty || name.count > 255 { throw EmulatorError.invalid("name", "must be 1 to 255 characters") }
            let ttl = try body.int("default_token_ttl")
            if let ttl, !(1...315_360_000).contains(ttl) {
                throw EmulatorError.invalid("default_token_ttl", "must be between 1 and 315360000 seconds")
            }
            let id = request.path("machine_id")
            return try .json(try await state.store.writer.write { db -> JSONValue in
                guard var record = try EmulatorStore.fetch(id, kind: "machine", db) else { throw EmulatorError.notFound("Machine") }
                var doc = record.doc.objectMembers ?? [:]
                if let name { doc["name"] = .string(name) }
                if let ttl { doc["default_token_ttl"] = .int(ttl) }
                record.updatedAt = nowMillis()
                doc["updated_at"] = .int(record.updatedAt)
                record.doc = .object(doc)
                record.sortKey = Self.machineSearchText(name: doc["name"]?.stringMember ?? "", id: id)
                try EmulatorStore.update(record, db)
                return try Self.machineJSON(record, db)
            })
        }
        table[.deleteMachine] = { state, request in
            let id = request.path("machine_id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "machine", db) != nil else { throw EmulatorError.notFound("Machine") }
                try EmulatorStore.delete(id, db)
                try db.execute(
                    sql: "DELETE FROM resources WHERE kind = 'machine_scope' AND (parent_id = ? OR json_extract(doc, '$.to_machine_id') = ?)",
                    arguments: [id, id]
                )
                try db.execute(sql: "DELETE FROM resources WHERE kind = 'machine_secret_grace' AND parent_id = ?", arguments: [id])
                // Its tokens go with it: they can no longer be verified.
                try db.execute(
                    sql: "DELETE FROM identifiers WHERE owner_id IN (SELECT id FROM resources WHERE kind = 'm2m_token' AND parent_id = ?)",
                    arguments: [id]
                )
                try db.execute(sql: "DELETE FROM resources WHERE kind = 'm2m_token' AND parent_id = ?", arguments: [id])
            }
            return try deleted("machine", id: id)
        }
        table[.createMachineScope] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let other = try body.requiredString("to_machine_id")
            let id = request.path("machine_id")
            guard other != id else { throw EmulatorError.invalid("to_machine_id", "must be another machine") }
            return try .json(try await state.store.writer.write { db -> JSONValue in
                guard try EmulatorStore.fetch(id, kind: "machine", db) != nil else { throw EmulatorError.notFound("Machine") }
                guard try EmulatorStore.fetch(other, kind: "machine", db) != nil else { throw EmulatorError.notFound("Machine") }
                if try EmulatorStore.fetch(Self.scopeID(from: id, to: other), kind: "machine_scope", db) != nil {
                    throw EmulatorError(
                        status: 409, code: "duplicate_record", message: "duplicate record",
                        longMessage: "This machine is already scoped to \(other.prefix(64))."
                    )
                }
                return try Self.insertScope(from: id, to: other, now: nowMillis(), db)
            })
        }
        table[.deleteMachineScope] = { state, request in
            let id = request.path("machine_id")
            let other = request.path("other_machine_id")
            try await state.store.writer.write { db in
                let scope = Self.scopeID(from: id, to: other)
                guard try EmulatorStore.fetch(scope, kind: "machine_scope", db) != nil else { throw EmulatorError.notFound("Machine scope") }
                try EmulatorStore.delete(scope, db)
            }
            return try .json([
                "object": "machine_scope", "from_machine_id": .string(id), "to_machine_id": .string(other), "deleted": true,
            ])
        }
        table[.getMachineSecretKey] = { state, request in
            let record = try await state.record(request.path("machine_id"), kind: "machine", name: "Machine")
            guard let secret = record.secret else { throw EmulatorError.notFound("Machine secret key") }
            return try .json(["object": "machine_secret_key", "secret": .string(secret)])
        }
        table[.rotateMachineSecretKey] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            guard let previousTTL = try body.int("previous_token_ttl") else { throw EmulatorError.missing("previous_token_ttl") }
            guard (0...28_800).contains(previousTTL) else {
                throw EmulatorError.invalid("previous_token_ttl", "must be between 0 and 28800 seconds")
            }
            let id = request.path("machine_id")
            let secret = "ak_" + EmulatorIDs.random(length: 48)
            try await state.store.writer.write { db in
                guard var record = try EmulatorStore.fetch(id, kind: "machine", db) else { throw EmulatorError.notFound("Machine") }
                let now = nowMillis()
                if let previous = record.secret, previousTTL > 0 {
                    // The previous key keeps working for previous_token_ttl seconds; only its digest is kept.
                    let grace: JSONValue = ["expires_at": .int(now + previousTTL * 1000)]
                    try EmulatorStore.insert(
                        EmulatorStore.Record(id: EmulatorIDs.make("msg"), kind: "machine_secret_grace", parentID: id, createdAt: now, updatedAt: now, sortKey: nil, doc: grace, secret: secretDigest(previous)),
                        db
                    )
                }
                try EmulatorStore.release(kind: "machine_secret", owner: id, db)
                try EmulatorStore.claim(secretDigest(secret), kind: "machine_secret", owner: id, db)
                record.secret = secret
                try EmulatorStore.update(record, db)
            }
            return try .json(["object": "machine_secret_key", "secret": .string(secret)])
        }
    }

    // MARK: Machine helpers

    static func machineSearchText(name: String, id: String) -> String { (name + "\u{1F}" + id).lowercased() }

    static func scopeID(from: String, to: String) -> String { "mscope:\(from):\(to)" }

    static func unique(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { seen.insert($0).inserted }
    }

    @discardableResult
    static func insertScope(from: String, to: String, now: Int64, _ db: Database) throws -> JSONValue {
        let doc: JSONValue = [
            "object": "machine_scope", "from_machine_id": .string(from), "to_machine_id": .string(to), "created_at": .int(now),
        ]
        try EmulatorStore.insert(
            EmulatorStore.Record(id: scopeID(from: from, to: to), kind: "machine_scope", parentID: from, createdAt: now, updatedAt: now, sortKey: nil, doc: doc, secret: nil),
            db
        )
        return doc
    }

    /// The machines a machine may call (its scopes), oldest first.
    static func scopedMachineIDs(of id: String, _ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: "SELECT json_extract(doc, '$.to_machine_id') FROM resources WHERE kind = 'machine_scope' AND parent_id = ? ORDER BY created_at, rowid",
            arguments: [id]
        )
    }

    /// A machine as the API answers it: its document plus `scoped_machines` (each without its own scopes).
    static func machineJSON(_ record: EmulatorStore.Record, _ db: Database) throws -> JSONValue {
        var doc = record.doc.objectMembers ?? [:]
        var scoped: [JSONValue] = []
        for other in try scopedMachineIDs(of: record.id, db) {
            if let machine = try EmulatorStore.fetch(other, kind: "machine", db) { scoped.append(machine.doc) }
        }
        doc["scoped_machines"] = .array(scoped)
        return .object(doc)
    }

    // MARK: Shared helpers

    /// A page of records with the total count.
    func page(
        _ conditions: [String], _ arguments: [any DatabaseValueConvertible], order: String, limit: Int, offset: Int
    ) async throws -> ([EmulatorStore.Record], Int) {
        let whereClause = conditions.joined(separator: " AND ")
        let arguments = StatementArguments(arguments.map(\.databaseValue))
        return try await store.writer.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM resources WHERE \(whereClause)", arguments: arguments) ?? 0
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM resources WHERE \(whereClause) ORDER BY \(order) LIMIT ? OFFSET ?",
                arguments: arguments + [limit, offset]
            )
            return (try rows.map(EmulatorStore.record), total)
        }
    }

    /// A JWT signed by the instance key (RS256), decoded; `nil` for anything else. Expiry is the caller's to check.
    func verifiedInstanceJWT(_ token: String) -> DecodedJWT? {
        guard token.utf8.count <= 16 * 1024, let decoded = try? decodeJWT(token), decoded.header.alg == "RS256" else { return nil }
        if let kid = decoded.header.kid, kid != keys.signer.kid { return nil }
        guard let lastDot = token.lastIndex(of: "."),
            let publicKey = try? _RSA.Signing.PublicKey(pemRepresentation: keys.signer.publicKeyPEM)
        else { return nil }
        let signingInput = Data(token[..<lastDot].utf8)
        let signature = _RSA.Signing.RSASignature(rawRepresentation: Data(decoded.signature))
        guard publicKey.isValidSignature(signature, for: SHA256.hash(data: signingInput), padding: .insecurePKCS1v1_5) else { return nil }
        return decoded
    }

    /// Clerk's `cat` header for M2M JWTs.
    static let m2mTokenCategory = "cl_B7d4PD333AAA"

    /// `prefix_` and 32 hex digits: the id shape of API keys and M2M tokens.
    static func hexID(_ prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return prefix + "_" + String((0..<32).map { _ in digits[Int(generator.next(upperBound: UInt64(16)))] })
    }

    static func isExpired(_ doc: [String: JSONValue], now: Int64) -> Bool {
        guard let expiration = doc["expiration"]?.intMember else { return false }
        return expiration <= now
    }

    /// A token or key document with `expired` worked out for `now`.
    static func expiring(_ doc: [String: JSONValue], now: Int64) -> [String: JSONValue] {
        var doc = doc
        doc["expired"] = .bool(isExpired(doc, now: now))
        return doc
    }

    static func rendered(_ response: EmulatorResponse, now: Int64) throws -> EmulatorResponse {
        guard let doc = try JSONDecoder().decode(JSONValue.self, from: response.body).objectMembers else { return response }
        return try .json(.object(expiring(doc, now: now)))
    }

    /// `^(user|org|…)_\w{27}$`.
    static func checkSubject(_ value: String, _ name: String, prefixes: Set<String>) throws {
        guard let underscore = value.firstIndex(of: "_"), prefixes.contains(String(value[..<underscore])) else {
            throw EmulatorError.invalid(name, "must be the id of a \(prefixes.sorted().joined(separator: ", ")) resource")
        }
        let rest = value[value.index(after: underscore)...]
        guard rest.count == 27, rest.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw EmulatorError.invalid(name, "must be the id of a \(prefixes.sorted().joined(separator: ", ")) resource")
        }
    }

    /// A number greater than zero, or nil (absent or null).
    static func positiveNumber(_ body: BodyReader, _ name: String) throws -> Double? {
        guard let value = body.object[name], value != .null else { return nil }
        let number: Double
        switch value {
        case .int(let integer): number = Double(integer)
        case .double(let double): number = double
        default: throw EmulatorError.invalid(name, "must be a number")
        }
        guard number > 0, number < 1e12 else { throw EmulatorError.invalid(name, "must be greater than 0") }
        return number
    }

    /// The machine-auth endpoints answer validation errors with 400 (their spec has no 422).
    static func badRequest<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EmulatorError where error.status == 422 {
            throw badRequestError(error)
        }
    }

    static func badRequestError(_ error: EmulatorError) -> EmulatorError {
        var error = error
        error.status = 400
        return error
    }

    static func rejectUnknown(_ object: [String: JSONValue], allowed: Set<String>) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw EmulatorError(
                status: 400, code: "form_param_unknown", message: "is unknown",
                longMessage: "\(unknown.prefix(64)) is not a valid parameter for this request.", meta: ["param_name": .string(String(unknown.prefix(64)))]
            )
        }
    }
}

/// The lowercase hex SHA-256 of a secret: how secrets are looked up without being stored.
func secretDigest(_ secret: String) -> String {
    SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
}
