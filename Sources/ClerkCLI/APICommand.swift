import ArgumentParser
import ClerkBackend
import Foundation
import HTTPTypes

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
            guard let httpMethod = HTTPRequest.Method(method.uppercased()) else {
                throw ValidationError("The method must be GET, POST, PUT, PATCH or DELETE")
            }
            let response: ClerkHTTPResponse
            do {
                response = try await client.client().request(method: httpMethod, path: path, query: pairs, json: body)
            } catch let error as ClerkError {
                throw CLIError(error.message, exit: CLIExit.failure)
            }
            if let value = try? JSONDecoder().decode(JSONValue.self, from: response.body) {
                try printJSON(value)
            } else if !response.body.isEmpty {
                printText(String(decoding: response.body, as: UTF8.self), keepingLineBreaks: true)
            } else {
                printText("\(response.status.code)")
            }
        }
    }
}
