import ClerkBackend
import HTTPTypes
import ClerkTesting
import Foundation
import Testing

/// Every public method of ``UsersAPI``, over real HTTP on loopback: the exact request each one sends (method, path,
/// query, headers, JSON or multipart body) and the decoding of a schema-valid answer.
///
/// The cases are a table (``Case/all``): one case per method, each with the requests it must send, how the server
/// answers, and the call with checks of what it returns. ``coversEveryMethod()`` keeps the table complete.
@Suite("Users API: request shape and decoding of every method")
struct UsersAPITests {
    @Test("Sends the exact request and decodes the answer", arguments: Case.all)
    func sendsExactRequest(_ testCase: Case) async throws {
        try await withServer({ request in try testCase.respond(request) }) { server in
            let clerk = try makeClient(apiURL: server.baseURL)
            try await testCase.call(clerk.users)

            // Concurrent requests (getUserList) arrive in any order: compare both lists sorted by path, keeping the
            // call order of requests to the same path.
            let received = Self.sortedByPath(server.requests, path: \.path)
            let expected = Self.sortedByPath(testCase.requests, path: \.path)
            let sent = received.map { "\($0.method) \($0.uri)" }
            try #require(
                received.count == expected.count,
                "\(testCase.method): expected \(expected.count) request(s), got \(sent)"
            )
            for (request, expectation) in zip(received, expected) {
                Self.verify(request, expectation, method: testCase.method)
            }
        }
    }

    @Test("The table covers every public method of UsersAPI (39) and every /users operation of the spec but the billing subscription (36)")
    func coversEveryMethod() throws {
        let covered = Case.all.map(\.method)
        #expect(covered.count == 39)
        #expect(Set(covered).count == covered.count, "one case per method")
        #expect(covered.sorted() == Self.usersAPIMethods.sorted())

        // A method added to UsersAPI without a case here fails this check.
        let source = try String(
            contentsOf: repositoryRoot().appendingPathComponent("Sources/ClerkBackend/Resources/UsersAPI.swift"),
            encoding: .utf8
        )
        let declared = source.matches(of: #/public func (\w+)/#).map { String($0.output.1) }
        #expect(declared.sorted() == Self.usersAPIMethods.sorted())

        let operations = Set(Case.all.flatMap { $0.requests.map(\.operation) })
        #expect(operations == Self.usersOperations)
        #expect(operations.count == 36)
    }

    /// The 39 public methods of `UsersAPI` (getUserList, getCount and all share two operations; the two
    /// `allOrganization…` walks share the list operations).
    static let usersAPIMethods = [
        "getUserList", "getCount", "all", "getUser", "createUser", "updateUser", "updateUserMetadata",
        "replaceUserMetadata", "deleteUser", "replaceUserEmailAddress", "replaceUserPhoneNumber", "banUser",
        "unbanUser", "banUsers", "unbanUsers", "lockUser", "unlockUser", "updateUserProfileImage",
        "deleteUserProfileImage", "verifyPassword", "verifyTOTP", "removePassword", "setPasswordCompromised",
        "unsetPasswordCompromised", "disableUserMFA", "deleteUserBackupCodes", "deleteUserTOTP", "deleteUserPasskey",
        "deleteUserWeb3Wallet", "deleteUserExternalAccount", "getUserOAuthAccessToken",
        "getOrganizationMembershipList", "getOrganizationInvitationList", "getUserTrustedDevices",
        "revokeUserTrustedDevice", "getUserBillingCreditBalance",
        "adjustUserBillingCreditBalance", "allOrganizationMemberships", "allOrganizationInvitations",
    ]

    /// The operationIDs of every operation under `/users` in `clerk-bapi-2026-05-12.yml`.
    static let usersOperations: Set<String> = [
        "GetUserList", "GetUsersCount", "GetUser", "CreateUser", "UpdateUser", "DeleteUser", "UpdateUserMetadata",
        "ReplaceUserMetadata", "ReplaceUserEmailAddress", "ReplaceUserPhoneNumber", "BanUser", "UnbanUser",
        "UsersBan", "UsersUnban", "LockUser", "UnlockUser", "SetUserProfileImage", "DeleteUserProfileImage",
        "VerifyPassword", "VerifyTOTP", "RemoveUserPassword", "SetUserPasswordCompromised",
        "UnsetUserPasswordCompromised", "DisableMFA", "DeleteBackupCode", "DeleteTOTP", "UserPasskeyDelete",
        "UserWeb3WalletDelete", "DeleteExternalAccount", "GetOAuthAccessToken", "UsersGetOrganizationMemberships",
        "UsersGetOrganizationInvitations", "ListUserTrustedDevices", "RevokeUserTrustedDevice",
        "GetUserBillingCreditBalance", "AdjustUserBillingCreditBalance",
    ]
}

// MARK: - The table's types

extension UsersAPITests {
    /// One method of `UsersAPI`: the requests it must send, the server's answer, and the call.
    struct Case: Sendable, CustomTestStringConvertible {
        /// The `UsersAPI` method under test (named in every failure).
        let method: String
        /// Every request the call must send, in call order.
        let requests: [Expected]
        /// The server's answer to each request.
        let respond: @Sendable (LoopbackHTTPServer.Request) throws -> ClerkHTTPResponse
        /// Makes the call(s) and checks what they return.
        let call: @Sendable (UsersAPI) async throws -> Void

        var testDescription: String { method }
    }

    /// One request as it must appear on the wire.
    struct Expected: Sendable {
        /// The spec's operationID this request is for.
        let operation: String
        let method: String
        /// The path, `/v1` prefix and percent-encoded path parameters included.
        let path: String
        /// `name=value` pairs, decoded as a server decodes a query (`+` is a space). Pairs with the same name must
        /// keep this order.
        var query: [String] = []
        var body: Body = .none

        init(_ operation: String, _ method: String, _ path: String, query: [String] = [], body: Body = .none) {
            self.operation = operation
            self.method = method
            self.path = path
            self.query = query
            self.body = body
        }
    }

    enum Body: Sendable {
        /// No body and no `Content-Type`.
        case none
        /// `Content-Type: application/json`, with a body equal to this JSON as parsed JSON.
        case json(JSONValue)
        /// `multipart/form-data` with a boundary, and exactly this one file part.
        case multipart(field: String, filename: String, contentType: String, content: Data)
    }
}

// MARK: - Checks

extension UsersAPITests {
    static func verify(_ request: LoopbackHTTPServer.Request, _ expected: Expected, method: String) {
        let label = "\(method) (\(expected.operation))"
        #expect(request.method.rawValue == expected.method, "\(label): HTTP method")
        #expect(request.path == expected.path, "\(label): path")
        #expect(
            sortedByName(formDecodedQuery(request.query)) == sortedByName(expected.query),
            "\(label): query \(request.query ?? "(none)")"
        )
        #expect(request.headerFields.values(name: "authorization") == ["Bearer \(testSecretKey)"], "\(label): Authorization")
        #expect(request.headerFields.values(name: "clerk-api-version") == ["2026-05-12"], "\(label): Clerk-API-Version")

        switch expected.body {
        case .none:
            #expect(request.headerFields.values(name: "content-type").isEmpty, "\(label): no Content-Type without a body")
            #expect(request.body.isEmpty, "\(label): no body")
        case .json(let json):
            #expect(request.headerFields.values(name: "content-type") == ["application/json"], "\(label): Content-Type")
            #expect(request.jsonBody == json, "\(label): JSON body \(String(decoding: request.body, as: UTF8.self))")
        case .multipart(let field, let filename, let contentType, let content):
            verifyMultipart(
                request, field: field, filename: filename, contentType: contentType, content: content, label: label
            )
        }
    }

    static func verifyMultipart(
        _ request: LoopbackHTTPServer.Request, field: String, filename: String, contentType: String, content: Data,
        label: String
    ) {
        let header = request.headerFields.first(name: "content-type") ?? ""
        let pieces = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(pieces.first?.lowercased() == "multipart/form-data", "\(label): Content-Type \(header)")
        let boundary = pieces.dropFirst().first { $0.lowercased().hasPrefix("boundary=") }
            .map { $0.dropFirst("boundary=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? ""
        guard !boundary.isEmpty else {
            Issue.record("\(label): no boundary in Content-Type \(header)")
            return
        }
        guard let parts = MultipartPart.parse(Array(request.body), boundary: boundary) else {
            Issue.record("\(label): not a multipart body with boundary \(boundary)")
            return
        }
        #expect(parts.count == 1, "\(label): one part")
        guard let part = parts.first(where: { $0.disposition["name"] == field }) else {
            Issue.record("\(label): no part named \(field)")
            return
        }
        #expect(part.disposition[""] == "form-data", "\(label): Content-Disposition")
        #expect(part.disposition["filename"] == filename, "\(label): filename")
        #expect(part.headers["content-type"] == contentType, "\(label): the part's Content-Type")
        #expect(part.content == Array(content), "\(label): the file's bytes")
    }

    /// The query's `name=value` pairs, decoded as a server decodes them: `+` is a space, then percent-decoding.
    /// (So a `+` sent unencoded, which reaches the API as a space, does not match an expected `+`.)
    static func formDecodedQuery(_ query: String?) -> [String] {
        func decode(_ text: Substring) -> String {
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return (query ?? "").split(separator: "&").map { pair in
            let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return decode(pieces[0]) + "=" + (pieces.count > 1 ? decode(pieces[1]) : "")
        }
    }

    /// Sorts by path, keeping the original order of equal paths.
    static func sortedByPath<T>(_ items: [T], path: (T) -> String) -> [T] {
        items.enumerated().sorted { (path($0.element), $0.offset) < (path($1.element), $1.offset) }.map(\.element)
    }

    /// Sorts `name=value` pairs by name, keeping the original order of equal names (which is significant).
    static func sortedByName(_ pairs: [String]) -> [String] {
        func name(_ pair: String) -> Substring { pair.prefix { $0 != "=" } }
        return pairs.enumerated().sorted { (name($0.element), $0.offset) < (name($1.element), $1.offset) }
            .map(\.element)
    }

    /// One part of a `multipart/form-data` body (RFC 7578).
    struct MultipartPart {
        /// Header names lower-cased.
        var headers: [String: String] = [:]
        /// The `Content-Disposition` parameters, unquoted; the disposition type is under `""`.
        var disposition: [String: String] = [:]
        var content: [UInt8] = []

        /// Splits a body into its parts; `nil` unless it is well-formed (opening, delimiters, close delimiter).
        static func parse(_ body: [UInt8], boundary: String) -> [MultipartPart]? {
            let crlf = Array("\r\n".utf8)
            let opening = Array("--\(boundary)\r\n".utf8)
            let delimiter = Array("\r\n--\(boundary)".utf8)
            guard body.starts(with: opening) else { return nil }
            var position = opening.count
            var parts: [MultipartPart] = []
            while true {
                guard let end = body[position...].firstRange(of: delimiter),
                    let part = MultipartPart(Array(body[position..<end.lowerBound]))
                else { return nil }
                parts.append(part)
                let rest = body[end.upperBound...]
                if rest.starts(with: Array("--".utf8)) {
                    let trailer = Array(rest.dropFirst(2))
                    return trailer.isEmpty || trailer == crlf ? parts : nil
                }
                guard rest.starts(with: crlf) else { return nil }
                position = end.upperBound + crlf.count
            }
        }

        init?(_ bytes: [UInt8]) {
            guard let separator = bytes.firstRange(of: Array("\r\n\r\n".utf8)) else { return nil }
            for line in String(decoding: bytes[..<separator.lowerBound], as: UTF8.self).split(separator: "\r\n") {
                guard let colon = line.firstIndex(of: ":") else { return nil }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...]
                    .trimmingCharacters(in: .whitespaces)
            }
            for (index, piece) in (headers["content-disposition"] ?? "").split(separator: ";").enumerated() {
                let trimmed = piece.trimmingCharacters(in: .whitespaces)
                if index == 0 {
                    disposition[""] = trimmed
                } else if let equals = trimmed.firstIndex(of: "=") {
                    disposition[String(trimmed[..<equals])] = trimmed[trimmed.index(after: equals)...]
                        .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
                }
            }
            content = Array(bytes[separator.upperBound...])
        }
    }
}

// MARK: - IDs and answers

extension UsersAPITests {
    enum ID {
        static let user = "user_2dGz8Qp4LmN6vR1tX3wY5zA7bC9"
        static let otherUser = "user_2dH1rT5yU7iO9pA1sD3fG5hJ7kL"
        static let passkey = "idn_2dH3pK9sL1mN3bV5cX7zQ9wE1rT"
        static let web3Wallet = "idn_2dH4wW3eR5tY7uI9oP1aS3dF5gH"
        static let externalAccount = "eac_2dH5gO7oG9lE1aC3cO5uN7tX9yZ"
        static let trustedDevice = "td_2dFB4hJ6kL8mN0pQ2rS4tU6vW8x"
    }

    /// Builds answers from `Fixtures/Responses`.
    enum Answer {
        /// A fixture file as it is.
        static func file(_ name: String) throws -> ClerkHTTPResponse {
            .json(try Fixtures.string("Responses/\(name).json"))
        }

        /// A fixture file parsed as JSON.
        static func fixture(_ name: String) throws -> JSONValue {
            try JSONDecoder().decode(JSONValue.self, from: Fixtures.data("Responses/\(name).json"))
        }

        /// `Fixtures.userJSON(id:)` as JSON, with some members changed.
        static func userValue(_ id: String, _ changes: [String: JSONValue] = [:]) throws -> JSONValue {
            let user = try JSONDecoder().decode(JSONValue.self, from: Data(Fixtures.userJSON(id: id).utf8))
            return .object((user.objectValue ?? [:]).merging(changes) { _, new in new })
        }

        static func user(_ id: String, _ changes: [String: JSONValue] = [:]) throws -> ClerkHTTPResponse {
            try json(userValue(id, changes))
        }

        static func users(_ ids: [String], _ changes: [String: JSONValue] = [:]) throws -> ClerkHTTPResponse {
            try json(.array(ids.map { try userValue($0, changes) }))
        }

        static func json(_ value: JSONValue) throws -> ClerkHTTPResponse {
            .json(String(decoding: try JSONEncoder().encode(value), as: UTF8.self))
        }
    }
}

// MARK: - The cases

extension UsersAPITests.Case {
    typealias Expected = UsersAPITests.Expected
    typealias ID = UsersAPITests.ID
    typealias Answer = UsersAPITests.Answer

    static let all: [Self] =
        listing + oneUser + banAndLock + profileImage + passwords + identifications + organizations + trustedDevices
        + billing

    static let userPath = "/v1/users/\(ID.user)"

    // MARK: Listing

    static let listing: [Self] = [
        Self(
            method: "getUserList",
            requests: [
                Expected(
                    "GetUserList", "GET", "/v1/users",
                    query: [
                        "email_address=ada@example.com", "email_address=grace+navy@example.com", "query=lovelace",
                        "banned=false", "created_at_after=1700000000000", "limit=2", "offset=4",
                        "order_by=+created_at",
                    ]
                ),
                Expected(
                    "GetUsersCount", "GET", "/v1/users/count",
                    query: [
                        "email_address=ada@example.com", "email_address=grace+navy@example.com", "query=lovelace",
                        "banned=false", "created_at_after=1700000000000",
                    ]
                ),
            ],
            respond: { request in
                try request.path.hasSuffix("/count")
                    ? .json(#"{"object":"total_count","total_count":42}"#)
                    : Answer.users([ID.user, ID.otherUser])
            },
            call: { users in
                let page = try await users.getUserList(
                    GetUserListQuery(
                        emailAddress: ["ada@example.com", "grace+navy@example.com"], query: "lovelace",
                        banned: false, createdAtAfter: 1_700_000_000_000, limit: 2, offset: 4, orderBy: "+created_at"
                    )
                )
                #expect(page.data.map(\.id) == [ID.user, ID.otherUser])
                #expect(page.totalCount == 42)
            }
        ),
        Self(
            method: "getCount",
            requests: [
                Expected(
                    "GetUsersCount", "GET", "/v1/users/count",
                    query: [
                        "organization_id=org_2dF9Zq8wX7vU6tS5rQ4pO3nM2lK",
                        "organization_id=org_2dHaB1cD2eF3gH4iJ5kL6mN7oP",
                        "name_query=Ada", "last_sign_in_at_before=1716300000000", "provider=oauth_google",
                    ]
                )
            ],
            respond: { _ in .json(#"{"object":"total_count","total_count":7}"#) },
            call: { users in
                let count = try await users.getCount(
                    GetUsersCountQuery(
                        organizationID: ["org_2dF9Zq8wX7vU6tS5rQ4pO3nM2lK", "org_2dHaB1cD2eF3gH4iJ5kL6mN7oP"],
                        nameQuery: "Ada", lastSignInAtBefore: 1_716_300_000_000, provider: "oauth_google"
                    )
                )
                #expect(count == 7)
            }
        ),
        Self(
            method: "all",
            requests: [
                // The sequence sets limit (pageSize) and, ordering by creation time, pages with starting_after
                // (absent on the first page) instead of the query's offset.
                Expected("GetUserList", "GET", "/v1/users", query: ["username=ada", "username=grace", "limit=5"])
            ],
            respond: { _ in try Answer.users([ID.user, ID.otherUser]) },
            call: { users in
                var ids: [String] = []
                let query = GetUserListQuery(
                    username: ["ada", "grace"], limit: 99, offset: 10, startingAfter: "user_2dIgnored00000000000000000"
                )
                for try await user in users.all(query, pageSize: 5) { ids.append(user.id) }
                #expect(ids == [ID.user, ID.otherUser])
            }
        ),
    ]

    // MARK: One user

    /// Metadata for updateUserMetadata: nested objects, arrays holding `null`, `null` values (deletions when merged).
    static let publicMetadataPatch: Metadata = [
        "plan": .object(["tier": 4, "seats": [1, nil, 3], "trial": nil]),
        "role": "owner",
        "flags": .array([.object(["name": "beta", "on": true]), .object(["name": "legacy", "on": nil])]),
    ]
    static let privateMetadataPatch: Metadata = [
        "stripe_customer": nil, "notes": ["vip", "early adopter"], "score": 0.75,
    ]

    static let oneUser: [Self] = [
        Self(
            method: "getUser",
            requests: [Expected("GetUser", "GET", userPath)],
            respond: { _ in try Answer.user(ID.user) },
            call: { users in
                let user = try await users.getUser(ID.user)
                #expect(user.id == ID.user)
                #expect(user.emailAddresses.first?.emailAddress == "ada@example.com")
                #expect(user.publicMetadata["plan"]?["seats"] == [1, 2])
            }
        ),
        Self(
            method: "createUser",
            requests: [
                Expected(
                    "CreateUser", "POST", "/v1/users",
                    body: .json([
                        "external_id": "ext-1001",
                        "first_name": "Grace",
                        "last_name": "Hopper",
                        "email_address": ["grace@example.com", "ghopper@navy.example"],
                        "email_address_identification_status": ["verified", "reserved"],
                        "phone_number": ["+15555550123", "+15555550124"],
                        "username": "grace",
                        "password_digest": "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                        "password_hasher": "bcrypt",
                        "skip_password_checks": true,
                        "backup_codes": ["a1b2c3d4", "e5f6g7h8"],
                        "public_metadata": ["department": "engineering", "clearances": ["cobol", "flow-matic"]],
                        "private_metadata": ["employee_number": 1906, "manager": nil],
                        "delete_self_enabled": false,
                        "create_organizations_limit": 3,
                        "created_at": "2024-01-02T03:04:05Z",
                    ])
                )
            ],
            respond: { _ in try Answer.user(ID.otherUser, ["first_name": "Grace", "last_name": "Hopper"]) },
            call: { users in
                let user = try await users.createUser(
                    CreateUserBody(
                        externalID: "ext-1001", firstName: "Grace", lastName: "Hopper",
                        emailAddress: ["grace@example.com", "ghopper@navy.example"],
                        emailAddressIdentificationStatus: [.verified, .reserved],
                        phoneNumber: ["+15555550123", "+15555550124"], username: "grace",
                        passwordDigest: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
                        passwordHasher: "bcrypt", skipPasswordChecks: true, backupCodes: ["a1b2c3d4", "e5f6g7h8"],
                        publicMetadata: ["department": "engineering", "clearances": ["cobol", "flow-matic"]],
                        privateMetadata: ["employee_number": 1906, "manager": nil], deleteSelfEnabled: false,
                        createOrganizationsLimit: 3, createdAt: "2024-01-02T03:04:05Z"
                    )
                )
                #expect(user.id == ID.otherUser)
                #expect(user.firstName == "Grace")
            }
        ),
        Self(
            method: "updateUser",
            requests: [
                Expected(
                    "UpdateUser", "PATCH", userPath,
                    body: .json([
                        "first_name": "Augusta Ada",
                        "primary_email_address_id": "idn_2dF7kQm1xVb9ZrT3yW8pLcN0sHa",
                        "notify_primary_email_address_changed": false,
                        "username": "countess",
                        "password": "correct horse battery staple",
                        "sign_out_of_other_sessions": true,
                        "backup_codes": ["k9l8m7n6"],
                        "create_organizations_limit": 0,
                        "bypass_client_trust": false,
                    ])
                )
            ],
            respond: { _ in try Answer.user(ID.user, ["first_name": "Augusta Ada", "username": "countess"]) },
            call: { users in
                let user = try await users.updateUser(
                    ID.user,
                    UpdateUserBody(
                        firstName: "Augusta Ada", primaryEmailAddressID: "idn_2dF7kQm1xVb9ZrT3yW8pLcN0sHa",
                        notifyPrimaryEmailAddressChanged: false, username: "countess",
                        password: "correct horse battery staple", signOutOfOtherSessions: true,
                        backupCodes: ["k9l8m7n6"], createOrganizationsLimit: 0, bypassClientTrust: false
                    )
                )
                #expect(user.firstName == "Augusta Ada")
                #expect(user.username == "countess")
            }
        ),
        Self(
            method: "updateUserMetadata",
            requests: [
                Expected(
                    "UpdateUserMetadata", "PATCH", "\(userPath)/metadata",
                    body: .json([
                        "public_metadata": .object(publicMetadataPatch),
                        "private_metadata": .object(privateMetadataPatch),
                    ])
                )
            ],
            respond: { _ in
                try Answer.user(
                    ID.user, ["public_metadata": ["role": "owner", "plan": ["tier": 4, "seats": [1, 3]]]]
                )
            },
            call: { users in
                let user = try await users.updateUserMetadata(
                    ID.user,
                    UpdateUserMetadataBody(publicMetadata: publicMetadataPatch, privateMetadata: privateMetadataPatch)
                )
                #expect(user.publicMetadata["role"] == "owner")
                #expect(user.publicMetadata["plan"]?["tier"] == 4)
            }
        ),
        Self(
            method: "replaceUserMetadata",
            requests: [
                Expected(
                    "ReplaceUserMetadata", "PUT", "\(userPath)/metadata",
                    body: .json([
                        "public_metadata": [:],
                        "unsafe_metadata": [
                            "theme": "dark", "shortcuts": ["g i", "g u"], "sidebar": ["collapsed": true],
                        ],
                    ])
                )
            ],
            respond: { _ in try Answer.user(ID.user, ["public_metadata": [:], "unsafe_metadata": ["theme": "dark"]]) },
            call: { users in
                let user = try await users.replaceUserMetadata(
                    ID.user,
                    ReplaceUserMetadataBody(
                        publicMetadata: [:],
                        unsafeMetadata: ["theme": "dark", "shortcuts": ["g i", "g u"], "sidebar": ["collapsed": true]]
                    )
                )
                #expect(user.publicMetadata.isEmpty)
                #expect(user.unsafeMetadata?["theme"] == "dark")
            }
        ),
        Self(
            method: "deleteUser",
            requests: [Expected("DeleteUser", "DELETE", "/v1/users/user_2NNEqL2nrIRdJ194ndJqAHwEfxC")],
            respond: { _ in try Answer.file("deleted_object") },
            call: { users in
                let deleted = try await users.deleteUser("user_2NNEqL2nrIRdJ194ndJqAHwEfxC")
                #expect(deleted.deleted)
                #expect(deleted.object == "user")
                #expect(deleted.id == "user_2NNEqL2nrIRdJ194ndJqAHwEfxC")
                #expect(deleted.externalID == "ext-42")
            }
        ),
        Self(
            method: "replaceUserEmailAddress",
            requests: [
                Expected(
                    "ReplaceUserEmailAddress", "PUT", "\(userPath)/email_address",
                    body: .json([
                        "email_address": "ada@analytical-engine.example",
                        "identification_status": "verified",
                        "notify_primary_email_address_changed": false,
                    ])
                )
            ],
            respond: { _ in try Answer.file("email_address") },
            call: { users in
                let email = try await users.replaceUserEmailAddress(
                    ID.user,
                    ReplaceUserEmailAddressBody(
                        emailAddress: "ada@analytical-engine.example", identificationStatus: .verified,
                        notifyPrimaryEmailAddressChanged: false
                    )
                )
                #expect(email.id == "idn_2dF7kQm1xVb9ZrT3yW8pLcN0sHa")
                #expect(email.emailAddress == "ada@analytical-engine.example")
                guard case .admin(let verification)? = email.verification else {
                    Issue.record("expected an admin verification, got \(String(describing: email.verification))")
                    return
                }
                #expect(verification.status == .verified)
            }
        ),
        Self(
            method: "replaceUserPhoneNumber",
            requests: [
                Expected(
                    "ReplaceUserPhoneNumber", "PUT", "\(userPath)/phone_number",
                    body: .json(["phone_number": "+15555550199", "identification_status": "unverified"])
                )
            ],
            respond: { _ in try Answer.file("phone_number") },
            call: { users in
                let phone = try await users.replaceUserPhoneNumber(
                    ID.user, ReplaceUserPhoneNumberBody(phoneNumber: "+15555550199", identificationStatus: .unverified)
                )
                #expect(phone.phoneNumber == "+15555550199")
                guard case .otp(let verification)? = phone.verification else {
                    Issue.record("expected an OTP verification, got \(String(describing: phone.verification))")
                    return
                }
                #expect(verification.status == .unverified)
                #expect(verification.strategy == .phoneCode)
            }
        ),
    ]

    // MARK: Ban and lock

    static let banAndLock: [Self] = [
        Self(
            method: "banUser",
            requests: [Expected("BanUser", "POST", "\(userPath)/ban")],
            respond: { _ in try Answer.user(ID.user, ["banned": true]) },
            call: { users in
                let user = try await users.banUser(ID.user)
                #expect(user.id == ID.user)
                #expect(user.banned)
            }
        ),
        Self(
            method: "unbanUser",
            requests: [Expected("UnbanUser", "POST", "\(userPath)/unban")],
            respond: { _ in try Answer.user(ID.user, ["banned": false, "first_name": "Unbanned"]) },
            call: { users in
                let user = try await users.unbanUser(ID.user)
                #expect(!user.banned)
                #expect(user.firstName == "Unbanned")
            }
        ),
        Self(
            method: "banUsers",
            requests: [
                Expected(
                    "UsersBan", "POST", "/v1/users/ban",
                    body: .json(["user_ids": [.string(ID.user), .string(ID.otherUser)]])
                )
            ],
            respond: { _ in try Answer.users([ID.user, ID.otherUser], ["banned": true]) },
            call: { users in
                let banned = try await users.banUsers([ID.user, ID.otherUser])
                #expect(banned.map(\.id) == [ID.user, ID.otherUser])
                #expect(banned.map(\.banned) == [true, true])
            }
        ),
        Self(
            method: "unbanUsers",
            requests: [
                Expected(
                    "UsersUnban", "POST", "/v1/users/unban",
                    body: .json(["user_ids": [.string(ID.otherUser), .string(ID.user)]])
                )
            ],
            respond: { _ in try Answer.users([ID.otherUser, ID.user], ["banned": false]) },
            call: { users in
                let unbanned = try await users.unbanUsers([ID.otherUser, ID.user])
                #expect(unbanned.map(\.id) == [ID.otherUser, ID.user])
                #expect(unbanned.map(\.banned) == [false, false])
            }
        ),
        Self(
            method: "lockUser",
            requests: [Expected("LockUser", "POST", "\(userPath)/lock")],
            respond: { _ in try Answer.user(ID.user, ["locked": true, "lockout_expires_in_seconds": 1800]) },
            call: { users in
                let user = try await users.lockUser(ID.user)
                #expect(user.locked)
                #expect(user.lockoutExpiresInSeconds == 1800)
            }
        ),
        Self(
            method: "unlockUser",
            requests: [Expected("UnlockUser", "POST", "\(userPath)/unlock")],
            respond: { _ in try Answer.user(ID.user, ["locked": false, "verification_attempts_remaining": 5]) },
            call: { users in
                let user = try await users.unlockUser(ID.user)
                #expect(!user.locked)
                #expect(user.verificationAttemptsRemaining == 5)
            }
        ),
    ]

    // MARK: Profile image

    /// A PNG signature followed by bytes that look like multipart syntax (CRLF, `--`) and a trailing CRLF.
    static let imageBytes = Data([
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x2D, 0x2D, 0x0D, 0x0A, 0x2D, 0x2D,
        0xFF, 0xFE, 0x00, 0x0D, 0x0A,
    ])

    static let uploadedImageURL = "https://img.clerk.com/eyJ0eXBlIjoidXBsb2FkZWQifQ"

    static let profileImage: [Self] = [
        Self(
            method: "updateUserProfileImage",
            requests: [
                Expected(
                    "SetUserProfileImage", "POST", "\(userPath)/profile_image",
                    body: .multipart(
                        field: "file", filename: "ada-avatar.png", contentType: "image/png", content: imageBytes
                    )
                ),
                Expected(
                    "SetUserProfileImage", "POST", "\(userPath)/profile_image",
                    body: .multipart(
                        field: "file", filename: "profile_image", contentType: "application/octet-stream",
                        content: Data("GIF89a".utf8)
                    )
                ),
            ],
            respond: { _ in
                try Answer.user(ID.user, ["has_image": true, "image_url": .string(uploadedImageURL)])
            },
            call: { users in
                let user = try await users.updateUserProfileImage(
                    ID.user, file: imageBytes, filename: "ada-avatar.png", contentType: "image/png"
                )
                #expect(user.hasImage)
                #expect(user.imageURL == uploadedImageURL)
                // The defaults: filename `profile_image`, `application/octet-stream`.
                _ = try await users.updateUserProfileImage(ID.user, file: Data("GIF89a".utf8))
            }
        ),
        Self(
            method: "deleteUserProfileImage",
            requests: [Expected("DeleteUserProfileImage", "DELETE", "\(userPath)/profile_image")],
            respond: { _ in try Answer.user(ID.user, ["has_image": false]) },
            call: { users in
                let user = try await users.deleteUserProfileImage(ID.user)
                #expect(!user.hasImage)
                #expect(user.id == ID.user)
            }
        ),
    ]

    // MARK: Passwords and second factors

    static let passwords: [Self] = [
        Self(
            method: "verifyPassword",
            requests: [
                Expected(
                    "VerifyPassword", "POST", "\(userPath)/verify_password",
                    body: .json(["password": "correct horse battery staple"])
                )
            ],
            respond: { _ in .json(#"{"verified":true}"#) },
            call: { users in
                let result = try await users.verifyPassword(userID: ID.user, password: "correct horse battery staple")
                #expect(result.verified == true)
            }
        ),
        Self(
            method: "verifyTOTP",
            requests: [Expected("VerifyTOTP", "POST", "\(userPath)/verify_totp", body: .json(["code": "048213"]))],
            respond: { _ in .json(#"{"verified":true,"code_type":"backup_code"}"#) },
            call: { users in
                let result = try await users.verifyTOTP(userID: ID.user, code: "048213")
                #expect(result.verified == true)
                #expect(result.codeType == .backupCode)
            }
        ),
        Self(
            method: "removePassword",
            requests: [
                Expected(
                    "RemoveUserPassword", "POST", "\(userPath)/remove_password",
                    body: .json(["sign_out_of_other_sessions": true])
                ),
                // Without the option, the body is an empty object.
                Expected("RemoveUserPassword", "POST", "\(userPath)/remove_password", body: .json([:])),
            ],
            respond: { _ in try Answer.user(ID.user, ["password_enabled": false]) },
            call: { users in
                let user = try await users.removePassword(ID.user, signOutOfOtherSessions: true)
                #expect(!user.passwordEnabled)
                _ = try await users.removePassword(ID.user)
            }
        ),
        Self(
            method: "setPasswordCompromised",
            requests: [
                Expected(
                    "SetUserPasswordCompromised", "POST", "\(userPath)/password/set_compromised",
                    body: .json(["revoke_all_sessions": false])
                )
            ],
            respond: { _ in try Answer.user(ID.user, ["password_last_updated_at": 1_716_300_000_000]) },
            call: { users in
                let user = try await users.setPasswordCompromised(ID.user, revokeAllSessions: false)
                #expect(user.passwordLastUpdatedAt == 1_716_300_000_000)
            }
        ),
        Self(
            method: "unsetPasswordCompromised",
            requests: [Expected("UnsetUserPasswordCompromised", "POST", "\(userPath)/password/unset_compromised")],
            respond: { _ in try Answer.user(ID.user, ["password_last_updated_at": 1_716_400_000_000]) },
            call: { users in
                let user = try await users.unsetPasswordCompromised(ID.user)
                #expect(user.passwordLastUpdatedAt == 1_716_400_000_000)
            }
        ),
        Self(
            method: "disableUserMFA",
            requests: [Expected("DisableMFA", "DELETE", "\(userPath)/mfa")],
            respond: { _ in .json(#"{"user_id":"\#(ID.user)"}"#) },
            call: { users in
                let result = try await users.disableUserMFA(ID.user)
                #expect(result.userID == ID.user)
            }
        ),
        Self(
            method: "deleteUserBackupCodes",
            requests: [Expected("DeleteBackupCode", "DELETE", "\(userPath)/backup_code")],
            respond: { _ in .json(#"{"user_id":"\#(ID.user)"}"#) },
            call: { users in
                let result = try await users.deleteUserBackupCodes(ID.user)
                #expect(result.userID == ID.user)
            }
        ),
        Self(
            method: "deleteUserTOTP",
            requests: [Expected("DeleteTOTP", "DELETE", "\(userPath)/totp")],
            respond: { _ in .json(#"{"user_id":"\#(ID.user)"}"#) },
            call: { users in
                let result = try await users.deleteUserTOTP(ID.user)
                #expect(result.userID == ID.user)
            }
        ),
    ]

    // MARK: Identifications and OAuth tokens

    static let identifications: [Self] = [
        Self(
            method: "deleteUserPasskey",
            requests: [Expected("UserPasskeyDelete", "DELETE", "\(userPath)/passkeys/\(ID.passkey)")],
            respond: { _ in .json(#"{"object":"passkey","id":"\#(ID.passkey)","deleted":true}"#) },
            call: { users in
                let deleted = try await users.deleteUserPasskey(userID: ID.user, passkeyIdentificationID: ID.passkey)
                #expect(deleted.deleted)
                #expect(deleted.id == ID.passkey)
                #expect(deleted.object == "passkey")
            }
        ),
        Self(
            method: "deleteUserWeb3Wallet",
            requests: [Expected("UserWeb3WalletDelete", "DELETE", "\(userPath)/web3_wallets/\(ID.web3Wallet)")],
            respond: { _ in .json(#"{"object":"web3_wallet","id":"\#(ID.web3Wallet)","deleted":true}"#) },
            call: { users in
                let deleted = try await users.deleteUserWeb3Wallet(
                    userID: ID.user, web3WalletIdentificationID: ID.web3Wallet
                )
                #expect(deleted.deleted)
                #expect(deleted.id == ID.web3Wallet)
            }
        ),
        Self(
            method: "deleteUserExternalAccount",
            requests: [
                Expected("DeleteExternalAccount", "DELETE", "\(userPath)/external_accounts/\(ID.externalAccount)")
            ],
            respond: { _ in .json(#"{"object":"external_account","id":"\#(ID.externalAccount)","deleted":true}"#) },
            call: { users in
                let deleted = try await users.deleteUserExternalAccount(
                    userID: ID.user, externalAccountID: ID.externalAccount
                )
                #expect(deleted.deleted)
                #expect(deleted.id == ID.externalAccount)
            }
        ),
        Self(
            method: "getUserOAuthAccessToken",
            requests: [
                // `google` gets the `oauth_` prefix; `oauth_google` keeps its single one.
                Expected(
                    "GetOAuthAccessToken", "GET", "\(userPath)/oauth_access_tokens/oauth_google",
                    query: ["paginated=true"]
                ),
                Expected(
                    "GetOAuthAccessToken", "GET", "\(userPath)/oauth_access_tokens/oauth_google",
                    query: ["paginated=true", "limit=10", "offset=20"]
                ),
            ],
            respond: { request in
                // The paginated shape first, then the spec's bare array: both must decode.
                let tokens = try Answer.fixture("oauth_access_tokens")
                return try Answer.json(request.query == "paginated=true" ? ["data": tokens, "total_count": 4] : tokens)
            },
            call: { users in
                let paginated = try await users.getUserOAuthAccessToken(ID.user, provider: "google")
                #expect(paginated.totalCount == 4)
                #expect(paginated.data.first?.token == "ya29.a0AfB_byC1-test-access-token")
                #expect(paginated.data.first?.provider == "oauth_google")
                #expect(paginated.data.first?.scopes == ["email", "profile", "openid"])

                let bare = try await users.getUserOAuthAccessToken(
                    ID.user, provider: "oauth_google", limit: 10, offset: 20
                )
                #expect(bare.totalCount == 1)
                #expect(bare.data.first?.externalAccountID == "eac_2NNEqTGoogle")
                #expect(bare.data.first?.expiresAt == 1_700_003_600_000)
            }
        ),
    ]

    // MARK: Organizations

    static let organizations: [Self] = [
        Self(
            method: "getOrganizationMembershipList",
            requests: [
                Expected(
                    "UsersGetOrganizationMemberships", "GET", "\(userPath)/organization_memberships",
                    query: ["limit=1", "offset=0"]
                )
            ],
            respond: { _ in try Answer.file("organization_membership_list") },
            call: { users in
                let memberships = try await users.getOrganizationMembershipList(
                    ID.user, UsersGetOrganizationMembershipsQuery(limit: 1, offset: 0)
                )
                #expect(memberships.totalCount == 3)
                #expect(memberships.data.first?.role == "org:admin")
                #expect(memberships.data.first?.organization.slug == "analytical-engines")
                #expect(memberships.data.first?.publicUserData?.identifier == "ada@example.com")
            }
        ),
        Self(
            method: "getOrganizationInvitationList",
            requests: [
                Expected(
                    "UsersGetOrganizationInvitations", "GET", "\(userPath)/organization_invitations",
                    query: ["limit=20", "offset=40", "status=pending"]
                )
            ],
            respond: { _ in try Answer.file("organization_invitation_list") },
            call: { users in
                let invitations = try await users.getOrganizationInvitationList(
                    ID.user, UsersGetOrganizationInvitationsQuery(limit: 20, offset: 40, status: .pending)
                )
                #expect(invitations.totalCount == 1)
                #expect(invitations.data.first?.id == "orginv_2dFA1b2C3d4E5f6G7h8I9j0K1lM")
                #expect(invitations.data.first?.publicOrganizationData?.slug == "analytical-engines")
                #expect(invitations.data.first?.publicInviterData?.identifier == "charles@example.com")
            }
        ),
        Self(
            method: "allOrganizationMemberships",
            requests: [
                Expected("UsersGetOrganizationMemberships", "GET", "\(userPath)/organization_memberships", query: ["limit=1", "offset=0"]),
                Expected("UsersGetOrganizationMemberships", "GET", "\(userPath)/organization_memberships", query: ["limit=1", "offset=1"]),
            ],
            respond: { request in
                request.queryItems.contains { $0.name == "offset" && $0.value == "0" }
                    ? try Answer.file("organization_membership_list") : .json(#"{"data":[],"total_count":1}"#)
            },
            call: { users in
                var slugs: [String] = []
                for try await membership in users.allOrganizationMemberships(ID.user, pageSize: 1) {
                    slugs.append(membership.organization.slug)
                }
                #expect(slugs == ["analytical-engines"])
            }
        ),
        Self(
            method: "allOrganizationInvitations",
            requests: [
                Expected(
                    "UsersGetOrganizationInvitations", "GET", "\(userPath)/organization_invitations",
                    query: ["limit=5", "offset=0", "status=pending"]
                )
            ],
            respond: { _ in try Answer.file("organization_invitation_list") },
            call: { users in
                var ids: [String] = []
                for try await invitation in users.allOrganizationInvitations(ID.user, status: .pending, pageSize: 5) {
                    ids.append(invitation.id)
                }
                #expect(ids == ["orginv_2dFA1b2C3d4E5f6G7h8I9j0K1lM"])
            }
        ),
    ]

    // MARK: Trusted devices

    static let trustedDevices: [Self] = [
        Self(
            method: "getUserTrustedDevices",
            requests: [Expected("ListUserTrustedDevices", "GET", "\(userPath)/trusted_devices")],
            respond: { _ in
                let device = try Answer.fixture("trusted_device")
                return try Answer.json(["data": [device], "total_count": 1])
            },
            call: { users in
                let devices = try await users.getUserTrustedDevices(ID.user)
                #expect(devices.totalCount == 1)
                #expect(devices.data.first?.id == ID.trustedDevice)
                #expect(devices.data.first?.platform == .ios)
                #expect(devices.data.first?.name == "Ada's iPhone")
            }
        ),
        Self(
            method: "revokeUserTrustedDevice",
            requests: [
                Expected("RevokeUserTrustedDevice", "DELETE", "\(userPath)/trusted_devices/\(ID.trustedDevice)")
            ],
            respond: { _ in
                var device = try Answer.fixture("trusted_device").objectValue ?? [:]
                device["status"] = "revoked"
                device["revoked_at"] = 1_700_007_200_000
                return try Answer.json(.object(device))
            },
            call: { users in
                let device = try await users.revokeUserTrustedDevice(userID: ID.user, trustedDeviceID: ID.trustedDevice)
                #expect(device.id == ID.trustedDevice)
                #expect(device.status == .revoked)
                #expect(device.revokedAt == 1_700_007_200_000)
            }
        ),
    ]

    // MARK: Billing

    static let billing: [Self] = [
        Self(
            method: "getUserBillingCreditBalance",
            requests: [Expected("GetUserBillingCreditBalance", "GET", "\(userPath)/billing/credits")],
            respond: { _ in try Answer.file("credit_balance") },
            call: { users in
                let credits = try await users.getUserBillingCreditBalance(ID.user)
                #expect(credits.object == "commerce_credit_balance")
                #expect(credits.balance?.amount == 1500)
                #expect(credits.balance?.currency == "USD")
            }
        ),
        Self(
            method: "adjustUserBillingCreditBalance",
            requests: [
                Expected(
                    "AdjustUserBillingCreditBalance", "POST", "\(userPath)/billing/credits",
                    body: .json([
                        "amount": 2500,
                        "action": "increase",
                        "currency": "USD",
                        "idempotency_key": "credit-2024-03-14-ada",
                        "note": "Goodwill credit for the March outage",
                    ])
                )
            ],
            respond: { _ in try Answer.file("credit_ledger") },
            call: { users in
                let entry = try await users.adjustUserBillingCreditBalance(
                    ID.user,
                    AdjustCreditBalanceRequest(
                        amount: 2500, action: .increase, currency: "USD", idempotencyKey: "credit-2024-03-14-ada",
                        note: "Goodwill credit for the March outage"
                    )
                )
                #expect(entry.id == "cled_2dFD7mN9pQ1rS3tU5vW7xY9zA1b")
                #expect(entry.amount.amount == 2500)
                #expect(entry.sourceType == "grant")
                #expect(entry.createdAt == "2024-03-14T09:26:53Z")
            }
        ),
    ]
}
