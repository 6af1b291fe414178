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
