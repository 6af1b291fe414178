import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// The operations the other suites never call, each answering a success under `withEmulator`'s check against the
/// spec. (Run the suite with `CLERK_CONFORMANCE_LOG=<file>` to list the operations and statuses it exercises.)
@Suite("Emulator: every operation under the conformance check")
struct EmulatorCoverageTests {
    @Test("Blocklist deletion, organization metadata and memberships, pending invitations, a permission, backup codes, phone verification")
    func remainingOperations() async throws {
        try await withEmulator { emulator, clerk in
            let key = emulator.secretKey
            func call(_ method: String, _ path: String, _ body: String? = nil) async throws -> JSONValue? {
                let answer = try await rawRequest(emulator, method, path, key: key, body: body)
                #expect((200..<300).contains(answer.status), "\(method) \(path): \(answer.status) \(String(describing: answer.json))")
                return answer.json
            }
            let user = try await clerk.users.createUser(CreateUserBody(
                emailAddress: ["covered@example.com"], backupCodes: ["covered-1", "covered-2"]
            ))
            let member = try await clerk.users.createUser(CreateUserBody(emailAddress: ["member@example.com"]))

            // DeleteBlocklistIdentifier
            let blocked = try await call("POST", "/v1/blocklist_identifiers", #"{"identifier": "blocked@example.com"}"#)
            let blockedID = try #require(blocked?["id"]?.stringValue)
            #expect(try await call("DELETE", "/v1/blocklist_identifiers/\(blockedID)")?["deleted"] == true)

            // ReplaceOrganizationMetadata, UpdateOrganizationMembershipMetadata, InstanceGetOrganizationMemberships,
            // ListPendingOrganizationInvitations
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Covered", createdBy: user.id))
            let replaced = try await call(
                "PUT", "/v1/organizations/\(organization.id)/metadata", #"{"public_metadata": {"tier": "gold"}, "private_metadata": {}}"#
            )
            #expect(replaced?["public_metadata"]?["tier"] == "gold")
            _ = try await call("POST", "/v1/organizations/\(organization.id)/memberships", #"{"user_id": "\#(member.id)", "role": "org:member"}"#)
            let membership = try await call(
                "PATCH", "/v1/organizations/\(organization.id)/memberships/\(member.id)/metadata", #"{"public_metadata": {"team": "blue"}}"#
            )
            #expect(membership?["public_metadata"]?["team"] == "blue")
            let memberships = try await call("GET", "/v1/organization_memberships?limit=10")
            #expect(memberships?["total_count"]?.intValue == 2)
            _ = try await call(
                "POST", "/v1/organizations/\(organization.id)/invitations",
                #"{"email_address": "invitee@example.com", "role": "org:member", "inviter_user_id": "\#(user.id)"}"#
            )
            let pending = try await call("GET", "/v1/organizations/\(organization.id)/invitations/pending")
            #expect(pending?["total_count"]?.intValue == 1)

            // GetOrganizationPermission
            let permission = try await call(
                "POST", "/v1/organization_permissions", #"{"name": "Reports", "key": "org:reports:read", "description": "Read reports"}"#
            )
            let permissionID = try #require(permission?["id"]?.stringValue)
            #expect(try await call("GET", "/v1/organization_permissions/\(permissionID)")?["key"] == "org:reports:read")

            // DeleteBackupCode: the codes are gone (a code no longer verifies).
            _ = try await call("DELETE", "/v1/users/\(user.id)/backup_code")
            let afterDelete = try await rawRequest(emulator, "POST", "/v1/users/\(user.id)/verify_totp", key: key, body: #"{"code": "covered-1"}"#)
            #expect(afterDelete.json?["verified"] != true)

            // AttemptPhoneNumberVerification: an unverified number, prepared, then the test code.
            let phone = try await call(
                "POST", "/v1/phone_numbers", #"{"user_id": "\#(user.id)", "phone_number": "+15555550188", "verified": false}"#
            )
            let phoneID = try #require(phone?["id"]?.stringValue)
            let prepared = try await call("POST", "/v1/phone_numbers/\(phoneID)/prepare_verification", "{}")
            let verificationID = try #require(prepared?["id"]?.stringValue)
            let attempted = try await call(
                "POST", "/v1/phone_numbers/\(phoneID)/attempt_verification", #"{"verification_id": "\#(verificationID)", "code": "424242"}"#
            )
            #expect(attempted?["status"] == "verified")
            #expect(try await call("GET", "/v1/phone_numbers/\(phoneID)")?["verification"]?["status"] == "verified")
        }
    }

    @Test("Users created with web3_wallet have verified wallets (the first primary), found by the filter, deletable and then free; the same identifier twice in one request is refused")
    func web3Wallets() async throws {
        try await withEmulator { emulator, clerk in
            let key = emulator.secretKey
            let wallet = "0x52908400098527886E0F7030069857D2E4169EE7"
            let created = try await rawRequest(
                emulator, "POST", "/v1/users", key: key, body: #"{"web3_wallet": ["\#(wallet)", "7EcDhSYGxXyscszYEp35KHN8vvw3svAuLKTzXwCFLtV"]}"#
            )
            #expect(created.status == 200)
            let userID = try #require(created.json?["id"]?.stringValue)
            let wallets = try #require(created.json?["web3_wallets"]?.arrayValue)
            #expect(wallets.count == 2 && created.json?["primary_web3_wallet_id"] == wallets[0]["id"])
            #expect(wallets[0]["verification"]?["status"] == "verified")
            let found = try await rawRequest(emulator, "GET", "/v1/users?web3_wallet=\(wallet.lowercased())", key: key)
            #expect(found.json?.arrayValue?.compactMap { $0["id"]?.stringValue } == [userID])

            // Taken: by another user, or twice in one request (emails and phone numbers too).
            let taken = try await rawRequest(emulator, "POST", "/v1/users", key: key, body: #"{"web3_wallet": ["\#(wallet.lowercased())"]}"#)
            #expect(taken.status == 422 && taken.json?["errors"]?[0]?["code"] == "form_identifier_exists")
            for body in [
                #"{"email_address": ["twice@example.com", "TWICE@example.com"]}"#, #"{"phone_number": ["+15555550111", "+15555550111"]}"#,
                #"{"web3_wallet": ["0x1111111111111111111111111111111111111111", "0x1111111111111111111111111111111111111111"]}"#,
            ] {
                let twice = try await rawRequest(emulator, "POST", "/v1/users", key: key, body: body)
                #expect(twice.status == 422 && twice.json?["errors"]?[0]?["code"] == "form_identifier_exists", "\(body)")
            }
            let malformed = try await rawRequest(emulator, "POST", "/v1/users", key: key, body: #"{"web3_wallet": ["0x12"]}"#)
            #expect(malformed.status == 422 && malformed.json?["errors"]?[0]?["meta"]?["param_name"] == "web3_wallet")
            #expect(try await clerk.users.getCount() == 1, "refused requests create nothing")

            // UserWeb3WalletDelete: removed, the other wallet becomes primary, the address is free again.
            let walletID = try #require(wallets[0]["id"]?.stringValue)
            let deleted = try await rawRequest(emulator, "DELETE", "/v1/users/\(userID)/web3_wallets/\(walletID)", key: key)
            #expect(deleted.status == 200 && deleted.json?["deleted"] == true)
            let user = try await rawRequest(emulator, "GET", "/v1/users/\(userID)", key: key)
            #expect(user.json?["web3_wallets"]?.arrayValue?.count == 1 && user.json?["primary_web3_wallet_id"] == wallets[1]["id"])
            let again = try await rawRequest(emulator, "POST", "/v1/users", key: key, body: #"{"web3_wallet": ["\#(wallet)"]}"#)
            #expect(again.status == 200)
        }
    }
}
