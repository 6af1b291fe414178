import ArgumentParser
import ClerkBackend
import Foundation

let secretsDiscussion = """
    The secret key comes from CLERK_SECRET_KEY, or from --secret-key-file (a path, or '-' for standard input), never
    from the command line, so it does not show in `ps` or shell history. CLERK_API_URL (or --api-url) points the
    command at another API, for example `clerk emulator`.

    Exit codes: 0 success; 1 the API answered an error; 2 missing or unusable configuration; 64 bad usage.
    """

// MARK: - users

struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "List, inspect, create, change, ban and delete users; export and import them.",
        discussion: secretsDiscussion,
        subcommands: [List.self, Get.self, Create.self, Update.self, Delete.self, Ban.self, Unban.self, UsersExport.self, UsersImport.self]
    )

    static func row(_ user: User) -> [String] {
        [user.id, user.emailAddresses.first?.emailAddress ?? "-", [user.firstName, user.lastName].compactMap { $0 }.joined(separator: " "),
         user.username ?? "-", user.banned ? "banned" : (user.locked ? "locked" : "active"), formatTime(user.createdAt)]
    }
    static let header = ["ID", "EMAIL", "NAME", "USERNAME", "STATE", "CREATED"]

    static func show(_ user: User, json: Bool) throws {
        if json { try printJSON(user) } else { printTable(header, [row(user)]) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List users, newest first.",
            discussion: "Examples:\n  clerk users list --limit 20\n  clerk users list --query ada --json\n  clerk users list --email ada@example.com"
        )
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Users per page (1-500).") var limit = 10
        @Option(help: "Users to skip.") var offset = 0
        @Option(help: "Search in ids, names, emails, phone numbers and usernames.") var query: String?
        @Option(help: "Only these email addresses (repeatable).") var email: [String] = []
        @Option(help: "Ordering, for example -created_at or +email_address.") var orderBy: String?

        func validate() throws {
            guard (1...500).contains(limit) else { throw ValidationError("--limit must be between 1 and 500") }
            guard offset >= 0 else { throw ValidationError("--offset must not be negative") }
        }

        func run() async throws {
            try await runReporting {
                let page = try await client.client().users.getUserList(GetUserListQuery(
                    emailAddress: email.isEmpty ? nil : email, query: query, limit: limit, offset: offset, orderBy: orderBy
                ))
                if output.json { try printJSON(page.data) } else {
                    printTable(UsersCommand.header, page.data.map(UsersCommand.row))
                    printText("\(page.data.count) of \(page.totalCount)")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one user.", discussion: "Example:\n  clerk users get user_2abc --json")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument(help: "The user id.") var userId: String
        func run() async throws {
            try await runReporting { try UsersCommand.show(try await client.client().users.getUser(userId), json: output.json) }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a user.",
            discussion: "The password, when needed, comes from --password-file (a path or '-' for standard input).\n\nExample:\n  clerk users create --email ada@example.com --first-name Ada --public-metadata '{\"plan\":\"pro\"}'"
        )
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "Email address (repeatable).") var email: [String] = []
        @Option(help: "Phone number in E.164 form (repeatable).") var phone: [String] = []
        @Option var username: String?
        @Option var firstName: String?
        @Option var lastName: String?
        @Option var externalId: String?
        @Option(help: "Read the password from this file ('-' for standard input).") var passwordFile: String?
        @Option(help: "Public metadata as a JSON object (or @file).") var publicMetadata: String?
        @Option(help: "Private metadata as a JSON object (or @file).") var privateMetadata: String?

        func run() async throws {
            try await runReporting {
                let password = try passwordFile.map { $0 == "-" ? try readValue("-") : try readFile($0).trimmingCharacters(in: .newlines) }
                let user = try await client.client().users.createUser(CreateUserBody(
                    externalId: externalId, firstName: firstName, lastName: lastName,
                    emailAddress: email.isEmpty ? nil : email, phoneNumber: phone.isEmpty ? nil : phone, username: username,
                    password: password, publicMetadata: try parseMetadata(publicMetadata, name: "--public-metadata"),
                    privateMetadata: try parseMetadata(privateMetadata, name: "--private-metadata")
                ))
                try UsersCommand.show(user, json: output.json)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change a user's names, username or external id; merge metadata.",
            discussion: "Example:\n  clerk users update user_2abc --first-name Augusta --public-metadata '{\"plan\":null}'"
        )
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var userId: String
        @Option var username: String?
        @Option var firstName: String?
        @Option var lastName: String?
        @Option var externalId: String?
        @Option(help: "Public metadata to merge (JSON object; null deletes a key).") var publicMetadata: String?
        @Option(help: "Private metadata to merge (JSON object; null deletes a key).") var privateMetadata: String?

        func run() async throws {
            try await runReporting {
                let clerk = try client.client()
                var user: User?
                if username != nil || firstName != nil || lastName != nil || externalId != nil {
                    user = try await clerk.users.updateUser(userId, UpdateUserBody(
                        externalId: externalId, firstName: firstName, lastName: lastName, username: username
                    ))
                }
                let publicPatch = try parseMetadata(publicMetadata, name: "--public-metadata")
                let privatePatch = try parseMetadata(privateMetadata, name: "--private-metadata")
                if publicPatch != nil || privatePatch != nil {
                    user = try await clerk.users.updateUserMetadata(userId, UpdateUserMetadataBody(publicMetadata: publicPatch, privateMetadata: privatePatch))
                }
                guard let user else { throw ValidationError("nothing to change: pass at least one option") }
                try UsersCommand.show(user, json: output.json)
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a user.", discussion: "Example:\n  clerk users delete user_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var userId: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().users.deleteUser(userId)
                if output.json { try printJSON(deleted) } else { printText("deleted \(deleted.id ?? userId)") }
            }
        }
    }

    struct Ban: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ban a user (revokes their sessions).", discussion: "Example:\n  clerk users ban user_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var userId: String
        func run() async throws {
            try await runReporting { try UsersCommand.show(try await client.client().users.banUser(userId), json: output.json) }
        }
    }

    struct Unban: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a user's ban.", discussion: "Example:\n  clerk users unban user_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var userId: String
        func run() async throws {
            try await runReporting { try UsersCommand.show(try await client.client().users.unbanUser(userId), json: output.json) }
        }
    }
}

// MARK: - orgs

struct OrgsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orgs", abstract: "List, inspect, create and delete organizations; manage their members.",
        discussion: secretsDiscussion, subcommands: [List.self, Get.self, Create.self, Delete.self, Members.self]
    )
    static let header = ["ID", "SLUG", "NAME", "MEMBERS", "CREATED"]
    static func row(_ organization: Organization) -> [String] {
        [organization.id, organization.slug, organization.name, organization.membersCount.map(String.init) ?? "-", formatTime(organization.createdAt)]
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organizations.", discussion: "Example:\n  clerk orgs list --query acme")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option var limit = 10
        @Option var offset = 0
        @Option var query: String?
        func validate() throws { guard (1...500).contains(limit), offset >= 0 else { throw ValidationError("--limit must be 1-500 and --offset not negative") } }
        func run() async throws {
            try await runReporting {
                let page = try await client.client().organizations.getOrganizationList(
                    ListOrganizationsQuery(includeMembersCount: true, query: query, limit: limit, offset: offset)
                )
                if output.json { try printJSON(page.data) } else {
                    printTable(OrgsCommand.header, page.data.map(OrgsCommand.row))
                    printText("\(page.data.count) of \(page.totalCount)")
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an organization (by id or slug).", discussion: "Example:\n  clerk orgs get acme")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var organization: String
        func run() async throws {
            try await runReporting {
                let value = try await client.client().organizations.getOrganization(organization, query: GetOrganizationQuery(includeMembersCount: true))
                if output.json { try printJSON(value) } else { printTable(OrgsCommand.header, [OrgsCommand.row(value)]) }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an organization.", discussion: "Example:\n  clerk orgs create --name 'Acme Inc' --created-by user_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option var name: String
        @Option var slug: String?
        @Option(help: "The user who becomes its first admin.") var createdBy: String?
        @Option(help: "Public metadata as a JSON object.") var publicMetadata: String?
        func run() async throws {
            try await runReporting {
                let value = try await client.client().organizations.createOrganization(CreateOrganizationBody(
                    name: name, createdBy: createdBy, publicMetadata: try parseMetadata(publicMetadata, name: "--public-metadata"), slug: slug
                ))
                if output.json { try printJSON(value) } else { printTable(OrgsCommand.header, [OrgsCommand.row(value)]) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete an organization.", discussion: "Example:\n  clerk orgs delete org_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var organizationId: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().organizations.deleteOrganization(organizationId)
                if output.json { try printJSON(deleted) } else { printText("deleted \(deleted.id ?? organizationId)") }
            }
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List, add and remove an organization's members.", subcommands: [List.self, Add.self, Remove.self])
        static let header = ["USER", "IDENTIFIER", "ROLE", "SINCE"]
        static func row(_ membership: OrganizationMembership) -> [String] {
            [membership.publicUserData?.userId ?? "-", membership.publicUserData?.identifier ?? "-", membership.role, formatTime(membership.createdAt)]
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List members.", discussion: "Example:\n  clerk orgs members list org_2abc")
            @OptionGroup var client: ClientOptions
            @OptionGroup var output: OutputOptions
            @Argument var organizationId: String
            @Option var limit = 100
            @Option var offset = 0
            func run() async throws {
                try await runReporting {
                    let page = try await client.client().organizations.getOrganizationMembershipList(
                        organizationId, query: ListOrganizationMembershipsQuery(limit: limit, offset: offset)
                    )
                    if output.json { try printJSON(page.data) } else {
                        printTable(Members.header, page.data.map(Members.row))
                        printText("\(page.data.count) of \(page.totalCount)")
                    }
                }
            }
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a user with a role.", discussion: "Example:\n  clerk orgs members add org_2abc user_2def --role org:member")
            @OptionGroup var client: ClientOptions
            @OptionGroup var output: OutputOptions
            @Argument var organizationId: String
            @Argument var userId: String
            @Option var role = "org:member"
            func run() async throws {
                try await runReporting {
                    let membership = try await client.client().organizations.createOrganizationMembership(
                        organizationId, CreateOrganizationMembershipBody(userId: userId, role: role)
                    )
                    if output.json { try printJSON(membership) } else { printTable(Members.header, [Members.row(membership)]) }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a member.", discussion: "Example:\n  clerk orgs members remove org_2abc user_2def")
            @OptionGroup var client: ClientOptions
            @OptionGroup var output: OutputOptions
            @Argument var organizationId: String
            @Argument var userId: String
            func run() async throws {
                try await runReporting {
                    let membership = try await client.client().organizations.deleteOrganizationMembership(organizationId: organizationId, userId: userId)
                    if output.json { try printJSON(membership) } else { printText("removed \(userId) from \(organizationId)") }
                }
            }
        }
    }
}

// MARK: - invitations, sessions, allowlist, blocklist

struct InvitationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invitations", abstract: "List, create and revoke invitations.", discussion: secretsDiscussion,
        subcommands: [List.self, Create.self, Revoke.self]
    )
    static let header = ["ID", "EMAIL", "STATUS", "CREATED"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List invitations.", discussion: "Example:\n  clerk invitations list --status pending")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option(help: "pending, accepted, revoked or expired.") var status: String?
        @Option var limit = 10
        @Option var offset = 0
        func run() async throws {
            try await runReporting {
                let page = try await client.client().invitations.getInvitationList(ListInvitationsQuery(
                    status: status.map { ListInvitationsQuery.Status(rawValue: $0) }, limit: limit, offset: offset
                ))
                if output.json { try printJSON(page.data) } else {
                    printTable(InvitationsCommand.header, page.data.map { [$0.id, $0.emailAddress, $0.status.rawValue, formatTime($0.createdAt)] })
                    printText("\(page.data.count) of \(page.totalCount)")
                }
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Invite an email address.", discussion: "Example:\n  clerk invitations create --email new@example.com --no-notify")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option var email: String
        @Flag(inversion: .prefixedNo, help: "Have Clerk send the invitation email.") var notify = true
        @Option var redirectUrl: String?
        func run() async throws {
            try await runReporting {
                let invitation = try await client.client().invitations.createInvitation(CreateInvitationBody(emailAddress: email, redirectUrl: redirectUrl, notify: notify))
                if output.json { try printJSON(invitation) } else {
                    printTable(InvitationsCommand.header, [[invitation.id, invitation.emailAddress, invitation.status.rawValue, formatTime(invitation.createdAt)]])
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a pending invitation.", discussion: "Example:\n  clerk invitations revoke inv_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var invitationId: String
        func run() async throws {
            try await runReporting {
                let revoked = try await client.client().invitations.revokeInvitation(invitationId)
                if output.json { try printJSON(revoked) } else { printText("revoked \(revoked.id)") }
            }
        }
    }
}

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "List and revoke sessions.", discussion: secretsDiscussion, subcommands: [List.self, Revoke.self]
    )
    static let header = ["ID", "USER", "STATUS", "LAST ACTIVE"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions.", discussion: "Example:\n  clerk sessions list --user-id user_2abc --status active")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option var userId: String?
        @Option var clientId: String?
        @Option var status: String?
        @Option var limit = 10
        @Option var offset = 0
        func run() async throws {
            try await runReporting {
                let page = try await client.client().sessions.getSessionList(GetSessionListQuery(
                    clientId: clientId, userId: userId, status: status.map { GetSessionListQuery.Status(rawValue: $0) }, limit: limit, offset: offset
                ))
                if output.json { try printJSON(page.data) } else {
                    printTable(SessionsCommand.header, page.data.map { [$0.id, $0.userId, $0.status.rawValue, formatTime($0.lastActiveAt)] })
                    printText("\(page.data.count) of \(page.totalCount)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a session (signs the user out of it).", discussion: "Example:\n  clerk sessions revoke sess_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var sessionId: String
        func run() async throws {
            try await runReporting {
                let session = try await client.client().sessions.revokeSession(sessionId)
                if output.json { try printJSON(session) } else { printText("revoked \(session.id) (\(session.status.rawValue))") }
            }
        }
    }
}

struct AllowlistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allowlist", abstract: "The identifiers allowed to sign up.", discussion: secretsDiscussion,
        subcommands: [List.self, Add.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List allowlist identifiers.", discussion: "Example:\n  clerk allowlist list")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            try await runReporting {
                let page = try await client.client().allowlistIdentifiers.getAllowlistIdentifierList(ListAllowlistIdentifiersQuery(limit: 500))
                if output.json { try printJSON(page.data) } else {
                    printTable(["ID", "IDENTIFIER", "TYPE"], page.data.map { [$0.id ?? "-", $0.identifier ?? "-", $0.identifierType?.rawValue ?? "-"] })
                }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow an identifier (email, *@domain, phone).", discussion: "Example:\n  clerk allowlist add '*@example.com'")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var identifier: String
        func run() async throws {
            try await runReporting {
                let value = try await client.client().allowlistIdentifiers.createAllowlistIdentifier(CreateAllowlistIdentifierBody(identifier: identifier))
                if output.json { try printJSON(value) } else { printText("added \(value.identifier ?? identifier) (\(value.id ?? "-"))") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an allowlist identifier by id.", discussion: "Example:\n  clerk allowlist remove alid_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var identifierId: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().allowlistIdentifiers.deleteAllowlistIdentifier(identifierId)
                if output.json { try printJSON(deleted) } else { printText("removed \(deleted.id ?? identifierId)") }
            }
        }
    }
}

struct BlocklistCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blocklist", abstract: "The identifiers refused at sign-up.", discussion: secretsDiscussion,
        subcommands: [List.self, Add.self, Remove.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List blocklist identifiers.", discussion: "Example:\n  clerk blocklist list --json")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        func run() async throws {
            try await runReporting {
                let page = try await client.client().blocklistIdentifiers.getBlocklistIdentifierList()
                if output.json { try printJSON(page.data) } else {
                    printTable(["ID", "IDENTIFIER", "TYPE"], page.data.map { [$0.id ?? "-", $0.identifier ?? "-", $0.identifierType?.rawValue ?? "-"] })
                }
            }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Block an identifier (email, *@domain, phone).", discussion: "Example:\n  clerk blocklist add '*@spam.example'")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var identifier: String
        func run() async throws {
            try await runReporting {
                let value = try await client.client().blocklistIdentifiers.createBlocklistIdentifier(CreateBlocklistIdentifierBody(identifier: identifier))
                if output.json { try printJSON(value) } else { printText("added \(value.identifier ?? identifier) (\(value.id ?? "-"))") }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a blocklist identifier by id.", discussion: "Example:\n  clerk blocklist remove blid_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var identifierId: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().blocklistIdentifiers.deleteBlocklistIdentifier(identifierId)
                if output.json { try printJSON(deleted) } else { printText("removed \(deleted.id ?? identifierId)") }
            }
        }
    }
}

// MARK: - api

struct APICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api", abstract: "Call any Backend API operation by method and path.",
        discussion: """
            The path is relative to the API (/users, /organizations/org_2abc/memberships); absolute URLs and //host are
            refused. The answer is printed as JSON.

            Examples:
              clerk api GET /users --query limit=5
              clerk api POST /organizations --data '{"name":"Acme"}'
              clerk api PATCH /users/user_2abc/metadata --data @patch.json

            """ + secretsDiscussion
    )
    @OptionGroup var client: ClientOptions
    @Argument(help: "GET, POST, PUT, PATCH or DELETE.") var method: String
    @Argument(help: "The API path, for example /users.") var path: String
    @Option(help: "A JSON body, @file, or '-' for standard input.") var data: String?
    @Option(help: "A query parameter name=value (repeatable).") var query: [String] = []

    func validate() throws {
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method.uppercased()) else {
            throw ValidationError("METHOD must be GET, POST, PUT, PATCH or DELETE")
        }
        guard path.hasPrefix("/"), !path.hasPrefix("//"), !path.contains("://") else {
            throw ValidationError("PATH must be relative to the API, like /users (absolute URLs and //host are refused)")
        }
        for item in query where !item.contains("=") { throw ValidationError("--query takes name=value, got \(item)") }
    }

    func run() async throws {
        try await runReporting {
            var body: Data?
            if let data {
                let text = try readValue(data)
                guard (try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))) != nil else {
                    throw ValidationError("--data is not valid JSON")
                }
                body = Data(text.utf8)
            }
            let pairs = query.map { item -> (name: String, value: String) in
                let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            }
            let response: ClerkHTTPResponse
            do {
                response = try await client.client().request(method: method, path: path, query: pairs, json: body)
            } catch let error as ClerkError {
                throw CLIError(error.message, exit: CLIExit.failure)
            }
            if let value = try? JSONDecoder().decode(JSONValue.self, from: response.body) {
                try printJSON(value)
            } else if !response.body.isEmpty {
                printText(String(decoding: response.body, as: UTF8.self), keepingLineBreaks: true)
            } else {
                printText("\(response.status)")
            }
        }
    }
}
