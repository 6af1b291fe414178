import ClerkBackend
import ClerkEmulator
import Crypto
import Foundation
import Testing

@Suite("Emulator: users through ClerkBackend over loopback")
struct EmulatorUsersTests {
    @Test("Create, get, update, metadata merge and replace, ban, lock, verify password, delete")
    func userLifecycle() async throws {
        try await withEmulator { _, clerk in
            let created = try await clerk.users.createUser(
                CreateUserBody(
                    externalID: "ext-1", firstName: "Ada", lastName: "Lovelace", emailAddress: ["ada@example.com"],
                    phoneNumber: ["+15555550100"], username: "ada_l", password: "correct horse battery",
                    publicMetadata: ["plan": "pro", "limits": ["seats": 3, "storage": 10]]
                )
            )
            #expect(created.id.hasPrefix("user_"))
            #expect(created.emailAddresses.first?.emailAddress == "ada@example.com")
            #expect(created.primaryEmailAddressID == created.emailAddresses.first?.id)
            #expect(created.passwordEnabled)
            #expect(created.createdAt > 1_700_000_000_000)

            let fetched = try await clerk.users.getUser(created.id)
            #expect(fetched.id == created.id && fetched.username == "ada_l" && fetched.externalID == "ext-1")

            let updated = try await clerk.users.updateUser(created.id, UpdateUserBody(firstName: "Augusta"))
            #expect(updated.firstName == "Augusta" && updated.lastName == "Lovelace")
            #expect(updated.updatedAt >= created.updatedAt)

            let merged = try await clerk.users.updateUserMetadata(
                created.id, UpdateUserMetadataBody(publicMetadata: ["limits": ["seats": 5, "storage": nil], "beta": true])
            )
            #expect(merged.publicMetadata == ["plan": "pro", "limits": ["seats": 5], "beta": true])
            let replaced = try await clerk.users.replaceUserMetadata(created.id, ReplaceUserMetadataBody(publicMetadata: ["only": 1]))
            #expect(replaced.publicMetadata == ["only": 1])

            #expect(try await clerk.users.banUser(created.id).banned)
            #expect(try await clerk.users.unbanUser(created.id).banned == false)
            #expect(try await clerk.users.lockUser(created.id).locked)
            #expect(try await clerk.users.unlockUser(created.id).locked == false)

            #expect(try await clerk.users.verifyPassword(userID: created.id, password: "correct horse battery").verified == true)
            let wrong = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.verifyPassword(userID: created.id, password: "wrong password")
            }
            #expect(wrong?.status == 422 && wrong?.firstCode == "form_password_incorrect")

            let deleted = try await clerk.users.deleteUser(created.id)
            #expect(deleted.deleted && deleted.id == created.id)
            let missing = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.getUser(created.id) }
            #expect(missing?.status == 404 && missing?.firstCode == "resource_not_found")
        }
    }

    @Test("Uniqueness and validation errors as Clerk gives them (422 form_identifier_exists, …)")
    func validation() async throws {
        try await withEmulator { _, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["taken@example.com"], username: "taken"))
            for body in [
                CreateUserBody(emailAddress: ["TAKEN@example.com"]), CreateUserBody(username: "taken"),
            ] {
                let error = await #expect(throws: ClerkAPIResponseError.self) { _ = try await clerk.users.createUser(body) }
                #expect(error?.status == 422 && error?.firstCode == "form_identifier_exists")
            }
            let short = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["new@example.com"], password: "short"))
            }
            #expect(short?.firstCode == "form_password_length_too_short")
            let email = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["not-an-email"]))
            }
            #expect(email?.firstCode == "form_param_format_invalid")
            #expect(try await clerk.users.getCount() == 1)
        }
    }

    @Test("Imported password digests: PBKDF2 and SHA-256 verify; bcrypt is refused with 422")
    func importedDigests() async throws {
        try await withEmulator { _, clerk in
            // sha256("hunter22") in hex.
            let sha = try await clerk.users.createUser(CreateUserBody(
                emailAddress: ["sha@example.com"],
                passwordDigest: "20d2fe5e369db54ec7090639a9dc30ec4d608604936239d39e2de07fda09eb0b", passwordHasher: "sha256"
            ))
            #expect(sha.passwordEnabled)
            #expect(try await clerk.users.verifyPassword(userID: sha.id, password: "hunter22").verified == true)
            // Django's pbkdf2_sha256 format: pbkdf2_sha256$iterations$salt$base64(hash).
            let django = try await clerk.users.createUser(CreateUserBody(
                emailAddress: ["django@example.com"],
                passwordDigest: "pbkdf2_sha256$1000$saltsalt$\(Self.pbkdf2("hunter22", salt: "saltsalt", rounds: 1000))",
                passwordHasher: "pbkdf2_sha256_django"
            ))
            #expect(try await clerk.users.verifyPassword(userID: django.id, password: "hunter22").verified == true)
            await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.verifyPassword(userID: django.id, password: "hunter23")
            }
            let bcrypt = await #expect(throws: ClerkAPIResponseError.self) {
                _ = try await clerk.users.createUser(CreateUserBody(
                    emailAddress: ["b@example.com"], passwordDigest: "$2a$10$abcdefghijklmnopqrstuu", passwordHasher: "bcrypt"
                ))
            }
            #expect(bcrypt?.status == 422)
        }
    }

    @Test("List: limit/offset, order_by, filters, query (LIKE wildcards escaped), count, and the cursor walk")
    func listing() async throws {
        try await withEmulator { _, clerk in
            var ids: [String] = []
            for index in 0..<23 {
                let user = try await clerk.users.createUser(CreateUserBody(
                    firstName: "User\(index)", emailAddress: ["user\(index)@example.com"], username: "name_\(index)"
                ))
                ids.append(user.id)
            }
            _ = try await clerk.users.createUser(CreateUserBody(firstName: "100%", emailAddress: ["percent@example.com"]))

            let page = try await clerk.users.getUserList(GetUserListQuery(limit: 5, offset: 0))
            #expect(page.data.count == 5 && page.totalCount == 24)
            #expect(page.data.first?.firstName == "100%")  // newest first
            let ascending = try await clerk.users.getUserList(GetUserListQuery(limit: 3, orderBy: "+created_at"))
            #expect(ascending.data.map(\.id) == Array(ids.prefix(3)))
            let byEmail = try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["user7@example.com", "user8@example.com"]))
            #expect(Set(byEmail.data.map(\.id)) == [ids[7], ids[8]] && byEmail.totalCount == 2)
            let percent = try await clerk.users.getUserList(GetUserListQuery(query: "%"))
            #expect(percent.data.map(\.firstName) == ["100%"])
            // "_" is literal: "e_1" matches name_1 and name_10 … name_19 only (unescaped, it would also match "user1…").
            let underscore = try await clerk.users.getCount(GetUsersCountQuery(query: "e_1"))
            #expect(underscore == 11)
            #expect(try await clerk.users.getCount(GetUsersCountQuery(query: "nobody")) == 0)

            var walked: [String] = []
            for try await user in clerk.users.all(pageSize: 7) { walked.append(user.id) }
            #expect(walked.count == 24 && Set(walked).count == 24)
            var offsetWalk: [String] = []
            for try await user in clerk.users.all(GetUserListQuery(orderBy: "+username"), pageSize: 5) { offsetWalk.append(user.id) }
            #expect(Set(offsetWalk) == Set(walked))
        }
    }

    @Test("List filters: partial matches per field, activity and sign-in times, included and excluded ids")
    func listFilters() async throws {
        try await withEmulator { emulator, clerk in
            let ada = try await clerk.users.createUser(CreateUserBody(
                externalID: "ext-ada", firstName: "Ada", lastName: "Lovelace", emailAddress: ["HELLO.ada@example.com"],
                phoneNumber: ["+15555550100"], username: "countess"
            ))
            let alan = try await clerk.users.createUser(CreateUserBody(
                externalID: "ext-alan", firstName: "Alan", lastName: "Turing", emailAddress: ["alan@example.org"], username: "enigma"
            ))
            let grace = try await clerk.users.createUser(CreateUserBody(firstName: "Grace", emailAddress: ["grace@example.net"]))
            func ids(_ query: GetUserListQuery) async throws -> Set<String> {
                let page = try await clerk.users.getUserList(query)
                #expect(page.totalCount == page.data.count)
                return Set(page.data.map(\.id))
            }
            #expect(try await ids(GetUserListQuery(emailAddressQuery: "ello")) == [ada.id])
            #expect(try await ids(GetUserListQuery(emailAddressQuery: "EXAMPLE.")) == [ada.id, alan.id, grace.id])
            #expect(try await ids(GetUserListQuery(phoneNumberQuery: "5550100")) == [ada.id])
            #expect(try await ids(GetUserListQuery(usernameQuery: "NIGM")) == [alan.id])
            #expect(try await ids(GetUserListQuery(nameQuery: "ada love")) == [ada.id])
            #expect(try await ids(GetUserListQuery(nameQuery: "turing")) == [alan.id])
            #expect(try await ids(GetUserListQuery(nameQuery: "%")) == [])
            // Included and excluded ids.
            #expect(try await ids(GetUserListQuery(userID: ["-" + ada.id])) == [alan.id, grace.id])
            #expect(try await ids(GetUserListQuery(userID: ["+" + ada.id, alan.id, "-" + alan.id])) == [ada.id])
            #expect(try await ids(GetUserListQuery(externalID: ["-ext-ada"])) == [alan.id, grace.id])
            #expect(try await ids(GetUserListQuery(externalID: ["ext-alan"])) == [alan.id])
            // Activity and sign-in: only users with a session have them.
            let before = Int64(Date().timeIntervalSince1970 * 1000) - 1
            _ = try await clerk.sessions.createSession(CreateSessionBody(userID: alan.id))
            let signedIn = try await clerk.users.getUser(alan.id)
            let active = try #require(signedIn.lastActiveAt)
            #expect(try await ids(GetUserListQuery(lastActiveAtAfter: before)) == [alan.id])
            #expect(try await ids(GetUserListQuery(lastActiveAtSince: active)) == [alan.id])
            #expect(try await ids(GetUserListQuery(lastActiveAtBefore: active)) == [])
            #expect(try await ids(GetUserListQuery(lastActiveAtBefore: active + 1)) == [alan.id])
            #expect(try await ids(GetUserListQuery(lastSignInAtAfter: before)) == [alan.id])
            #expect(try await ids(GetUserListQuery(lastSignInAtBefore: before)) == [])
            #expect(try await clerk.users.getCount(GetUsersCountQuery(lastActiveAtAfter: before)) == 1)
            // provider and provider_user_id go together.
            #expect(try await ids(GetUserListQuery(provider: "oauth_google", providerUserID: ["12345"])) == [])
            let alone = try await rawRequest(emulator, "GET", "/v1/users?provider=oauth_google", key: emulator.secretKey)
            #expect(alone.status == 400 && alone.json?["errors"]?[0]?["meta"]?["param_name"] == "provider_user_id")
            let tooMany = try await rawRequest(
                emulator, "GET", "/v1/users?" + (0...100).map { "user_id=user_\($0)" }.joined(separator: "&"), key: emulator.secretKey
            )
            #expect(tooMany.status == 400 && tooMany.json?["errors"]?[0]?["meta"]?["param_name"] == "user_id")
        }
    }

    @Test("order_by outside the allowed fields is a 400 error, never SQL")
    func orderByIsAllowListed() async throws {
        try await withEmulator { emulator, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["a@example.com"]))
            let hostile = try await rawRequest(emulator, "GET", "/v1/users?order_by=id;DROP%20TABLE%20resources", key: emulator.secretKey)
            #expect(hostile.status == 400)
            #expect(hostile.json?["errors"]?[0]?["code"] == "form_param_value_invalid")
            #expect(try await clerk.users.getCount() == 1)
        }
    }
}

extension EmulatorUsersTests {
    /// PBKDF2-HMAC-SHA256, 32 bytes, base64 (an independent implementation over swift-crypto's HMAC).
    static func pbkdf2(_ password: String, salt: String, rounds: Int) -> String {
        let key = SymmetricKey(data: Data(password.utf8))
        var block = Data(salt.utf8)
        block.append(contentsOf: [0, 0, 0, 1])
        var u = Data(HMAC<SHA256>.authenticationCode(for: block, using: key))
        var result = u
        for _ in 1..<rounds {
            u = Data(HMAC<SHA256>.authenticationCode(for: u, using: key))
            for index in result.indices { result[index] ^= u[index] }
        }
        return result.base64EncodedString()
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }
}

@Suite("Emulator: hostile values answer 4xx, never crash")
struct EmulatorHostileInputTests {
    @Test("Out-of-range lifetimes and days, absurd PBKDF2 rounds, a 10 MiB+ body")
    func outOfRange() async throws {
        try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["h@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let huge = try await rawRequest(emulator, "POST", "/v1/sessions/\(session.id)/tokens", key: emulator.secretKey, body: #"{"expires_in_seconds": 9223372036854775807}"#)
            #expect(huge.status == 422)
            let days = try await rawRequest(emulator, "POST", "/v1/invitations", key: emulator.secretKey, body: #"{"email_address":"d@example.com","expires_in_days":9223372036854775807}"#)
            #expect(days.status == 422)
            for rounds in ["-1", "99999999999", "0"] {
                let digest = await #expect(throws: ClerkAPIResponseError.self) {
                    _ = try await clerk.users.createUser(CreateUserBody(
                        emailAddress: ["r\(rounds)@example.com"], passwordDigest: "pbkdf2_sha256$\(rounds)$salt$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", passwordHasher: "pbkdf2_sha256"
                    ))
                }
                #expect(digest?.status == 422)
            }
            let big = try await rawRequest(emulator, "POST", "/v1/users", key: emulator.secretKey, body: String(repeating: " ", count: 11 * 1024 * 1024))
            #expect(big.status == 413)
            #expect(try await clerk.users.getCount() == 1)
        }
    }
}
