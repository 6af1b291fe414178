import ClerkBackend
import Foundation
import GRDB
import Logging

/// Instance protect, communication and OAuth application settings (documents in the `instance` table, answered
/// over their defaults), admin portal link tokens, agent tasks, sign-ups and proxy checks.
extension EmulatorState {
    static func registerInstanceExtras(_ table: inout [Endpoint: EmulatorHandler]) {
        InstanceExtras.registerSettings(&table)
        InstanceExtras.registerAdminPortalLinkTokens(&table)
        InstanceExtras.registerAgentTasks(&table)
        InstanceExtras.registerSignUps(&table)
        InstanceExtras.registerProxyChecks(&table)
    }
}

/// The handlers and helpers of this file, kept out of ``EmulatorState``'s namespace.
private enum InstanceExtras {
    // MARK: Settings documents

    /// A settings document: its name in the `instance` table and the answer before any PATCH.
    struct SettingsDocument: Sendable {
        let name: String
        let defaults: [String: JSONValue]
    }

    static let protect = SettingsDocument(
        name: "protect_settings",
        defaults: ["object": "instance_protect", "rules_enabled": false, "specter_enabled": false, "checks_bypassed": false]
    )

    static let communication = SettingsDocument(
        name: "communication_settings", defaults: ["object": "instance_communication", "blocked_country_codes": []]
    )

    /// `default_scopes` is `null` until set: Clerk's own defaults apply (and `null` in a PATCH goes back to them).
    static let oauthApplications = SettingsDocument(
        name: "oauth_application_settings",
        defaults: [
            "object": "oauth_application_settings", "dynamic_oauth_client_registration": false, "default_scopes": .null,
            "oauth_jwt_access_tokens": false, "client_id_metadata_documents_advertised": false,
            "client_id_metadata_documents_only_allow_pre_registered_clients": false,
            "client_id_metadata_documents_block_implicitly_allowed_clients": false,
        ]
    )

    static let oauthFlags = [
        "dynamic_oauth_client_registration", "oauth_jwt_access_tokens", "client_id_metadata_documents_advertised",
        "client_id_metadata_documents_only_allow_pre_registered_clients",
        "client_id_metadata_documents_block_implicitly_allowed_clients",
    ]

    /// ISO 3166-1 alpha-2 codes: a blocklist keeps only these (others are dropped silently, as Clerk drops codes it
    /// does not know as SMS countries).
    static let countryCodes: Set<String> = Set(
        """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD
        CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF
        GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
        KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA
        NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI
        SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
        VN VU WF WS YE YT ZA ZM ZW
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    )

    static func registerSettings(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.getInstanceProtect] = { state, _ in try await Self.answer(Self.protect, state) }
        table[.updateInstanceProtect] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            try EmulatorState.rejectUnknownSettings(body.object, allowed: ["rules_enabled", "specter_enabled"])
            var changes: [String: JSONValue] = [:]
            // `null` leaves a member as it is (the answer's members are never null).
            for name in ["rules_enabled", "specter_enabled"] {
                if let flag = try body.bool(name) { changes[name] = .bool(flag) }
            }
            return try await Self.update(Self.protect, changes, state)
        }

        table[.getInstanceCommunication] = { state, _ in try await Self.answer(Self.communication, state) }
        table[.updateInstanceCommunication] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            try EmulatorState.rejectUnknownSettings(body.object, allowed: ["blocked_country_codes"])
            var changes: [String: JSONValue] = [:]
            // Absent or null: no change. Otherwise the whole list is replaced.
            if let value = body.object["blocked_country_codes"], value != .null {
                let codes = try body.strings("blocked_country_codes")
                guard codes.count <= 250 else { throw Self.valueInvalid("blocked_country_codes", "must have at most 250 items") }
                for code in codes where !Self.isCountryCodeShape(code) {
                    throw EmulatorError.invalid("blocked_country_codes", "must hold uppercase two-letter country codes such as US (\(code.prefix(10)) is not one)")
                }
                guard Set(codes).count == codes.count else {
                    throw Self.valueInvalid("blocked_country_codes", "must not hold a code more than once")
                }
                let kept = codes.filter { Self.countryCodes.contains($0) }
                changes["blocked_country_codes"] = .array(kept.map { JSONValue.string($0) })
            }
            return try await Self.update(Self.communication, changes, state)
        }

        table[.getInstanceOAuthApplicationSettings] = { state, _ in try await Self.answer(Self.oauthApplications, state) }
        table[.updateInstanceOAuthApplicationSettings] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            try EmulatorState.rejectUnknownSettings(body.object, allowed: Set(Self.oauthFlags + ["default_scopes"]))
            var changes: [String: JSONValue] = [:]
            for name in Self.oauthFlags {
                if let flag = try body.bool(name) { changes[name] = .bool(flag) }
            }
            if let value = body.object["default_scopes"] {
                if value == .null {
                    changes["default_scopes"] = .null  // back to Clerk's defaults
                } else {
                    let scopes = try body.strings("default_scopes")
                    for scope in scopes where scope.isEmpty || scope.contains(where: \.isWhitespace) {
                        throw EmulatorError.invalid("default_scopes", "must hold scope names without spaces, such as profile or email")
                    }
                    // The answer's list has unique items.
                    var seen: Set<String> = []
                    let distinct = scopes.filter { seen.insert($0).inserted }
                    changes["default_scopes"] = .array(distinct.map { JSONValue.string($0) })
                }
            }
            return try await Self.update(Self.oauthApplications, changes, state)
        }
    }

    /// The stored members over the defaults (`object` always the default's).
    static func current(_ document: SettingsDocument, _ db: Database) throws -> [String: JSONValue] {
        var settings = document.defaults
        for (name, value) in try EmulatorState.settings(document.name, db) where name != "object" && document.defaults[name] != nil {
            settings[name] = value
        }
        return settings
    }

    static func answer(_ document: SettingsDocument, _ state: EmulatorState) async throws -> EmulatorResponse {
        let settings = try await state.store.writer.read { db in try Self.current(document, db) }
        return try .json(.object(settings))
    }

    /// Writes the members sent (only those) and answers the whole document.
    static func update(
        _ document: SettingsDocument, _ changes: [String: JSONValue], _ state: EmulatorState
    ) async throws -> EmulatorResponse {
        let settings = try await state.store.writer.write { db -> [String: JSONValue] in
            var stored = try EmulatorState.settings(document.name, db)
            for (name, value) in changes { stored[name] = value }
            try EmulatorState.saveSettings(document.name, stored, db)
            return try Self.current(document, db)
        }
        return try .json(.object(settings))
    }

    static func isCountryCodeShape(_ code: String) -> Bool {
        code.utf8.count == 2 && code.utf8.allSatisfy { $0 >= 0x41 && $0 <= 0x5A }
    }

    static func valueInvalid(_ name: String, _ reason: String, status: Int = 422) -> EmulatorError {
        EmulatorError(
            status: status, code: "form_param_value_invalid", message: "is invalid", longMessage: "\(name) \(reason)",
            meta: ["param_name": .string(name)]
        )
    }

    // MARK: Admin portal link tokens

    static let adminPortalLinkTokenFields: Set<String> = ["organization_id", "it_contact_id", "scopes", "seconds_until_expiration"]

    /// Their operations document 400 (not 422) for a bad body, as Clerk's machine-auth service answers.
    static func registerAdminPortalLinkTokens(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createAdminPortalLinkToken] = { state, request in
            let object = try EmulatorState.badRequest { try request.jsonObject() }
            try EmulatorState.rejectUnknown(object, allowed: Self.adminPortalLinkTokenFields)
            let body = BodyReader(object: object)
            let organizationID = try EmulatorState.badRequest { try body.string("organization_id") }
            if let organizationID {
                try EmulatorState.badRequest { try EmulatorState.checkSubject(organizationID, "organization_id", prefixes: ["org"]) }
            }
            let contact = try EmulatorState.badRequest { try body.string("it_contact_id") }
            if let contact, contact.isEmpty { throw Self.valueInvalid("it_contact_id", "must not be empty", status: 400) }
            var scopes: [String]? = nil
            if let value = object["scopes"], value != .null {
                scopes = try EmulatorState.badRequest { try body.strings("scopes") }
            }
            if let scopes, scopes.contains(where: \.isEmpty) { throw Self.valueInvalid("scopes", "must not hold empty scopes", status: 400) }
            let requested = try EmulatorState.badRequest { try body.int("seconds_until_expiration") }
            let seconds = requested ?? 3600
            guard (1...86_400).contains(seconds) else {
                throw Self.valueInvalid("seconds_until_expiration", "must be greater than 0 and at most 86400", status: 400)
            }
            let now = nowMillis()
            let id = EmulatorState.hexID("aplt")
            let token = "aplt_" + EmulatorIDs.random(length: 32)
            let scopeValue: JSONValue = scopes.map { list in JSONValue.array(list.map { JSONValue.string($0) }) } ?? .null
            let organizationValue: JSONValue = organizationID.map { JSONValue.string($0) } ?? .null
            let contactValue: JSONValue = contact.map { JSONValue.string($0) } ?? .null
            let base: [String: JSONValue] = [
                "object": "admin_portal_link_token", "id": .string(id), "instance_id": .string(state.keys.signer.kid),
                "organization_id": organizationValue, "it_contact_id": contactValue, "scopes": scopeValue,
                "revoked": false, "revocation_reason": .null, "expired": false,
                "expiration": .int(now + seconds * 1000), "created_at": .int(now), "updated_at": .int(now),
            ]
            let doc = try await state.store.writer.write { db -> [String: JSONValue] in
                if let organizationID, try EmulatorStore.fetch(organizationID, kind: "organization", db) == nil {
                    throw EmulatorError(
                        status: 400, code: "resource_not_found", message: "not found",
                        longMessage: "No organization has the id \(organizationID.prefix(100)).", meta: ["param_name": "organization_id"]
                    )
                }
                var doc = base
                doc["admin_portal_link_id"] = .string(try Self.adminPortalLinkID(db))
                // The token is answered once; only its digest is kept.
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: "admin_portal_link_token", parentID: organizationID, createdAt: now, updatedAt: now,
                        sortKey: nil, doc: .object(doc), secret: secretDigest(token)
                    ),
                    db
                )
                return doc
            }
            var answer = EmulatorState.expiring(doc, now: now)
            answer["token"] = .string(token)
            return try .json(.object(answer), status: 201)
        }
        table[.revokeAdminPortalLinkToken] = { state, request in
            let object = try EmulatorState.badRequest { try request.jsonObject() }
            try EmulatorState.rejectUnknown(object, allowed: ["revocation_reason"])
            let reason = try EmulatorState.badRequest { try BodyReader(object: object).string("revocation_reason") }
            let now = nowMillis()
            let response = try await state.mutate(
                request.path("adminPortalLinkTokenID"), kind: "admin_portal_link_token", name: "Admin portal link token"
            ) { doc in
                doc["revoked"] = true
                doc["revocation_reason"] = reason.map { JSONValue.string($0) } ?? .null
            }
            return try EmulatorState.rendered(response, now: now)
        }
    }

    /// The instance's one admin portal link (`apl_…`), made on first use.
    static func adminPortalLinkID(_ db: Database) throws -> String {
        let key = "admin_portal_link_id"
        if let id = try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [key]) { return id }
        let id = EmulatorIDs.make("apl")
        try db.execute(sql: "INSERT INTO instance (name, value) VALUES (?, ?)", arguments: [key, id])
        return id
    }

    // MARK: Agent tasks

    static let agentTaskFields: Set<String> = [
        "on_behalf_of", "permissions", "agent_name", "task_description", "redirect_url", "session_max_duration_in_seconds",
    ]

    /// How long an agent task's link can be used.
    static let agentTaskLinkSeconds: Int64 = 3600

    /// An agent task is kept as `agent_task` (its answer without `url`), and its link as a pending actor token whose
    /// actor is the agent (`{"sub": agent_id}`): the hosted sign-in page signs the user in with it once, in a
    /// session that names the agent (`act`) and lasts `session_max_duration_in_seconds`.
    static func registerAgentTasks(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createAgentTask] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            try EmulatorState.rejectUnknownSettings(body.object, allowed: Self.agentTaskFields)
            guard let subject = try body.metadata("on_behalf_of")?.objectMembers else { throw EmulatorError.missing("on_behalf_of") }
            let onBehalfOf = BodyReader(object: subject)
            let userID = try onBehalfOf.string("user_id")
            let identifier = try onBehalfOf.string("identifier")
            guard (userID == nil) != (identifier == nil) else {
                throw EmulatorError.invalid("on_behalf_of", "must have exactly one of user_id and identifier")
            }
            guard try body.requiredString("permissions") == "*" else { throw Self.valueInvalid("permissions", "must be *") }
            let agentName = try body.requiredString("agent_name")
            let description = try body.requiredString("task_description")
            let redirect = try body.requiredString("redirect_url")
            guard let parsed = URLComponents(string: redirect), let scheme = parsed.scheme?.lowercased(),
                scheme == "http" || scheme == "https", parsed.host?.isEmpty == false
            else { throw EmulatorError.invalid("redirect_url", "must be an absolute http or https URL") }
            let sessionSeconds = try body.int("session_max_duration_in_seconds") ?? 1800
            guard (1...315_360_000).contains(sessionSeconds) else {
                throw Self.valueInvalid("session_max_duration_in_seconds", "must be between 1 and 315360000")
            }
            let now = nowMillis()
            let taskID = EmulatorIDs.make("agtask")
            let ticketID = EmulatorIDs.make("act")
            let token = EmulatorIDs.random(length: 40)
            // The redirect is checked when the link is followed (an origin the instance does not allow is refused then).
            let url = state.ticketURL(token) + "&redirect_url=" + RedirectTarget.encode(redirect)
            let expiresAt = now + Self.agentTaskLinkSeconds * 1000
            let (agentID, ownerID) = try await state.store.writer.write { db -> (String, String) in
                let owner: String
                if let userID {
                    guard try EmulatorStore.fetch(userID, kind: "user", db) != nil else { throw EmulatorError.notFound("User") }
                    owner = userID
                } else {
                    guard let found = try Self.userOwning(identifier ?? "", db) else { throw EmulatorError.notFound("User") }
                    owner = found
                }
                let agent = try Self.agentIDFor(agentName, db)
                let ticket: JSONValue = [
                    "object": "actor_token", "id": .string(ticketID), "status": "pending", "user_id": .string(owner),
                    "actor": ["sub": .string(agent)], "token": .string(token), "url": .string(url),
                    "created_at": .int(now), "updated_at": .int(now),
                ]
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: ticketID, kind: "actor_token", parentID: owner, createdAt: now, updatedAt: now, sortKey: nil,
                        doc: ticket, secret: "\(expiresAt)|\(sessionSeconds)"
                    ),
                    db
                )
                let task: JSONValue = [
                    "object": "agent_task", "agent_id": .string(agent), "agent_task_id": .string(taskID), "task_id": .string(taskID),
                ]
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: taskID, kind: "agent_task", parentID: owner, createdAt: now, updatedAt: now, sortKey: nil,
                        doc: task, secret: ticketID
                    ),
                    db
                )
                return (agent, owner)
            }
            state.options.logger.notice(
                "Agent task created",
                metadata: [
                    "agent_task_id": "\(taskID)", "agent_id": "\(agentID)", "agent_name": "\(agentName)", "user_id": "\(ownerID)",
                    "task_description": "\(description)",
                ]
            )
            return try .json([
                "object": "agent_task", "agent_id": .string(agentID), "agent_task_id": .string(taskID), "task_id": .string(taskID),
                "url": .string(url),
            ])
        }
        table[.revokeAgentTask] = { state, request in
            let id = request.path("agent_task_id")
            let doc = try await state.store.writer.write { db -> JSONValue in
                guard var task = try EmulatorStore.fetch(id, kind: "agent_task", db) else { throw EmulatorError.notFound("Agent task") }
                guard let ticketID = task.secret, var ticket = try EmulatorStore.fetch(ticketID, kind: "actor_token", db),
                    ticket.doc["status"]?.stringMember == "pending"
                else {
                    throw EmulatorError(
                        status: 400, code: "agent_task_cannot_be_revoked", message: "Only a pending agent task can be revoked.",
                        longMessage: "This agent task was already used or revoked."
                    )
                }
                let now = nowMillis()
                var ticketDoc = ticket.doc.objectMembers ?? [:]
                ticketDoc["status"] = "revoked"
                ticketDoc["token"] = nil
                ticketDoc["url"] = nil
                ticketDoc["updated_at"] = .int(now)
                ticket.updatedAt = now
                ticket.doc = .object(ticketDoc)
                try EmulatorStore.update(ticket, db)
                task.updatedAt = now
                try EmulatorStore.update(task, db)
                return task.doc
            }
            return try .json(doc)
        }
    }

    /// The user a verified identifier (email address, phone number or username) belongs to.
    static func userOwning(_ identifier: String, _ db: Database) throws -> String? {
        let trimmed = identifier.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return nil }
        for kind in ["email", "phone", "username"] {
            if let owner = try EmulatorStore.owner(of: trimmed, kind: kind, db), try EmulatorStore.fetch(owner, kind: "user", db) != nil {
                return owner
            }
        }
        return nil
    }

    /// The agent id of an agent name: made on the name's first task, the same for every later one.
    static func agentIDFor(_ name: String, _ db: Database) throws -> String {
        let key = "agent_id:" + name
        if let id = try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [key]) { return id }
        let id = EmulatorIDs.make("agent")
        try db.execute(sql: "INSERT INTO instance (name, value) VALUES (?, ?)", arguments: [key, id])
        return id
    }

    // MARK: Sign-ups

    /// Sign-ups are records of kind `sign_up` (the user they created as parent), each the API's `sign_up_attempt`
    /// object. The hosted sign-up page stores one for each account it creates (``SignUpAttempt``).
    static func registerSignUps(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.getSignUp] = { state, request in
            let record = try await state.record(request.path("id"), kind: "sign_up", name: "Sign-up")
            return .rawJSON(record.docText)
        }
        table[.updateSignUp] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let externalID = try body.string("external_id")
            var clearsExternalID = false
            if case .null? = body.object["external_id"] { clearsExternalID = true }
            let clears = clearsExternalID
            // `custom_action` is never null in the answer: null leaves it as it is.
            let customAction = try body.bool("custom_action")
            return try await state.mutate(request.path("id"), kind: "sign_up", name: "Sign-up") { doc in
                if let externalID {
                    doc["external_id"] = .string(externalID)
                } else if clears {
                    doc["external_id"] = .null
                }
                if let customAction { doc["custom_action"] = .bool(customAction) }
            }
        }
    }

    // MARK: Proxy checks

    /// The emulator cannot reach a proxy: a check of a well-formed https URL for one of the instance's domains is
    /// answered successful (and logged as not made). One check per domain, run again by each request.
    static func registerProxyChecks(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.verifyDomainProxy] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let domainID = try body.requiredString("domain_id")
            let given = try body.string("proxy_url")
            if let given { try Self.requireHTTPS(given) }
            let now = nowMillis()
            let check = try await state.store.writer.write { db -> JSONValue in
                try EmulatorState.ensurePrimaryDomain(db)
                guard let domain = try EmulatorStore.fetch(domainID, kind: "domain", db) else {
                    throw Self.valueInvalid("domain_id", "must be the id of a domain of this instance")
                }
                // Without proxy_url, the domain's own proxy URL is checked.
                guard let proxyURL = given ?? domain.doc["proxy_url"]?.stringMember, !proxyURL.isEmpty else {
                    throw EmulatorError.missing("proxy_url")
                }
                try Self.requireHTTPS(proxyURL)
                let existing = try Row.fetchOne(
                    db, sql: "SELECT * FROM resources WHERE kind = 'proxy_check' AND parent_id = ? ORDER BY created_at, rowid LIMIT 1",
                    arguments: [domainID]
                ).map(EmulatorStore.record)
                let id = existing?.id ?? EmulatorIDs.make("proxychk")
                let createdAt = existing?.createdAt ?? now
                let doc: JSONValue = [
                    "object": "proxy_check", "id": .string(id), "domain_id": .string(domainID), "last_run_at": .int(now),
                    "proxy_url": .string(proxyURL), "successful": true, "created_at": .int(createdAt), "updated_at": .int(now),
                ]
                let record = EmulatorStore.Record(
                    id: id, kind: "proxy_check", parentID: domainID, createdAt: createdAt, updatedAt: now, sortKey: nil, doc: doc,
                    secret: nil
                )
                if existing != nil { try EmulatorStore.update(record, db) } else { try EmulatorStore.insert(record, db) }
                return doc
            }
            state.recordEffect(
                "Proxy check answered successful without a request: the emulator does not reach proxies",
                metadata: ["domain_id": "\(domainID)", "proxy_url": "\(EmulatorState.withoutQuery(check["proxy_url"]?.stringMember ?? ""))"]
            )
            return try .json(check)
        }
    }

    static func requireHTTPS(_ text: String) throws {
        guard let url = URLComponents(string: text), url.scheme?.lowercased() == "https", url.host?.isEmpty == false,
            url.user == nil, url.password == nil
        else { throw EmulatorError.invalid("proxy_url", "must be an https URL such as https://example.com/__clerk") }
    }
}

/// A sign-up the hosted sign-up page completed: stored as the Backend API's `sign_up_attempt` object. The page asks
/// for an email address and a password and takes optional names; the address counts as verified (the emulator sends
/// no code), by the invitation's ticket when there is one.
struct SignUpAttempt: Sendable {
    var emailAddress: String
    var firstName: String?
    var lastName: String?
    var byInvitation: Bool

    /// Clerk abandons a sign-up that is not complete within a day.
    static let abandonAfterMillis: Int64 = 86_400_000

    func document(id: String, userID: String, sessionID: String?, now: Int64) -> JSONValue {
        let strategy = byInvitation ? "ticket" : "email_code"
        let verification: JSONValue = [
            "status": "verified", "strategy": .string(strategy), "attempts": byInvitation ? .null : .int(1), "expire_at": .int(now + 600_000),
            "next_action": "", "supported_strategies": [.string(strategy)],
        ]
        return [
            "object": "sign_up_attempt", "id": .string(id), "status": "complete",
            "required_fields": ["email_address", "password"], "optional_fields": ["first_name", "last_name"],
            "missing_fields": [], "unverified_fields": [],
            "verifications": ["email_address": verification, "phone_number": .null, "web3_wallet": .null, "external_account": .null],
            "username": .null, "email_address": .string(emailAddress), "phone_number": .null, "web3_wallet": .null,
            "password_enabled": true,
            "first_name": firstName.map { .string($0) } ?? .null, "last_name": lastName.map { .string($0) } ?? .null,
            "unsafe_metadata": [:], "public_metadata": [:], "custom_action": false, "external_id": .null,
            "created_session_id": sessionID.map { .string($0) } ?? .null, "created_user_id": .string(userID),
            "abandon_at": .int(now + Self.abandonAfterMillis), "legal_accepted_at": .null, "locale": .null,
        ]
    }

    /// Stores the sign-up (in the caller's transaction) and answers its id.
    func store(userID: String, sessionID: String?, _ db: Database) throws -> String {
        let id = EmulatorIDs.make("sua")
        let now = nowMillis()
        try EmulatorStore.insert(
            EmulatorStore.Record(
                id: id, kind: "sign_up", parentID: userID, createdAt: now, updatedAt: now, sortKey: nil,
                doc: document(id: id, userID: userID, sessionID: sessionID, now: now), secret: nil
            ),
            db
        )
        return id
    }
}
