import ArgumentParser
import ClerkBackend
import Foundation

struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "List and revoke sessions.", discussion: secretsDiscussion, subcommands: [List.self, Revoke.self]
    )
    static let header = ["ID", "USER", "STATUS", "LAST ACTIVE"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions.", discussion: "Example:\n  clerk sessions list --user-id user_2abc --status active")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Option var userID: String?
        @Option var clientID: String?
        @Option var status: String?
        @Option var limit = 10
        @Option var offset = 0
        func run() async throws {
            try await runReporting {
                let page = try await client.client().sessions.getSessionList(GetSessionListQuery(
                    clientID: clientID, userID: userID, status: status.map { GetSessionListQuery.Status(rawValue: $0) }, limit: limit, offset: offset
                ))
                if output.json { try printJSON(page.data) } else {
                    printTable(SessionsCommand.header, page.data.map { [$0.id, $0.userID, $0.status.rawValue, formatTime($0.lastActiveAt)] })
                    printText("\(page.data.count) of \(page.totalCount)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a session (signs the user out of it).", discussion: "Example:\n  clerk sessions revoke sess_2abc")
        @OptionGroup var client: ClientOptions
        @OptionGroup var output: OutputOptions
        @Argument var sessionID: String
        func run() async throws {
            try await runReporting {
                let session = try await client.client().sessions.revokeSession(sessionID)
                if output.json { try printJSON(session) } else { printText("revoked \(session.id) (\(session.status.rawValue))") }
            }
        }
    }
}
