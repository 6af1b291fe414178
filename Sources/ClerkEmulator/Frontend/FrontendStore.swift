import ClerkBackend
import Crypto
import Foundation
import GRDB

/// What the Frontend API keeps besides the Backend API's resources: development browsers, the clients they name,
/// handshake nonces and refresh tokens. Nonces and refresh tokens are stored as SHA-256 digests only.
enum FrontendSchema {
    static func create(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE frontend_clients (
                id TEXT PRIMARY KEY,
                last_active_session_id TEXT,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            );
            CREATE TABLE frontend_dev_browsers (
                id TEXT PRIMARY KEY,
                client_id TEXT NOT NULL,
                created_at INTEGER NOT NULL
            );
            CREATE TABLE frontend_handshake_nonces (
                digest TEXT PRIMARY KEY,
                directives TEXT NOT NULL,
                expires_at INTEGER NOT NULL
            );
            CREATE TABLE frontend_refresh_tokens (
                session_id TEXT PRIMARY KEY,
                digest TEXT NOT NULL,
                created_at INTEGER NOT NULL
            );
            """)
    }
}

/// A development browser and its client.
struct DevBrowser: Sendable {
    var token: String
    var clientID: String
}

/// A client: the browser-side owner of sessions.
struct FrontendClient: Sendable {
    var id: String
    var lastActiveSessionID: String?
    /// Milliseconds.
    var updatedAt: Int64
}

extension EmulatorState {
    /// How long a handshake nonce can be redeemed.
    static let handshakeNonceLifetimeMillis: Int64 = 60_000

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// A development-browser token in the shape the emulator issues (`dvb_` and 27 base-62 characters).
    static func isDevBrowserToken(_ text: String) -> Bool {
        text.hasPrefix("dvb_") && text.utf8.count == 31
            && text.utf8.dropFirst(4).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) }
    }

    /// The dev browser of `token`, or (when it is absent or unknown) a new one with a new, empty client.
    static func resolveDevBrowser(_ token: String?, _ db: Database) throws -> DevBrowser {
        if let token, isDevBrowserToken(token),
            let clientID = try String.fetchOne(db, sql: "SELECT client_id FROM frontend_dev_browsers WHERE id = ?", arguments: [token])
        {
            return DevBrowser(token: token, clientID: clientID)
        }
        let now = nowMillis()
        let browser = DevBrowser(token: EmulatorIDs.make("dvb"), clientID: EmulatorIDs.make("client"))
        try db.execute(
            sql: "INSERT INTO frontend_clients (id, last_active_session_id, created_at, updated_at) VALUES (?, NULL, ?, ?)",
            arguments: [browser.clientID, now, now]
        )
        try db.execute(
            sql: "INSERT INTO frontend_dev_browsers (id, client_id, created_at) VALUES (?, ?, ?)",
            arguments: [browser.token, browser.clientID, now]
        )
        return browser
    }

    /// The dev browser of `token` if it exists (never creates one).
    static func existingDevBrowser(_ token: String?, _ db: Database) throws -> DevBrowser? {
        guard let token, isDevBrowserToken(token),
            let clientID = try String.fetchOne(db, sql: "SELECT client_id FROM frontend_dev_browsers WHERE id = ?", arguments: [token])
        else { return nil }
        return DevBrowser(token: token, clientID: clientID)
    }

    static func frontendClient(_ id: String, _ db: Database) throws -> FrontendClient? {
        try Row.fetchOne(db, sql: "SELECT * FROM frontend_clients WHERE id = ?", arguments: [id]).map { row in
            FrontendClient(id: row["id"], lastActiveSessionID: row["last_active_session_id"], updatedAt: row["updated_at"])
        }
    }

    /// Marks the client changed now (its `__client_uat`), and sets its last active session.
    static func touchClient(_ id: String, lastActiveSessionID: String?, _ db: Database) throws {
        try db.execute(
            sql: "UPDATE frontend_clients SET last_active_session_id = ?, updated_at = ? WHERE id = ?",
            arguments: [lastActiveSessionID, nowMillis(), id]
        )
    }

    /// The client's last active session, when it is still active.
    static func activeSession(of client: FrontendClient, _ db: Database) throws -> EmulatorStore.Record? {
        guard let sessionID = client.lastActiveSessionID, let session = try EmulatorStore.fetch(sessionID, kind: "session", db),
            session.doc["status"]?.stringMember == "active"
        else { return nil }
        return session
    }

    /// Ends every active session of the client (`session.ended` each) and forgets their refresh tokens.
    func endSessions(ofClient clientID: String, _ db: Database) throws {
        let rows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM resources WHERE kind = 'session' AND json_extract(doc, '$.client_id') = ? AND json_extract(doc, '$.status') = 'active'",
            arguments: [clientID]
        )
        for row in rows {
            var record = try EmulatorStore.record(row)
            var doc = record.doc.objectMembers ?? [:]
            record.updatedAt = nowMillis()
            doc["status"] = "ended"
            doc["updated_at"] = .int(record.updatedAt)
            record.doc = .object(doc)
            try EmulatorStore.update(record, db)
            try db.execute(sql: "DELETE FROM frontend_refresh_tokens WHERE session_id = ?", arguments: [record.id])
            try emitEvent("session.ended", record.doc, db)
        }
    }

    /// Stores directives under a new nonce (single use, one minute) and answers the nonce. Expired nonces go.
    static func storeHandshakeNonce(_ directives: [String], _ db: Database) throws -> String {
        let now = nowMillis()
        try db.execute(sql: "DELETE FROM frontend_handshake_nonces WHERE expires_at <= ?", arguments: [now])
        let nonce = EmulatorIDs.random(length: 43)  // about 256 bits
        let text = String(decoding: try JSONEncoder().encode(directives), as: UTF8.self)
        try db.execute(
            sql: "INSERT INTO frontend_handshake_nonces (digest, directives, expires_at) VALUES (?, ?, ?)",
            arguments: [digest(nonce), text, now + handshakeNonceLifetimeMillis]
        )
        return nonce
    }

    /// The directives of a nonce, which is used up by this call; `nil` when unknown, used or expired.
    static func redeemHandshakeNonce(_ nonce: String, _ db: Database) throws -> [String]? {
        let key = digest(nonce)
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM frontend_handshake_nonces WHERE digest = ?", arguments: [key]) else {
            return nil
        }
        try db.execute(sql: "DELETE FROM frontend_handshake_nonces WHERE digest = ?", arguments: [key])
        let expiresAt: Int64 = row["expires_at"]
        guard expiresAt > nowMillis() else { return nil }
        let text: String = row["directives"]
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// A new refresh token for the session (replacing any earlier one): 32 base-62 characters.
    static func issueRefreshToken(sessionID: String, _ db: Database) throws -> String {
        let token = EmulatorIDs.random(length: 32)
        try db.execute(
            sql: "INSERT OR REPLACE INTO frontend_refresh_tokens (session_id, digest, created_at) VALUES (?, ?, ?)",
            arguments: [sessionID, digest(token), nowMillis()]
        )
        return token
    }

    /// Whether `token` is the session's current refresh token (digests compared in constant time).
    static func refreshTokenMatches(sessionID: String, token: String, _ db: Database) throws -> Bool {
        guard let stored = try String.fetchOne(db, sql: "SELECT digest FROM frontend_refresh_tokens WHERE session_id = ?", arguments: [sessionID]) else {
            return false
        }
        return constantTimeEquals(stored, digest(token))
    }
}

/// Compares two strings without stopping at the first difference.
func constantTimeEquals(_ left: String, _ right: String) -> Bool {
    let a = Array(left.utf8), b = Array(right.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in a.indices { difference |= a[index] ^ b[index] }
    return difference == 0
}
