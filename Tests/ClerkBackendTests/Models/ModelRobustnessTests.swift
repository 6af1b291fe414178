@testable import ClerkBackend
import HTTPTypes
import Foundation
import Testing

/// The generated models decode what Clerk sends today and what it may send tomorrow.
@Suite("Models: decoding is faithful and tolerant")
struct ModelRobustnessTests {
    static func userJSON() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Fixtures.data("Responses/user.json"))
    }

    static func structSchemaNames() throws -> [String] {
        let spec = try SpecFixture.shared()
        return spec.generatedSchemaNames.filter { spec.hasProperties(spec.schemas[$0]!) }
    }

    // MARK: - The user fixture

    @Test("The user fixture decodes into User with the right nested values")
    func userFixture() throws {
        let user = try ModelJSON.decode(Self.userJSON(), as: User.self)
        #expect(user.id == "user_2NNEqL2nrIRdJ194ndJqAHwEfxC")
        #expect(user.object == .user)
        #expect(user.externalID == "ext-42")
        #expect(user.primaryWeb3WalletID == nil)
        #expect(user.hasImage == false)
        #expect(user.passwordEnabled == true)
        #expect(user.mfaEnabledAt == 1_700_000_100_000)
        #expect(user.mfaDisabledAt == nil)
        #expect(user.createdAt == 1_700_000_000_000)
        #expect(user.updatedAt == 1_700_000_300_000)
        #expect(user.verificationAttemptsRemaining == 100)
        #expect(user.organizationMemberships == nil)

        // Metadata is free-form JSON.
        #expect(user.publicMetadata["role"] == .string("admin"))
        #expect(user.publicMetadata["plan"]?["tier"] == .int(3))
        #expect(user.publicMetadata["plan"]?["seats"] == [1, 2])
        #expect(user.privateMetadata == ["stripe_customer": "cus_123"])
        #expect(user.unsafeMetadata == [:])

        // Email address with an OTP verification.
        let email = try #require(user.emailAddresses.first)
        #expect(user.emailAddresses.count == 1)
        #expect(email.emailAddress == "ada@example.com")
        #expect(email.object == .emailAddress)
        #expect(email.linkedTo.map(\.id) == ["idn_2NNEqTGoogle"])
        guard case .otp(let otp)? = email.verification else {
            Issue.record("expected an OTP verification, got \(String(describing: email.verification))")
            return
        }
        #expect(otp.status == .verified)
        #expect(otp.strategy == .emailCode)
        #expect(otp.attempts == 1)
        #expect(otp.expireAt == 1_700_000_600_000)

        // Phone number with an admin verification whose nullable fields are null.
        let phone = try #require(user.phoneNumbers.first)
        #expect(phone.phoneNumber == "+15555550100")
        #expect(phone.backupCodes == nil)
        guard case .admin(let admin)? = phone.verification else {
            Issue.record("expected an admin verification, got \(String(describing: phone.verification))")
            return
        }
        #expect(admin.status == .verified)
        #expect(admin.attempts == nil)

        // External account with an OAuth verification.
        let account = try #require(user.externalAccounts.first)
        #expect(user.externalAccounts.count == 1)
        #expect(account.id == "eac_2NNEqTGoogle")
        #expect(account.provider == "oauth_google")
        #expect(account.providerUserID == "113456789012345678901")
        #expect(account.emailAddressVerified == true)
        #expect(account.username == nil)
        #expect(account.publicMetadata == [:])
        guard case .oauth(let oauth)? = account.verification else {
            Issue.record("expected an OAuth verification, got \(String(describing: account.verification))")
            return
        }
        #expect(oauth.status == .verified)
        #expect(oauth.strategy == "oauth_google")
        #expect(oauth.expireAt == 1_700_000_600_000)
        #expect(oauth.error == nil)
    }

    @Test("The user fixture re-encodes to the same JSON (nulls aside)")
    func userFixtureRoundTrips() throws {
        let input = try Self.userJSON()
        let output = try ModelJSON.roundTrip(input, as: User.self)
        #expect(output == ModelJSON.withoutNulls(input))
    }

    // MARK: - Unknown fields and values

    @Test("Unknown fields at every level of a user are ignored")
    func unknownFieldsEverywhere() throws {
        let input = try Self.userJSON()
        var objects = 0
        let noisy = Self.addingUnknownFields(to: input, count: &objects)
        #expect(objects >= 8)
        #expect(noisy != input)
        let user = try ModelJSON.decode(noisy, as: User.self)
        let plain = try ModelJSON.decode(input, as: User.self)
        #expect(user == plain)
    }

    @Test("Unknown enum values and an unknown verification object decode, keep their raw JSON, and re-encode unchanged")
    func unknownValuesRoundTrip() throws {
        guard case .object(var user) = try Self.userJSON(),
              case .array(var emails)? = user["email_addresses"], case .object(var email)? = emails.first,
              case .object(var verification)? = email["verification"]
        else {
            Issue.record("unexpected fixture shape")
            return
        }
        verification["status"] = "brand_new_status"
        verification["strategy"] = "brand_new_strategy"
        email["verification"] = .object(verification)
        emails[0] = .object(email)
        user["email_addresses"] = .array(emails)
        user["object"] = "user_v2"
        let quantum: JSONValue = [
            "object": "verification_quantum", "status": "entangled", "strategy": "qubit",
            "attempts": 2, "superposition": ["up", "down", 0.5, nil, true], "nested": ["depth": ["x": 1]],
        ]
        if case .array(var phones)? = user["phone_numbers"], case .object(var phone)? = phones.first {
            phone["verification"] = quantum
            phones[0] = .object(phone)
            user["phone_numbers"] = .array(phones)
        }
        let input = JSONValue.object(user)

        let decoded = try ModelJSON.decode(input, as: User.self)
        #expect(decoded.object.rawValue == "user_v2")
        #expect(decoded.object != .user)
        guard case .otp(let otp)? = decoded.emailAddresses.first?.verification else {
            Issue.record("the email verification is no longer an OTP one")
            return
        }
        #expect(otp.status.rawValue == "brand_new_status")
        #expect(otp.status != .verified)
        #expect(otp.strategy.rawValue == "brand_new_strategy")
        guard case .unknown(let raw)? = decoded.phoneNumbers.first?.verification else {
            Issue.record("an unknown verification object must decode as .unknown")
            return
        }
        #expect(raw == quantum)

        let output = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(decoded))
        #expect(output["email_addresses"]?.arrayValue?.first?["verification"]?["status"] == "brand_new_status")
        #expect(output["phone_numbers"]?.arrayValue?.first?["verification"] == quantum)
        #expect(output == ModelJSON.withoutNulls(input), "\(ModelJSON.differences(expected: input, actual: output))")
    }

    @Test("Every open enum of the spec keeps an unknown value (sampled schemas with a string enum replaced)",
          arguments: try structSchemaNames())
    func unknownEnumValues(_ name: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.schemas[name])
        let schema = JSONValue.object(["$ref": .string("#/components/schemas/\(name)")])
        guard case .object(var input) = spec.sample(of: schema).value else {
            Issue.record("\(name) sample is not an object")
            return
        }
        var replaced: [String] = []
        for (property, propertySchema) in spec.mergedObject(schema).properties
        where spec.enumValues(propertySchema).contains(where: { $0.stringValue != nil }) {
            input[property] = .string("brand_new_\(property)_value")
            replaced.append(property)
        }
        let output = try ModelJSON.roundTrip(.object(input), as: type)
        for property in replaced {
            #expect(output[property] == input[property], "\(name).\(property)")
        }
    }

    // MARK: - null and missing values

    @Test("null decodes as nil wherever the spec says nullable", arguments: try structSchemaNames())
    func nullWhereNullable(_ name: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.schemas[name])
        let schema = JSONValue.object(["$ref": .string("#/components/schemas/\(name)")])
        let input = spec.sample(of: schema, options: .init(topLevelNullsWhereNullable: true)).value
        let nulls = Set(input.objectValue?.filter { $0.value.isNull }.map(\.key) ?? [])
        do {
            let output = try ModelJSON.roundTrip(input, as: type)
            let present = Set(output.objectValue?.keys.map { $0 } ?? [])
            #expect(nulls.isDisjoint(with: present), "\(name): null came back as \(nulls.intersection(present).sorted())")
            #expect(ModelJSON.differences(expected: input, actual: output).isEmpty)
        } catch {
            Issue.record("\(name) with null in \(nulls.sorted()) does not decode: \(error)")
        }
    }

    @Test("Only the required properties (at every level) are enough: the rest are optional in Swift",
          arguments: try structSchemaNames())
    func onlyRequiredProperties(_ name: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.schemas[name])
        let schema = JSONValue.object(["$ref": .string("#/components/schemas/\(name)")])
        for input in spec.samplesOfEveryVariant(of: schema, options: .init(onlyRequired: true)) {
            do {
                let output = try ModelJSON.roundTrip(input, as: type)
                #expect(ModelJSON.differences(expected: input, actual: output).isEmpty, "\(name)")
            } catch {
                Issue.record("\(name) with only its required properties does not decode: \(error)")
            }
        }
    }

    @Test("User with null in every nullable field decodes those as nil")
    func userNulls() throws {
        guard case .object(var user) = try Self.userJSON() else { return }
        for key in ["external_id", "username", "first_name", "last_name", "image_url", "last_sign_in_at",
                    "private_metadata", "unsafe_metadata", "create_organizations_limit", "legal_accepted_at"] {
            user[key] = .null
        }
        let decoded = try ModelJSON.decode(.object(user), as: User.self)
        #expect(decoded.externalID == nil)
        #expect(decoded.username == nil)
        #expect(decoded.firstName == nil)
        #expect(decoded.lastName == nil)
        #expect(decoded.imageURL == nil)
        #expect(decoded.lastSignInAt == nil)
        #expect(decoded.privateMetadata == nil)
        #expect(decoded.unsafeMetadata == nil)
        #expect(decoded.createOrganizationsLimit == nil)
        #expect(decoded.legalAcceptedAt == nil)
    }

    @Test("A user without a required field fails with a DecodingError naming the key")
    func userMissingRequiredField() throws {
        for key in ["id", "email_addresses", "created_at", "public_metadata"] {
            guard case .object(var user) = try Self.userJSON() else { return }
            user.removeValue(forKey: key)
            #expect(Self.missingKey(decoding: .object(user), as: User.self) == key)
        }
        // Nested: an email address without `email_address`.
        guard case .object(var user) = try Self.userJSON(), case .array(var emails)? = user["email_addresses"],
              case .object(var email)? = emails.first
        else { return }
        email.removeValue(forKey: "email_address")
        emails[0] = .object(email)
        user["email_addresses"] = .array(emails)
        #expect(Self.missingKey(decoding: .object(user), as: User.self) == "email_address")
    }

    @Test("Every required, non-nullable property is enforced: leaving it out fails naming the key",
          arguments: try structSchemaNames())
    func missingRequiredProperty(_ name: String) throws {
        let spec = try SpecFixture.shared()
        let type = try #require(ModelRegistry.schemas[name])
        let schema = JSONValue.object(["$ref": .string("#/components/schemas/\(name)")])
        guard case .object(let full) = spec.sample(of: schema).value else {
            Issue.record("\(name) sample is not an object")
            return
        }
        let (properties, required) = spec.mergedObject(schema)
        for property in required.sorted() {
            guard let propertySchema = properties[property], !spec.isNullable(propertySchema) else { continue }
            var input = full
            input.removeValue(forKey: property)
            #expect(Self.missingKey(decoding: .object(input), as: type) == property, "\(name).\(property)")
        }
    }

    // MARK: - Helpers

    /// The key of the `DecodingError.keyNotFound` that decoding `json` throws, or a description of what happened.
    static func missingKey(decoding json: JSONValue, as type: any (Codable & Sendable).Type) -> String {
        do {
            _ = try ModelJSON.roundTrip(json, as: type)
            return "(decoded without error)"
        } catch DecodingError.keyNotFound(let key, _) {
            return key.stringValue
        } catch {
            return "(other error: \(error))"
        }
    }

    /// `json` with an unknown member added to every object, except inside free-form metadata maps (whose members
    /// are all kept by design).
    static func addingUnknownFields(to json: JSONValue, count: inout Int) -> JSONValue {
        switch json {
        case .object(var members):
            for (key, value) in members where !key.hasSuffix("_metadata") {
                members[key] = addingUnknownFields(to: value, count: &count)
            }
            members["x_unknown_field_\(count)"] = ["nested": [1, "two", nil], "object": "not_a_known_object"]
            count += 1
            return .object(members)
        case .array(let elements):
            return .array(elements.map { addingUnknownFields(to: $0, count: &count) })
        default:
            return json
        }
    }
}
