import ClerkBackend
import ClerkEmulator
import Foundation
import GRDB
import Testing

/// `exportSnapshot()` / `importPath` (`clerk emulator --export` / `--import`): a snapshot round-trips every resource
/// and the instance itself, and a snapshot that does not fit changes nothing.
@Suite("Emulator: snapshots (export and import)")
struct EmulatorSnapshotTests {
    /// The answers a test would compare across the two emulators: every list the state shows up in.
    static let listings = [
        "/v1/users?limit=100&order_by=created_at", "/v1/organizations?limit=100", "/v1/jwt_templates",
        "/v1/allowlist_identifiers", "/v1/blocklist_identifiers", "/v1/redirect_urls", "/v1/invitations",
        "/v1/organization_roles?limit=100", "/v1/organization_permissions?limit=100", "/v1/instance/organization_settings",
        "/v1/machines?limit=100", "/v1/domains",
    ]

    static func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clerk-snapshot-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test("A state of every kind round-trips table for table: imported in process, and through `clerk emulator --import`")
    func everyKindRoundTrips() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("rich.json")
        // Webhooks to a port nobody listens on: the outbox keeps its messages and their failed attempts.
        var options = EmulatorOptions(webhookURL: URL(string: "http://127.0.0.1:9/hooks"), webhookMaxAttempts: 1)
        options.webhookRetryDelay = .milliseconds(10)
        let (exported, originalKey): (JSONValue, String) = try await withOptionsEmulator(options) { emulator, clerk in
            let owner = try await clerk.users.createUser(CreateUserBody(
                emailAddress: ["owner@example.com"], phoneNumber: ["+15555550100"], password: "correct horse battery"
            ))
            let member = try await clerk.users.createUser(CreateUserBody(emailAddress: ["member@example.com"], username: "member"))
            let organization = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Kinds", createdBy: owner.id))
            let org = "/v1/organizations/\(organization.id)"
            let machine = try #require(try await rawRequest(emulator, "POST", "/v1/machines", key: emulator.secretKey, body: #"{"name":"worker"}"#).json?["id"]?.stringValue)
            let enterprise = try #require(try await rawRequest(
                emulator, "POST", "/v1/enterprise_connections", key: emulator.secretKey,
                body: #"{"name":"Entra","provider":"saml_custom","domains":["kinds.example.com"]}"#
            ).json?["id"]?.stringValue)
            for (method, path, body) in [
                ("POST", "\(org)/memberships", #"{"user_id":"\#(member.id)","role":"org:member"}"#),
                ("POST", "\(org)/invitations", #"{"email_address":"later@example.com","role":"org:member"}"#),
                ("POST", "\(org)/domains", #"{"name":"kinds.example.org","enrollment_mode":"automatic_invitation"}"#),
                ("POST", "/v1/organization_permissions", #"{"name":"Read","key":"org:reports:read"}"#),
                ("POST", "/v1/organization_roles", #"{"name":"Auditor","key":"org:auditor"}"#),
                ("POST", "/v1/jwt_templates", #"{"name":"hasura","claims":{"role":"{{user.public_metadata.plan}}"}}"#),
                ("POST", "/v1/allowlist_identifiers", #"{"identifier":"@example.com"}"#),
                ("POST", "/v1/blocklist_identifiers", #"{"identifier":"spam@example.org"}"#),
                ("POST", "/v1/redirect_urls", #"{"url":"https://app.example.com/callback"}"#),
                ("POST", "/v1/invitations", #"{"email_address":"new@example.com"}"#),
                ("POST", "/v1/waitlist_entries", #"{"email_address":"waiting@example.com"}"#),
                ("POST", "/v1/api_keys", #"{"name":"key","subject":"\#(owner.id)"}"#),
                ("POST", "/v1/oauth_applications", #"{"name":"App","redirect_uris":["https://app.example.com/cb"]}"#),
                ("POST", "/v1/scim_directories", #"{"enterprise_connection_id":"\#(enterprise)","provider":"okta"}"#),
                ("POST", "/v1/sign_in_tokens", #"{"user_id":"\#(owner.id)"}"#),
                ("POST", "/v1/actor_tokens", #"{"user_id":"\#(owner.id)","actor":{"sub":"\#(member.id)"}}"#),
                ("POST", "/v1/sessions", #"{"user_id":"\#(owner.id)"}"#),
                ("POST", "/v1/users/\(owner.id)/billing/credits", #"{"amount":500,"action":"increase","idempotency_key":"k1","currency":"USD"}"#),
                ("PATCH", "/v1/instance/restrictions", #"{"blocklist":true}"#),
                ("POST", "/v1/machines/\(machine)/secret_key/rotate", #"{"previous_token_ttl":0}"#),
            ] {
                let answer = try await rawRequest(emulator, method, path, key: emulator.secretKey, body: body)
                #expect((200..<300).contains(answer.status), "\(method) \(path): \(answer.status) \(String(describing: answer.json))")
            }
            // Wait until the outbox has tried (and failed) its first message, so attempts are part of the snapshot.
            for _ in 0..<200 {
                let listing = try await rawJSON(emulator, "GET", "/_emulator/webhooks")
                if (listing["data"]?.arrayValue ?? []).contains(where: { ($0["attempt_count"]?.intValue ?? 0) > 0 }) { break }
                try await Task.sleep(for: .milliseconds(25))
            }
            return (try JSONDecoder().decode(JSONValue.self, from: try await emulator.exportSnapshot()), emulator.secretKey)
        }
        let tables = try #require(exported["tables"]?.objectValue)
        let resources = try #require(tables["resources"])
        let kindColumn = try #require(resources["columns"]?.arrayValue?.firstIndex(of: "kind"))
        let kinds = Set((resources["rows"]?.arrayValue ?? []).compactMap { $0.arrayValue?[kindColumn].stringValue })
        #expect(kinds.count >= 20, "resource kinds in the snapshot: \(kinds.sorted())")
        for table in ["identifiers", "webhook_messages", "webhook_attempts"] {
            let rows = tables[table]?["rows"]?.arrayValue?.count ?? 0
            #expect(rows > 0, "\(table) has rows")
        }
        try JSONEncoder().encode(exported).write(to: file)

        // In process: the restored emulator exports the same tables, row for row.
        let restored = try await ClerkEmulator.start(EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000, importPath: file.path))
        let again = try? JSONDecoder().decode(JSONValue.self, from: try await restored.exportSnapshot())
        await restored.stop()
        #expect(again?["tables"] == exported["tables"])

        // The command: `clerk emulator --db NEW --import FILE` starts from it; its snapshot over HTTP is the same.
        let database = directory.appendingPathComponent("imported.sqlite").path
        let (process, apiURL, secretKey) = try EmulatorDurabilityTests.launch(databasePath: database, arguments: ["--import", file.path])
        defer { process.terminate(); process.waitUntilExit() }
        let overHTTP = try await EmulatorDurabilityTests.adminJSON(apiURL: apiURL, key: secretKey, path: "/_emulator/snapshot")
        #expect(overHTTP["tables"] == exported["tables"])
        #expect(secretKey == originalKey)
    }

    @Test("Export, then start a fresh emulator from the snapshot: same keys, same resources, same passwords and sessions")
    func roundTrip() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fixture.json")
        var before: [String: JSONValue] = [:]
        var userID = ""
        var sessionID = ""
        let (secretKey, instanceID, publicKey) = try await withEmulator { emulator, clerk in
            let user = try await clerk.users.createUser(CreateUserBody(
                emailAddress: ["ada@example.com"], password: "correct horse battery", publicMetadata: ["plan": "pro"]
            ))
            userID = user.id
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["grace@example.com"], username: "grace"))
            _ = try await clerk.organizations.createOrganization(CreateOrganizationBody(name: "Analytical Engines", createdBy: user.id))
            for (path, body) in [
                ("/v1/jwt_templates", #"{"name":"hasura","claims":{"role":"{{user.public_metadata.plan}}"}}"#),
                ("/v1/allowlist_identifiers", #"{"identifier":"@example.com"}"#),
                ("/v1/blocklist_identifiers", #"{"identifier":"spam@example.org"}"#),
                ("/v1/redirect_urls", #"{"url":"https://app.example.com/callback"}"#),
                ("/v1/invitations", #"{"email_address":"new@example.com"}"#),
                ("/v1/machines", #"{"name":"billing worker"}"#),
            ] {
                let answer = try await rawRequest(emulator, "POST", path, key: emulator.secretKey, body: body)
                #expect((200..<300).contains(answer.status), "\(path): \(answer.status)")
            }
            sessionID = try await clerk.sessions.createSession(CreateSessionBody(userID: user.id)).id
            for path in Self.listings { before[path] = try await rawJSON(emulator, "GET", path) }
            before["/v1/sessions/\(sessionID)"] = try await rawJSON(emulator, "GET", "/v1/sessions/\(sessionID)")
            // The admin endpoint and the Swift API give the same content.
            let snapshot = try await emulator.exportSnapshot()
            let overHTTP = try await rawJSON(emulator, "GET", "/_emulator/snapshot")
            let exported = try JSONDecoder().decode(JSONValue.self, from: snapshot)
            #expect(overHTTP["tables"] == exported["tables"] && exported["format"] == "clerk-emulator-snapshot")
            try snapshot.write(to: file)
            return (emulator.secretKey, emulator.instanceID, emulator.jwtPublicKeyPEM)
        }

        let options = EmulatorOptions(port: 0, databasePath: nil, passwordRounds: 1_000, importPath: file.path)
        let restored = try await ClerkEmulator.start(options)
        do {
            #expect(restored.secretKey == secretKey && restored.instanceID == instanceID && restored.jwtPublicKeyPEM == publicKey)
            let clerk = try ClerkClient(options: ClerkOptions(secretKey: Secret(restored.secretKey), apiURL: restored.apiURL))
            for path in Self.listings {
                #expect(try await rawJSON(restored, "GET", path) == before[path], "\(path) differs after the import")
            }
            #expect(try await rawJSON(restored, "GET", "/v1/sessions/\(sessionID)") == before["/v1/sessions/\(sessionID)"])
            #expect(try await clerk.users.verifyPassword(userID: userID, password: "correct horse battery").verified == true)
            // The restored instance keeps working: uniqueness still holds, new resources can be added.
            let duplicate = try await rawRequest(restored, "POST", "/v1/users", key: restored.secretKey, body: #"{"email_address":["ada@example.com"]}"#)
            #expect(duplicate.status == 422)
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["new-after-import@example.com"]))
            #expect(try await clerk.users.getCount() == 3)
            await restored.stop()
        } catch {
            await restored.stop()
            throw error
        }
    }

    @Test("A snapshot that does not fit stops the start with the reason and leaves the database as it was", arguments: [
        ("not json", "it is not a JSON object"),
        (#"{"format":"something-else","version":1,"tables":{}}"#, "\"format\""),
        (#"{"format":"clerk-emulator-snapshot","version":2,"tables":{}}"#, "\"version\""),
        (#"{"format":"clerk-emulator-snapshot","version":1,"migrations":["v99-future"],"tables":{}}"#, "newer emulator"),
        (#"{"format":"clerk-emulator-snapshot","version":1,"tables":{"gadgets":{"columns":[],"rows":[]}}}"#, "table \"gadgets\""),
        (#"{"format":"clerk-emulator-snapshot","version":1,"tables":{"instance":{"columns":["name","colour"],"rows":[]}}}"#, "column"),
        (#"{"format":"clerk-emulator-snapshot","version":1,"tables":{"instance":{"columns":["name","value"],"rows":[["only one"]]}}}"#, "row 1"),
        (#"{"format":"clerk-emulator-snapshot","version":1,"tables":{"instance":{"columns":["name","value"],"rows":[["a",[1]]]}}}"#, "row 1"),
        (#"{"format":"clerk-emulator-snapshot","version":1,"tables":{"instance":{"columns":["name","value"],"rows":[["a","1"],["a","2"]]}}}"#, "row 2"),
        (#"{"format":"clerk-emulator-snapshot","version":1,"tables":{"webhook_attempts":{"columns":["message_seq","started_at","duration_ms"],"rows":[[42,0,0]]}}}"#, "refers to"),
    ])
    func refused(snapshot: String, reason: String) async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("emulator.sqlite").path
        let file = directory.appendingPathComponent("bad.json")
        try Data(snapshot.utf8).write(to: file)
        let (secretKey, userID) = try await withEmulator(databasePath: database) { emulator, clerk in
            (emulator.secretKey, try await clerk.users.createUser(CreateUserBody(emailAddress: ["kept@example.com"])).id)
        }
        var options = EmulatorOptions(port: 0, databasePath: database, passwordRounds: 1_000)
        options.importPath = file.path
        let error = await #expect(throws: EmulatorStartError.self) { _ = try await ClerkEmulator.start(options) }
        #expect(error?.message.contains(reason) == true, "\(error?.message ?? "no error")")
        #expect(error?.message.contains("The database was not changed") == true)
        try await withEmulator(databasePath: database) { (emulator, clerk) async throws -> Void in
            #expect(emulator.secretKey == secretKey)
            #expect(try await clerk.users.getUser(userID).id == userID)
        }
    }

    @Test("An emulator database file exports without a running emulator; a missing file is an error")
    func exportFile() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("emulator.sqlite").path
        let live = try await withEmulator(databasePath: database) { emulator, clerk in
            _ = try await clerk.users.createUser(CreateUserBody(emailAddress: ["file@example.com"]))
            return try JSONDecoder().decode(JSONValue.self, from: try await emulator.exportSnapshot())
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: database))
        let offline = try JSONDecoder().decode(JSONValue.self, from: try ClerkEmulator.exportSnapshot(databasePath: database))
        #expect(offline["tables"] == live["tables"])
        #expect(try Data(contentsOf: URL(fileURLWithPath: database)) == before, "exporting only reads the file")
        #expect(throws: EmulatorStartError.self) { _ = try ClerkEmulator.exportSnapshot(databasePath: directory.appendingPathComponent("none.sqlite").path) }
    }

    @Test("Exporting a file that is not an emulator database refuses it and leaves it as it was")
    func exportForeignFile() throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Another application's SQLite database: exporting it must not add the emulator's tables to it.
        let foreign = directory.appendingPathComponent("notes.sqlite").path
        try DatabaseQueue(path: foreign).write { db in
            try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT); INSERT INTO notes (text) VALUES ('keep me')")
        }
        let before = try Data(contentsOf: URL(fileURLWithPath: foreign))
        let refused = #expect(throws: EmulatorStartError.self) { _ = try ClerkEmulator.exportSnapshot(databasePath: foreign) }
        #expect(refused?.message.contains("not an emulator database") == true)
        #expect(try Data(contentsOf: URL(fileURLWithPath: foreign)) == before)
        #expect(try DatabaseQueue(path: foreign).read { db in try db.tableExists("resources") } == false)
        // Not SQLite at all.
        let text = directory.appendingPathComponent("readme.txt")
        try Data("hello".utf8).write(to: text)
        #expect(throws: EmulatorStartError.self) { _ = try ClerkEmulator.exportSnapshot(databasePath: text.path) }
        #expect(try Data(contentsOf: text) == Data("hello".utf8))
    }
}
