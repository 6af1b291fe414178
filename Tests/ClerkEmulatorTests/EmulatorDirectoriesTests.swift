import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Helpers of the directory tests.
private enum DirectoryTestSupport {
    /// The first error's `code`.
    static func code(_ json: JSONValue?) -> String? { json?["errors"]?.arrayValue?.first?["code"]?.stringValue }

    /// The first error's `meta.param_name`.
    static func parameter(_ json: JSONValue?) -> String? {
        json?["errors"]?.arrayValue?.first?["meta"]?["param_name"]?.stringValue
    }

    /// Whether a JSON object has this member at all.
    static func has(_ json: JSONValue?, _ name: String) -> Bool { json?.objectValue?.keys.contains(name) ?? false }

    /// A SAML connection (the enterprise connection a directory belongs to), optionally of an organization.
    static func connection(
        _ emulator: RunningEmulator, name: String, domain: String, organizationID: String? = nil
    ) async throws -> String {
        let organization = organizationID.map { #", "organization_id": "\#($0)""# } ?? ""
        let answer = try await rawRequest(
            emulator, "POST", "/v1/saml_connections", key: emulator.secretKey,
            body: #"{"name": "\#(name)", "provider": "saml_custom", "domains": ["\#(domain)"]\#(organization)}"#
        )
        #expect(answer.status == 200)
        return try #require(answer.json?["id"]?.stringValue)
    }

    /// A role of the instance by key.
    static func role(_ clerk: ClerkClient, key: String) async throws -> Role {
        let roles = try await clerk.organizationRoles.getOrganizationRoleList(ListOrganizationRolesQuery(query: key))
        return try #require(roles.data.first { $0.key == key })
    }

    /// The status of a failed SDK call (`nil` when it did not fail with an API error).
    static func status(_ call: () async throws -> Void) async -> Int? {
        do {
            try await call()
            return nil
        } catch let error as ClerkAPIResponseError {
            return error.status
        } catch {
            return nil
        }
    }
}

@Suite("Emulator: directories and SCIM directories")
struct EmulatorDirectoriesTests {
    @Test("Directories: create (API key shown once), get, list (newest first, paging), update, rotate, delete; then 404")
    func directoryLifecycle() async throws {
        try await withEmulator { emulator, clerk in
            let connectionID = try await DirectoryTestSupport.connection(emulator, name: "Acme SSO", domain: "acme.test")
            let created = try await clerk.directories.createDirectory(CreateDirectoryBody(enterpriseConnectionID: connectionID, provider: "okta"))
            #expect(created.object == .directory && created.id.hasPrefix("dir_") && created.id.count == 31)
            #expect(created.name == "Acme SSO", "the name defaults to the enterprise connection's")
            #expect(created.enterpriseConnectionID == connectionID && created.provider == "okta")
            #expect(created.enabled && !created.groupRoleMappingEnabled && created.createdAt == created.updatedAt)
            #expect(created.endpointURL.hasPrefix(emulator.apiURL.absoluteString) && created.endpointURL.hasSuffix("/" + created.id))
            #expect(created.attributeMapping["email_address"] != nil && created.attributeMapping["first_name"] == "name.givenName")
            let firstKey = try #require(created.apiKey)
            #expect(firstKey.hasPrefix("scim_") && firstKey.count == 53)

            // Reads never show the key.
            let fetched = try await clerk.directories.getDirectory(created.id)
            #expect(fetched.id == created.id && fetched.name == "Acme SSO" && fetched.apiKey == nil)
            let raw = try await rawRequest(emulator, "GET", "/v1/directories/\(created.id)", key: emulator.secretKey)
            #expect(raw.status == 200 && raw.json?["object"] == "directory")
            #expect(!DirectoryTestSupport.has(raw.json, "api_key"))

            // A second directory (its own name), listed first; paging.
            let otherConnection = try await DirectoryTestSupport.connection(emulator, name: "Beta SSO", domain: "beta.test")
            let second = try await clerk.directories.createDirectory(
                CreateDirectoryBody(enterpriseConnectionID: otherConnection, name: "Beta directory", provider: "entra_id")
            )
            #expect(second.name == "Beta directory" && second.id != created.id && second.apiKey != firstKey)
            let all = try await clerk.directories.getDirectoryList()
            #expect(all.totalCount == 2 && all.data.map(\.id) == [second.id, created.id])
            #expect(all.data.allSatisfy { $0.apiKey == nil })
            let page = try await clerk.directories.getDirectoryList(ListDirectoriesQuery(limit: 1, offset: 1))
            #expect(page.totalCount == 2 && page.data.map(\.id) == [created.id])

            // One directory per enterprise connection; the connection must exist; provider is required.
            let again = try await rawRequest(
                emulator, "POST", "/v1/directories", key: emulator.secretKey,
                body: #"{"enterprise_connection_id": "\#(connectionID)", "provider": "okta"}"#
            )
            #expect(again.status == 422 && DirectoryTestSupport.code(again.json) == "form_identifier_exists")
            #expect(DirectoryTestSupport.parameter(again.json) == "enterprise_connection_id")
            let unknown = try await rawRequest(
                emulator, "POST", "/v1/directories", key: emulator.secretKey,
                body: #"{"enterprise_connection_id": "samlc_unknown", "provider": "okta"}"#
            )
            #expect(unknown.status == 422 && DirectoryTestSupport.parameter(unknown.json) == "enterprise_connection_id")
            let noProvider = try await rawRequest(
                emulator, "POST", "/v1/directories", key: emulator.secretKey, body: #"{"enterprise_connection_id": "\#(connectionID)"}"#
            )
            #expect(noProvider.status == 422 && DirectoryTestSupport.code(noProvider.json) == "form_param_missing")
            #expect(try await clerk.directories.getDirectoryList().totalCount == 2)

            // Update: name, enabled, provider, attribute mapping merged (null removes an entry).
            let updated = try await clerk.directories.updateDirectory(
                created.id,
                UpdateDirectoryBody(name: "Okta directory", enabled: false, provider: "okta_custom", attributeMapping: ["department": "urn:department"])
            )
            #expect(updated.name == "Okta directory" && !updated.enabled && updated.provider == "okta_custom")
            #expect(updated.attributeMapping["department"] == "urn:department" && updated.attributeMapping["first_name"] == "name.givenName")
            #expect(updated.updatedAt >= created.updatedAt && updated.createdAt == created.createdAt && updated.apiKey == nil)
            let removed = try await rawRequest(
                emulator, "PATCH", "/v1/directories/\(created.id)", key: emulator.secretKey,
                body: #"{"attribute_mapping": {"first_name": null}}"#
            )
            #expect(removed.status == 200 && !DirectoryTestSupport.has(removed.json?["attribute_mapping"], "first_name"))
            #expect(removed.json?["attribute_mapping"]?["department"] == "urn:department")
            let blank = try await rawRequest(emulator, "PATCH", "/v1/directories/\(created.id)", key: emulator.secretKey, body: #"{"name": "  "}"#)
            #expect(blank.status == 422 && DirectoryTestSupport.parameter(blank.json) == "name")
            let badMapping = try await rawRequest(
                emulator, "PATCH", "/v1/directories/\(created.id)", key: emulator.secretKey, body: #"{"attribute_mapping": {"x": 1}}"#
            )
            #expect(badMapping.status == 422 && DirectoryTestSupport.parameter(badMapping.json) == "attribute_mapping")
            #expect(try await clerk.directories.getDirectory(created.id).name == "Okta directory")

            // Rotation: a new key, shown only in that answer.
            let rotated = try await clerk.directories.rotateDirectoryAPIKey(created.id)
            let secondKey = try #require(rotated.apiKey)
            #expect(secondKey != firstKey && secondKey.hasPrefix("scim_") && rotated.name == "Okta directory")
            #expect(try await clerk.directories.getDirectory(created.id).apiKey == nil)
            #expect(try await clerk.directories.rotateDirectoryAPIKey(created.id).apiKey != secondKey)

            // Delete, then every operation on it is 404; the connection can have a new directory.
            let deleted = try await clerk.directories.deleteDirectory(created.id)
            #expect(deleted.object == "directory" && deleted.id == created.id && deleted.deleted)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.directories.getDirectory(created.id) } == 404)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.directories.deleteDirectory(created.id) } == 404)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.directories.rotateDirectoryAPIKey(created.id) } == 404)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.directories.updateDirectory(created.id, UpdateDirectoryBody(name: "x")) } == 404)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.directories.getDirectoryGroupRoleMappingList(created.id) } == 404)
            #expect(try await clerk.directories.getDirectoryList().data.map(\.id) == [second.id])
            let replacement = try await clerk.directories.createDirectory(CreateDirectoryBody(enterpriseConnectionID: connectionID, provider: "okta"))
            #expect(replacement.id != created.id)

            // Unknown ids.
            let missing = try await rawRequest(emulator, "GET", "/v1/directories/dir_unknown", key: emulator.secretKey)
            #expect(missing.status == 404 && DirectoryTestSupport.code(missing.json) == "resource_not_found")
            #expect(try await rawRequest(emulator, "DELETE", "/v1/scim_directories/dir_unknown", key: emulator.secretKey).status == 404)
            #expect(try await rawRequest(emulator, "POST", "/v1/scim_directories/dir_unknown/rotate_api_key", key: emulator.secretKey).status == 404)
        }
    }

    @Test("SCIM directories are the same directories: created through one path, read, changed and deleted through the other")
    func scimDirectoriesShareTheStore() async throws {
        try await withEmulator { emulator, clerk in
            let connectionID = try await DirectoryTestSupport.connection(emulator, name: "Gamma SSO", domain: "gamma.test")
            let created = try await clerk.scimDirectories.createSCIMDirectory(
                CreateSCIMDirectoryBody(enterpriseConnectionID: connectionID, name: "Gamma", provider: "okta")
            )
            #expect(created.object == .scimDirectory && created.name == "Gamma" && created.apiKey != nil)

            let viaDirectories = try await clerk.directories.getDirectory(created.id)
            #expect(viaDirectories.object == .directory && viaDirectories.name == "Gamma" && viaDirectories.endpointURL == created.endpointURL)
            #expect(try await clerk.directories.getDirectoryList().data.map(\.id) == [created.id])
            let scimList = try await clerk.scimDirectories.getSCIMDirectoryList()
            #expect(scimList.totalCount == 1 && scimList.data.first?.object == .scimDirectory)

            _ = try await clerk.directories.updateDirectory(created.id, UpdateDirectoryBody(name: "Gamma (renamed)"))
            let viaSCIM = try await clerk.scimDirectories.getSCIMDirectory(created.id)
            #expect(viaSCIM.name == "Gamma (renamed)" && viaSCIM.apiKey == nil)
            let updated = try await clerk.scimDirectories.updateSCIMDirectory(created.id, UpdateSCIMDirectoryBody(enabled: false))
            #expect(!updated.enabled && updated.object == .scimDirectory)
            #expect(try await clerk.directories.getDirectory(created.id).enabled == false)

            let rotated = try await clerk.scimDirectories.rotateSCIMDirectoryAPIKey(created.id)
            #expect(rotated.apiKey != nil && rotated.apiKey != created.apiKey && rotated.object == .scimDirectory)

            let deleted = try await clerk.scimDirectories.deleteSCIMDirectory(created.id)
            #expect(deleted.object == "scim_directory" && deleted.id == created.id && deleted.deleted)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.directories.getDirectory(created.id) } == 404)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.scimDirectories.getSCIMDirectory(created.id) } == 404)
            #expect(try await clerk.scimDirectories.getSCIMDirectoryList().totalCount == 0)
        }
    }

    @Test("Group role mappings: created with the directory and one by one (precedence), listed, replaced, deleted; undefined roles refused")
    func groupRoleMappings() async throws {
        try await withEmulator { emulator, clerk in
            let admin = try await DirectoryTestSupport.role(clerk, key: "org:admin")
            let member = try await DirectoryTestSupport.role(clerk, key: "org:member")
            let connectionID = try await DirectoryTestSupport.connection(emulator, name: "Delta SSO", domain: "delta.test")
            let directory = try await clerk.directories.createDirectory(
                CreateDirectoryBody(
                    enterpriseConnectionID: connectionID, provider: "okta",
                    groupRoleMappings: [
                        .init(directoryGroupID: "grp-admins", directoryGroupDisplayName: "Admins", roleID: admin.id),
                        .init(scimGroupID: "grp-staff", roleID: member.id),
                    ]
                )
            )
            #expect(directory.groupRoleMappingEnabled, "creating with mappings turns group role mapping on")
            let initial = try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id)
            #expect(initial.totalCount == 2 && initial.data.map(\.directoryGroupID) == ["grp-admins", "grp-staff"])
            #expect(initial.data.map(\.precedence) == [1, 2] && initial.data.map { $0.role?.key } == ["org:admin", "org:member"])
            #expect(initial.data.map(\.directoryGroupDisplayName) == ["Admins", ""] && initial.data.map(\.scimGroupDisplayName) == ["Admins", ""])
            #expect(initial.data.allSatisfy { $0.object == .directoryGroupRoleMapping && $0.directoryID == directory.id && $0.scimDirectoryID == directory.id })
            #expect(initial.data.allSatisfy { $0.scimGroupID == $0.directoryGroupID })
            let staffID = try #require(initial.data.last?.id)

            // One by one: appended, or at a precedence (the others move down).
            let ops = try await clerk.directories.createDirectoryGroupRoleMapping(directory.id, .init(directoryGroupID: "grp-ops", roleID: member.id))
            #expect(ops.object == .directoryGroupRoleMapping && ops.precedence == 3 && ops.role?.id == member.id)
            let owners = try await clerk.directories.createDirectoryGroupRoleMapping(
                directory.id, .init(directoryGroupID: "grp-owners", roleID: admin.id, precedence: 1)
            )
            #expect(owners.precedence == 1)
            let reordered = try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id)
            #expect(reordered.data.map(\.directoryGroupID) == ["grp-owners", "grp-admins", "grp-staff", "grp-ops"])
            #expect(reordered.data.map(\.precedence) == [1, 2, 3, 4])

            // Through the SCIM path: the same mappings, with its own object.
            let scim = try await clerk.scimDirectories.createSCIMGroupRoleMapping(directory.id, .init(scimGroupID: "grp-scim", roleID: admin.id))
            #expect(scim.object == .scimGroupRoleMapping && scim.precedence == 5 && scim.directoryGroupID == "grp-scim")
            let scimList = try await clerk.scimDirectories.getSCIMGroupRoleMappingList(directory.id)
            #expect(scimList.totalCount == 5 && scimList.data.allSatisfy { $0.object == .scimGroupRoleMapping })

            // Undefined roles, repeated groups and contradictory aliases are refused, and nothing changes.
            let path = "/v1/directories/\(directory.id)/group_role_mappings"
            let undefinedRole = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey, body: #"{"directory_group_id": "grp-x", "role_id": "role_unknown"}"#
            )
            #expect(undefinedRole.status == 422 && DirectoryTestSupport.parameter(undefinedRole.json) == "role_id")
            let undefinedKey = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey, body: #"{"directory_group_id": "grp-x", "role_id": "org:nobody"}"#
            )
            #expect(undefinedKey.status == 422 && DirectoryTestSupport.parameter(undefinedKey.json) == "role_id")
            let repeated = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey, body: #"{"directory_group_id": "grp-ops", "role_id": "\#(admin.id)"}"#
            )
            #expect(repeated.status == 422 && DirectoryTestSupport.code(repeated.json) == "form_identifier_exists")
            let contradictory = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey,
                body: #"{"directory_group_id": "grp-a", "scim_group_id": "grp-b", "role_id": "\#(admin.id)"}"#
            )
            #expect(contradictory.status == 422 && DirectoryTestSupport.parameter(contradictory.json) == "scim_group_id")
            let noGroup = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: #"{"role_id": "\#(admin.id)"}"#)
            #expect(noGroup.status == 422 && DirectoryTestSupport.parameter(noGroup.json) == "directory_group_id")
            let badPrecedence = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey, body: #"{"directory_group_id": "grp-y", "role_id": "\#(admin.id)", "precedence": 0}"#
            )
            #expect(badPrecedence.status == 422 && DirectoryTestSupport.parameter(badPrecedence.json) == "precedence")
            let badReplace = try await rawRequest(
                emulator, "PUT", path, key: emulator.secretKey, body: #"{"mappings": [{"directory_group_id": "grp-z", "role_id": "role_unknown"}]}"#
            )
            #expect(badReplace.status == 422 && DirectoryTestSupport.parameter(badReplace.json) == "mappings[0].role_id")
            let epsilon = try await DirectoryTestSupport.connection(emulator, name: "Eps", domain: "eps.test")
            let undefinedOnCreate = try await rawRequest(
                emulator, "POST", "/v1/directories", key: emulator.secretKey,
                body: #"{"enterprise_connection_id": "\#(epsilon)", "provider": "okta", "group_role_mappings": [{"directory_group_id": "g", "role_id": "role_unknown"}]}"#
            )
            #expect(undefinedOnCreate.status == 422 && DirectoryTestSupport.parameter(undefinedOnCreate.json) == "group_role_mappings[0].role_id")
            #expect(try await clerk.directories.getDirectoryList().totalCount == 1)
            #expect(try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id).totalCount == 5)

            // Replace: the order sets precedence; a group already mapped keeps its mapping's id.
            let replaced = try await clerk.directories.replaceDirectoryGroupRoleMappings(
                directory.id,
                ReplaceDirectoryGroupRoleMappingsBody(mappings: [.init(directoryGroupID: "grp-staff", roleID: admin.id), .init(scimGroupID: "grp-new", roleID: member.id)])
            )
            #expect(replaced.totalCount == 2 && replaced.data.map(\.directoryGroupID) == ["grp-staff", "grp-new"])
            #expect(replaced.data.map(\.precedence) == [1, 2] && replaced.data.first?.id == staffID && replaced.data.first?.role?.id == admin.id)
            #expect(try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id).data.map(\.id) == replaced.data.map(\.id))

            // Delete one; then it is gone (404), also through the SCIM path.
            let newID = try #require(replaced.data.last?.id)
            let deleted = try await clerk.directories.deleteDirectoryGroupRoleMapping(directoryID: directory.id, mappingID: newID)
            #expect(deleted.object == .directoryGroupRoleMapping && deleted.id == newID && deleted.deleted)
            #expect(await DirectoryTestSupport.status {
                _ = try await clerk.directories.deleteDirectoryGroupRoleMapping(directoryID: directory.id, mappingID: newID)
            } == 404)
            #expect(await DirectoryTestSupport.status {
                _ = try await clerk.scimDirectories.deleteSCIMGroupRoleMapping(scimDirectoryID: directory.id, mappingID: newID)
            } == 404)
            #expect(try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id).data.map(\.id) == [staffID])
            let scimDeleted = try await clerk.scimDirectories.deleteSCIMGroupRoleMapping(scimDirectoryID: directory.id, mappingID: staffID)
            #expect(scimDeleted.object == .scimGroupRoleMapping && scimDeleted.deleted)

            // An empty replacement clears them; a mapping's role deleted later is no longer embedded.
            let reviewer = try await clerk.organizationRoles.createOrganizationRole(CreateOrganizationRoleBody(name: "Reviewer", key: "org:reviewer"))
            _ = try await clerk.directories.createDirectoryGroupRoleMapping(directory.id, .init(directoryGroupID: "grp-review", roleID: reviewer.id))
            _ = try await clerk.organizationRoles.deleteOrganizationRole(reviewer.id)
            let orphaned = try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id)
            #expect(orphaned.totalCount == 1 && orphaned.data.first?.role == nil)
            let cleared = try await clerk.scimDirectories.replaceSCIMGroupRoleMappings(directory.id, ReplaceSCIMGroupRoleMappingsBody(mappings: []))
            #expect(cleared.totalCount == 0 && cleared.data.isEmpty)

            // With group role mapping off, changes are refused (400); listing still works.
            _ = try await clerk.directories.createDirectoryGroupRoleMapping(directory.id, .init(directoryGroupID: "grp-last", roleID: member.id))
            let lastID = try #require(try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id).data.first?.id)
            _ = try await clerk.directories.updateDirectory(directory.id, UpdateDirectoryBody(groupRoleMappingEnabled: false))
            let disabledCreate = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey, body: #"{"directory_group_id": "grp-off", "role_id": "\#(member.id)"}"#
            )
            #expect(disabledCreate.status == 400)
            #expect(try await rawRequest(emulator, "PUT", path, key: emulator.secretKey, body: #"{"mappings": []}"#).status == 400)
            #expect(try await rawRequest(emulator, "DELETE", "\(path)/\(lastID)", key: emulator.secretKey).status == 400)
            #expect(try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id).data.map(\.id) == [lastID])

            // Deleting the directory deletes its mappings; unknown directories are 404.
            _ = try await clerk.directories.deleteDirectory(directory.id)
            #expect(await DirectoryTestSupport.status { _ = try await clerk.scimDirectories.getSCIMGroupRoleMappingList(directory.id) } == 404)
            let unknown = try await rawRequest(
                emulator, "POST", "/v1/scim_directories/dir_unknown/group_role_mappings", key: emulator.secretKey,
                body: #"{"scim_group_id": "g", "role_id": "\#(member.id)"}"#
            )
            #expect(unknown.status == 404)
            #expect(try await rawRequest(emulator, "PUT", "/v1/directories/dir_unknown/group_role_mappings", key: emulator.secretKey, body: #"{"mappings": []}"#).status == 404)
            #expect(try await rawRequest(emulator, "DELETE", "/v1/directories/dir_unknown/group_role_mappings/dgrm_x", key: emulator.secretKey).status == 404)
        }
    }

    @Test("A directory of an organization's connection: mappings need the organization to exist")
    func organizationDirectory() async throws {
        try await withEmulator { emulator, clerk in
            let member = try await DirectoryTestSupport.role(clerk, key: "org:member")
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Zeta"))
            let connectionID = try await DirectoryTestSupport.connection(emulator, name: "Zeta SSO", domain: "zeta.test", organizationID: organization.id)
            let directory = try await clerk.directories.createDirectory(CreateDirectoryBody(enterpriseConnectionID: connectionID, provider: "okta"))
            _ = try await clerk.directories.updateDirectory(directory.id, UpdateDirectoryBody(groupRoleMappingEnabled: true))
            let mapping = try await clerk.directories.createDirectoryGroupRoleMapping(directory.id, .init(directoryGroupID: "grp-zeta", roleID: member.id))
            #expect(mapping.precedence == 1 && mapping.role?.key == "org:member")

            _ = try await clerk.organizations.deleteOrganization(organization.id)
            let path = "/v1/directories/\(directory.id)/group_role_mappings"
            let create = try await rawRequest(
                emulator, "POST", path, key: emulator.secretKey, body: #"{"directory_group_id": "grp-more", "role_id": "\#(member.id)"}"#
            )
            #expect(create.status == 404 && DirectoryTestSupport.code(create.json) == "resource_not_found")
            let replace = try await rawRequest(
                emulator, "PUT", path, key: emulator.secretKey, body: #"{"mappings": [{"directory_group_id": "grp-zeta", "role_id": "\#(member.id)"}]}"#
            )
            #expect(replace.status == 404)
            // Reading and deleting still work.
            #expect(try await clerk.directories.getDirectoryGroupRoleMappingList(directory.id).data.map(\.id) == [mapping.id])
            #expect(try await clerk.directories.deleteDirectoryGroupRoleMapping(directoryID: directory.id, mappingID: mapping.id).deleted)
        }
    }
}
