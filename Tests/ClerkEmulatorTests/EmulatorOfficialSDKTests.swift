import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// What Clerk's official SDKs send and expect, beyond this one: each case failed when the emulator was driven by
/// Clerk's Python SDK.
@Suite("Emulator: what the other official SDKs send and expect")
struct EmulatorOfficialSDKTests {
    @Test("List queries written as numbers (limit=10.0&offset=0.0, as the Python SDK sends them) are read as integers")
    func numericListQueries() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["numbers@example.com"]))
            _ = try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Numbers key", subject: user.id))
            let machine = try await clerk.machines.create(CreateMachineBody(name: "Numbers machine"))
            _ = try await clerk.m2m.createToken(CreateM2MTokenBody(), machineSecretKey: machine.secretKey)
            for path in [
                "/v1/api_keys?subject=\(user.id)&limit=10.0&offset=0.0",
                "/v1/m2m_tokens?subject=\(machine.id)&limit=10.0&offset=0.0",
                "/v1/users?limit=10.0&offset=0.00",
                "/v1/machines?limit=10.0&offset=0.0",
            ] {
                let answer = try await rawRequest(emulator, "GET", path, key: emulator.secretKey)
                #expect(answer.status == 200, "\(path) answered \(answer.status)")
            }
            // A fraction is still refused, with the parameter named; so are other spellings of a number.
            for (path, parameter) in [
                ("/v1/users?limit=10.5", "limit"), ("/v1/users?offset=0.1", "offset"), ("/v1/users?limit=10.", "limit"),
                ("/v1/users?limit=.0", "limit"), ("/v1/users?limit=1e1", "limit"), ("/v1/api_keys?subject=\(user.id)&limit=10.0.0", "limit"),
            ] {
                let answer = try await rawRequest(emulator, "GET", path, key: emulator.secretKey)
                #expect(answer.status == 400 || answer.status == 422, "\(path) answered \(answer.status)")
                #expect(answer.json?["errors"]?[0]?["meta"]?["param_name"] == .string(parameter), "\(path)")
            }
        }
    }

    @Test("Creating an API key answers 201, which every official SDK accepts")
    func apiKeyCreatedStatus() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["status@example.com"]))
            let answer = try await rawRequest(
                emulator, "POST", "/v1/api_keys", key: emulator.secretKey, body: #"{"name":"Status key","subject":"\#(user.id)"}"#
            )
            #expect(answer.status == 201)
            #expect(answer.json?["secret"]?.stringValue?.hasPrefix("ak_") == true)
            // This SDK reads the same answer.
            #expect(try await clerk.apiKeys.create(CreateAPIKeyBody(name: "Second key", subject: user.id)).name == "Second key")
        }
    }

    @Test("Renaming a JWT template frees its old name and takes the new one")
    func jwtTemplateRename() async throws {
        try await withEmulator { _, clerk in
            let first = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "first", claims: ["a": "1"]))
            let second = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "second", claims: ["b": "2"]))
            let renamed = try await clerk.jwtTemplates.update(first.id, UpdateJWTTemplateBody(name: "renamed", claims: ["a": "1"]))
            #expect(renamed.name == "renamed")
            // The old name is free again.
            let reused = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "first", claims: ["c": "3"]))
            #expect(reused.id != first.id)
            // The new name is taken: neither another template nor a new one may use it (in any letter case).
            let clash = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.jwtTemplates.update(second.id, UpdateJWTTemplateBody(name: "Renamed", claims: ["b": "2"]))
            }
            #expect(clash?.status == 422)
            await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.jwtTemplates.create(CreateJWTTemplateBody(name: "renamed", claims: [:]))
            }
            #expect(try await clerk.jwtTemplates.get(second.id).name == "second")
            // Keeping its own name is not a clash.
            #expect(try await clerk.jwtTemplates.update(first.id, UpdateJWTTemplateBody(name: "renamed", claims: ["a": "2"])).name == "renamed")
            #expect(Set(try await clerk.jwtTemplates.list().data.map(\.name)) == ["renamed", "second", "first"])
        }
    }

    @Test("Allow-list and block-list identifiers carry the emulator's own instance id")
    func identifierInstanceID() async throws {
        try await withEmulator { emulator, clerk in
            let allowed = try await clerk.allowlistIdentifiers.createAllowlistIdentifier(
                CreateAllowlistIdentifierBody(identifier: "vip@example.com")
            )
            let blocked = try await clerk.blocklistIdentifiers.createBlocklistIdentifier(
                CreateBlocklistIdentifierBody(identifier: "spam@example.com")
            )
            #expect(emulator.instanceID.hasPrefix("ins_"))
            #expect(allowed.instanceID == emulator.instanceID && blocked.instanceID == emulator.instanceID)
        }
    }

    @Test("A membership with a role the instance does not define is refused, as Clerk refuses it")
    func undefinedRole() async throws {
        try await withEmulator { _, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["role@example.com"]))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Roles Org"))
            let refused = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.organizations.createOrganizationMembership(
                    organization.id, CreateOrganizationMembershipBody(userID: user.id, role: "org:wizard")
                )
            }
            #expect(refused?.status == 422)
            #expect(refused?.errors.first?.meta?["param_name"] == .string("role"))
            // The same for the role new organizations give their creator.
            let setting = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.instance.updateOrganizationSettings(UpdateInstanceOrganizationSettingsBody(creatorRoleID: "org:wizard"))
            }
            #expect(setting?.status == 422)
            #expect(setting?.errors.first?.meta?["param_name"] == .string("creator_role_id"))
            let admin = try await clerk.instance.updateOrganizationSettings(UpdateInstanceOrganizationSettingsBody(creatorRoleID: "org:admin"))
            #expect(admin.creatorRole == "org:admin")
        }
    }
}
