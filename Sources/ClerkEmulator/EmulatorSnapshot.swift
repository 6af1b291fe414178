import ClerkBackend
import Foundation
import GRDB

/// A snapshot of everything an emulator's database holds: the instance (its keys and settings), every resource,
/// the identifiers that keep them unique, the Frontend API's clients and tokens, and the webhook outbox.
///
/// The format is JSON, one object per table with its column names and its rows, so a snapshot can be committed
/// beside a project's tests and reviewed in a diff:
///
/// ```json
/// {"format": "clerk-emulator-snapshot", "version": 1, "migrations": ["v1", …],
///  "tables": {"resources": {"columns": ["id", "kind", …], "rows": [["user_…", "user", …]]}, …}}
/// ```
///
/// Values are JSON `null`, numbers and strings as SQLite stores them; binary values are `{"base64": "…"}`. A snapshot
/// holds the instance's secret key and signing key: it is a test instance's, but keep the file where the tests are.
enum EmulatorSnapshot {
    static let format = "clerk-emulator-snapshot"
    static let version = 1
    /// The largest snapshot an import reads.
    static let maximumSize = 512 * 1024 * 1024

    /// The tables a snapshot holds: every table of the schema but SQLite's and the migrator's own.
    static func tables(_ db: Database) throws -> [String] {
        try String.fetchAll(
            db,
            sql: """
                SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                AND name != 'grdb_migrations' ORDER BY name
                """
        )
    }

    static func columns(_ table: String, _ db: Database) throws -> [String] {
        try db.columns(in: table).map(\.name)
    }

    /// The snapshot of the database `db` reads (in one read transaction, so it is consistent).
    static func export(_ db: Database) throws -> Data {
        var tables: [String: JSONValue] = [:]
        for table in try Self.tables(db) {
            let columns = try Self.columns(table, db)
            let quoted = columns.map { $0.quotedDatabaseIdentifier }.joined(separator: ", ")
            let rows = try Row.fetchAll(db, sql: "SELECT \(quoted) FROM \(table.quotedDatabaseIdentifier) ORDER BY rowid")
            tables[table] = [
                "columns": .array(columns.map(JSONValue.string)),
                "rows": .array(rows.map { row in .array(row.databaseValues.map(Self.json)) }),
            ]
        }
        let migrations = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY rowid")
        let snapshot: JSONValue = [
            "format": .string(format), "version": .int(Int64(version)), "exported_at": .int(nowMillis()),
            "migrations": .array(migrations.map(JSONValue.string)), "tables": .object(tables),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(snapshot)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Replaces the whole content of the database with the snapshot, in one transaction: a snapshot that does not
    /// fit (another format, a table or column this emulator does not have, a row of the wrong width, a broken
    /// reference) changes nothing and says why.
    static func restore(_ data: Data, _ db: Database) throws {
        guard data.count <= maximumSize else { throw problem("it is larger than \(maximumSize / 1024 / 1024) MiB") }
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let root) = value else {
            throw problem("it is not a JSON object")
        }
        guard root["format"] == .string(format) else { throw problem("its \"format\" is not \"\(format)\"") }
        guard let version = root["version"]?.intMember, version == Int64(Self.version) else {
            throw problem("its \"version\" is not \(Self.version)")
        }
        let known = Set(try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations"))
        for migration in root["migrations"]?.arrayMember ?? [] {
            guard let name = migration.stringMember, known.contains(name) else {
                throw problem("it was made by a newer emulator (its schema has changes this one does not know)")
            }
        }
        guard case .object(let given)? = root["tables"] else { throw problem("it has no \"tables\" object") }
        let existing = try Self.tables(db)
        let existingSet = Set(existing)
        if let unknown = given.keys.sorted().first(where: { !existingSet.contains($0) }) {
            throw problem("it has a table \"\(unknown.prefix(100))\" this emulator does not have")
        }
        // References are checked when the transaction commits, so tables load in any order.
        try db.execute(sql: "PRAGMA defer_foreign_keys = ON")
        for table in existing.reversed() {
            try db.execute(sql: "DELETE FROM \(table.quotedDatabaseIdentifier)")
        }
        for table in existing {
            guard let content = given[table] else { continue }
            guard let columnValues = content["columns"]?.arrayMember, let rows = content["rows"]?.arrayMember else {
                throw problem("table \"\(table)\" needs \"columns\" and \"rows\" arrays")
            }
            let available = Set(try Self.columns(table, db))
            let columns = try columnValues.map { value -> String in
                guard let name = value.stringMember, available.contains(name) else {
                    throw problem("table \"\(table)\" has a column this emulator does not have")
                }
                return name
            }
            guard Set(columns).count == columns.count else { throw problem("table \"\(table)\" names a column twice") }
            let statement = try db.makeStatement(
                sql: "INSERT INTO \(table.quotedDatabaseIdentifier) (\(columns.map(\.quotedDatabaseIdentifier).joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
            )
            for (index, row) in rows.enumerated() {
                guard let values = row.arrayMember, values.count == columns.count else {
                    throw problem("row \(index + 1) of table \"\(table)\" does not have \(columns.count) values")
                }
                let databaseValues = try values.map { value -> DatabaseValue in
                    guard let converted = Self.databaseValue(value) else {
                        throw problem("row \(index + 1) of table \"\(table)\" has a value that is not null, a number, a string or {\"base64\": …}")
                    }
                    return converted
                }
                do {
                    try statement.execute(arguments: StatementArguments(databaseValues))
                } catch let error as DatabaseError {
                    throw problem("row \(index + 1) of table \"\(table)\" was refused (\(error.resultCode))")
                }
            }
        }
        do {
            try db.checkForeignKeys()
        } catch {
            throw problem("a row refers to a row the snapshot does not have")
        }
    }

    static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let number): return .int(number)
        case .double(let number): return .double(number)
        case .string(let text): return .string(text)
        case .blob(let bytes): return ["base64": .string(bytes.base64EncodedString())]
        }
    }

    static func databaseValue(_ value: JSONValue) -> DatabaseValue? {
        switch value {
        case .null: return .null
        case .int(let number): return number.databaseValue
        case .double(let number): return number.databaseValue
        case .string(let text): return text.databaseValue
        case .object(let members):
            guard members.count == 1, let encoded = members["base64"]?.stringMember,
                let bytes = Data(base64Encoded: encoded)
            else { return nil }
            return bytes.databaseValue
        default: return nil
        }
    }

    static func problem(_ reason: String) -> EmulatorStartError {
        EmulatorStartError(message: "The snapshot cannot be imported: \(reason). The database was not changed.")
    }
}

extension EmulatorStore {
    /// The snapshot of everything the database holds (see ``EmulatorSnapshot``).
    func snapshot() async throws -> Data {
        try await writer.read { db in try EmulatorSnapshot.export(db) }
    }

    /// Replaces everything the database holds with a snapshot, or changes nothing and throws why.
    func restore(_ data: Data) throws {
        try writer.write { db in try EmulatorSnapshot.restore(data, db) }
    }
}
