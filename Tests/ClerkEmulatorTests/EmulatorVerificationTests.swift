import AsyncHTTPClient
import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// Verifying email addresses and phone numbers with codes, replacing a user's addresses, organization logos, the
/// Svix app and the beta instance features.
@Suite("Emulator: verification codes, replaced identifications, logos, Svix app, beta features")
struct EmulatorVerificationTests {
    @Test("An email address is verified with the test code 424242; wrong codes count, the third fails the verification")
    func emailCodes() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["first@example.com"]))
            let created = try await clerk.emailAddresses.createEmailAddress(CreateEmailAddressBody(userID: user.id, emailAddress: "second@example.com", verified: false))
            let address = (id: try #require(created.id), unused: 0)
            let prepared = try await rawRequest(emulator, "POST", "/v1/email_addresses/\(address.id)/prepare_verification", key: emulator.secretKey)
            #expect(prepared.status == 200 && prepared.json?["strategy"] == "email_code" && prepared.json?["status"] == "unverified")
            let verificationID = try #require(prepared.json?["id"]?.stringValue)
            let wrong = try await rawRequest(
                emulator, "POST", "/v1/email_addresses/\(address.id)/attempt_verification", key: emulator.secretKey,
                body: #"{"verification_id": "\#(verificationID)", "code": "000000"}"#
            )
            #expect(wrong.status == 400 && wrong.json?["errors"]?[0]?["code"] == "form_code_incorrect")
            let right = try await rawRequest(
                emulator, "POST", "/v1/email_addresses/\(address.id)/attempt_verification", key: emulator.secretKey,
                body: #"{"verification_id": "\#(verificationID)", "code": "424242"}"#
            )
            #expect(right.status == 200 && right.json?["status"] == "verified" && right.json?["attempts"] == 2)
            #expect(try await rawRequest(emulator, "GET", "/v1/email_addresses/\(address.id)", key: emulator.secretKey).json?["verification"]?["status"] == "verified")
            // Verified: nothing to prepare; the verification is spent.
            #expect(try await rawRequest(emulator, "POST", "/v1/email_addresses/\(address.id)/prepare_verification", key: emulator.secretKey).status == 400)
            let spent = try await rawRequest(
                emulator, "POST", "/v1/email_addresses/\(address.id)/attempt_verification", key: emulator.secretKey,
                body: #"{"verification_id": "\#(verificationID)", "code": "424242"}"#
            )
            #expect(spent.status == 404)

            // Three wrong codes fail a phone verification.
            let createdPhone = try await clerk.phoneNumbers.createPhoneNumber(CreatePhoneNumberBody(userID: user.id, phoneNumber: "+15555550100", verified: false))
            let phone = (id: try #require(createdPhone.id), unused: 0)
            let phonePrepared = try await rawRequest(emulator, "POST", "/v1/phone_numbers/\(phone.id)/prepare_verification", key: emulator.secretKey)
            #expect(phonePrepared.json?["channel"] == "sms" && phonePrepared.json?["strategy"] == "phone_code")
            let phoneVerification = try #require(phonePrepared.json?["id"]?.stringValue)
            var codes: [String?] = []
            for _ in 0..<3 {
                let answer = try await rawRequest(
                    emulator, "POST", "/v1/phone_numbers/\(phone.id)/attempt_verification", key: emulator.secretKey,
                    body: #"{"verification_id": "\#(phoneVerification)", "code": "111111"}"#
                )
                codes.append(answer.json?["errors"]?[0]?["code"]?.stringValue)
            }
            #expect(codes == ["form_code_incorrect", "form_code_incorrect", "verification_failed"])
            #expect(try await rawRequest(emulator, "GET", "/v1/phone_numbers/\(phone.id)", key: emulator.secretKey).json?["verification"]?["status"] == "failed")
            #expect(try await rawRequest(emulator, "POST", "/v1/email_addresses/idn_nope/prepare_verification", key: emulator.secretKey).status == 404)
        }
    }

    @Test("Replacing a user's email addresses: one primary address, verified, reserved or unverified (then not held)")
    func replace() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["a@example.com", "b@example.com"]))
            let replaced = try await rawRequest(emulator, "PUT", "/v1/users/\(user.id)/email_address", key: emulator.secretKey, body: #"{"email_address": "c@example.com"}"#)
            #expect(replaced.status == 200 && replaced.json?["verification"]?["status"] == "verified")
            let fetched = try await clerk.users.getUser(user.id)
            #expect(fetched.emailAddresses.map(\.emailAddress) == ["c@example.com"])
            #expect(fetched.primaryEmailAddressID == replaced.json?["id"]?.stringValue)
            // The old addresses are free; the new one is held.
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["a@example.com"]))
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["c@example.com"])) }
            // Unverified: not held, so another user may take it.
            let unverified = try await rawRequest(
                emulator, "PUT", "/v1/users/\(user.id)/email_address", key: emulator.secretKey,
                body: #"{"email_address": "d@example.com", "identification_status": "unverified"}"#
            )
            #expect(unverified.status == 200 && unverified.json?["verification"] == .null)
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["d@example.com"]))
            let reserved = try await rawRequest(
                emulator, "PUT", "/v1/users/\(user.id)/phone_number", key: emulator.secretKey,
                body: #"{"phone_number": "+15555550123", "identification_status": "reserved"}"#
            )
            #expect(reserved.status == 200 && reserved.json?["reserved"] == true)
            for (path, body) in [("email_address", #"{"email_address": "nope"}"#), ("phone_number", #"{"phone_number": "12"}"#), ("email_address", #"{"email_address": "x@example.com", "identification_status": "maybe"}"#)] {
                #expect(try await rawRequest(emulator, "PUT", "/v1/users/\(user.id)/\(path)", key: emulator.secretKey, body: body).status == 422, "\(body)")
            }
            #expect(try await rawRequest(emulator, "PUT", "/v1/users/user_nope/email_address", key: emulator.secretKey, body: #"{"email_address": "z@example.com"}"#).status == 404)
        }
    }

    @Test("Organization logos, the Svix app (a dashboard link), the auth config and production domains")
    func instanceBeta() async throws {
        try await withEmulator { emulator, clerk in
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Logos"))
            let logo = try await clerk.organizations.updateOrganizationLogo(organization.id, file: Data([1, 2, 3, 4]), contentType: "image/png")
            #expect(logo.hasImage == true)
            #expect(try await clerk.organizations.getOrganization(organization.id).hasImage == true)
            _ = try await clerk.organizations.deleteOrganizationLogo(organization.id)
            #expect(try await clerk.organizations.getOrganization(organization.id).hasImage == false)

            #expect(try await rawRequest(emulator, "POST", "/v1/webhooks/svix_url", key: emulator.secretKey).status == 400)
            let app = try await rawRequest(emulator, "POST", "/v1/webhooks/svix", key: emulator.secretKey)
            let link = try #require(app.json?["svix_url"]?.stringValue)
            #expect(link.contains("/dashboard/open?token="))
            #expect(try await rawRequest(emulator, "POST", "/v1/webhooks/svix_url", key: emulator.secretKey).status == 200)
            #expect(try await rawRequest(emulator, "DELETE", "/v1/webhooks/svix", key: emulator.secretKey).status == 204)
            #expect(try await rawRequest(emulator, "DELETE", "/v1/webhooks/svix", key: emulator.secretKey).status == 400)

            let config = try await rawRequest(
                emulator, "PATCH", "/v1/beta_features/instance_settings", key: emulator.secretKey,
                body: #"{"restricted_to_allowlist": true, "from_email_address": "hello"}"#
            )
            #expect(config.json?["restricted_to_allowlist"] == true && config.json?["from_email_address"] == "hello")
            // The same switch as the instance restrictions' allowlist: a user outside the allowlist cannot be created.
            await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["outsider@example.com"])) }
            let kept = try await rawRequest(emulator, "PATCH", "/v1/beta_features/instance_settings", key: emulator.secretKey, body: #"{"restricted_to_allowlist": false}"#)
            #expect(kept.json?["from_email_address"] == "hello")
            #expect(try await rawRequest(emulator, "PATCH", "/v1/beta_features/instance_settings", key: emulator.secretKey, body: #"{"from_email_address": "a@b"}"#).status == 422)
            for (method, path) in [("PUT", "/v1/beta_features/domain"), ("POST", "/v1/instance/change_domain")] {
                #expect(try await rawRequest(emulator, method, path, key: emulator.secretKey, body: #"{"home_url": "https://example.com"}"#).status == 422)
            }
        }
    }
}
