import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

/// A CSV reader for the tests, kept apart from the CLI's own: RFC 4180 records ended by LF or CR LF, cells in double
/// quotes holding commas, CRs and LFs, `""` for a quote inside them. Returns nil if the text ends inside a quoted
/// cell or with a record that no line break ends.
func readCSV(_ text: String) -> [[String]]? {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var inQuotes = false
    var pending = false
    let scalars = Array(text.unicodeScalars)
    var index = 0
    while index < scalars.count {
        let scalar = scalars[index]
        index += 1
        pending = true
        if inQuotes {
            if scalar == "\"" {
                if index < scalars.count && scalars[index] == "\"" {
                    field.unicodeScalars.append("\"")
                    index += 1
                } else {
                    inQuotes = false
                }
            } else {
                field.unicodeScalars.append(scalar)
            }
        } else if scalar == "\"" && field.isEmpty {
            inQuotes = true
        } else if scalar == "," {
            record.append(field)
            field = ""
        } else if scalar == "\n" || (scalar == "\r" && index < scalars.count && scalars[index] == "\n") {
            if scalar == "\r" { index += 1 }
            record.append(field)
            records.append(record)
            record = []
            field = ""
            pending = false
        } else {
            field.unicodeScalars.append(scalar)
        }
    }
    return inQuotes || pending ? nil : records
}

@Suite("clerk CLI: CSV cells spanning several lines, in resumed exports and in imports")
struct CLICSVMultilineTests {
    /// Users whose names and metadata hold line breaks (LF and CR LF), quotes, commas and a two-byte character.
    static func seed(_ clerk: ClerkClient, count: Int) async throws -> [User] {
        var users: [User] = []
        for index in 0..<count {
            users.append(try await clerk.users.createUser(CreateUserBody(
                externalID: "ml-\(index)", firstName: "First\(index) Zoë\nsecond \"line\", too", lastName: "Last\(index)\r\n\"quoted\"",
                emailAddress: ["ml\(index)@example.com"], publicMetadata: ["note": .string("a\nb \"c\" \(index)")]
            )))
        }
        return users
    }

    /// The byte offset just after the first `marker` in `data`, moved by `extra`.
    static func bytes(_ data: [UInt8], after marker: String, plus extra: Int = 0) throws -> Int {
        let needle = Array(marker.utf8)
        guard let start = (0...(data.count - needle.count)).first(where: { Array(data[$0..<$0 + needle.count]) == needle }) else {
            throw MarkerNotFound(marker: marker)
        }
        return start + needle.count + extra
    }

    struct MarkerNotFound: Error { let marker: String }

    @Test("--resume after a cut anywhere in a CSV export (inside a quoted multi-line cell, right after a newline in quotes, mid-character, at a record end, after the header) rebuilds the full file")
    func resumeCSVWithMultilineCells() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("users.csv")
        try await withCLIEmulator { _, clerk, env in
            let users = try await Self.seed(clerk, count: 9)
            let export = try await CLI.run(["users", "export", "--format", "csv", "--output", file.path, "--page-size", "2"], environment: env)
            #expect(export.status == 0, "\(export.stderr)")
            let full = Array(try Data(contentsOf: file))
            let records = try #require(readCSV(String(decoding: full, as: UTF8.self)), "the full export is not well-formed CSV")
            #expect(records.count == 10, "header + 9 users, got \(records.count) records")
            #expect(Set(records.dropFirst().map { $0[0] }) == Set(users.map(\.id)))
            #expect(records.dropFirst().allSatisfy { $0[2].hasPrefix("First") && $0[2].hasSuffix("\nsecond \"line\", too") && $0[3].contains("\r\n\"quoted\"") })

            // A record in the middle of the file, and the user whose record follows it.
            let middle = try #require(users.first { $0.externalID == "ml-4" })
            let cuts: [(String, Int)] = [
                ("right after a newline inside a quoted cell", try Self.bytes(full, after: "First4 Zoë\n")),
                ("right after a CR LF inside a quoted cell", try Self.bytes(full, after: "Last4\r\n")),
                ("in the middle of a quoted cell", try Self.bytes(full, after: "First4 Zoë\nsec")),
                ("just before a closing quote", try Self.bytes(full, after: "First4 Zoë\nsecond \"\"line\"\", too")),
                ("after a multi-line cell and its comma", try Self.bytes(full, after: "First4 Zoë\nsecond \"\"line\"\", too\",")),
                ("in the middle of a two-byte character", try Self.bytes(full, after: "First4 Zo", plus: 1)),
                ("in the middle of the user id", try Self.bytes(full, after: "\n" + middle.id, plus: -4)),
                ("exactly at the end of a record", try Self.bytes(full, after: "\n" + middle.id, plus: -middle.id.count)),
                ("right after the header", try Self.bytes(full, after: "banned\n")),
                ("in the middle of the header", 20),
                ("nowhere (empty file)", 0),
            ]
            for (name, cut) in cuts {
                try Data(full[..<cut]).write(to: file)
                let resumed = try await CLI.run(
                    ["users", "export", "--format", "csv", "--output", file.path, "--resume", "--page-size", "2"], environment: env
                )
                #expect(resumed.status == 0, "cut \(name): \(resumed.stderr)")
                #expect(resumed.stderr.contains("exported 9 users"), "cut \(name): \(resumed.stderr)")
                let after = Array(try Data(contentsOf: file))
                let read = readCSV(String(decoding: after, as: UTF8.self))
                #expect(read?.count == 10, "cut \(name): \(read?.count ?? -1) records read back instead of 10")
                #expect(read.map { Set($0.dropFirst().map { $0[0] }).count } == 9, "cut \(name): a user is missing or repeated")
                // Every record is a whole user row holding that user's own values.
                for record in read?.dropFirst() ?? [] {
                    let user = users.first { $0.id == record[0] }
                    #expect(
                        record.count == 13 && user != nil && record[1] == user?.externalID && record[2] == user?.firstName
                            && record[3] == user?.lastName,
                        "cut \(name): a record read back does not match its user: \(record)"
                    )
                }
                #expect(after == full, "cut \(name): the resumed file differs from an uninterrupted export")
            }
        }
        // The resumed file imports with every multi-line value intact.
        try await withCLIEmulator { _, clerk, env in
            let imported = try await CLI.run(["users", "import", file.path], environment: env)
            #expect(imported.stdout.contains("created 9, skipped 0 (already there), failed 0"), "\(imported.stdout) \(imported.stderr)")
            for index in 0..<9 {
                let user = try #require(try await clerk.users.getUserList(GetUserListQuery(externalID: ["ml-\(index)"])).data.first)
                #expect(user.firstName == "First\(index) Zoë\nsecond \"line\", too")
                #expect(user.lastName == "Last\(index)\r\n\"quoted\"")
                #expect(user.publicMetadata["note"] == .string("a\nb \"c\" \(index)"))
            }
        }
    }

    @Test("--resume refuses a CSV file that is not an export and leaves it untouched")
    func resumeRefusesForeignFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("notes.csv")
        for content in ["my notes, not an export", "name,notes\nAda,\"two\nlines\"\n"] {
            try content.write(to: file, atomically: true, encoding: .utf8)
            try await withCLIEmulator { _, _, env in
                let run = try await CLI.run(["users", "export", "--format", "csv", "--output", file.path, "--resume"], environment: env)
                #expect(run.status == 1 && run.stderr.contains("cannot resume"), "\(run.stderr)")
            }
            #expect(try String(contentsOf: file, encoding: .utf8) == content)
        }
    }

    @Test("CSV import reads quoted cells over several lines and reports failed rows by the line they start on")
    func importMultilineCells() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("users.csv")
        // Line 1 header; lines 2-3 the first user; 4-6 the second; 7 a row the API refuses; 8 a CR LF cell, no final
        // newline.
        try Data((
            "email_addresses,first_name,last_name\n"
                + "a@example.com,\"two\nlines\",x\n"
                + "b@example.com,\"three\nline\nname\",\"say \"\"hi\"\", ok\"\n"
                + "not-an-email,bad,row\n"
                + "c@example.com,\"crlf\r\nname\",last"
        ).utf8).write(to: file)
        try await withCLIEmulator { _, clerk, env in
            let run = try await CLI.run(["users", "import", file.path], environment: env)
            #expect(run.status == 1)
            #expect(run.stdout.contains("created 3, skipped 0 (already there), failed 1"), "\(run.stdout)")
            #expect(run.stderr.contains("line 7:"), "the refused row starts on line 7: \(run.stderr)")
            func user(_ email: String) async throws -> User {
                try #require(try await clerk.users.getUserList(GetUserListQuery(emailAddress: [email])).data.first)
            }
            #expect(try await user("a@example.com").firstName == "two\nlines")
            let b = try await user("b@example.com")
            #expect(b.firstName == "three\nline\nname" && b.lastName == "say \"hi\", ok")
            let c = try await user("c@example.com")
            #expect(c.firstName == "crlf\r\nname" && c.lastName == "last")
        }

        // A quoted cell never closed would swallow the rest of the file: the import stops instead.
        let broken = directory.appendingPathComponent("broken.csv")
        try "email_addresses,first_name\nx@example.com,\"never closed\ny@example.com,ok\n".write(to: broken, atomically: true, encoding: .utf8)
        try await withCLIEmulator { _, clerk, env in
            let run = try await CLI.run(["users", "import", broken.path], environment: env)
            #expect(run.status == 1 && run.stderr.contains("line 2") && run.stderr.contains("never closed"), "\(run.stdout) \(run.stderr)")
            #expect(try await clerk.users.getCount() == 0)
        }
    }
}
