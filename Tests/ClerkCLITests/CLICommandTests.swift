import ClerkBackend
import ClerkEmulator
import Crypto
import Foundation
import Testing

@Suite("clerk CLI: every command against the emulator, bad input, help")
struct CLICommandTests {
    @Test("Every command has --help with examples and exits 0", arguments: [
        ["--help"], ["users", "--help"], ["users", "list", "--help"], ["users", "create", "--help"], ["users", "update", "--help"],
        ["users", "export", "--help"], ["users", "import", "--help"], ["orgs", "members", "add", "--help"], ["invitations", "create", "--help"],
        ["sessions", "list", "--help"], ["allowlist", "add", "--help"], ["blocklist", "add", "--help"], ["api", "--help"],
        ["tokens", "verify", "--help"], ["tokens", "decode", "--help"], ["webhooks", "verify", "--help"], ["emulator", "--help"],
    ])
    func help(_ arguments: [String]) async throws {
        let run = try await CLI.run(arguments)
        #expect(run.status == 0, "\(arguments): \(run.stderr)")
        if arguments.count > 2 { #expect(run.stdout.contains("Example"), "\(arguments) has no example") }
    }

    @Test("users: create, list, get, update (names and metadata), ban, unban, delete")
    func users() async throws {
        try await withCLIEmulator { _, _, env in
            let created = try await CLI.run(
                ["users", "create", "--email", "ada@example.com", "--first-name", "Ada", "--public-metadata", #"{"plan":"pro"}"#, "--json"],
                environment: env
            )
            #expect(created.status == 0, "\(created.stderr)")
            let id = try #require(created.json?["id"]?.stringValue)
            let table = try await CLI.run(["users", "list"], environment: env)
            #expect(table.status == 0 && table.stdout.contains(id) && table.stdout.contains("ada@example.com") && table.stdout.contains("1 of 1"))
            let fetched = try await CLI.run(["users", "get", id, "--json"], environment: env)
            #expect(fetched.json?["first_name"] == "Ada")
            let updated = try await CLI.run(["users", "update", id, "--last-name", "Lovelace", "--public-metadata", #"{"plan":null,"seats":3}"#, "--json"], environment: env)
            #expect(updated.status == 0, "\(updated.stderr)")
            #expect(updated.json?["last_name"] == "Lovelace" && updated.json?["public_metadata"] == ["seats": 3])
            #expect(try await CLI.run(["users", "ban", id, "--json"], environment: env).json?["banned"] == true)
            #expect(try await CLI.run(["users", "unban", id, "--json"], environment: env).json?["banned"] == false)
            let deleted = try await CLI.run(["users", "delete", id], environment: env)
            #expect(deleted.status == 0 && deleted.stdout.contains("deleted \(id)"))
            let missing = try await CLI.run(["users", "get", id], environment: env)
            #expect(missing.status == 1 && missing.stderr.contains("404") && missing.stderr.contains("resource_not_found"))
        }
    }

    @Test("orgs, members, invitations, sessions, allowlist and blocklist")
    func otherResources() async throws {
        try await withCLIEmulator { _, clerk, env in
            let owner = try await clerk.users.createUser(CreateUserBody(emailAddress: ["owner@example.com"]))
            let member = try await clerk.users.createUser(CreateUserBody(emailAddress: ["member@example.com"]))
            let org = try await CLI.run(["orgs", "create", "--name", "Acme", "--created-by", owner.id, "--json"], environment: env)
            let orgID = try #require(org.json?["id"]?.stringValue, "\(org.stderr)")
            #expect(try await CLI.run(["orgs", "list"], environment: env).stdout.contains("acme"))
            #expect(try await CLI.run(["orgs", "get", "acme", "--json"], environment: env).json?["id"]?.stringValue == orgID)
            #expect(try await CLI.run(["orgs", "members", "add", orgID, member.id, "--role", "org:member"], environment: env).status == 0)
            let members = try await CLI.run(["orgs", "members", "list", orgID], environment: env)
            #expect(members.stdout.contains(member.id) && members.stdout.contains("org:admin") && members.stdout.contains("2 of 2"))
            #expect(try await CLI.run(["orgs", "members", "remove", orgID, member.id], environment: env).status == 0)
            #expect(try await CLI.run(["orgs", "delete", orgID], environment: env).status == 0)

            let invitation = try await CLI.run(["invitations", "create", "--email", "new@example.com", "--no-notify", "--json"], environment: env)
            let invitationID = try #require(invitation.json?["id"]?.stringValue, "\(invitation.stderr)")
            #expect(try await CLI.run(["invitations", "list", "--status", "pending"], environment: env).stdout.contains("new@example.com"))
            #expect(try await CLI.run(["invitations", "revoke", invitationID], environment: env).status == 0)

            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: owner.id))
            #expect(try await CLI.run(["sessions", "list", "--user-id", owner.id], environment: env).stdout.contains(session.id))
            #expect(try await CLI.run(["sessions", "revoke", session.id], environment: env).stdout.contains("revoked"))

            for list in ["allowlist", "blocklist"] {
                let added = try await CLI.run([list, "add", "*@\(list).example", "--json"], environment: env)
                let identifierID = try #require(added.json?["id"]?.stringValue, "\(added.stderr)")
                #expect(try await CLI.run([list, "list"], environment: env).stdout.contains("*@\(list).example"))
                #expect(try await CLI.run([list, "remove", identifierID], environment: env).status == 0)
            }
        }
    }

    @Test("api: any operation by path; absolute URLs and //host are refused")
    func api() async throws {
        try await withCLIEmulator { _, clerk, env in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["a@example.com"]))
            let list = try await CLI.run(["api", "GET", "/users", "--query", "limit=1"], environment: env)
            #expect(list.status == 0 && list.json?[0]?["object"] == "user")
            let created = try await CLI.run(["api", "POST", "/organizations", "--data", #"{"name":"Via API"}"#], environment: env)
            #expect(created.json?["slug"] == "via-api")
            let stdinBody = try await CLI.run(["api", "POST", "/v1/organizations", "--data", "-"], environment: env, stdin: #"{"name":"From Stdin"}"#)
            #expect(stdinBody.json?["slug"] == "from-stdin")
            for path in ["https://evil.example/v1/users", "//evil.example/users", "/users/../jwks"] {
                let refused = try await CLI.run(["api", "GET", path], environment: env)
                #expect(refused.status != 0, "\(path) was sent")
            }
            let badJSON = try await CLI.run(["api", "POST", "/organizations", "--data", "{not json"], environment: env)
            #expect(badJSON.status != 0 && badJSON.stderr.contains("not valid JSON"))
        }
    }

    @Test("Bad input: unknown flags, malformed JSON, a missing key, a wrong key: clear messages, non-zero exits, no secret shown")
    func badInput() async throws {
        try await withCLIEmulator { emulator, _, env in
            let unknown = try await CLI.run(["users", "list", "--frobnicate"], environment: env)
            #expect(unknown.status == 64 && unknown.stderr.contains("frobnicate"))
            let metadata = try await CLI.run(["users", "create", "--email", "x@example.com", "--public-metadata", "[1,2]"], environment: env)
            #expect(metadata.status == 64 && metadata.stderr.contains("JSON object"))
            let missing = try await CLI.run(["users", "list"], environment: ["CLERK_API_URL": emulator.apiURL.absoluteString])
            #expect(missing.status == 2 && missing.stderr.contains("CLERK_SECRET_KEY"))
            let wrongKey = "sk_test_definitely_wrong_value"
            let wrong = try await CLI.run(["users", "list"], environment: ["CLERK_SECRET_KEY": wrongKey, "CLERK_API_URL": emulator.apiURL.absoluteString])
            #expect(wrong.status == 1 && wrong.stderr.contains("401"))
            #expect(!wrong.stderr.contains(wrongKey) && !wrong.stdout.contains(wrongKey))
            let limit = try await CLI.run(["users", "list", "--limit", "0"], environment: env)
            #expect(limit.status == 64)
            // The key can come from a file or standard input.
            let fromStdin = try await CLI.run(["users", "list", "--secret-key-file", "-"], environment: ["CLERK_API_URL": emulator.apiURL.absoluteString], stdin: emulator.secretKey + "\n")
            #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
        }
    }

    @Test("tokens verify (JWKS and --jwt-key, token from stdin or @file), failure reasons, decode says it does not verify")
    func tokens() async throws {
        try await withCLIEmulator { emulator, clerk, env in
            let user = try await clerk.users.createUser(CreateUserBody(emailAddress: ["t@example.com"]))
            let session = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id))
            let token = try await clerk.sessions.getToken(sessionID: session.id)
            let viaJWKS = try await CLI.run(["tokens", "verify", "-"], environment: env, stdin: token)
            #expect(viaJWKS.status == 0, "\(viaJWKS.stderr)")
            #expect(viaJWKS.json?["sub"]?.stringValue == user.id)

            let directory = try temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let pem = directory.appendingPathComponent("key.pem")
            try emulator.jwtPublicKeyPEM.write(to: pem, atomically: true, encoding: .utf8)
            let tokenFile = directory.appendingPathComponent("token.txt")
            try token.write(to: tokenFile, atomically: true, encoding: .utf8)
            let networkless = try await CLI.run(["tokens", "verify", "@" + tokenFile.path, "--jwt-key", pem.path])
            #expect(networkless.status == 0 && networkless.json?["sid"]?.stringValue == session.id, "\(networkless.stderr)")

            let party = try await CLI.run(["tokens", "verify", "@" + tokenFile.path, "--jwt-key", pem.path, "--authorized-party", "https://app.example.com"])
            #expect(party.status == 1 && party.stderr.contains("token-invalid-authorized-parties"))
            let tampered = String(token.dropLast(4)) + (token.hasSuffix("AAAA") ? "BBBB" : "AAAA")
            let bad = try await CLI.run(["tokens", "verify", tampered, "--jwt-key", pem.path])
            #expect(bad.status == 1 && bad.stderr.contains("invalid token"))

            let decoded = try await CLI.run(["tokens", "decode", token])
            #expect(decoded.status == 0 && decoded.stderr.contains("NOT verified"))
            #expect(decoded.json?["claims"]?["sub"]?.stringValue == user.id)
            #expect(try await CLI.run(["tokens", "decode", "not-a-jwt"]).status == 1)
        }
    }

    @Test("webhooks verify: a good signature prints the event type; a bad one fails with the reason")
    func webhooks() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secretBytes = Data((0..<24).map { UInt8($0 * 7 % 251) })
        let secret = "whsec_" + secretBytes.base64EncodedString()
        let body = #"{"data":{"id":"user_1","object":"user"},"object":"event","type":"user.created","timestamp":1700000000000,"instance_id":"ins_1"}"#
        let bodyFile = directory.appendingPathComponent("body.json")
        try body.write(to: bodyFile, atomically: true, encoding: .utf8)
        let id = "msg_test"
        let timestamp = String(Int(Date().timeIntervalSince1970))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: secretBytes))
        let signature = "v1," + Data(mac).base64EncodedString()
        let headers = ["--header", "svix-id: \(id)", "--header", "svix-timestamp: \(timestamp)"]
        let good = try await CLI.run(
            ["webhooks", "verify", "--body-file", bodyFile.path] + headers + ["--header", "svix-signature: \(signature)"],
            environment: ["CLERK_WEBHOOK_SIGNING_SECRET": secret]
        )
        #expect(good.status == 0 && good.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "user.created", "\(good.stderr)")
        let bad = try await CLI.run(
            ["webhooks", "verify", "--body-file", bodyFile.path, "--secret-file", "-"] + headers + ["--header", "svix-signature: v1,AAAA"],
            stdin: secret
        )
        #expect(bad.status == 1 && bad.stderr.contains("invalid webhook"))
        #expect(!bad.stderr.contains(secret))
        let noSecret = try await CLI.run(["webhooks", "verify", "--body-file", bodyFile.path] + headers)
        #expect(noSecret.status == 2)
    }
}

extension JSONValue {
    subscript(index: Int) -> JSONValue? {
        if case .array(let items) = self, items.indices.contains(index) { return items[index] }
        return nil
    }
}

@Suite("clerk demo")
struct CLIDemoTests {
    @Test("The demo runs against its in-process emulator and ends with a verified webhook")
    func demo() async throws {
        let run = try await CLI.run(["demo"])
        #expect(run.status == 0, "\(run.stderr)")
        for step in ["Create 5 users", "page 3: Barbara", "analytical-engines", "status signed-in", "status signed-out", "verified user.created", "Done."] {
            #expect(run.stdout.contains(step), "missing: \(step)")
        }
    }
}
