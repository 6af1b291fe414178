import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Instance protect, communication and OAuth application settings; admin portal link tokens; agent tasks;
/// sign-ups; proxy checks.
@Suite("Emulator: instance protect, communication and OAuth settings; admin portal links; agent tasks; sign-ups; proxy checks")
struct EmulatorInstanceExtrasTests {
    @Test("Protect settings: defaults, a PATCH changes only the members sent, GET reads them back; unknown members refused")
    func protectSettings() async throws {
        try await withEmulator { emulator, clerk in
            let initial = try await clerk.instance.getProtect()
            #expect(initial.object == .instanceProtect)
            #expect(!initial.rulesEnabled && !initial.specterEnabled && !initial.checksBypassed)

            let changed = try await clerk.instance.updateProtect(UpdateInstanceProtectBody(rulesEnabled: true))
            #expect(changed.rulesEnabled && !changed.specterEnabled)
            _ = try await clerk.instance.updateProtect(UpdateInstanceProtectBody(specterEnabled: true))
            let read = try await clerk.instance.getProtect()
            #expect(read.rulesEnabled, "the second PATCH kept rules_enabled")
            #expect(read.specterEnabled && !read.checksBypassed)

            // null leaves a member as it is; false turns it off again.
            let nulled = try await rawRequest(emulator, "PATCH", "/v1/instance/protect", key: emulator.secretKey, body: #"{"rules_enabled": null}"#)
            #expect(nulled.status == 200 && nulled.json?["rules_enabled"] == true)
            let off = try await clerk.instance.updateProtect(UpdateInstanceProtectBody(rulesEnabled: false))
            #expect(!off.rulesEnabled && off.specterEnabled)

            for (body, code) in [
                (#"{"checks_bypassed": true}"#, "form_param_unknown"), (#"{"specter_enabled": "yes"}"#, "form_param_format_invalid"),
            ] {
                let refused = try await rawRequest(emulator, "PATCH", "/v1/instance/protect", key: emulator.secretKey, body: body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json?["errors"]?[0]?["code"]?.stringValue == code, "\(body)")
            }
            #expect(try await clerk.instance.getProtect() == off, "refused PATCHes change nothing")
        }
    }

    @Test("Communication settings: the blocklist is replaced whole, unknown codes dropped, malformed or repeated codes refused")
    func communicationSettings() async throws {
        try await withEmulator { emulator, clerk in
            let initial = try await clerk.instance.getCommunication()
            #expect(initial.object == .instanceCommunication && initial.blockedCountryCodes.isEmpty)

            let blocked = try await clerk.instance.updateCommunication(UpdateInstanceCommunicationBody(blockedCountryCodes: ["RU", "ZZ", "NG"]))
            #expect(blocked.blockedCountryCodes == ["RU", "NG"], "a code that is no country is dropped")
            #expect(try await clerk.instance.getCommunication().blockedCountryCodes == ["RU", "NG"])

            // Omitting the list (or sending null) changes nothing.
            for body in ["{}", #"{"blocked_country_codes": null}"#] {
                let same = try await rawRequest(emulator, "PATCH", "/v1/instance/communication", key: emulator.secretKey, body: body)
                #expect(same.status == 200, "\(body)")
                #expect(same.json?["blocked_country_codes"]?.arrayValue?.compactMap(\.stringValue) == ["RU", "NG"], "\(body)")
            }

            for (body, code) in [
                (#"{"blocked_country_codes": ["ru"]}"#, "form_param_format_invalid"),
                (#"{"blocked_country_codes": ["USA"]}"#, "form_param_format_invalid"),
                (#"{"blocked_country_codes": ["US", "US"]}"#, "form_param_value_invalid"),
                (#"{"blocked_country_codes": "US"}"#, "form_param_format_invalid"),
                (#"{"sms_enabled": true}"#, "form_param_unknown"),
            ] {
                let refused = try await rawRequest(emulator, "PATCH", "/v1/instance/communication", key: emulator.secretKey, body: body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json?["errors"]?[0]?["code"]?.stringValue == code, "\(body)")
            }
            #expect(try await clerk.instance.getCommunication().blockedCountryCodes == ["RU", "NG"])

            let cleared = try await clerk.instance.updateCommunication(UpdateInstanceCommunicationBody(blockedCountryCodes: []))
            #expect(cleared.blockedCountryCodes.isEmpty)
            #expect(try await clerk.instance.getCommunication().blockedCountryCodes.isEmpty)
        }
    }

    @Test("OAuth application settings: defaults, PATCHes keep the other members, null default_scopes goes back to Clerk's defaults")
    func oauthApplicationSettings() async throws {
        try await withEmulator { emulator, clerk in
            let initial = try await clerk.instance.getOAuthApplicationSettings()
            #expect(initial.object == .oauthApplicationSettings && initial.defaultScopes == nil)
            #expect(!initial.dynamicOAuthClientRegistration && !initial.oauthJWTAccessTokens)
            #expect(!initial.clientIDMetadataDocumentsAdvertised && !initial.clientIDMetadataDocumentsOnlyAllowPreRegisteredClients)
            #expect(!initial.clientIDMetadataDocumentsBlockImplicitlyAllowedClients)

            let updated = try await clerk.instance.updateOAuthApplicationSettings(
                UpdateInstanceOAuthApplicationSettingsBody(dynamicOAuthClientRegistration: true, defaultScopes: ["profile", "email", "profile"])
            )
            #expect(updated.dynamicOAuthClientRegistration && !updated.oauthJWTAccessTokens)
            #expect(updated.defaultScopes == ["profile", "email"], "scopes are kept once each")
            _ = try await clerk.instance.updateOAuthApplicationSettings(
                UpdateInstanceOAuthApplicationSettingsBody(oauthJWTAccessTokens: true, clientIDMetadataDocumentsAdvertised: true)
            )
            let read = try await clerk.instance.getOAuthApplicationSettings()
            #expect(read.dynamicOAuthClientRegistration && read.oauthJWTAccessTokens && read.clientIDMetadataDocumentsAdvertised)
            #expect(read.defaultScopes == ["profile", "email"])
            #expect(!read.clientIDMetadataDocumentsOnlyAllowPreRegisteredClients)

            let reset = try await rawRequest(
                emulator, "PATCH", "/v1/instance/oauth_application_settings", key: emulator.secretKey, body: #"{"default_scopes": null}"#
            )
            #expect(reset.status == 200 && reset.json?["default_scopes"]?.isNull == true)
            #expect(reset.json?["dynamic_oauth_client_registration"] == true && reset.json?["oauth_jwt_access_tokens"] == true)
            #expect(try await clerk.instance.getOAuthApplicationSettings().defaultScopes == nil)

            for (body, code) in [
                (#"{"dynamic_client_registration": true}"#, "form_param_unknown"),
                (#"{"default_scopes": ["read write"]}"#, "form_param_format_invalid"),
                (#"{"oauth_jwt_access_tokens": 1}"#, "form_param_format_invalid"),
            ] {
                let refused = try await rawRequest(emulator, "PATCH", "/v1/instance/oauth_application_settings", key: emulator.secretKey, body: body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json?["errors"]?[0]?["code"]?.stringValue == code, "\(body)")
            }
            #expect(try await clerk.instance.getOAuthApplicationSettings().oauthJWTAccessTokens)
        }
    }

    @Test("Admin portal link tokens: create (201, aplt_ id, token once), revoke; unknown ids 404, malformed 400, bad bodies 400")
    func adminPortalLinkTokens() async throws {
        try await withEmulator { emulator, clerk in
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Portal Co"))
            let created = try await clerk.adminPortalLinkTokens.create(
                CreateAdminPortalLinkTokenBody(
                    organizationID: organization.id, itContactID: "usr_it_contact", scopes: ["admin_portal:read"], secondsUntilExpiration: 600
                )
            )
            #expect(created.object == .adminPortalLinkToken)
            #expect(created.id.hasPrefix("aplt_") && created.id.count == 37)
            let hexDigits = created.id.dropFirst(5).allSatisfy { $0.isHexDigit }
            #expect(hexDigits)
            #expect(created.adminPortalLinkID.hasPrefix("apl_") && created.instanceID.hasPrefix("ins_"))
            #expect(created.organizationID == organization.id && created.itContactID == "usr_it_contact")
            #expect(created.scopes == ["admin_portal:read"] && !created.token.isEmpty)
            #expect(!created.revoked && !created.expired && created.revocationReason == nil)
            let expiration = try #require(created.expiration)
            #expect(expiration - created.createdAt == 600_000)

            // No organization: the defaults; the same admin portal link for the whole instance.
            let plain = try await clerk.adminPortalLinkTokens.create()
            #expect(plain.id != created.id && plain.token != created.token)
            #expect(plain.organizationID == nil && plain.itContactID == nil && plain.scopes == nil)
            #expect(plain.adminPortalLinkID == created.adminPortalLinkID)
            #expect(plain.expiration.map { $0 - plain.createdAt } == 3_600_000)
            let rawCreated = try await rawRequest(emulator, "POST", "/v1/admin_portal_link_tokens", key: emulator.secretKey, body: "{}")
            #expect(rawCreated.status == 201)

            let revoked = try await clerk.adminPortalLinkTokens.revoke(created.id, RevokeAdminPortalLinkTokenBody(revocationReason: "offboarded"))
            #expect(revoked.id == created.id && revoked.revoked && revoked.revocationReason == "offboarded")
            #expect(revoked.organizationID == organization.id && !revoked.expired)
            let other = try await clerk.adminPortalLinkTokens.revoke(plain.id)
            #expect(other.revoked && other.revocationReason == nil)

            let unknownID = "aplt_" + String(repeating: "0", count: 32)
            let unknown = try await rawRequest(emulator, "POST", "/v1/admin_portal_link_tokens/\(unknownID)/revoke", key: emulator.secretKey, body: "{}")
            #expect(unknown.status == 404)
            let malformed = try await rawRequest(emulator, "POST", "/v1/admin_portal_link_tokens/apl_123/revoke", key: emulator.secretKey, body: "{}")
            #expect(malformed.status == 400)
            let extra = try await rawRequest(
                emulator, "POST", "/v1/admin_portal_link_tokens/\(created.id)/revoke", key: emulator.secretKey, body: #"{"reason": "x"}"#
            )
            #expect(extra.status == 400 && extra.json?["errors"]?[0]?["code"]?.stringValue == "form_param_unknown")

            let missingOrganization = "org_" + String(repeating: "a", count: 27)
            for body in [#"{"organization_id": "\#(missingOrganization)"}"#, #"{"expires_in": 60}"#, #"{"scopes": [""]}"#] {
                let refused = try await rawRequest(emulator, "POST", "/v1/admin_portal_link_tokens", key: emulator.secretKey, body: body)
                #expect(refused.status == 400, "\(body)")
                #expect(refused.json?["errors"]?[0]?["meta"]?["param_name"] != nil, "\(body)")
            }
        }
    }

    @Test("Agent tasks: create (stable agent_id per name, by user id or identifier), the link signs in once, revoke; errors")
    func agentTasks() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["agent.owner@example.com"]))
            let task = try await clerk.agentTasks.create(
                CreateAgentTaskBody(
                    onBehalfOf: .init(userID: user.id), permissions: .wildcard, agentName: "helper", taskDescription: "Book a table",
                    redirectURL: "http://localhost:3000/done", sessionMaxDurationInSeconds: 600
                )
            )
            #expect(task.object == .agentTask && !task.agentID.isEmpty && task.agentTaskID != task.agentID)
            let url = try #require(task.url)
            #expect(url.hasPrefix("http://\(emulator.frontendHost)/v1/tickets/accept?ticket="))
            #expect(queryValue("redirect_url", in: url) == "http://localhost:3000/done")
            let ticket = try #require(queryValue("ticket", in: url))

            // The same agent name keeps its agent id; a user found by a verified identifier; another name, another agent.
            let second = try await clerk.agentTasks.create(
                CreateAgentTaskBody(
                    onBehalfOf: .init(identifier: "agent.owner@example.com"), permissions: .wildcard, agentName: "helper",
                    taskDescription: "Again", redirectURL: "http://localhost:3000/"
                )
            )
            #expect(second.agentID == task.agentID && second.agentTaskID != task.agentTaskID)
            let third = try await clerk.agentTasks.create(
                CreateAgentTaskBody(
                    onBehalfOf: .init(userID: user.id), permissions: .wildcard, agentName: "another", taskDescription: "Other",
                    redirectURL: "http://localhost:3000/"
                )
            )
            #expect(third.agentID != task.agentID)

            // The link leads to the hosted sign-in page for the user, on behalf of the agent.
            let followed = try await send(
                emulator, "GET", "/v1/tickets/accept?ticket=\(ticket)&redirect_url=" + queryEncode("http://localhost:3000/done"),
                host: emulator.frontendHost
            )
            #expect(followed.status == 303 && (followed.location ?? "").contains("__clerk_ticket=\(ticket)"))
            let page = try await send(emulator, "GET", "/sign-in?__clerk_ticket=\(ticket)", host: emulator.accountsHost)
            #expect(page.status == 200 && page.body.contains(task.agentID))

            // Revoked: the answer has no url, the link no longer works, and a second revoke is refused.
            let revoked = try await clerk.agentTasks.revoke(task.agentTaskID)
            #expect(revoked.agentTaskID == task.agentTaskID && revoked.agentID == task.agentID && revoked.url == nil)
            let revokedPage = try await send(emulator, "GET", "/sign-in?__clerk_ticket=\(ticket)", host: emulator.accountsHost)
            #expect(revokedPage.hiddenField("__clerk_ticket") == nil && !revokedPage.body.contains(task.agentID))
            let again = try await rawRequest(emulator, "POST", "/v1/agents/tasks/\(task.agentTaskID)/revoke", key: emulator.secretKey)
            #expect(again.status == 400)
            let unknown = try await rawRequest(emulator, "POST", "/v1/agents/tasks/agtask_missing/revoke", key: emulator.secretKey)
            #expect(unknown.status == 404)

            let valid = #""permissions": "*", "agent_name": "a", "task_description": "t", "redirect_url": "http://localhost:3000/""#
            let nobody = try await rawRequest(
                emulator, "POST", "/v1/agents/tasks", key: emulator.secretKey, body: #"{"on_behalf_of": {"user_id": "user_nobody"}, \#(valid)}"#
            )
            #expect(nobody.status == 404)
            let noIdentifier = try await rawRequest(
                emulator, "POST", "/v1/agents/tasks", key: emulator.secretKey,
                body: #"{"on_behalf_of": {"identifier": "stranger@example.com"}, \#(valid)}"#
            )
            #expect(noIdentifier.status == 404)
            for body in [
                #"{"on_behalf_of": {}, \#(valid)}"#,
                #"{"on_behalf_of": {"user_id": "\#(user.id)", "identifier": "agent.owner@example.com"}, \#(valid)}"#,
                #"{"on_behalf_of": {"user_id": "\#(user.id)"}, "permissions": "read", "agent_name": "a", "task_description": "t", "redirect_url": "http://localhost:3000/"}"#,
                #"{"on_behalf_of": {"user_id": "\#(user.id)"}, "permissions": "*", "agent_name": "a", "task_description": "t", "redirect_url": "not a url"}"#,
                #"{"on_behalf_of": {"user_id": "\#(user.id)"}, "permissions": "*", "task_description": "t", "redirect_url": "http://localhost:3000/"}"#,
                #"{"on_behalf_of": {"user_id": "\#(user.id)"}, "extra": true, \#(valid)}"#,
            ] {
                let refused = try await rawRequest(emulator, "POST", "/v1/agents/tasks", key: emulator.secretKey, body: body)
                #expect(refused.status == 422, "\(body)")
            }
        }
    }

    @Test("Sign-ups: an unknown id answers 404 to GET and PATCH; a malformed PATCH body is refused first")
    func signUps() async throws {
        try await withEmulator { emulator, clerk in
            do {
                _ = try await clerk.signUps.get("sua_missing")
                Issue.record("GetSignUp answered an unknown id")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == 404 && error.firstCode == "resource_not_found")
            }
            do {
                _ = try await clerk.signUps.update("sua_missing", UpdateSignUpBody(externalID: "ext_1", customAction: true))
                Issue.record("UpdateSignUp changed an unknown id")
            } catch let error as ClerkAPIResponseError {
                #expect(error.status == 404 && error.firstCode == "resource_not_found")
            }
            let cleared = try await rawRequest(emulator, "PATCH", "/v1/sign_ups/sua_missing", key: emulator.secretKey, body: #"{"external_id": null}"#)
            #expect(cleared.status == 404)
            for body in [#"{"custom_action": "yes"}"#, #"{"external_id": 42}"#] {
                let refused = try await rawRequest(emulator, "PATCH", "/v1/sign_ups/sua_missing", key: emulator.secretKey, body: body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json?["errors"]?[0]?["code"]?.stringValue == "form_param_format_invalid", "\(body)")
            }
        }
    }

    @Test("Proxy checks: an https proxy URL of an instance domain is checked successful; one check per domain; errors")
    func proxyChecks() async throws {
        try await withEmulator { emulator, clerk in
            let domains = try await rawRequest(emulator, "GET", "/v1/domains", key: emulator.secretKey)
            let primaryID = try #require(domains.json?["data"]?[0]?["id"]?.stringValue)

            let check = try await clerk.proxyChecks.verify(VerifyDomainProxyBody(domainID: primaryID, proxyURL: "https://example.com/__clerk"))
            #expect(check.object == .proxyCheck && check.domainID == primaryID && check.successful)
            #expect(check.proxyURL == "https://example.com/__clerk" && check.lastRunAt != nil && check.createdAt <= check.updatedAt)
            let again = try await clerk.proxyChecks.verify(VerifyDomainProxyBody(domainID: primaryID, proxyURL: "https://example.com/proxy"))
            #expect(again.id == check.id && again.proxyURL == "https://example.com/proxy" && again.createdAt == check.createdAt)

            // A satellite with a proxy URL: without proxy_url, the domain's own is checked.
            let satellite = try await rawRequest(
                emulator, "POST", "/v1/domains", key: emulator.secretKey,
                body: #"{"name": "satellite.example.com", "is_satellite": true, "proxy_url": "https://satellite.example.com/__clerk"}"#
            )
            let satelliteID = try #require(satellite.json?["id"]?.stringValue)
            let own = try await clerk.proxyChecks.verify(VerifyDomainProxyBody(domainID: satelliteID))
            #expect(own.domainID == satelliteID && own.proxyURL == "https://satellite.example.com/__clerk" && own.id != check.id)

            for (body, code) in [
                (#"{"domain_id": "\#(primaryID)", "proxy_url": "http://example.com/__clerk"}"#, "form_param_format_invalid"),
                (#"{"domain_id": "\#(primaryID)", "proxy_url": "example.com/__clerk"}"#, "form_param_format_invalid"),
                (#"{"domain_id": "\#(primaryID)"}"#, "form_param_missing"),
                (#"{"domain_id": "dmn_missing", "proxy_url": "https://example.com/__clerk"}"#, "form_param_value_invalid"),
                (#"{"proxy_url": "https://example.com/__clerk"}"#, "form_param_missing"),
            ] {
                let refused = try await rawRequest(emulator, "POST", "/v1/proxy_checks", key: emulator.secretKey, body: body)
                #expect(refused.status == 422, "\(body)")
                #expect(refused.json?["errors"]?[0]?["code"]?.stringValue == code, "\(body)")
            }
        }
    }
}
