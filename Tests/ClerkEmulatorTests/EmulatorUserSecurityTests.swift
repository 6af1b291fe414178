import AsyncHTTPClient
import ClerkBackend
@testable import ClerkEmulator
import Foundation
import Testing

/// Bans, the profile image, the password, second factors, linked accounts, devices and a user's invitations.
@Suite("Emulator: user security operations")
struct EmulatorUserSecurityTests {
    @Test("Bans revoke the user's active sessions; bulk bans need every user to exist and change none otherwise")
    func bans() async throws {
        try await withEmulator { emulator, clerk in
            let ada = try await clerk.users.createUser(CreateUserBody(emailAddress: ["ada@example.com"]))
            let alan = try await clerk.users.createUser(CreateUserBody(emailAddress: ["alan@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: ada.id))
            _ = try await clerk.users.banUser(ada.id)
            #expect(try await clerk.sessions.getSession(session.id).status == "revoked", "a ban revokes the sessions")

            let missing = try await rawRequest(emulator, "POST", "/v1/users/ban", key: emulator.secretKey, body: #"{"user_ids": ["\#(alan.id)", "user_nobody"]}"#)
            #expect(missing.status == 400 && missing.json?["errors"]?[0]?["meta"]?["param_name"] == "user_ids")
            #expect(try await clerk.users.getUser(alan.id).banned == false, "nothing changed")
            let banned = try await clerk.users.banUsers([alan.id])
            #expect(banned.map(\.banned) == [true])
            let unbanned = try await clerk.users.unbanUsers([ada.id, alan.id])
            #expect(unbanned.map(\.banned) == [false, false])
        }
    }

    @Test("Profile image: set from a multipart file, deleted back to the default")
    func profileImage() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["img@example.com"]))
            #expect(user.hasImage == false)
            let set = try await clerk.users.updateUserProfileImage(user.id, file: Data([0x89, 0x50, 0x4E, 0x47, 1, 2, 3]), contentType: "image/png")
            #expect(set.hasImage == true && set.imageURL != user.imageURL)
            #expect(try await rawRequest(emulator, "POST", "/v1/users/\(user.id)/profile_image", key: emulator.secretKey, body: "{}").status == 400)
            let deleted = try await clerk.users.deleteUserProfileImage(user.id)
            #expect(deleted.hasImage == false && deleted.imageURL == user.imageURL)
        }
    }

    @Test("Passwords: removed, marked compromised (the hosted sign-in refuses it until a new one is set)")
    func passwords() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["pw@example.com"], password: "correct horse battery"))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            _ = try await clerk.users.setPasswordCompromised(user.id, revokeAllSessions: true)
            #expect(try await clerk.sessions.getSession(session.id).status == "revoked")
            #expect(try await signInStatus(emulator, "pw@example.com", "correct horse battery") == 422)
            _ = try await clerk.users.unsetPasswordCompromised(user.id)
            #expect(try await signInStatus(emulator, "pw@example.com", "correct horse battery") == 303)
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.unsetPasswordCompromised(user.id) }
            // A new password clears the mark.
            _ = try await clerk.users.setPasswordCompromised(user.id)
            _ = try await clerk.users.updateUser(user.id, UpdateUserBody(password: "a brand new password"))
            #expect(try await signInStatus(emulator, "pw@example.com", "a brand new password") == 303)

            let removed = try await clerk.users.removePassword(user.id)
            #expect(removed.passwordEnabled == false)
            #expect(try await signInStatus(emulator, "pw@example.com", "a brand new password") == 422)
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.removePassword(user.id) }
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.setPasswordCompromised(user.id) }
        }
    }

    @Test("TOTP and backup codes: set on create, checked by VerifyTOTP (a backup code works once), removed one by one or all by DisableMFA")
    func secondFactors() async throws {
        try await withEmulator { emulator, clerk in
            let secret = "JBSWY3DPEHPK3PXPJBSWY3DP"
            let user = try await clerk.users.createUser(
                CreateUserBody(emailAddress: ["mfa@example.com"], totpSecret: secret, backupCodes: ["11112222", "33334444"])
            )
            #expect(user.totpEnabled && user.backupCodeEnabled && user.twoFactorEnabled && user.mfaEnabledAt != nil)
            let key = try #require(TOTP.base32Decode(secret))
            let now = TOTP.password(key: key, counter: UInt64(Date().timeIntervalSince1970) / 30)
            #expect(try await clerk.users.verifyTOTP(userID: user.id, code: now).verified == true)
            #expect(try await clerk.users.verifyTOTP(userID: user.id, code: now == "000000" ? "111111" : "000000").verified == false)
            let backup = try await clerk.users.verifyTOTP(userID: user.id, code: "11112222")
            #expect(backup.verified == true && backup.codeType == "backup_code")
            #expect(try await clerk.users.verifyTOTP(userID: user.id, code: "11112222").verified == false, "a backup code works once")
            // RFC 6238's test vector (SHA-1, T = 59 s): 94287082, its last six digits.
            #expect(TOTP.password(key: Data("12345678901234567890".utf8), counter: 1) == "287082")

            _ = try await clerk.users.deleteUserTOTP(user.id)
            var fetched = try await clerk.users.getUser(user.id)
            #expect(!fetched.totpEnabled && fetched.backupCodeEnabled && fetched.twoFactorEnabled)
            _ = try await clerk.users.disableUserMFA(user.id)
            fetched = try await clerk.users.getUser(user.id)
            #expect(!fetched.backupCodeEnabled && !fetched.twoFactorEnabled && fetched.mfaDisabledAt != nil)
            let none = try await rawRequest(emulator, "POST", "/v1/users/\(user.id)/verify_totp", key: emulator.secretKey, body: #"{"code": "123456"}"#)
            #expect(none.status == 422)
            let badSecret = try await rawRequest(emulator, "POST", "/v1/users", key: emulator.secretKey, body: #"{"email_address": ["x@example.com"], "totp_secret": "not base32!"}"#)
            #expect(badSecret.status == 422 && badSecret.json?["errors"]?[0]?["meta"]?["param_name"] == "totp_secret")
        }
    }

    @Test("Linked items, devices and tokens: unknown ones are 404; a user's organization invitations come with the organization")
    func linkedAndInvitations() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["linked@example.com"]))
            for path in ["passkeys/idn_x", "web3_wallets/idn_x", "external_accounts/eac_x", "trusted_devices/td_x"] {
                #expect(try await rawRequest(emulator, "DELETE", "/v1/users/\(user.id)/\(path)", key: emulator.secretKey).status == 404, "\(path)")
            }
            #expect(try await clerk.users.getUserTrustedDevices(user.id).totalCount == 0)
            #expect(try await clerk.users.getUserOAuthAccessToken(user.id, provider: "google").data.isEmpty)
            #expect(try await rawRequest(emulator, "GET", "/v1/users/\(user.id)/oauth_access_tokens/google", key: emulator.secretKey).status == 400)
            #expect(try await rawRequest(emulator, "GET", "/v1/users/user_nobody/trusted_devices", key: emulator.secretKey).status == 404)

            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Engines"))
            _ = try await clerk.organizations.createOrganizationInvitation(
                organization.id, CreateOrganizationInvitationBody(emailAddress: "linked@example.com", role: "org:member")
            )
            _ = try await clerk.organizations.createOrganizationInvitation(
                organization.id, CreateOrganizationInvitationBody(emailAddress: "someone.else@example.com", role: "org:member")
            )
            let invitations = try await clerk.users.getOrganizationInvitationList(user.id)
            #expect(invitations.totalCount == 1)
            #expect(invitations.data.first?.publicOrganizationData?.name == "Engines")
            #expect(try await clerk.users.getOrganizationInvitationList(user.id, UsersGetOrganizationInvitationsQuery(status: .accepted)).totalCount == 0)
        }
    }

    /// Signs in on the hosted page with a password: 303 when it works, 422 when refused.
    func signInStatus(_ emulator: RunningEmulator, _ identifier: String, _ password: String) async throws -> Int {
        let page = try await send(emulator, "GET", "/sign-in", host: emulator.accountsHost)
        var jar = CookieJar()
        jar.apply(page.setCookies)
        let csrf = try #require(page.hiddenField("csrf_token"))
        let answer = try await send(
            emulator, "POST", "/sign-in", host: emulator.accountsHost,
            form: [("csrf_token", csrf), ("identifier", identifier), ("password", password)], cookies: jar.values
        )
        return answer.status
    }
}
