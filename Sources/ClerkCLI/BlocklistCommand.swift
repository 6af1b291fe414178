import ArgumentParser
import ClerkBackend
import Foundation

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
        @Argument var identifierID: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().blocklistIdentifiers.deleteBlocklistIdentifier(identifierID)
                if output.json { try printJSON(deleted) } else { printText("removed \(deleted.id ?? identifierID)") }
            }
        }
    }
}
