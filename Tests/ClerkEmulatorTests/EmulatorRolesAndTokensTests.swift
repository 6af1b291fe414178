import ClerkBackend
import ClerkEmulator
import Foundation
import Testing
import HTTPTypes

/// Clerk's header categories, as the emulator must set them.
private let sessionCategory = "cl_B7d4PD111AAA"
private let templateCategory = "cl_B7d4PD222AAA"

/// `authenticateRequest` on a Bearer token, with the emulator's publishable key.
private func authenticate(_ clerk: ClerkClient, _ emulator: RunningEmulator, _ token: String) async throws -> RequestState {
    try await clerk.authenticateRequest(
        ClerkRequest(method: .get, url: "http://localhost:3000/api/reports", headers: [("Authorization", "Bearer \(token)")]),
        options: AuthenticateRequestOptions(publishableKey: emulator.publishableKey)
    )
}

/// A role from the default list by key.
private func role(_ clerk: ClerkClient, key: String) async throws -> Role {
    let roles = try await clerk.organizationRoles.getOrganizationRoleList(ListOrganizationRolesQuery(query: key))
    return try #require(roles.data.first { $0.key == key })
}

@Suite("Emulator: token categories, JWT-template claims, organization roles and permissions")
struct EmulatorRolesAndTokensTests {
    @Test("Session tokens carry cat cl_B7d4PD111AAA and JWT-template tokens cat cl_B7d4PD222AAA; the SDK refuses a template token as a session")
    func tokenCategories() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["cat@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            #expect(try decodeJWT(token).header.cat == sessionCategory)
            #expect(try await authenticate(clerk, emulator, token).status == .signedIn)

            _ = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "api", claims: ["uid": "{{user.id}}"]))
            let templated = try await clerk.sessions.getToken(sessionID: session.id, template: "api")
            #expect(try decodeJWT(templated).header.cat == templateCategory)
            // Verifiable as a JWT of the instance, never a session token.
            #expect(try await clerk.verifyToken(templated)["uid"] == .string(user.id))
            let refused = try await authenticate(clerk, emulator, templated)
            #expect(refused.status == .signedOut && refused.reason == .tokenTypeMismatch)
        }
    }

    @Test("A JWT template cannot set a reserved claim: 422 form_param_value_invalid on claims, at creation and on update")
    func reservedTemplateClaims() async throws {
        try await withEmulator { emulator, clerk in
            let victim = try await clerk.users.createUser(CreateUserBody(emailAddress: ["victim@example.com"]))
            let attacker = try await clerk.users.createUser(CreateUserBody(emailAddress: ["attacker@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: attacker.id))

            let reserved = [
                "azp", "exp", "iat", "iss", "jti", "nbf", "sub", "sid", "v", "pla", "fea", "o", "fva", "sts", "act",
                "org_id", "org_slug", "org_role", "org_permissions",
            ]
            for claim in reserved {
                let error = await #expect(throws: ClerkAPIResponseError.self, "\(claim)") {
                    _ = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "t-\(claim)", claims: [claim: .string(victim.id)]))
                }
                #expect(error?.status == 422 && error?.firstCode == "form_param_value_invalid", "\(claim)")
                #expect(error?.errors.first?.meta?["param_name"] == "claims", "\(claim)")
            }
            #expect(try await clerk.jwtTemplates.list().totalCount == 0)

            // Clerk's error shape on the wire.
            let raw = try await rawRequest(
                emulator, "POST", "/v1/jwt_templates", key: emulator.secretKey,
                body: #"{"name":"impersonate","claims":{"sub":"\#(victim.id)","role":"x"}}"#
            )
            #expect(raw.status == 422)
            let entry = raw.json?["errors"]?[0]
            #expect(entry?["code"] == "form_param_value_invalid" && entry?["meta"]?["param_name"] == "claims")
            #expect(entry?["message"]?.stringValue?.isEmpty == false && entry?["long_message"]?.stringValue?.contains("sub") == true)

            // Updating an allowed template to a reserved claim is refused too, and leaves it unchanged.
            let template = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "api", claims: ["uid": "{{user.id}}"]))
            let update = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.jwtTemplates.update(template.id, UpdateJWTTemplateBody(name: "api", claims: ["sub": .string(victim.id)]))
            }
            #expect(update?.status == 422 && update?.errors.first?.meta?["param_name"] == "claims")
            let token = try await clerk.sessions.getToken(sessionID: session.id, template: "api")
            let claims = try await clerk.verifyToken(token)
            #expect(claims.sub == attacker.id && claims["uid"] == .string(attacker.id))
        }
    }

    @Test("Template tokens hold the default claims and the template's, none bound to the session (sid, v, fva, o, fea)")
    func templateTokenClaims() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(firstName: "Ada", emailAddress: ["ada@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Engines", createdBy: user.id))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: organization.id))
            _ = try await clerk.jwtTemplates.create(
                CreateJWTTemplateBody(name: "api", claims: ["name": "{{user.first_name}}", "aud": "my-api"], lifetime: 300)
            )
            let token = try await clerk.sessions.getToken(sessionID: session.id, template: "api")
            let claims = try await clerk.verifyToken(token, options: VerifyTokenOptions(audience: ["my-api"]))
            #expect(Set(claims.raw.keys) == ["sub", "iss", "iat", "nbf", "exp", "jti", "name", "aud"])
            #expect(claims.sub == user.id && claims.iss == emulator.issuer && claims["name"] == "Ada")
            #expect((claims.exp ?? 0) - (claims.iat ?? 0) == 300)

            // The plain session token of the same session keeps its session claims.
            let sessionClaims = try await clerk.verifyToken(try await clerk.sessions.getToken(sessionID: session.id))
            #expect(sessionClaims.sid == session.id && sessionClaims.version == 2 && sessionClaims["fva"] != nil)
            #expect(sessionClaims["o"]?["id"] == .string(organization.id))
        }
    }

    @Test("Default roles org:admin and org:member and the system permissions exist; roles and permissions are managed through the API")
    func rolesAndPermissions() async throws {
        try await withEmulator { emulator, clerk in
            let admin = try await role(clerk, key: "org:admin")
            let member = try await role(clerk, key: "org:member")
            #expect(admin.name == "Admin" && admin.isCreatorEligible && Set(admin.permissions.map(\.key)).count == 6)
            #expect(admin.permissions.allSatisfy { $0.key.hasPrefix("org:sys_") && $0.type == "system" })
            #expect(member.permissions.map(\.key) == ["org:sys_memberships:read"] && !member.isCreatorEligible)
            let system = try await clerk.organizationPermissions.getOrganizationPermissionList()
            #expect(system.totalCount == 6)

            // Permissions: key rules, uniqueness, system ones read-only.
            let read = try await clerk.organizationPermissions.createOrganizationPermission(
                CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read", description: "See reports")
            )
            #expect(read.type == "custom" && read.id.hasPrefix("perm_") && read.description == "See reports")
            for key in ["org:sys_reports:read", "org:reports", "reports:read", "org:Reports:read", "org:reports:read:all"] {
                let error = await #expect(throws: ClerkAPIResponseError.self, "\(key)") {
                    _ = try await clerk.organizationPermissions.createOrganizationPermission(CreateOrganizationPermissionBody(name: "x", key: key))
                }
                #expect(error?.status == 422, "\(key)")
            }
            let duplicate = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizationPermissions.createOrganizationPermission(CreateOrganizationPermissionBody(name: "Again", key: "org:reports:read"))
            }
            #expect(duplicate?.firstCode == "form_identifier_exists")
            let systemID = try #require(admin.permissions.first?.id)
            let systemChange = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizationPermissions.deleteOrganizationPermission(systemID)
            }
            #expect(systemChange?.status == 403)
            let manage = try await clerk.organizationPermissions.createOrganizationPermission(
                CreateOrganizationPermissionBody(name: "Manage reports", key: "org:reports:manage")
            )
            let found = try await clerk.organizationPermissions.getOrganizationPermissionList(ListOrganizationPermissionsQuery(query: "reports", orderBy: "key"))
            #expect(found.data.map(\.key) == ["org:reports:manage", "org:reports:read"])

            // Roles: create with permissions, assign, remove.
            let analyst = try await clerk.organizationRoles.createOrganizationRole(
                CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", description: "Reads reports", permissions: [read.id])
            )
            #expect(analyst.key == "org:analyst" && analyst.permissions.map(\.key) == ["org:reports:read"] && analyst.id.hasPrefix("role_"))
            let badKey = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Bad", key: "analyst"))
            }
            #expect(badKey?.status == 422)
            let takenKey = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Again", key: "org:analyst"))
            }
            #expect(takenKey?.firstCode == "form_identifier_exists")
            let unknownPermission = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "X", key: "org:x", permissions: ["perm_missing"]))
            }
            #expect(unknownPermission?.status == 404)
            let assigned = try await clerk.organizationRoles.assignPermissionToOrganizationRole(organizationRoleID: analyst.id, permissionID: manage.id)
            #expect(assigned.permissions.map(\.key) == ["org:reports:read", "org:reports:manage"])
            let twice = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizationRoles.assignPermissionToOrganizationRole(organizationRoleID: analyst.id, permissionID: manage.id)
            }
            #expect(twice?.status == 409)
            let removed = try await clerk.organizationRoles.removePermissionFromOrganizationRole(organizationRoleID: analyst.id, permissionID: manage.id)
            #expect(removed.permissions.map(\.key) == ["org:reports:read"])
            #expect(try await clerk.organizationRoles.getOrganizationRole(analyst.id).permissions.map(\.key) == ["org:reports:read"])

            // A membership follows its role: permissions when assigned, and a renamed key.
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["analyst@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Numbers"))
            let membership = try await clerk.organizations.createOrganizationMembership(
                organization.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst")
            )
            #expect(membership.role == "org:analyst" && membership.roleName == "Analyst" && membership.permissions == ["org:reports:read"])
            _ = try await clerk.organizationRoles.updateOrganizationRole(
                analyst.id, UpdateOrganizationRoleBody(name: "Report analyst", key: "org:report_analyst", permissions: [read.id, manage.id])
            )
            let updated = try #require(try await clerk.organizations.getOrganizationMembershipList(organization.id).data.first)
            #expect(updated.role == "org:report_analyst" && updated.roleName == "Report analyst")
            #expect(updated.permissions == ["org:reports:read", "org:reports:manage"])

            // A permission renamed or deleted changes in the roles that hold it.
            _ = try await clerk.organizationPermissions.updateOrganizationPermission(manage.id, UpdateOrganizationPermissionBody(key: "org:reports:write"))
            #expect(try await clerk.organizationRoles.getOrganizationRole(analyst.id).permissions.map(\.key) == ["org:reports:read", "org:reports:write"])
            #expect(try await clerk.organizationPermissions.deleteOrganizationPermission(manage.id).deleted)
            #expect(try await clerk.organizationRoles.getOrganizationRole(analyst.id).permissions.map(\.key) == ["org:reports:read"])

            // A role in use cannot be deleted; an unused one can.
            let inUse = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.organizationRoles.deleteOrganizationRole(analyst.id) }
            #expect(inUse?.status == 422)
            _ = try await clerk.organizations.deleteOrganizationMembership(organizationID: organization.id, userID: user.id)
            #expect(try await clerk.organizationRoles.deleteOrganizationRole(analyst.id).deleted)
            let roles = try await clerk.organizationRoles.getOrganizationRoleList(ListOrganizationRolesQuery(orderBy: "key"))
            #expect(roles.data.map(\.key) == ["org:admin", "org:member"] && roles.totalCount == 2)
            let missing = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.organizationRoles.getOrganizationRole(analyst.id) }
            #expect(missing?.status == 404)
            _ = emulator
        }
    }

    @Test("A membership or invitation with a role the instance does not define is refused (422 on role)")
    func undefinedRoleRefused() async throws {
        try await withEmulator { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["norole@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Roles Inc"))
            for key in ["org:superuser", "admin", "org:ADMIN "] {
                let error = await #expect(throws: ClerkAPIResponseError.self, "\(key)") {
                    _ = try await clerk.organizations.createOrganizationMembership(organization.id, CreateOrganizationMembershipBody(userID: user.id, role: key))
                }
                #expect(error?.status == 422 && error?.errors.first?.meta?["param_name"] == "role", "\(key)")
            }
            #expect(try await clerk.organizations.getOrganizationMembershipList(organization.id).totalCount == 0)

            _ = try await clerk.organizations.createOrganizationMembership(organization.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:member"))
            let update = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.updateOrganizationMembership(
                    organizationID: organization.id, userID: user.id, UpdateOrganizationMembershipBody(role: "org:owner")
                )
            }
            #expect(update?.status == 422)
            let invitation = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.createOrganizationInvitation(
                    organization.id, CreateOrganizationInvitationBody(emailAddress: "new@example.com", role: "org:owner")
                )
            }
            #expect(invitation?.status == 422)
            #expect(try await clerk.organizations.getOrganizationMembershipList(organization.id).data.first?.role == "org:member")
        }
    }

    @Test("A session token of a member carries the v2 o claim of its role; has(permission:) follows the role, per organization")
    func organizationClaimsFromRoles() async throws {
        try await withEmulator { emulator, clerk in
            let read = try await clerk.organizationPermissions.createOrganizationPermission(CreateOrganizationPermissionBody(name: "Read reports", key: "org:reports:read"))
            let analyst = try await clerk.organizationRoles.createOrganizationRole(
                CreateOrganizationRoleBody(name: "Analyst", key: "org:analyst", permissions: [read.id])
            )
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["member@example.com"]))
            let reporting = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Reporting", slug: "reporting"))
            let other = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Other"))
            _ = try await clerk.organizations.createOrganizationMembership(reporting.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:analyst"))
            _ = try await clerk.organizations.createOrganizationMembership(other.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:member"))

            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: reporting.id))
            #expect(session.lastActiveOrganizationID == reporting.id)
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            #expect(try decodeJWT(token).header.cat == sessionCategory)
            let claims = try await clerk.verifyToken(token)
            #expect(claims["o"] == ["id": .string(reporting.id), "slg": "reporting", "rol": "analyst", "per": "read", "fpm": "1"])
            #expect(claims["fea"] == "o:reports")

            let state = try await authenticate(clerk, emulator, token)
            let auth = try #require(state.toAuth())
            #expect(state.status == .signedIn && auth.userID == user.id && auth.orgID == reporting.id)
            #expect(auth.orgRole == "org:analyst" && auth.orgSlug == "reporting")
            #expect(auth.has(permission: "org:reports:read") && auth.has(role: "org:analyst", permission: "reports:read"))
            #expect(!auth.has(permission: "org:reports:manage"))
            #expect(try ClerkAuth(sessionClaims: claims, token: token).has(permission: "org:reports:read"))

            // The other organization's role lacks the permission.
            let otherSession = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: other.id))
            let otherToken = try await clerk.sessions.getToken(sessionID: otherSession.id)
            let otherAuth = try #require(try await authenticate(clerk, emulator, otherToken).toAuth())
            #expect(otherAuth.orgID == other.id && otherAuth.orgRole == "org:member")
            #expect(!otherAuth.has(permission: "org:reports:read"))
            let otherClaims = try await clerk.verifyToken(otherToken)
            #expect(otherClaims["o"]?["per"] == nil && otherClaims["fea"] == nil)

            // No active organization: no o claim, no permission.
            let plain = try await clerk.sessions.getToken(sessionID: try await clerk.sessions.createSession(CreateSessionBody(userID: user.id)).id)
            #expect(try await clerk.verifyToken(plain)["o"] == nil)
            #expect(try await authenticate(clerk, emulator, plain).toAuth()?.has(permission: "org:reports:read") == false)

            // The role changes, and the next token follows it; several features and permissions encode as in Clerk's tokens.
            let manage = try await clerk.organizationPermissions.createOrganizationPermission(CreateOrganizationPermissionBody(name: "Manage reports", key: "org:reports:manage"))
            let teams = try await clerk.organizationPermissions.createOrganizationPermission(CreateOrganizationPermissionBody(name: "Read teams", key: "org:teams:read"))
            _ = try await clerk.organizationRoles.assignPermissionToOrganizationRole(organizationRoleID: analyst.id, permissionID: teams.id)
            _ = try await clerk.organizationRoles.assignPermissionToOrganizationRole(organizationRoleID: analyst.id, permissionID: manage.id)
            let richer = try await clerk.verifyToken(try await clerk.sessions.getToken(sessionID: session.id))
            #expect(richer["fea"] == "o:reports,o:teams")
            #expect(richer["o"]?["per"] == "manage,read" && richer["o"]?["fpm"] == "3,2")
            let richerAuth = try ClerkAuth(sessionClaims: richer, token: "")
            #expect(Set(richerAuth.orgPermissions ?? []) == ["org:reports:manage", "org:reports:read", "org:teams:read"])

            // Removed from the organization: the session's token no longer names it.
            _ = try await clerk.organizations.deleteOrganizationMembership(organizationID: reporting.id, userID: user.id)
            #expect(try await clerk.verifyToken(try await clerk.sessions.getToken(sessionID: session.id))["o"] == nil)
        }
    }

    @Test("createSession's active_organization_id: 404 for an unknown organization, 422 when the user is not a member")
    func activeOrganizationChecked() async throws {
        try await withEmulator { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["outsider@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Closed"))
            let notMember = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: organization.id))
            }
            #expect(notMember?.status == 422 && notMember?.errors.first?.meta?["param_name"] == "active_organization_id")
            let unknown = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id, activeOrganizationID: "org_missing"))
            }
            #expect(unknown?.status == 404)
            #expect(try await clerk.sessions.getSessionList(GetSessionListQuery(userID: user.id)).totalCount == 0)
        }
    }

    @Test("The default roles are created once per database: a deleted one stays deleted after a restart")
    func defaultRolesSeededOnce() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-roles-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("emulator.sqlite").path
        try await withEmulator(databasePath: path) { _, clerk in
            let member = try await role(clerk, key: "org:member")
            // The default role of domain enrollment cannot be deleted: point the setting at the admin role first.
            let refused = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.organizationRoles.deleteOrganizationRole(member.id) }
            #expect(refused?.firstCode == "organization_role_in_use")
            let admin = try await role(clerk, key: "org:admin")
            _ = try await clerk.instance.updateOrganizationSettings(UpdateInstanceOrganizationSettingsBody(domainsDefaultRoleID: admin.id))
            #expect(try await clerk.organizationRoles.deleteOrganizationRole(member.id).deleted)
        }
        try await withEmulator(databasePath: path) { _, clerk in
            let roles = try await clerk.organizationRoles.getOrganizationRoleList()
            #expect(roles.data.map(\.key) == ["org:admin"])
            #expect(try await clerk.organizationPermissions.getOrganizationPermissionList().totalCount == 6)
        }
    }
}
