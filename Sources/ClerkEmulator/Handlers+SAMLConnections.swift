import ClerkBackend
import Foundation
import GRDB

/// SAML connections: an Identity Provider for the users of some email domains.
///
/// A domain belongs to at most one connection of the instance (the `saml_domain` identifiers). A connection is created
/// inactive; it can be activated once its IdP is configured (entity id, SSO URL and certificate, or IdP metadata, or
/// a metadata URL). IdP metadata XML is read for its entity id, SSO URL and signing certificate; a certificate's
/// validity window fills `idp_certificate_issued_at` and `idp_certificate_expires_at`. The emulator never fetches an
/// `idp_metadata_url` and runs no SAML sign-in.
extension EmulatorState {
    static let samlProviders = ["saml_custom", "saml_okta", "saml_google", "saml_microsoft"]
    static let samlLoginHintModes = ["email_address", "custom_attribute", "off"]
    static let samlAttributeKeys: Set<String> = ["user_id", "email_address", "first_name", "last_name"]
    /// The options an update may switch, all booleans.
    static let samlFlags = [
        "sync_user_attributes", "allow_subdomains", "allow_idp_initiated", "disable_additional_identifications",
        "allow_organization_account_linking", "force_authn",
    ]

    static func registerSAMLConnections(_ table: inout [Endpoint: EmulatorHandler]) {
        table[.createSAMLConnection] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let name = try Self.samlConnectionName(body.requiredString("name"))
            let provider = try body.requiredString("provider")
            guard Self.samlProviders.contains(provider) else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "provider must be one of \(Self.samlProviders.joined(separator: ", "))", meta: ["param_name": "provider"]
                )
            }
            guard let domains = try Self.samlDomains(body) else { throw EmulatorError.missing("domains") }
            let idp = try Self.samlIdPMembers(body)
            let attributeMapping = try Self.samlAttributeMapping(body.object["attribute_mapping"], base: Self.defaultSAMLAttributeMapping)
            let loginHint: JSONValue = try Self.samlLoginHint(body.object["login_hint"]) ?? ["mode": "email_address"]
            let forceAuthn = try body.bool("force_authn") ?? false
            let organizationID = try body.string("organization_id").flatMap { $0.isEmpty ? nil : $0 }
            if let organizationID {
                _ = try await state.record(organizationID, kind: "organization", name: "Organization")
            }
            let now = nowMillis()
            let id = EmulatorIDs.make("samlc")
            let issuer = state.keys.issuer
            var doc: [String: JSONValue] = [
                "object": "saml_connection", "id": .string(id), "name": .string(name), "provider": .string(provider),
                "domain": .string(domains[0]), "domains": .array(domains.map { .string($0) }),
                "idp_entity_id": .null, "idp_sso_url": .null, "idp_certificate": .null,
                "idp_certificate_issued_at": .null, "idp_certificate_expires_at": .null,
                "idp_metadata_url": .null, "idp_metadata": .null,
                "acs_url": .string("\(issuer)/v1/saml/acs/\(id)"), "sp_entity_id": .string("\(issuer)/saml/\(id)"),
                "sp_metadata_url": .string("\(issuer)/v1/saml/metadata/\(id)"),
                "organization_id": organizationID.map { .string($0) } ?? .null,
                "attribute_mapping": attributeMapping, "active": false, "authenticatable": false, "user_count": 0,
                "sync_user_attributes": true, "allow_subdomains": false, "allow_idp_initiated": false,
                "disable_additional_identifications": false, "allow_organization_account_linking": false,
                "force_authn": .bool(forceAuthn), "login_hint": loginHint, "disable_jit_provisioning": false,
                "enterprise_connection_id": .null, "created_at": .int(now), "updated_at": .int(now),
            ]
            for (key, value) in idp { doc[key] = value }
            Self.refreshSAMLDerived(&doc)
            let created = JSONValue.object(doc)
            try await state.store.writer.write { db in
                try Self.claimSAMLDomains(domains, connection: id, db)
                try EmulatorStore.insert(
                    EmulatorStore.Record(
                        id: id, kind: "saml_connection", parentID: nil, createdAt: now, updatedAt: now,
                        sortKey: name.lowercased(), doc: created, secret: nil
                    ), db
                )
            }
            return try .json(created)
        }
        table[.listSAMLConnections] = { state, request in
            var conditions = ["kind = 'saml_connection'"]
            var arguments: [any DatabaseValueConvertible] = []
            if let query = request.queryValue("query"), !query.isEmpty {
                conditions.append("LOWER(json_extract(doc, '$.name')) LIKE ? ESCAPE '\\'")
                arguments.append(likePattern(containing: query))
            }
            // `organization_id`: ids to include, or with `-` to exclude (`+` also includes). A `+` the client did not
            // percent-encode arrives as a space.
            let organizationValues = request.queryValues("organization_id")
                .flatMap { $0.split(separator: ",").map(String.init) }
                .filter { !$0.isEmpty }
            guard organizationValues.count <= 100 else {
                throw EmulatorError.invalidQuery("organization_id", "accepts at most 100 organization ids")
            }
            var included: [String] = []
            var excluded: [String] = []
            for value in organizationValues {
                if value.hasPrefix("-") {
                    excluded.append(String(value.dropFirst()))
                } else if value.hasPrefix("+") || value.hasPrefix(" ") {
                    included.append(String(value.dropFirst()))
                } else {
                    included.append(value)
                }
            }
            if !included.isEmpty {
                conditions.append("json_extract(doc, '$.organization_id') IN (\(included.map { _ in "?" }.joined(separator: ",")))")
                arguments += included
            }
            if !excluded.isEmpty {
                conditions.append("COALESCE(json_extract(doc, '$.organization_id'), '') NOT IN (\(excluded.map { _ in "?" }.joined(separator: ",")))")
                arguments += excluded
            }
            let order = try Self.order(
                request, allowed: ["created_at": "created_at", "name": "LOWER(json_extract(doc, '$.name'))"], default: "-created_at"
            )
            return try await state.listRecords(conditions, arguments, request, order: order, wrappedByDefault: true)
        }
        table[.getSAMLConnection] = { state, request in
            .rawJSON(try await state.record(request.path("saml_connection_id"), kind: "saml_connection", name: "SAML Connection").docText)
        }
        table[.updateSAMLConnection] = { state, request in
            let body = BodyReader(object: try request.jsonObject())
            let id = request.path("saml_connection_id")
            let name = try body.string("name").map(Self.samlConnectionName)
            let domains = try Self.samlDomains(body)
            let idp = try Self.samlIdPMembers(body)
            let attributeMapping = body.object["attribute_mapping"]
            let loginHint = try Self.samlLoginHint(body.object["login_hint"])
            let organizationID = try body.string("organization_id")
            let active = try body.bool("active")
            let consent = try body.bool("consent_verified_domains_deletion") ?? false
            var switched: [String: Bool] = [:]
            for flag in Self.samlFlags {
                if let value = try body.bool(flag) { switched[flag] = value }
            }
            let flags = switched
            if let organizationID, !organizationID.isEmpty {
                _ = try await state.record(organizationID, kind: "organization", name: "Organization")
            }
            return try await state.mutate(id, kind: "saml_connection", name: "SAML Connection") { doc, db in
                if let name { doc["name"] = .string(name) }
                if let domains {
                    try Self.claimSAMLDomains(domains, connection: id, db)
                    doc["domains"] = .array(domains.map { .string($0) })
                }
                for (key, value) in idp { doc[key] = value }
                if let organizationID { doc["organization_id"] = organizationID.isEmpty ? .null : .string(organizationID) }
                if let attributeMapping {
                    doc["attribute_mapping"] = try Self.samlAttributeMapping(attributeMapping, base: doc["attribute_mapping"] ?? .null)
                }
                if let loginHint { doc["login_hint"] = loginHint }
                for (key, value) in flags { doc[key] = .bool(value) }
                if let active {
                    if active && doc["active"]?.boolMember != true {
                        guard Self.samlConfigured(doc) else {
                            throw EmulatorError(
                                status: 422, code: "form_param_value_invalid", message: "is invalid",
                                longMessage: "The SAML Connection cannot be activated before its Identity Provider is configured: set idp_entity_id, idp_sso_url and idp_certificate, or idp_metadata, or idp_metadata_url.",
                                meta: ["param_name": "active"]
                            )
                        }
                        let current = (doc["domains"]?.arrayMember ?? []).compactMap(\.stringMember)
                        try state.removeVerifiedDomainConflicts(current, consent: consent, db)
                    }
                    doc["active"] = .bool(active)
                }
                Self.refreshSAMLDerived(&doc)
            }
        }
        table[.deleteSAMLConnection] = { state, request in
            let id = request.path("saml_connection_id")
            try await state.store.writer.write { db in
                guard try EmulatorStore.fetch(id, kind: "saml_connection", db) != nil else {
                    throw EmulatorError.notFound("SAML Connection")
                }
                // Also releases its domains (the identifiers it owns).
                try EmulatorStore.delete(id, db)
            }
            return try deleted("saml_connection", id: id)
        }
    }

    /// The attribute names Clerk reads from the IdP's assertion unless told otherwise.
    static let defaultSAMLAttributeMapping: JSONValue = [
        "user_id": "", "email_address": "mail", "first_name": "firstName", "last_name": "lastName",
    ]

    static func samlConnectionName(_ name: String) throws -> String {
        guard !name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw EmulatorError.missing("name") }
        return name
    }

    /// The connection's domains from `domains`, or from the deprecated `domain`: lower-cased, checked, without
    /// repeats; `nil` when neither is sent.
    static func samlDomains(_ body: BodyReader) throws -> [String]? {
        let raw: [String]
        let parameter: String
        if let value = body.object["domains"], value != .null {
            raw = try body.strings("domains")
            parameter = "domains"
        } else if let single = try body.string("domain") {
            raw = [single]
            parameter = "domain"
        } else {
            return nil
        }
        var domains: [String] = []
        for entry in raw {
            let domain = entry.lowercased().trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: ".")))
            guard isDomainName(domain) else {
                throw EmulatorError.invalid(parameter, "must hold domain names such as example.com")
            }
            guard !commonEmailDomains.contains(domain) else {
                throw EmulatorError(
                    status: 422, code: "form_param_value_invalid", message: "is invalid",
                    longMessage: "\(domain) is a public email provider's domain; a SAML Connection needs the organization's own domain.",
                    meta: ["param_name": .string(parameter)]
                )
            }
            if !domains.contains(domain) { domains.append(domain) }
        }
        guard !domains.isEmpty else { throw EmulatorError.missing(parameter) }
        return domains
    }

    /// Makes `domains` the connection's own, releasing those it had; a domain of another connection is refused.
    static func claimSAMLDomains(_ domains: [String], connection id: String, _ db: Database) throws {
        for domain in domains {
            if let owner = try EmulatorStore.owner(of: domain, kind: "saml_domain", db), owner != id {
                throw EmulatorError(
                    status: 422, code: "saml_connection_domain_exists", message: "is taken",
                    longMessage: "\(domain) is already a domain of another SAML Connection of this instance.",
                    meta: ["param_name": "domains"]
                )
            }
        }
        try EmulatorStore.release(kind: "saml_domain", owner: id, db)
        for domain in domains { try EmulatorStore.claim(domain, kind: "saml_domain", owner: id, db) }
    }

    /// Verified organization domains with automatic invitations or suggestions for these domains stand in the way
    /// of an active connection: removed with the caller's consent, else a 409.
    func removeVerifiedDomainConflicts(_ domains: [String], consent: Bool, _ db: Database) throws {
        guard !domains.isEmpty else { return }
        let ids = try String.fetchAll(
            db,
            sql: """
                SELECT id FROM resources WHERE kind = 'organization_domain'
                AND sort_key IN (\(domains.map { _ in "?" }.joined(separator: ",")))
                AND json_extract(doc, '$.verification.status') = 'verified'
                AND json_extract(doc, '$.enrollment_mode') IN ('automatic_invitation', 'automatic_suggestion')
                """,
            arguments: StatementArguments(domains)
        )
        guard !ids.isEmpty else { return }
        guard consent else {
            throw EmulatorError(
                status: 409, code: "saml_connection_verified_domains_exist", message: "Verified organization domains use these domains",
                longMessage: "Verified organization domains with automatic invitations or suggestions exist for the connection's domains. Send consent_verified_domains_deletion: true to remove them and activate the connection.",
                meta: ["param_name": "consent_verified_domains_deletion"]
            )
        }
        for domainID in ids {
            try emitEvent("organizationDomain.deleted", ["object": "organization_domain", "id": .string(domainID), "deleted": true], db)
            try EmulatorStore.delete(domainID, db)
        }
    }

    /// `domain` (the first of `domains`) and `authenticatable` (active and configured), from the other members.
    static func refreshSAMLDerived(_ doc: inout [String: JSONValue]) {
        let domains = doc["domains"]?.arrayMember ?? []
        doc["domain"] = domains.first ?? ""
        doc["authenticatable"] = .bool(doc["active"]?.boolMember == true && samlConfigured(doc))
    }

    /// Whether the IdP is configured: entity id, SSO URL and certificate, or metadata, or a metadata URL.
    static func samlConfigured(_ doc: [String: JSONValue]) -> Bool {
        func present(_ key: String) -> Bool { !(doc[key]?.stringMember ?? "").isEmpty }
        return present("idp_metadata_url") || present("idp_metadata")
            || (present("idp_entity_id") && present("idp_sso_url") && present("idp_certificate"))
    }

    /// The IdP members a body sets: an empty string clears one; `idp_metadata` fills the entity id, SSO URL and
    /// certificate it holds (taking priority over the individual members).
    static func samlIdPMembers(_ body: BodyReader) throws -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        if let entityID = try body.string("idp_entity_id") {
            members["idp_entity_id"] = entityID.isEmpty ? .null : .string(entityID)
        }
        if let url = try body.string("idp_sso_url") {
            if !url.isEmpty { try checkSAMLURL(url, parameter: "idp_sso_url") }
            members["idp_sso_url"] = url.isEmpty ? .null : .string(url)
        }
        if let certificate = try body.string("idp_certificate") {
            try setSAMLCertificate(certificate, parameter: "idp_certificate", into: &members)
        }
        if let url = try body.string("idp_metadata_url") {
            if !url.isEmpty { try checkSAMLURL(url, parameter: "idp_metadata_url") }
            members["idp_metadata_url"] = url.isEmpty ? .null : .string(url)
        }
        if let metadata = try body.string("idp_metadata") {
            if metadata.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                members["idp_metadata"] = .null
            } else {
                for (key, value) in try parseIdPMetadata(metadata) { members[key] = value }
                members["idp_metadata"] = .string(metadata)
            }
        }
        return members
    }

    static func checkSAMLURL(_ text: String, parameter: String) throws {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            !(url.host ?? "").isEmpty
        else {
            throw EmulatorError.invalid(parameter, "must be an http(s) URL")
        }
    }

    /// Sets `idp_certificate` and its validity window, or clears all three for an empty text.
    static func setSAMLCertificate(_ text: String, parameter: String, into members: inout [String: JSONValue]) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            members["idp_certificate"] = .null
            members["idp_certificate_issued_at"] = .null
            members["idp_certificate_expires_at"] = .null
            return
        }
        let base64 = trimmed.split(whereSeparator: { $0.isNewline }).filter { !$0.hasPrefix("-----") }.joined()
            .filter { !$0.isWhitespace }
        guard let der = Data(base64Encoded: base64), let validity = SAMLCertificateDER.validity(of: [UInt8](der)) else {
            throw EmulatorError.invalid(parameter, "must hold an X.509 certificate (PEM, or base64-encoded DER)")
        }
        members["idp_certificate"] = .string(trimmed)
        members["idp_certificate_issued_at"] = .int(validity.notBefore)
        members["idp_certificate_expires_at"] = .int(validity.notAfter)
    }

    /// The entity id, SSO URL (HTTP-Redirect binding preferred) and signing certificate of IdP metadata XML.
    static func parseIdPMetadata(_ xml: String) throws -> [String: JSONValue] {
        let entityIDs = SAMLMetadataXML.elements("EntityDescriptor", in: xml).compactMap { $0.attributes["entityID"] }
        guard let entityID = entityIDs.first(where: { !$0.isEmpty }) else {
            throw EmulatorError.invalid("idp_metadata", "must be SAML metadata XML: an EntityDescriptor with an entityID")
        }
        var members: [String: JSONValue] = ["idp_entity_id": .string(entityID)]
        let services = SAMLMetadataXML.elements("SingleSignOnService", in: xml).map { $0.attributes }
        let redirect = services.first(where: { ($0["Binding"] ?? "").hasSuffix("HTTP-Redirect") })
        let post = services.first(where: { ($0["Binding"] ?? "").hasSuffix("HTTP-POST") })
        if let location = (redirect ?? post ?? services.first)?["Location"], !location.isEmpty {
            members["idp_sso_url"] = .string(location)
        }
        let certificates = SAMLMetadataXML.elements("X509Certificate", in: xml).map { element in
            element.text.filter { character in !character.isWhitespace }
        }
        if let certificate = certificates.first(where: { !$0.isEmpty }) {
            try setSAMLCertificate(certificate, parameter: "idp_metadata", into: &members)
        }
        return members
    }

    /// `attribute_mapping` merged onto `base`: only the four known members, each a string (`null` leaves one as it is).
    static func samlAttributeMapping(_ value: JSONValue?, base: JSONValue) throws -> JSONValue {
        var mapping = base.objectMembers ?? [:]
        for key in samlAttributeKeys where mapping[key] == nil { mapping[key] = "" }
        guard let value, value != .null else { return .object(mapping) }
        guard case .object(let members) = value else { throw EmulatorError.invalid("attribute_mapping", "must be an object") }
        for (key, member) in members where member != .null {
            guard samlAttributeKeys.contains(key) else {
                throw EmulatorError.invalid("attribute_mapping", "may only set user_id, email_address, first_name and last_name")
            }
            guard case .string(let text) = member else { throw EmulatorError.invalid("attribute_mapping", "\(key) must be a string") }
            mapping[key] = .string(text)
        }
        return .object(mapping)
    }

    /// A checked `login_hint` (`mode`, and `source` which `custom_attribute` needs); `nil` when not sent.
    static func samlLoginHint(_ value: JSONValue?) throws -> JSONValue? {
        guard let value, value != .null else { return nil }
        guard case .object(let members) = value else { throw EmulatorError.invalid("login_hint", "must be an object") }
        for key in members.keys where key != "mode" && key != "source" {
            throw EmulatorError.invalid("login_hint", "may only set mode and source, not \(key.prefix(50))")
        }
        guard let mode = members["mode"]?.stringMember else { throw EmulatorError.missing("login_hint.mode") }
        guard samlLoginHintModes.contains(mode) else {
            throw EmulatorError(
                status: 422, code: "form_param_value_invalid", message: "is invalid",
                longMessage: "login_hint.mode must be one of \(samlLoginHintModes.joined(separator: ", "))",
                meta: ["param_name": "login_hint.mode"]
            )
        }
        var hint: [String: JSONValue] = ["mode": .string(mode)]
        if let source = members["source"], source != .null {
            guard case .string(let text) = source else { throw EmulatorError.invalid("login_hint", "source must be a string") }
            if !text.isEmpty { hint["source"] = .string(text) }
        }
        if mode == "custom_attribute" && hint["source"] == nil { throw EmulatorError.missing("login_hint.source") }
        return .object(hint)
    }
}

/// Start tags of an XML text by local name (the namespace prefix dropped): enough to read SAML metadata.
enum SAMLMetadataXML {
    struct Element: Sendable {
        var attributes: [String: String]
        /// The text after the start tag, up to the next tag.
        var text: String
    }

    static func elements(_ localName: String, in xml: String) -> [Element] {
        var found: [Element] = []
        var rest = Substring(xml)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { break }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            let nameEnd = tag.firstIndex(where: { $0.isWhitespace || $0 == "/" }) ?? tag.endIndex
            let name = tag[..<nameEnd]
            let local = name.split(separator: ":").last.map(String.init) ?? ""
            guard local == localName else { continue }
            let text = rest[..<(rest.firstIndex(of: "<") ?? rest.endIndex)]
            found.append(Element(attributes: attributes(tag[nameEnd...]), text: unescaped(text)))
        }
        return found
    }

    static func attributes(_ text: Substring) -> [String: String] {
        var attributes: [String: String] = [:]
        var rest = text
        while let equals = rest.firstIndex(of: "=") {
            let name = rest[..<equals].trimmingCharacters(in: .whitespacesAndNewlines)
            let value = rest[rest.index(after: equals)...].drop(while: { $0.isWhitespace })
            guard let quote = value.first, quote == "\"" || quote == "'" else { break }
            let inner = value.dropFirst()
            guard let end = inner.firstIndex(of: quote) else { break }
            attributes[name] = unescaped(inner[..<end])
            rest = inner[inner.index(after: end)...]
        }
        return attributes
    }

    static func unescaped(_ text: Substring) -> String {
        guard text.contains("&") else { return String(text) }
        return String(text)
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// Reads the validity window of a DER X.509 certificate (Certificate → TBSCertificate → Validity).
struct SAMLCertificateDER {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        end = bytes.count
    }

    private init(bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    /// NotBefore and NotAfter in epoch milliseconds; `nil` when the bytes are not a certificate.
    static func validity(of der: [UInt8]) -> (notBefore: Int64, notAfter: Int64)? {
        var outer = SAMLCertificateDER(der)
        guard var certificate = outer.enter(0x30) else { return nil }
        guard var tbs = certificate.enter(0x30) else { return nil }
        // [0] version (optional), serialNumber, signature, issuer, then validity.
        if tbs.nextTag == 0xA0 && !tbs.skip(0xA0) { return nil }
        guard tbs.skip(0x02), tbs.skip(0x30), tbs.skip(0x30) else { return nil }
        guard var validity = tbs.enter(0x30) else { return nil }
        guard let notBefore = validity.time(), let notAfter = validity.time() else { return nil }
        return (notBefore, notAfter)
    }

    var nextTag: UInt8? { position < end ? bytes[position] : nil }

    /// The next element's tag and content range (definite lengths only); `nil` at the end or when malformed.
    mutating func next() -> (tag: UInt8, content: Range<Int>)? {
        guard end - position >= 2 else { return nil }
        let tag = bytes[position]
        var index = position + 1
        let first = bytes[index]
        index += 1
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7F)
            guard (1...4).contains(count), end - index >= count else { return nil }
            for _ in 0..<count {
                length = (length << 8) | Int(bytes[index])
                index += 1
            }
        }
        guard end - index >= length else { return nil }
        position = index + length
        return (tag, index..<(index + length))
    }

    /// A reader of the next element's content, when the element has this tag.
    mutating func enter(_ tag: UInt8) -> SAMLCertificateDER? {
        guard let element = next(), element.tag == tag else { return nil }
        return SAMLCertificateDER(bytes: bytes, range: element.content)
    }

    /// Moves past the next element, when it has this tag.
    mutating func skip(_ tag: UInt8) -> Bool {
        guard let element = next() else { return false }
        return element.tag == tag
    }

    /// A UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) in epoch milliseconds.
    mutating func time() -> Int64? {
        guard let element = next() else { return nil }
        let text = Array(bytes[element.content])
        let year: Int
        let base: Int
        switch element.tag {
        case 0x17:
            guard text.count == 13, text[12] == 0x5A, let short = Self.decimal(text, 0, 2) else { return nil }
            year = short < 50 ? 2000 + short : 1900 + short
            base = 2
        case 0x18:
            guard text.count == 15, text[14] == 0x5A, let full = Self.decimal(text, 0, 4) else { return nil }
            year = full
            base = 4
        default:
            return nil
        }
        guard let month = Self.decimal(text, base, 2), (1...12).contains(month),
            let day = Self.decimal(text, base + 2, 2), (1...31).contains(day),
            let hour = Self.decimal(text, base + 4, 2), (0...23).contains(hour),
            let minute = Self.decimal(text, base + 6, 2), (0...59).contains(minute),
            let second = Self.decimal(text, base + 8, 2), (0...60).contains(second)
        else { return nil }
        let days = Int64(Self.daysFromCivil(year: year, month: month, day: day))
        return days * 86_400_000 + Int64(hour * 3600 + minute * 60 + second) * 1000
    }

    static func decimal(_ text: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start >= 0, start + count <= text.count else { return nil }
        var value = 0
        for byte in text[start..<(start + count)] {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
