import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Reads raw answers.
private enum EnterpriseRoleSetRaw {
    /// The first error's `code`.
    static func code(_ json: JSONValue?) -> String? { json?["errors"]?.arrayValue?.first?["code"]?.stringValue }

    /// The first error's `meta.param_name`.
    static func parameter(_ json: JSONValue?) -> String? {
        json?["errors"]?.arrayValue?.first?["meta"]?["param_name"]?.stringValue
    }

    /// Whether a JSON object has this member at all.
    static func has(_ json: JSONValue?, _ name: String) -> Bool { json?.objectValue?.keys.contains(name) ?? false }

    /// The JSON text of a value (to look for a secret anywhere in an answer).
    static func text(_ json: JSONValue?) -> String {
        guard let json, let data = try? JSONEncoder().encode(json) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }
}

@Suite("Emulator: enterprise connections and role sets")
struct EmulatorEnterpriseAndRoleSetsTests {
    @Test("Enterprise connections: create (SAML and OIDC), get, list (organization_id, active, paging), update and activate, delete; then 404")
    func enterpriseConnections() async throws {
        try await withEmulator { emulator, clerk in
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Acme"))
            let saml = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(
                    name: "Acme Okta", provider: .samlOkta, domains: ["Acme.com", "acme.io"], organizationID: organization.id,
                    saml: CreateEnterpriseConnectionBody.SAML(
                        idpEntityID: "http://www.okta.com/exk1acme", idpSsoURL: "https://acme.okta.com/app/exk1acme/sso/saml",
                        attributeMapping: CreateEnterpriseConnectionBody.SAML.AttributeMapping(emailAddress: "email")
                    )
                )
            )
            #expect(saml.id.hasPrefix("entc_") && saml.object == .enterpriseConnection)
            #expect(saml.name == "Acme Okta" && saml.provider == "saml_okta" && saml.organizationID == organization.id)
            #expect(saml.domains == ["acme.com", "acme.io"], "lower-cased")
            #expect(!saml.active && saml.syncUserAttributes == true && saml.allowOrganizationAccountLinking == false)
            #expect(saml.oauthConfig == nil && saml.customAttributes == [] && saml.createdAt == saml.updatedAt)
            let samlConnection = try #require(saml.samlConnection)
            let samlID = try #require(samlConnection.id)
            #expect(samlID.hasPrefix("samlc_") && samlConnection.name == "Acme Okta" && samlConnection.active == false)
            #expect(samlConnection.idpEntityID == "http://www.okta.com/exk1acme")
            #expect(samlConnection.idpSsoURL == "https://acme.okta.com/app/exk1acme/sso/saml" && samlConnection.idpMetadataURL == nil)
            #expect(samlConnection.acsURL == emulator.issuer + "/v1/saml/acs/\(samlID)")
            #expect(samlConnection.spMetadataURL == emulator.issuer + "/v1/saml/metadata/\(samlID)")
            #expect(samlConnection.loginHint?.mode == .emailAddress && samlConnection.forceAuthn == false)
            let rawSAML = try await rawRequest(emulator, "GET", "/v1/enterprise_connections/\(saml.id)", key: emulator.secretKey)
            #expect(rawSAML.status == 200 && rawSAML.json?["authenticatable"] == false && rawSAML.json?["disable_jit_provisioning"] == false)
            #expect(!EnterpriseRoleSetRaw.has(rawSAML.json?["saml_connection"], "attribute_mapping"), "settings the API never shows stay hidden")
            #expect(!EnterpriseRoleSetRaw.has(rawSAML.json?["saml_connection"], "idp_certificate"))

            let oidc = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(
                    name: "Globex GitHub", provider: .oidcGithubEnterprise, domains: ["globex.com"],
                    oidc: CreateEnterpriseConnectionBody.Oidc(
                        clientID: "client-123", clientSecret: "oidc-s3cret-value",
                        discoveryURL: "https://github.globex.com/.well-known/openid-configuration"
                    ),
                    customAttributes: [
                        CreateEnterpriseConnectionBody.CustomAttributes(name: "Department", key: "department", ssoPath: "dept", scimPath: "urn:dept")
                    ]
                )
            )
            #expect(oidc.provider == "oidc_github_enterprise" && oidc.samlConnection == nil && oidc.organizationID == nil)
            let oauth = try #require(oidc.oauthConfig)
            #expect(oauth.providerKey?.hasPrefix("oidc_ghe_") == true && oauth.clientID == "client-123" && oauth.name == "Globex GitHub")
            #expect(oauth.discoveryURL == "https://github.globex.com/.well-known/openid-configuration" && oauth.requiresPkce == false)
            let attribute = try #require(oidc.customAttributes?.first)
            #expect(attribute.key == "department" && attribute.ssoPath == "dept" && attribute.scimPath == "urn:dept")
            #expect(attribute.directoryPath == "urn:dept" && attribute.multiValued == false)
            let rawOIDC = try await rawRequest(emulator, "GET", "/v1/enterprise_connections/\(oidc.id)", key: emulator.secretKey)
            #expect(rawOIDC.status == 200 && !EnterpriseRoleSetRaw.text(rawOIDC.json).contains("oidc-s3cret-value"), "the client secret is never shown")

            let fetched = try await clerk.enterpriseConnections.getEnterpriseConnection(saml.id)
            #expect(fetched.name == "Acme Okta" && fetched.domains == ["acme.com", "acme.io"] && fetched.createdAt == saml.createdAt)

            let all = try await clerk.enterpriseConnections.getEnterpriseConnectionList()
            #expect(all.totalCount == 2 && all.data.map(\.id) == [oidc.id, saml.id], "newest first")
            let ofOrganization = try await clerk.enterpriseConnections.getEnterpriseConnectionList(ListEnterpriseConnectionsQuery(organizationID: organization.id))
            #expect(ofOrganization.totalCount == 1 && ofOrganization.data.map(\.id) == [saml.id])
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionList(ListEnterpriseConnectionsQuery(active: true)).totalCount == 0)
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionList(ListEnterpriseConnectionsQuery(active: false)).totalCount == 2)
            let page = try await clerk.enterpriseConnections.getEnterpriseConnectionList(ListEnterpriseConnectionsQuery(limit: 1, offset: 1))
            #expect(page.totalCount == 2 && page.data.map(\.id) == [saml.id])

            // Activation needs the IdP's configuration (the certificate, metadata or a metadata URL is missing).
            let notConfigured = try await rawRequest(
                emulator, "PATCH", "/v1/enterprise_connections/\(saml.id)", key: emulator.secretKey, body: #"{"active": true}"#
            )
            #expect(notConfigured.status == 422 && EnterpriseRoleSetRaw.parameter(notConfigured.json) == "active")
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnection(saml.id).active == false)

            let updated = try await clerk.enterpriseConnections.updateEnterpriseConnection(
                saml.id,
                UpdateEnterpriseConnectionBody(
                    name: "Acme SSO", domains: ["acme.com"], active: true, syncUserAttributes: false,
                    saml: UpdateEnterpriseConnectionBody.SAML(
                        name: "Acme SAML", idpMetadataURL: "https://acme.okta.com/app/exk1acme/sso/saml/metadata", forceAuthn: true,
                        loginHint: UpdateEnterpriseConnectionBody.SAML.LoginHint(mode: .off)
                    )
                )
            )
            #expect(updated.name == "Acme SSO" && updated.active && updated.domains == ["acme.com"] && updated.syncUserAttributes == false)
            #expect(updated.samlConnection?.active == true && updated.samlConnection?.name == "Acme SAML" && updated.samlConnection?.forceAuthn == true)
            #expect(updated.samlConnection?.loginHint?.mode == .off && updated.samlConnection?.id == samlID)
            #expect(updated.samlConnection?.idpEntityID == "http://www.okta.com/exk1acme", "members not sent stay as they were")
            #expect(updated.updatedAt >= saml.updatedAt && updated.createdAt == saml.createdAt)
            let rawUpdated = try await rawRequest(emulator, "GET", "/v1/enterprise_connections/\(saml.id)", key: emulator.secretKey)
            #expect(rawUpdated.json?["authenticatable"] == true && rawUpdated.json?["name"] == "Acme SSO")
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionList(ListEnterpriseConnectionsQuery(active: true)).data.map(\.id) == [saml.id])
            // An empty domains list leaves the domains as they are.
            let unchanged = try await clerk.enterpriseConnections.updateEnterpriseConnection(saml.id, UpdateEnterpriseConnectionBody(domains: []))
            #expect(unchanged.domains == ["acme.com"])

            // Domains are unique across the instance: acme.io was released, globex.com belongs to the OIDC connection,
            // initech.com to a SAML connection.
            let freed = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(name: "Acme IO", provider: .oidcCustom, domains: ["acme.io"])
            )
            #expect(freed.domains == ["acme.io"] && freed.oauthConfig?.providerKey?.hasPrefix("oidc_custom") == true)
            let taken = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "Copy", "provider": "saml_custom", "domains": ["GLOBEX.com"]}"#
            )
            #expect(taken.status == 422 && EnterpriseRoleSetRaw.parameter(taken.json) == "domains")
            let samlConnection2 = try await rawRequest(
                emulator, "POST", "/v1/saml_connections", key: emulator.secretKey,
                body: #"{"name": "Initech", "provider": "saml_custom", "domains": ["initech.com"]}"#
            )
            #expect(samlConnection2.status == 200)
            let takenBySAML = try await rawRequest(
                emulator, "PATCH", "/v1/enterprise_connections/\(freed.id)", key: emulator.secretKey, body: #"{"domains": ["initech.com"]}"#
            )
            #expect(takenBySAML.status == 422 && EnterpriseRoleSetRaw.parameter(takenBySAML.json) == "domains")
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnection(freed.id).domains == ["acme.io"])

            // Refused: unknown members (top level and nested), a bad URL, a public email domain, an unknown
            // organization, unlinking the organization.
            let unknown = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "X", "provider": "oidc_custom", "domains": ["x-corp.com"], "colour": "red"}"#
            )
            #expect(unknown.status == 422 && EnterpriseRoleSetRaw.parameter(unknown.json) == "colour")
            let nestedUnknown = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "X", "provider": "saml_custom", "domains": ["x-corp.com"], "saml": {"idp_url": "https://idp.x-corp.com"}}"#
            )
            #expect(nestedUnknown.status == 422 && EnterpriseRoleSetRaw.parameter(nestedUnknown.json) == "saml.idp_url")
            let badURL = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "X", "provider": "saml_custom", "domains": ["x-corp.com"], "saml": {"idp_sso_url": "not a url"}}"#
            )
            #expect(badURL.status == 422 && EnterpriseRoleSetRaw.parameter(badURL.json) == "saml.idp_sso_url")
            let publicDomain = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "X", "provider": "oidc_custom", "domains": ["gmail.com"]}"#
            )
            #expect(publicDomain.status == 422 && EnterpriseRoleSetRaw.parameter(publicDomain.json) == "domains")
            let badProvider = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "X", "provider": "ldap", "domains": ["x-corp.com"]}"#
            )
            #expect(badProvider.status == 422 && EnterpriseRoleSetRaw.parameter(badProvider.json) == "provider")
            let noOrganization = try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name": "X", "provider": "oidc_custom", "domains": ["x-corp.com"], "organization_id": "org_2xMissingMissingMissingMis"}"#
            )
            #expect(noOrganization.status == 404)
            let unlink = try await rawRequest(
                emulator, "PATCH", "/v1/enterprise_connections/\(saml.id)", key: emulator.secretKey, body: #"{"organization_id": ""}"#
            )
            #expect(unlink.status == 422 && EnterpriseRoleSetRaw.parameter(unlink.json) == "organization_id")
            let badAttribute = try await rawRequest(
                emulator, "PATCH", "/v1/enterprise_connections/\(oidc.id)", key: emulator.secretKey,
                body: #"{"custom_attributes": [{"name": "A", "key": "a", "scim_path": "x", "directory_path": "y"}]}"#
            )
            #expect(badAttribute.status == 422 && EnterpriseRoleSetRaw.parameter(badAttribute.json) == "custom_attributes[0].directory_path")
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionList().totalCount == 3, "nothing was created by the refused requests")
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnection(saml.id).organizationID == organization.id)

            let deleted = try await clerk.enterpriseConnections.deleteEnterpriseConnection(saml.id)
            #expect(deleted.deleted && deleted.id == saml.id && deleted.object == "enterprise_connection")
            let gone = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.enterpriseConnections.getEnterpriseConnection(saml.id) }
            #expect(gone?.status == 404 && gone?.firstCode == "resource_not_found")
            for call in [("PATCH", #"{"name": "Again"}"#), ("DELETE", nil)] as [(String, String?)] {
                let answer = try await rawRequest(emulator, call.0, "/v1/enterprise_connections/\(saml.id)", key: emulator.secretKey, body: call.1)
                #expect(answer.status == 404 && EnterpriseRoleSetRaw.code(answer.json) == "resource_not_found", "\(call.0)")
            }
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionList().data.map(\.id) == [freed.id, oidc.id])
            // Its domain is free again.
            let reused = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(name: "Acme again", provider: .samlGoogle, domains: ["acme.com"])
            )
            #expect(reused.domains == ["acme.com"] && reused.samlConnection?.id != samlID)
        }
    }

    @Test("Enterprise connections: enabling removes verified organization domains for the same domains; creating active is refused while they exist")
    func enterpriseConnectionsAndOrganizationDomains() async throws {
        try await withEmulator { emulator, clerk in
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Globex"))
            _ = try await clerk.organizations.createOrganizationDomain(
                organization.id, CreateOrganizationDomainBody(name: "globex.com", enrollmentMode: "automatic_invitation", verified: true)
            )
            let body = #"{"name": "Globex", "provider": "oidc_custom", "domains": ["globex.com"], "active": true, "oidc": {"client_id": "abc", "requires_pkce": true, "auth_url": "https://idp.globex.com/authorize", "token_url": "https://idp.globex.com/token"}}"#
            let refused = try await rawRequest(emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey, body: body)
            #expect(refused.status == 409)
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionList().totalCount == 0)
            #expect(try await clerk.organizations.getOrganizationDomainList(organization.id).totalCount == 1)

            let connection = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(
                    name: "Globex", provider: .oidcCustom, domains: ["globex.com"],
                    oidc: CreateEnterpriseConnectionBody.Oidc(
                        clientID: "abc", authURL: "https://idp.globex.com/authorize", tokenURL: "https://idp.globex.com/token", requiresPkce: true
                    )
                )
            )
            #expect(!connection.active && connection.oauthConfig?.requiresPkce == true)
            let enabled = try await clerk.enterpriseConnections.updateEnterpriseConnection(connection.id, UpdateEnterpriseConnectionBody(active: true))
            #expect(enabled.active)
            #expect(try await clerk.organizations.getOrganizationDomainList(organization.id).totalCount == 0)
            let raw = try await rawRequest(emulator, "GET", "/v1/enterprise_connections/\(connection.id)", key: emulator.secretKey)
            #expect(raw.json?["authenticatable"] == true)

            // An OIDC client without a secret must use PKCE: turning PKCE off leaves it active but not authenticatable.
            let noPKCE = try await clerk.enterpriseConnections.updateEnterpriseConnection(
                connection.id, UpdateEnterpriseConnectionBody(oidc: UpdateEnterpriseConnectionBody.Oidc(requiresPkce: false))
            )
            #expect(noPKCE.active && noPKCE.oauthConfig?.requiresPkce == false)
            let rawNoPKCE = try await rawRequest(emulator, "GET", "/v1/enterprise_connections/\(connection.id)", key: emulator.secretKey)
            #expect(rawNoPKCE.json?["authenticatable"] == false)
            _ = try await clerk.enterpriseConnections.updateEnterpriseConnection(connection.id, UpdateEnterpriseConnectionBody(active: false))
            let notConfigured = try await rawRequest(
                emulator, "PATCH", "/v1/enterprise_connections/\(connection.id)", key: emulator.secretKey, body: #"{"active": true}"#
            )
            #expect(notConfigured.status == 422 && EnterpriseRoleSetRaw.parameter(notConfigured.json) == "active")
        }
    }

    @Test("Enterprise connection test runs: recorded as pending (no IdP is reached), listed with a status filter; unknown connection 404")
    func enterpriseConnectionTestRuns() async throws {
        try await withEmulator { emulator, clerk in
            let saml = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(
                    name: "Acme", provider: .samlCustom, domains: ["acme.com"],
                    saml: CreateEnterpriseConnectionBody.SAML(idpMetadataURL: "https://idp.acme.com/metadata")
                )
            )
            let first = try await clerk.enterpriseConnections.createEnterpriseConnectionTestRun(saml.id)
            #expect(first.url.hasPrefix(emulator.issuer) && first.url.contains(saml.id))
            let second = try await clerk.enterpriseConnections.createEnterpriseConnectionTestRun(saml.id)
            #expect(second.url != first.url)

            let runs = try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(saml.id)
            #expect(runs.totalCount == 2 && runs.data.count == 2)
            #expect(runs.data.allSatisfy { $0.status == .pending && $0.connectionType == .saml && $0.parsedUserInfo == nil })
            #expect(runs.data.allSatisfy { $0.logs?.first?.level == "warning" && $0.logs?.first?.message.isEmpty == false })
            #expect(Set(runs.data.map(\.id)).count == 2 && runs.data.allSatisfy { second.url.contains($0.id) || first.url.contains($0.id) })
            let pending = try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(
                saml.id, query: ListEnterpriseConnectionTestRunsQuery(status: [.pending])
            )
            #expect(pending.totalCount == 2)
            let finished = try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(
                saml.id, query: ListEnterpriseConnectionTestRunsQuery(status: [.success, .failed])
            )
            #expect(finished.totalCount == 0 && finished.data.isEmpty)
            let paged = try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(
                saml.id, query: ListEnterpriseConnectionTestRunsQuery(limit: 1, offset: 1)
            )
            #expect(paged.totalCount == 2 && paged.data.count == 1)
            let badStatus = try await rawRequest(emulator, "GET", "/v1/enterprise_connections/\(saml.id)/test_runs?status=done", key: emulator.secretKey)
            #expect(badStatus.status == 422 && EnterpriseRoleSetRaw.parameter(badStatus.json) == "status")

            // An OIDC connection's runs are OAuth runs, and each connection lists only its own.
            let oidc = try await clerk.enterpriseConnections.createEnterpriseConnection(
                CreateEnterpriseConnectionBody(name: "Globex", provider: .oidcGitlab, domains: ["globex.com"])
            )
            _ = try await clerk.enterpriseConnections.createEnterpriseConnectionTestRun(oidc.id)
            let oidcRuns = try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(oidc.id)
            #expect(oidcRuns.totalCount == 1 && oidcRuns.data.first?.connectionType == .oauth)
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(saml.id).totalCount == 2)

            let missing = "entc_2xMissingMissingMissingMis"
            for method in ["GET", "POST"] {
                let answer = try await rawRequest(emulator, method, "/v1/enterprise_connections/\(missing)/test_runs", key: emulator.secretKey)
                #expect(answer.status == 404 && EnterpriseRoleSetRaw.code(answer.json) == "resource_not_found", "\(method)")
            }
            // A deleted connection's runs go with it.
            _ = try await clerk.enterpriseConnections.deleteEnterpriseConnection(saml.id)
            let afterDelete = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(saml.id)
            }
            #expect(afterDelete?.status == 404)
            #expect(try await clerk.enterpriseConnections.getEnterpriseConnectionTestRunList(oidc.id).totalCount == 1)
        }
    }

    @Test("Role sets: create, get by id and by key, list (query, order_by, paging), update, make initial; refused references")
    func roleSets() async throws {
        try await withEmulator { emulator, clerk in
            let billing = try await clerk.organizationRoles.createOrganizationRole(
                CreateOrganizationRoleBody(name: "Billing", key: "org:billing", description: "Pays the bills")
            )
            _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Viewer", key: "org:viewer"))

            let engineering = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(name: "Engineering Team", defaultRoleKey: "org:member", creatorRoleKey: "org:admin", roles: ["org:admin", "org:member"])
            )
            #expect(engineering.id.hasPrefix("rs_") && engineering.object == .roleSet && engineering.key == "role_set:engineering_team")
            #expect(engineering.type == .custom && engineering.description == nil && engineering.roleSetMigration == nil)
            #expect(engineering.roles.map(\.key) == ["org:admin", "org:member"] && engineering.roles.allSatisfy { $0.object == .roleSetItem })
            #expect(engineering.defaultRole?.key == "org:member" && engineering.creatorRole?.key == "org:admin")
            #expect(engineering.createdAt == engineering.updatedAt)

            let support = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(
                    name: "Support", key: "role_set:support", description: "Helpdesk", defaultRoleKey: "org:billing", creatorRoleKey: "org:admin",
                    type: .initial, roles: ["org:admin", "org:member", "org:billing", "org:member"]
                )
            )
            #expect(support.key == "role_set:support" && support.type == .initial && support.description == "Helpdesk")
            #expect(support.roles.map(\.key) == ["org:admin", "org:member", "org:billing"], "repeats dropped")
            let billingItem = try #require(support.roles.last)
            #expect(billingItem.id == billing.id && billingItem.name == "Billing" && billingItem.description == "Pays the bills")
            #expect(try await clerk.instance.getOrganizationSettings().initialRoleSetKey == "role_set:support")

            let byID = try await clerk.roleSets.getRoleSet(support.id)
            let byKey = try await clerk.roleSets.getRoleSet("role_set:support")
            #expect(byID == byKey && byID.id == support.id && byID.name == "Support")
            let rawByKey = try await rawRequest(emulator, "GET", "/v1/role_sets/role_set:support", key: emulator.secretKey)
            #expect(rawByKey.status == 200 && rawByKey.json?["id"]?.stringValue == support.id)

            let all = try await clerk.roleSets.getRoleSetList()
            #expect(all.totalCount == 2 && all.data.map(\.id) == [support.id, engineering.id], "-created_at by default")
            #expect(try await clerk.roleSets.getRoleSetList(ListRoleSetsQuery(orderBy: "name")).data.map(\.id) == [engineering.id, support.id])
            #expect(try await clerk.roleSets.getRoleSetList(ListRoleSetsQuery(orderBy: "-key")).data.map(\.id) == [support.id, engineering.id])
            #expect(try await clerk.roleSets.getRoleSetList(ListRoleSetsQuery(query: "SUPP")).data.map(\.id) == [support.id])
            #expect(try await clerk.roleSets.getRoleSetList(ListRoleSetsQuery(query: engineering.id)).data.map(\.id) == [engineering.id])
            #expect(try await clerk.roleSets.getRoleSetList(ListRoleSetsQuery(query: "nothing")).totalCount == 0)
            let page = try await clerk.roleSets.getRoleSetList(ListRoleSetsQuery(limit: 1, offset: 1))
            #expect(page.totalCount == 2 && page.data.map(\.id) == [engineering.id])
            let badOrder = try await rawRequest(emulator, "GET", "/v1/role_sets?order_by=roles", key: emulator.secretKey)
            #expect(badOrder.status == 400 && EnterpriseRoleSetRaw.parameter(badOrder.json) == "order_by")

            // Update by key: a new key (the old one no longer finds it), initial (the other set becomes custom).
            let platform = try await clerk.roleSets.updateRoleSet(
                "role_set:engineering_team",
                UpdateRoleSetBody(name: "Platform", key: "role_set:platform", description: "Builds things", type: .initial, defaultRoleKey: "org:admin")
            )
            #expect(platform.id == engineering.id && platform.name == "Platform" && platform.key == "role_set:platform")
            #expect(platform.description == "Builds things" && platform.type == .initial && platform.defaultRole?.key == "org:admin")
            #expect(platform.updatedAt >= engineering.updatedAt && platform.createdAt == engineering.createdAt)
            #expect(try await clerk.roleSets.getRoleSet(support.id).type == .custom)
            #expect(try await clerk.instance.getOrganizationSettings().initialRoleSetKey == "role_set:platform")
            let oldKey = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.roleSets.getRoleSet("role_set:engineering_team") }
            #expect(oldKey?.status == 404 && oldKey?.firstCode == "resource_not_found")
            #expect(try await clerk.roleSets.getRoleSet("role_set:platform").id == engineering.id)
            let cleared = try await rawRequest(emulator, "PATCH", "/v1/role_sets/\(engineering.id)", key: emulator.secretKey, body: #"{"description": null}"#)
            #expect(cleared.status == 200 && cleared.json?["description"] == .null)

            // Roles show as they are now.
            _ = try await clerk.organizationRoles.updateOrganizationRole(billing.id, UpdateOrganizationRoleBody(name: "Finance"))
            #expect(try await clerk.roleSets.getRoleSet(support.id).roles.first { $0.key == "org:billing" }?.name == "Finance")

            // Refused: roles the instance does not define, default/creator roles outside the set, a creator role that
            // cannot manage the organization, a taken or malformed key, an unknown type.
            let refusals: [(method: String, path: String, body: String, parameter: String)] = [
                ("POST", "/v1/role_sets", #"{"name": "X", "roles": ["org:ghost"], "default_role_key": "org:ghost", "creator_role_key": "org:ghost"}"#, "roles"),
                ("POST", "/v1/role_sets", #"{"name": "X", "roles": ["org:admin"], "default_role_key": "org:member", "creator_role_key": "org:admin"}"#, "default_role_key"),
                ("POST", "/v1/role_sets", #"{"name": "X", "roles": ["org:admin", "org:member"], "default_role_key": "org:member", "creator_role_key": "org:member"}"#, "creator_role_key"),
                ("POST", "/v1/role_sets", #"{"name": "X", "key": "role_set:support", "roles": ["org:admin"], "default_role_key": "org:admin", "creator_role_key": "org:admin"}"#, "key"),
                ("POST", "/v1/role_sets", #"{"name": "X", "key": "Support Set", "roles": ["org:admin"], "default_role_key": "org:admin", "creator_role_key": "org:admin"}"#, "key"),
                ("POST", "/v1/role_sets", #"{"name": "X", "roles": [], "default_role_key": "org:admin", "creator_role_key": "org:admin"}"#, "roles"),
                ("POST", "/v1/role_sets", #"{"name": "X", "roles": ["org:admin"], "default_role_key": "org:admin", "creator_role_key": "org:admin", "extra": 1}"#, "extra"),
                ("PATCH", "/v1/role_sets/role_set:support", #"{"default_role_key": "org:viewer"}"#, "default_role_key"),
                ("PATCH", "/v1/role_sets/role_set:support", #"{"creator_role_key": "org:billing"}"#, "creator_role_key"),
                ("PATCH", "/v1/role_sets/role_set:support", #"{"key": "role_set:platform"}"#, "key"),
                ("PATCH", "/v1/role_sets/role_set:support", #"{"type": "custom"}"#, "type"),
            ]
            for refusal in refusals {
                let answer = try await rawRequest(emulator, refusal.method, refusal.path, key: emulator.secretKey, body: refusal.body)
                #expect(answer.status == 422 && EnterpriseRoleSetRaw.parameter(answer.json) == refusal.parameter, "\(refusal.method) \(refusal.body)")
            }
            #expect(try await clerk.roleSets.getRoleSetList().totalCount == 2, "nothing was created by the refused requests")
            let unchanged = try await clerk.roleSets.getRoleSet("role_set:support")
            #expect(unchanged.defaultRole?.key == "org:billing" && unchanged.creatorRole?.key == "org:admin" && unchanged.type == .custom)

            let missing = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.roleSets.getRoleSet("role_set:nothing") }
            #expect(missing?.status == 404)
            let missingUpdate = try await rawRequest(emulator, "PATCH", "/v1/role_sets/rs_2xMissingMissingMissingMiss", key: emulator.secretKey, body: #"{"name": "X"}"#)
            #expect(missingUpdate.status == 404 && EnterpriseRoleSetRaw.code(missingUpdate.json) == "resource_not_found")
        }
    }

    @Test("Role sets: add roles, replace a role, replace the set (the initial one moves); then 404")
    func roleSetRolesAndReplacement() async throws {
        try await withEmulator { emulator, clerk in
            _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Billing", key: "org:billing"))
            _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Viewer", key: "org:viewer"))
            let temporary = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Temporary", key: "org:temporary"))
            let platform = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(
                    name: "Platform", key: "role_set:platform", defaultRoleKey: "org:member", creatorRoleKey: "org:admin", type: .initial,
                    roles: ["org:admin", "org:member"]
                )
            )

            let added = try await clerk.roleSets.addRolesToRoleSet(
                "role_set:platform", AddRolesToRoleSetBody(roleKeys: ["org:billing", "org:viewer"], defaultRoleKey: "org:viewer")
            )
            #expect(added.roles.map(\.key) == ["org:admin", "org:member", "org:billing", "org:viewer"])
            #expect(added.defaultRole?.key == "org:viewer" && added.creatorRole?.key == "org:admin" && added.updatedAt >= platform.updatedAt)
            #expect(try await clerk.roleSets.getRoleSet(platform.id).roles.count == 4)
            for (body, parameter) in [
                (#"{"role_keys": ["org:admin"]}"#, "role_keys"),
                (#"{"role_keys": ["org:ghost"]}"#, "role_keys"),
                (#"{"role_keys": []}"#, "role_keys"),
                (#"{"role_keys": ["org:temporary"], "creator_role_key": "org:temporary"}"#, "creator_role_key"),
            ] {
                let answer = try await rawRequest(emulator, "POST", "/v1/role_sets/\(platform.id)/roles", key: emulator.secretKey, body: body)
                #expect(answer.status == 422 && EnterpriseRoleSetRaw.parameter(answer.json) == parameter, "\(body)")
            }
            #expect(try await clerk.roleSets.getRoleSet(platform.id).roles.count == 4, "refused additions change nothing")

            // Replacing org:viewer (the default role) with org:billing, which the set already has.
            let replaced = try await clerk.roleSets.replaceRoleInRoleSet(
                platform.id, ReplaceRoleInRoleSetBody(roleKey: "org:viewer", toRoleKey: "org:billing")
            )
            #expect(replaced.roles.map(\.key) == ["org:admin", "org:member", "org:billing"] && replaced.defaultRole?.key == "org:billing")
            // Replacing org:member with a role the set does not have yet: it takes its place.
            let swapped = try await clerk.roleSets.replaceRoleInRoleSet(
                "role_set:platform", ReplaceRoleInRoleSetBody(roleKey: "org:member", toRoleKey: "org:viewer")
            )
            #expect(swapped.roles.map(\.key) == ["org:admin", "org:viewer", "org:billing"])
            for (body, parameter) in [
                (#"{"role_key": "org:member", "to_role_key": "org:viewer"}"#, "role_key"),
                (#"{"role_key": "org:billing", "to_role_key": "org:ghost"}"#, "to_role_key"),
                (#"{"role_key": "org:admin", "to_role_key": "org:temporary"}"#, "to_role_key"),
                (#"{"role_key": "org:admin", "to_role_key": "org:admin"}"#, "to_role_key"),
            ] {
                let answer = try await rawRequest(emulator, "POST", "/v1/role_sets/\(platform.id)/roles/replace", key: emulator.secretKey, body: body)
                #expect(answer.status == 422 && EnterpriseRoleSetRaw.parameter(answer.json) == parameter, "\(body)")
            }
            #expect(try await clerk.roleSets.getRoleSet(platform.id).roles.map(\.key) == ["org:admin", "org:viewer", "org:billing"])

            // A role deleted since is left out.
            let support = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(
                    name: "Support", key: "role_set:support", defaultRoleKey: "org:temporary", creatorRoleKey: "org:admin",
                    roles: ["org:admin", "org:temporary"]
                )
            )
            _ = try await clerk.organizationRoles.deleteOrganizationRole(temporary.id)
            let withoutTemporary = try await clerk.roleSets.getRoleSet(support.id)
            #expect(withoutTemporary.roles.map(\.key) == ["org:admin"] && withoutTemporary.defaultRole == nil)

            // Replacing a set: refused for an unknown destination, itself, or mappings outside the two sets.
            let unknownDestination = try await rawRequest(
                emulator, "POST", "/v1/role_sets/\(support.id)/replace", key: emulator.secretKey, body: #"{"dest_role_set_key": "role_set:nothing"}"#
            )
            #expect(unknownDestination.status == 404 && EnterpriseRoleSetRaw.parameter(unknownDestination.json) == "dest_role_set_key")
            let itself = try await rawRequest(
                emulator, "POST", "/v1/role_sets/\(support.id)/replace", key: emulator.secretKey, body: #"{"dest_role_set_key": "role_set:support"}"#
            )
            #expect(itself.status == 422 && EnterpriseRoleSetRaw.parameter(itself.json) == "dest_role_set_key")
            let badMapping = try await rawRequest(
                emulator, "POST", "/v1/role_sets/\(support.id)/replace", key: emulator.secretKey,
                body: #"{"dest_role_set_key": "role_set:platform", "reassignment_mappings": {"org:admin": "org:member"}}"#
            )
            #expect(badMapping.status == 422 && EnterpriseRoleSetRaw.parameter(badMapping.json) == "reassignment_mappings")
            #expect(try await clerk.roleSets.getRoleSetList().totalCount == 2)

            let gone = try await clerk.roleSets.replaceRoleSet(
                "role_set:support", ReplaceRoleSetBody(destRoleSetKey: "role_set:platform", reassignmentMappings: ["org:admin": "org:admin"])
            )
            #expect(gone.deleted && gone.id == support.id && gone.object == "role_set")
            for path in ["/v1/role_sets/\(support.id)", "/v1/role_sets/role_set:support"] {
                let answer = try await rawRequest(emulator, "GET", path, key: emulator.secretKey)
                #expect(answer.status == 404 && EnterpriseRoleSetRaw.code(answer.json) == "resource_not_found", "\(path)")
            }
            let again = try await rawRequest(
                emulator, "POST", "/v1/role_sets/\(support.id)/roles", key: emulator.secretKey, body: #"{"role_keys": ["org:viewer"]}"#
            )
            #expect(again.status == 404)
            #expect(try await clerk.roleSets.getRoleSetList().data.map(\.id) == [platform.id])

            // Replacing the initial set makes the destination initial; the replaced set's key is free again.
            let temp = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(name: "Temp", defaultRoleKey: "org:admin", creatorRoleKey: "org:admin", roles: ["org:admin"])
            )
            #expect(temp.key == "role_set:temp" && temp.type == .custom)
            _ = try await clerk.roleSets.replaceRoleSet(platform.id, ReplaceRoleSetBody(destRoleSetKey: "role_set:temp"))
            #expect(try await clerk.roleSets.getRoleSet("role_set:temp").type == .initial)
            #expect(try await clerk.instance.getOrganizationSettings().initialRoleSetKey == "role_set:temp")
            let reused = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(name: "Platform", key: "role_set:platform", defaultRoleKey: "org:admin", creatorRoleKey: "org:admin", roles: ["org:admin"])
            )
            #expect(reused.id != platform.id && reused.key == "role_set:platform")
            // A generated key that is taken gets a suffix.
            let second = try await clerk.roleSets.createRoleSet(
                CreateRoleSetBody(name: "Temp", defaultRoleKey: "org:admin", creatorRoleKey: "org:admin", roles: ["org:admin"])
            )
            #expect(second.key == "role_set:temp_2")
        }
    }
}
