import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

@Suite("clerk CLI: export and import")
struct CLIExportImportTests {
    /// Creates `count` users (8 at a time) with emails user<i>@example.com and external ids ext-<i>.
    static func seed(_ clerk: ClerkClient, count: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: count, by: 8) {
                        _ = try await clerk.users.createUser(CreateUserBody(
                            externalID: "ext-\(index)", firstName: "User\(index)", emailAddress: ["user\(index)@example.com"],
                            publicMetadata: ["index": .int(Int64(index))]
                        ))
                    }
                }
            }
            try await group.waitForAll()
        }
    }

    static func emails(_ clerk: ClerkClient) async throws -> [String] {
        var result: [String] = []
        for try await user in clerk.users.all(pageSize: 500) { result.append(user.emailAddresses.first?.emailAddress ?? "") }
        return result
    }

    @Test("2,000 users round-trip through JSONL and CSV with no loss or duplicate; a re-run creates nothing")
    func roundTrip() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let jsonl = directory.appendingPathComponent("users.jsonl").path
        let csv = directory.appendingPathComponent("users.csv").path
        var expected: [String] = []
        try await withCLIEmulator { _, clerk, env in
            try await Self.seed(clerk, count: 2_000)
            expected = try await Self.emails(clerk).sorted()
            let exported = try await CLI.run(["users", "export", "--output", jsonl], environment: env)
            #expect(exported.status == 0 && exported.stderr.contains("exported 2000 users"), "\(exported.stderr)")
            let exportedCSV = try await CLI.run(["users", "export", "--format", "csv", "--output", csv, "--page-size", "300"], environment: env)
            #expect(exportedCSV.status == 0, "\(exportedCSV.stderr)")
        }
        #expect(expected.count == 2_000)
        let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2_000)

        for file in [jsonl, csv] {
            try await withCLIEmulator { _, clerk, env in
                let imported = try await CLI.run(["users", "import", file, "--concurrency", "8"], environment: env)
                #expect(imported.status == 0, "\(imported.stderr)")
                #expect(imported.stdout.contains("created 2000, skipped 0 (already there), failed 0"), "\(imported.stdout)")
                let again = try await CLI.run(["users", "import", file], environment: env)
                #expect(again.stdout.contains("created 0, skipped 2000"), "\(again.stdout)")
                let emails = try await Self.emails(clerk).sorted()
                #expect(emails == expected, "\(file): \(emails.count) users after import")
                let user = try #require(try await clerk.users.getUserList(GetUserListQuery(externalID: ["ext-42"])).data.first)
                #expect(user.publicMetadata["index"] == 42 && user.firstName == "User42")
            }
        }
    }

    @Test("An interrupted export resumes after the last user in the file")
    func resume() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("users.jsonl")
        try await withCLIEmulator { _, clerk, env in
            try await Self.seed(clerk, count: 120)
            let full = try await CLI.run(["users", "export", "--output", file.path, "--page-size", "50"], environment: env)
            #expect(full.status == 0)
            let complete = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            // Cut the file after 70 users, as an interrupted run would leave it, and resume.
            try (complete.prefix(70).joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            let resumed = try await CLI.run(["users", "export", "--output", file.path, "--resume", "--page-size", "50"], environment: env)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            let after = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            #expect(after == complete)
        }
    }

    @Test("CSV export is safe against formula injection, and import restores the value")
    func formulaInjection() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("users.csv").path
        try await withCLIEmulator { _, clerk, env in
            _ = try await clerk.users.createUser(CreateUserBody(externalID: "x1", firstName: "=HYPERLINK(\"http://evil\")", lastName: "+1", emailAddress: ["f@example.com"]))
            #expect(try await CLI.run(["users", "export", "--format", "csv", "--output", file], environment: env).status == 0)
            let text = try String(contentsOfFile: file, encoding: .utf8)
            #expect(text.contains(#""'=HYPERLINK(""http://evil"")""#))
            #expect(text.contains(",'+1,"))
            #expect(!text.split(separator: ",").contains { $0.hasPrefix("=") || $0.hasPrefix("+") })
        }
        try await withCLIEmulator { _, clerk, env in
            #expect(try await CLI.run(["users", "import", file], environment: env).status == 0)
            let user = try #require(try await clerk.users.getUserList().data.first)
            #expect(user.firstName == "=HYPERLINK(\"http://evil\")" && user.lastName == "+1")
        }
    }

    @Test("Import reports failed rows by line and goes on; digests with their hasher are imported")
    func partialFailures() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("users.jsonl")
        try """
            {"email_address":["ok1@example.com"],"password_digest":"20d2fe5e369db54ec7090639a9dc30ec4d608604936239d39e2de07fda09eb0b","password_hasher":"sha256"}
            {"email_address":["not-an-email"]}
            {"email_address":["ok2@example.com"],"external_id":"e2"}
            """.write(to: file, atomically: true, encoding: .utf8)
        try await withCLIEmulator { _, clerk, env in
            let run = try await CLI.run(["users", "import", file.path], environment: env)
            #expect(run.status == 1)
            #expect(run.stdout.contains("created 2, skipped 0 (already there), failed 1"))
            #expect(run.stderr.contains("line 2:") && run.stderr.contains("422"))
            let user = try #require(try await clerk.users.getUserList(GetUserListQuery(emailAddress: ["ok1@example.com"])).data.first)
            #expect(try await clerk.users.verifyPassword(userID: user.id, password: "hunter22").verified == true)
        }
        let broken = directory.appendingPathComponent("broken.jsonl")
        try "{not json}\n".write(to: broken, atomically: true, encoding: .utf8)
        try await withCLIEmulator { _, _, env in
            let run = try await CLI.run(["users", "import", broken.path], environment: env)
            #expect(run.status == 1 && run.stderr.contains("line 1"))
        }
    }
}

@Suite("clerk CLI: import and export edge cases")
struct CLIImportEdgeTests {
    @Test("A CSV metadata cell is JSON text only: '@file' never reads a local file; repeated rows in a file are created once")
    func hostileAndRepeatedRows() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let secretFile = directory.appendingPathComponent("credentials.json")
        try #"{"aws_secret":"do-not-upload"}"#.write(to: secretFile, atomically: true, encoding: .utf8)
        let csv = directory.appendingPathComponent("users.csv")
        try "email_addresses,public_metadata\nleak@example.com,@\(secretFile.path)\n".write(to: csv, atomically: true, encoding: .utf8)
        let jsonl = directory.appendingPathComponent("users.jsonl")
        try """
            {"email_address":["one@example.com"],"external_id":"same"}
            {"email_address":["two@example.com"],"external_id":"same"}
            """.write(to: jsonl, atomically: true, encoding: .utf8)
        try await withCLIEmulator { _, clerk, env in
            let hostile = try await CLI.run(["users", "import", csv.path], environment: env)
            #expect(hostile.status == 1 && hostile.stderr.contains("must be a JSON object"))
            #expect(try await clerk.users.getCount() == 0)
            let repeated = try await CLI.run(["users", "import", jsonl.path, "--concurrency", "8"], environment: env)
            #expect(repeated.stdout.contains("created 1,"), "\(repeated.stdout)")
            #expect(repeated.stderr.contains("line 2: skipped"))
            #expect(try await clerk.users.getCount() == 1)
        }
    }

    @Test("--resume drops a partial last line left by an interrupted export and continues from the last complete user")
    func resumeAfterPartialLine() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("users.jsonl")
        try await withCLIEmulator { _, clerk, env in
            try await CLIExportImportTests.seed(clerk, count: 30)
            #expect(try await CLI.run(["users", "export", "--output", file.path, "--page-size", "10"], environment: env).status == 0)
            let complete = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
            try (complete.prefix(12).joined(separator: "\n") + "\n" + complete[12].prefix(40)).write(to: file, atomically: true, encoding: .utf8)
            let resumed = try await CLI.run(["users", "export", "--output", file.path, "--resume", "--page-size", "10"], environment: env)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try String(contentsOf: file, encoding: .utf8).split(separator: "\n") == complete)
        }
    }
}
