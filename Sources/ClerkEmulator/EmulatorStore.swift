import ClerkBackend
import Foundation
import GRDB

/// The emulator's SQLite database: one table per resource kind, each row the resource's JSON exactly as the API
/// answers it, plus the columns that lookups, uniqueness and ordering need.
///
/// A file database runs in WAL mode with `synchronous=FULL`: a write is on disk before the API acknowledges it.
final class EmulatorStore: Sendable {
    let writer: any DatabaseWriter

    init(path: String?) throws {
        var configuration = Configuration()
        configuration.busyMode = .timeout(5)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        if let path {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
            writer = try DatabasePool(path: path, configuration: configuration)
        } else {
            writer = try DatabaseQueue(configuration: configuration)
        }
        try migrate()
    }

    /// An in-memory copy of `source` brought to the current schema: `source` is only read.
    init(copying source: DatabaseQueue) throws {
        let copy = try DatabaseQueue()
        try source.backup(to: copy)
        writer = copy
        try migrate()
    }

    private func migrate() throws {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE instance (name TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE resources (
                    id TEXT PRIMARY KEY,
                    kind TEXT NOT NULL,
                    parent_id TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    sort_key TEXT,
                    doc TEXT NOT NULL,
                    secret TEXT
                );
                CREATE INDEX resources_kind_created ON resources(kind, created_at, id);
                CREATE INDEX resources_parent ON resources(kind, parent_id);
                CREATE TABLE identifiers (
                    kind TEXT NOT NULL,
                    value TEXT NOT NULL,
                    owner_id TEXT NOT NULL,
                    PRIMARY KEY (kind, value)
                );
                CREATE INDEX identifiers_owner ON identifiers(owner_id);
                """)
        }
        // The Frontend API's browsers, clients, handshake nonces and refresh tokens.
        migrator.registerMigration("v2-frontend") { db in try FrontendSchema.create(db) }
        // The webhook outbox: events and their delivery attempts.
        migrator.registerMigration("v3-webhook-outbox") { db in try WebhookOutbox.create(db) }
        try migrator.migrate(writer)
    }

    // MARK: Instance settings

    func instanceValue(_ name: String) throws -> String? {
        try writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [name]) }
    }

    /// The stored value, or `make()` stored and returned (once, in one transaction).
    func instanceValue(_ name: String, orInsert make: () throws -> String) throws -> String {
        try writer.write { db in
            if let value = try String.fetchOne(db, sql: "SELECT value FROM instance WHERE name = ?", arguments: [name]) {
                return value
            }
            let value = try make()
            try db.execute(sql: "INSERT INTO instance (name, value) VALUES (?, ?)", arguments: [name, value])
            return value
        }
    }

    // MARK: Resources

    struct Record: Sendable {
        var id: String
        var kind: String
        var parentID: String?
        var createdAt: Int64
        var updatedAt: Int64
        var sortKey: String?
        /// The resource's JSON exactly as stored, and as the API answers it (reads never re-encode it).
        var docText: String
        var secret: String?

        init(
            id: String, kind: String, parentID: String?, createdAt: Int64, updatedAt: Int64, sortKey: String?,
            doc: JSONValue, secret: String?
        ) {
            self.init(
                id: id, kind: kind, parentID: parentID, createdAt: createdAt, updatedAt: updatedAt, sortKey: sortKey,
                docText: (try? EmulatorStore.encode(doc)) ?? "{}", secret: secret
            )
        }

        init(
            id: String, kind: String, parentID: String?, createdAt: Int64, updatedAt: Int64, sortKey: String?,
            docText: String, secret: String?
        ) {
            self.id = id
            self.kind = kind
            self.parentID = parentID
            self.createdAt = createdAt
            self.updatedAt = updatedAt
            self.sortKey = sortKey
            self.docText = docText
            self.secret = secret
        }

        /// The document as JSON, decoded on access (for handlers that read or change fields).
        var doc: JSONValue {
            get { (try? JSONDecoder().decode(JSONValue.self, from: Data(docText.utf8))) ?? .null }
            set { docText = (try? EmulatorStore.encode(newValue)) ?? "{}" }
        }
    }

    static func record(_ row: Row) throws -> Record {
        Record(
            id: row["id"], kind: row["kind"], parentID: row["parent_id"], createdAt: row["created_at"],
            updatedAt: row["updated_at"], sortKey: row["sort_key"], docText: row["doc"], secret: row["secret"]
        )
    }

    static func encode(_ doc: JSONValue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(doc), as: UTF8.self)
    }

    static func insert(_ record: Record, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO resources (id, kind, parent_id, created_at, updated_at, sort_key, doc, secret)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                record.id, record.kind, record.parentID, record.createdAt, record.updatedAt, record.sortKey,
                record.docText, record.secret,
            ]
        )
    }

    static func update(_ record: Record, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE resources SET updated_at = ?, sort_key = ?, doc = ?, secret = ?, parent_id = ? WHERE id = ?",
            arguments: [record.updatedAt, record.sortKey, record.docText, record.secret, record.parentID, record.id]
        )
    }

    static func fetch(_ id: String, kind: String, _ db: Database) throws -> Record? {
        try Row.fetchOne(db, sql: "SELECT * FROM resources WHERE id = ? AND kind = ?", arguments: [id, kind]).map(record)
    }

    static func delete(_ id: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM resources WHERE id = ?", arguments: [id])
        try db.execute(sql: "DELETE FROM identifiers WHERE owner_id = ?", arguments: [id])
    }

    // MARK: Identifiers (uniqueness)

    static func owner(of value: String, kind: String, _ db: Database) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT owner_id FROM identifiers WHERE kind = ? AND value = ?", arguments: [kind, value.lowercased()]
        )
    }

    static func claim(_ value: String, kind: String, owner: String, _ db: Database) throws {
        try db.execute(
            sql: "INSERT INTO identifiers (kind, value, owner_id) VALUES (?, ?, ?)",
            arguments: [kind, value.lowercased(), owner]
        )
    }

    static func release(kind: String, owner: String, _ db: Database) throws {
        try db.execute(sql: "DELETE FROM identifiers WHERE kind = ? AND owner_id = ?", arguments: [kind, owner])
    }
}

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern, so a search term never acts as a wildcard.
func likePattern(containing term: String) -> String {
    var escaped = ""
    for character in term.lowercased() {
        if character == "%" || character == "_" || character == "\\" { escaped.append("\\") }
        escaped.append(character)
    }
    return "%" + escaped + "%"
}
