import ArgumentParser
import ClerkBackend
import Foundation

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
        @Argument var organizationID: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().organizations.deleteOrganization(organizationID)
                if output.json { try printJSON(deleted) } else { printText("deleted \(deleted.id ?? organizationID)") }
            }
        }
    }

    struct Members: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List, add and remove an organization's members.", subcommands: [List.self, Add.self, Remove.self])
        static let header = ["USER", "IDENTIFIER", "ROLE", "SINCE"]
        static func row(_ membership: OrganizationMembership) -> [String] {
            [membership.publicUserData?.userID ?? "-", membership.publicUserData?.identifier ?? "-", membership.role, formatTime(membership.createdAt)]
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List members.", discussion: "Example:\n  clerk orgs members list org_2abc")
            @OptionGroup var client: ClientOptions
            @OptionGroup var output: OutputOptions
            @Argument var organizationID: String
            @Option var limit = 100
            @Option var offset = 0
            func run() async throws {
                try await runReporting {
                    let page = try await client.client().organizations.getOrganizationMembershipList(
                        organizationID, query: ListOrganizationMembershipsQuery(limit: limit, offset: offset)
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
            @Argument var organizationID: String
            @Argument var userID: String
            @Option var role = "org:member"
            func run() async throws {
                try await runReporting {
                    let membership = try await client.client().organizations.createOrganizationMembership(
                        organizationID, CreateOrganizationMembershipBody(userID: userID, role: role)
                    )
                    if output.json { try printJSON(membership) } else { printTable(Members.header, [Members.row(membership)]) }
                }
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove a member.", discussion: "Example:\n  clerk orgs members remove org_2abc user_2def")
            @OptionGroup var client: ClientOptions
            @OptionGroup var output: OutputOptions
            @Argument var organizationID: String
            @Argument var userID: String
            func run() async throws {
                try await runReporting {
                    let membership = try await client.client().organizations.deleteOrganizationMembership(organizationID: organizationID, userID: userID)
                    if output.json { try printJSON(membership) } else { printText("removed \(userID) from \(organizationID)") }
                }
            }
        }
    }
}
