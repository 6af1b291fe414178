import ArgumentParser
import ClerkBackend
import Foundation

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
        @Argument(help: "The user id.") var userID: String
        func run() async throws {
            try await runReporting { try UsersCommand.show(try await client.client().users.getUser(userID), json: output.json) }
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
        @Option var externalID: String?
        @Option(help: "Read the password from this file ('-' for standard input).") var passwordFile: String?
        @Option(help: "Public metadata as a JSON object (or @file).") var publicMetadata: String?
        @Option(help: "Private metadata as a JSON object (or @file).") var privateMetadata: String?

        func run() async throws {
            try await runReporting {
                let password = try passwordFile.map { $0 == "-" ? try readValue("-") : try readFile($0).trimmingCharacters(in: .newlines) }
                let user = try await client.client().users.createUser(CreateUserBody(
                    externalID: externalID, firstName: firstName, lastName: lastName,
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
        @Argument var userID: String
        @Option var username: String?
        @Option var firstName: String?
        @Option var lastName: String?
        @Option var externalID: String?
        @Option(help: "Public metadata to merge (JSON object; null deletes a key).") var publicMetadata: String?
        @Option(help: "Private metadata to merge (JSON object; null deletes a key).") var privateMetadata: String?

        func run() async throws {
            try await runReporting {
                let clerk = try client.client()
                var user: User?
                if username != nil || firstName != nil || lastName != nil || externalID != nil {
                    user = try await clerk.users.updateUser(userID, UpdateUserBody(
                        externalID: externalID, firstName: firstName, lastName: lastName, username: username
                    ))
                }
                let publicPatch = try parseMetadata(publicMetadata, name: "--public-metadata")
                let privatePatch = try parseMetadata(privateMetadata, name: "--private-metadata")
                if publicPatch != nil || privatePatch != nil {
                    user = try await clerk.users.updateUserMetadata(userID, UpdateUserMetadataBody(publicMetadata: publicPatch, privateMetadata: privatePatch))
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
        @Argument var userID: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().users.deleteUser(userID)
                if output.json { try printJSON(deleted) } else { printText("deleted \(deleted.id ?? userID)") }
            }
        }
    }

    struct Ban: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ban a user (revokes their sessions).", discussion: "Example:\n  clerk users ban user_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var userID: String
        func run() async throws {
            try await runReporting { try UsersCommand.show(try await client.client().users.banUser(userID), json: output.json) }
        }
    }

    struct Unban: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a user's ban.", discussion: "Example:\n  clerk users unban user_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var userID: String
        func run() async throws {
            try await runReporting { try UsersCommand.show(try await client.client().users.unbanUser(userID), json: output.json) }
        }
    }
}
