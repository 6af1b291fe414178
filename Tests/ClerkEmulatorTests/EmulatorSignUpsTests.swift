import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Sign-ups: the hosted sign-up page stores the `sign_up_attempt` behind each account it creates.
@Suite("Emulator: sign-ups from the hosted sign-up page")
struct EmulatorSignUpsTests {
    static let app = "http://localhost:3000"

    @Test("A hosted sign-up stores a complete sign-up naming its user and session; GetSignUp/UpdateSignUp read and change it; the dashboard shows it")
    func hostedSignUp() async throws {
        try await withEmulator { emulator, clerk in
            var jar = CookieJar()
            let page = try await send(emulator, "GET", "/sign-up?redirect_url=" + queryEncode(Self.app + "/welcome"), host: emulator.accountsHost)
            jar.apply(page.setCookies)
            let created = try await send(emulator, "POST", "/sign-up", host: emulator.accountsHost, form: [
                ("csrf_token", try #require(page.hiddenField("csrf_token"))), ("redirect_url", Self.app + "/welcome"),
                ("email_address", "ada@example.com"), ("password", "long enough pw"), ("first_name", "Ada"), ("last_name", ""),
            ], cookies: jar.values)
            #expect(created.status == 303)
            let user = try #require(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["ada@example.com"])).data.first)
            let session = try #require(try await clerk.sessions.getSessionList(GetSessionListQuery(userID: user.id)).data.first)

            // The dashboard's page of the user names the sign-up; a user created over the API has none.
            let visitor = try await EmulatorDashboardTests.Visitor.open(emulator)
            let userPage = try await visitor.get("/dashboard/users/\(user.id)")
            let match = try #require(userPage.body.firstMatch(of: /id="sign-up-id">(sua_[0-9A-Za-z]{27})</))
            let signUpID = String(match.1)
            let other = try await clerk.users.createUser(CreateUserBody(emailAddress: ["api-made@example.com"]))
            #expect(try await !visitor.get("/dashboard/users/\(other.id)").body.contains("sign-up-id"))

            let signUp = try await clerk.signUps.get(signUpID)
            #expect(signUp.id == signUpID && signUp.status == .complete)
            #expect(signUp.createdUserID == user.id && signUp.createdSessionID == session.id)
            #expect(signUp.emailAddress == "ada@example.com" && signUp.firstName == "Ada" && signUp.lastName == nil)
            #expect(signUp.passwordEnabled && !signUp.customAction && signUp.externalID == nil)
            #expect(signUp.missingFields.isEmpty && signUp.unverifiedFields.isEmpty && signUp.requiredFields.contains("email_address"))
            #expect(signUp.abandonAt > Int64(Date().timeIntervalSince1970 * 1000))

            // Updated: the external id and the custom-action flag are kept; null clears the external id.
            let updated = try await clerk.signUps.update(signUpID, UpdateSignUpBody(externalID: "crm-7", customAction: true))
            #expect(updated.externalID == "crm-7" && updated.customAction)
            #expect(try await clerk.signUps.get(signUpID).externalID == "crm-7")
            let cleared = try await rawRequest(emulator, "PATCH", "/v1/sign_ups/\(signUpID)", key: emulator.secretKey, body: #"{"external_id": null}"#)
            #expect(cleared.status == 200 && cleared.json?["external_id"] == .null && cleared.json?["custom_action"] == true)
            let unchanged = try await rawRequest(emulator, "PATCH", "/v1/sign_ups/\(signUpID)", key: emulator.secretKey, body: #"{"custom_action": null}"#)
            #expect(unchanged.json?["custom_action"] == true)

            #expect(try await rawRequest(emulator, "GET", "/v1/sign_ups/sua_unknown", key: emulator.secretKey).status == 404)
            #expect(try await rawRequest(emulator, "GET", "/v1/sign_ups/\(signUpID)", key: nil).status == 401)
        }
    }

    @Test("A sign-up through an invitation is verified by its ticket")
    func invitationSignUp() async throws {
        try await withEmulator { emulator, clerk in
            let invitation = try await clerk.invitations.createInvitation(CreateInvitationBody(emailAddress: "invited@example.com"))
            let invitationURL = try #require(invitation.url)
            let ticket = try #require(queryValue("ticket", in: invitationURL))
            let page = try await send(emulator, "GET", "/sign-up?__clerk_ticket=" + ticket, host: emulator.accountsHost)
            var jar = CookieJar()
            jar.apply(page.setCookies)
            let created = try await send(emulator, "POST", "/sign-up", host: emulator.accountsHost, form: [
                ("csrf_token", try #require(page.hiddenField("csrf_token"))), ("__clerk_ticket", ticket),
                ("email_address", "invited@example.com"), ("password", "long enough pw"),
            ], cookies: jar.values)
            #expect(created.status == 303)
            let user = try #require(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["invited@example.com"])).data.first)
            let userPage = try await EmulatorDashboardTests.Visitor.open(emulator).get("/dashboard/users/\(user.id)")
            let match = try #require(userPage.body.firstMatch(of: /id="sign-up-id">(sua_[0-9A-Za-z]{27})</))
            let signUp = try await rawRequest(emulator, "GET", "/v1/sign_ups/\(match.1)", key: emulator.secretKey)
            #expect(signUp.json?["verifications"]?["email_address"]?["strategy"] == "ticket")
            #expect(signUp.json?["verifications"]?["email_address"]?["status"] == "verified")
            #expect(signUp.json?["created_user_id"] == .string(user.id))
        }
    }
}
