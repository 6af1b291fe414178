import ArgumentParser
import ClerkBackend
import Foundation

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
        @Argument var identifierID: String
        func run() async throws {
            try await runReporting {
                let deleted = try await client.client().allowlistIdentifiers.deleteAllowlistIdentifier(identifierID)
                if output.json { try printJSON(deleted) } else { printText("removed \(deleted.id ?? identifierID)") }
            }
        }
    }
}
