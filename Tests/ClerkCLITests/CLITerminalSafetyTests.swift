import ClerkBackend
import ClerkEmulator
import Foundation
import Testing

@Suite("clerk CLI: user-controlled text never reaches the terminal as control characters")
struct CLITerminalSafetyTests {
    /// A first name a hostile user could pick: an OSC window-title sequence, clear screen, a colour, C1 CSI and NEL, a
    /// bare CR and a backspace (both overwrite), a right-to-left override, DEL and a C0 control.
    static let hostileFirstName = "Eve\u{1B}]0;pwned\u{07}\u{1B}[2J\u{1B}[31mred\u{9B}1m\u{85}x\ry\u{08}z\u{202E}gpj.exe\u{7F}\u{01}"
    /// An OSC 8 hyperlink written with the C1 forms of OSC (U+009D) and ST (U+009C).
    static let hostileLastName = "\u{9D}8;;http://evil.example\u{9C}click\u{2067}me\u{2069}"

    /// The scalars of `text` a terminal would act on: C0 other than LF and tab, DEL, C1, bidi controls, U+2028/U+2029.
    static func controls(_ text: String) -> [String] {
        text.unicodeScalars.filter { scalar in
            switch scalar.value {
            case 0x0A, 0x09: false
            case 0...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028...0x202E, 0x2066...0x2069: true
            default: false
            }
        }.map { "U+" + String($0.value, radix: 16, uppercase: true) }
    }

    /// Asserts that a table printed by the CLI holds no control character and shows the escaped first name.
    static func expectSafeTable(_ run: CLIRun, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(run.status == 0, "\(context): \(run.stderr)", sourceLocation: sourceLocation)
        #expect(controls(run.stdout).isEmpty, "\(context) printed control characters \(controls(run.stdout))", sourceLocation: sourceLocation)
        for visible in [#"Eve\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x9b1m\x85x\ry\x08z\u{202e}gpj.exe\x7f\x01"#,
                        #"\x9d8;;http://evil.example\x9cclick\u{2067}me\u{2069}"#] {
            #expect(run.stdout.contains(visible), "\(context) does not show \(visible):\n\(run.stdout)", sourceLocation: sourceLocation)
        }
    }

    @Test("users list and users get tables escape control characters and stay aligned; --json returns the exact name")
    func usersTable() async throws {
        try await withCLIEmulator { _, clerk, env in
            let user = try await clerk.users.createUser(CreateUserBody(
                firstName: Self.hostileFirstName, lastName: Self.hostileLastName, emailAddress: ["eve@example.com"], username: "eve_u"
            ))
            #expect(user.firstName == Self.hostileFirstName, "the emulator changed the name on the way in")

            let list = try await CLI.run(["users", "list"], environment: env)
            Self.expectSafeTable(list, "users list")
            let get = try await CLI.run(["users", "get", user.id], environment: env)
            Self.expectSafeTable(get, "users get")

            // Widths are measured on the escaped text: the USERNAME column starts at the same place in both lines.
            let lines = list.stdout.split(separator: "\n").map(String.init)
            let header = try #require(lines.first)
            let row = try #require(lines.first { $0.hasPrefix(user.id) })
            let headerColumn = try #require(header.range(of: "USERNAME")).lowerBound
            let rowColumn = try #require(row.range(of: "eve_u")).lowerBound
            #expect(header.distance(from: header.startIndex, to: headerColumn) == row.distance(from: row.startIndex, to: rowColumn), "\(list.stdout)")

            // JSON stays exact: it parses back to the very same string, and its text carries no raw control either
            // (C0 is escaped by the encoder, C1 and bidi controls as \u escapes).
            for arguments in [["users", "list", "--json"], ["users", "get", user.id, "--json"]] {
                let json = try await CLI.run(arguments, environment: env)
                #expect(json.status == 0, "\(json.stderr)")
                #expect(Self.controls(json.stdout).isEmpty, "\(arguments) printed control characters \(Self.controls(json.stdout))")
                let value = try #require(json.json, "\(arguments): \(json.stdout)")
                let object = value.arrayValue?.first ?? value
                let firstName = try #require(object["first_name"]?.stringValue)
                let lastName = try #require(object["last_name"]?.stringValue)
                #expect(Array(firstName.utf8) == Array(Self.hostileFirstName.utf8))
                #expect(Array(lastName.utf8) == Array(Self.hostileLastName.utf8))
            }
        }
    }

    @Test("Other tables (orgs list) and error messages are escaped too")
    func otherOutputs() async throws {
        try await withCLIEmulator { _, clerk, env in
            let owner = try await clerk.users.createUser(CreateUserBody(emailAddress: ["owner@example.com"]))
            _ = try await clerk.organizations.createOrganization(CreateOrganizationBody(
                name: Self.hostileFirstName, createdBy: owner.id, slug: "hostile"
            ))
            let orgs = try await CLI.run(["orgs", "list"], environment: env)
            #expect(orgs.status == 0, "\(orgs.stderr)")
            #expect(Self.controls(orgs.stdout).isEmpty, "orgs list printed control characters \(Self.controls(orgs.stdout))")
            #expect(orgs.stdout.contains(#"Eve\x1b]0;pwned\x07"#), "\(orgs.stdout)")

            // An error message quoting a value (here a file name) goes through the same escaping on standard error.
            let missing = try await CLI.run(["users", "import", "/nonexistent/\u{1B}]0;pwned\u{07}\u{9B}2J.csv"], environment: env)
            #expect(missing.status != 0)
            #expect(Self.controls(missing.stderr).isEmpty, "the error printed control characters \(Self.controls(missing.stderr))")
            #expect(missing.stderr.contains(#"/nonexistent/\x1b]0;pwned\x07\x9b2J.csv"#), "\(missing.stderr)")
        }
    }
}
