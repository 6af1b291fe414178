import ClerkBackend
import Foundation
import GRDB

extension ClerkEmulator {
    /// The operationIDs the emulator implements, sorted; every other operation of the spec answers 501.
    public static var implementedOperations: [String] { EmulatorState.makeHandlers().keys.map(\.operationID).sorted() }

    /// Runs SQLite's `PRAGMA integrity_check` on an emulator database and returns its answer (`"ok"` when intact).
    public static func integrityCheck(databasePath: String) throws -> String {
        let queue = try DatabaseQueue(path: databasePath)
        let result = try queue.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        try queue.close()
        return result.joined(separator: "\n")
    }
}
