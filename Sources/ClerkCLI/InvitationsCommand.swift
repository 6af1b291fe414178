import ArgumentParser
import ClerkBackend
import Foundation

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
        @Option var redirectURL: String?
        func run() async throws {
            try await runReporting {
                let invitation = try await client.client().invitations.createInvitation(CreateInvitationBody(emailAddress: email, redirectURL: redirectURL, notify: notify))
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
        @Argument var invitationID: String
        func run() async throws {
            try await runReporting {
                let revoked = try await client.client().invitations.revokeInvitation(invitationID)
                if output.json { try printJSON(revoked) } else { printText("revoked \(revoked.id)") }
            }
        }
    }
}
