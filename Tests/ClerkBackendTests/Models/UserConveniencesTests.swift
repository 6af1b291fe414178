@testable import ClerkBackend
import Foundation
import Testing

@Suite("Models: the User getters of @clerk/backend")
struct UserConveniencesTests {
    static func user(_ change: (inout [String: JSONValue]) -> Void = { _ in }) throws -> User {
        guard case .object(var object) = try ModelRobustnessTests.userJSON() else {
            Issue.record("the user fixture is not an object")
            throw CancellationError()
        }
        change(&object)
        return try ModelJSON.decode(.object(object), as: User.self)
    }

    @Test("primaryEmailAddress and primaryPhoneNumber are the list entries the primary ids name")
    func primaries() throws {
        let user = try Self.user()
        #expect(user.primaryEmailAddress?.id == "idn_2NNEqP5ClIyPUvfbKy3VmHhO1sG")
        #expect(user.primaryEmailAddress?.emailAddress == user.emailAddresses.first?.emailAddress)
        #expect(user.primaryPhoneNumber?.id == "idn_2NNEqQ4aaVYx1M2lWgVxCdBwJ0a")
        #expect(user.primaryWeb3Wallet == nil)
    }

    @Test("A primary id that names no entry, or no primary id, gives nil")
    func danglingPrimary() throws {
        let dangling = try Self.user { $0["primary_email_address_id"] = .string("idn_missing") }
        #expect(dangling.primaryEmailAddress == nil)
        let none = try Self.user { $0["primary_phone_number_id"] = .null }
        #expect(none.primaryPhoneNumber == nil)
    }

    @Test("fullName joins first and last names, trims, and is nil when both are empty", arguments: [
        (JSONValue.string("Ada"), JSONValue.string("Lovelace"), "Ada Lovelace"),
        (.string("Ada"), .null, "Ada"),
        (.null, .string("Lovelace"), "Lovelace"),
        (.string(" "), .string(""), nil),
        (.null, .null, nil),
    ] as [(JSONValue, JSONValue, String?)])
    func fullName(first: JSONValue, last: JSONValue, expected: String?) throws {
        let user = try Self.user {
            $0["first_name"] = first
            $0["last_name"] = last
        }
        #expect(user.fullName == expected)
    }
}
