import Crypto
import Foundation
import Synchronization

/// Who may use the dashboard: a browser that opened a one-time link. The emulator prints a link when it starts
/// (``RunningEmulator/dashboardLink()``); `POST /_emulator/dashboard_link` with the secret key mints another. Opening
/// a link spends it and gives the browser a session cookie; every form carries that session's CSRF token.
///
/// Links and sessions live in memory only: a restart ends every dashboard session (and prints a new link).
final class DashboardAccess: Sendable {
    struct Session: Sendable {
        var expiresAt: ContinuousClock.Instant
        /// The hidden-field value every form of this session must send back.
        var csrfToken: String
        /// A message for the next page this session sees (after a form's redirect).
        var flash: Flash?
    }

    struct Flash: Sendable {
        var text: String
        var isError: Bool
    }

    private struct State: Sendable {
        /// SHA-256 (hex) of unspent link tokens → when they expire.
        var links: [String: ContinuousClock.Instant] = [:]
        /// SHA-256 (hex) of session cookies → the session.
        var sessions: [String: Session] = [:]
        /// The origin and path of the last app that ran a handshake: what "sign in as" offers to return to.
        var lastAppURL: String?
    }

    static let linkLifetime: Duration = .seconds(24 * 3600)
    static let sessionLifetime: Duration = .seconds(12 * 3600)
    /// Unspent links and live sessions kept at most; beyond them the oldest go first.
    static let maxLinks = 32, maxSessions = 64

    private let state = Mutex(State())

    /// A new one-time link token (48 random letters and digits).
    func mintLinkToken() -> String {
        let token = EmulatorIDs.random(length: 48)
        let now = ContinuousClock.now
        state.withLock { state in
            state.links = state.links.filter { $0.value > now }
            if state.links.count >= Self.maxLinks, let oldest = state.links.min(by: { $0.value < $1.value }) {
                state.links[oldest.key] = nil
            }
            state.links[Self.digest(token)] = now + Self.linkLifetime
        }
        return token
    }

    /// Spends a link token: a new session's cookie value, or `nil` when the token is unknown, spent or expired.
    func open(linkToken: String) -> String? {
        guard Self.isTokenShape(linkToken) else { return nil }
        let now = ContinuousClock.now
        let session = EmulatorIDs.random(length: 48)
        return state.withLock { state -> String? in
            guard let expiry = state.links.removeValue(forKey: Self.digest(linkToken)), expiry > now else { return nil }
            state.sessions = state.sessions.filter { $0.value.expiresAt > now }
            if state.sessions.count >= Self.maxSessions, let oldest = state.sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                state.sessions[oldest.key] = nil
            }
            state.sessions[Self.digest(session)] = Session(
                expiresAt: now + Self.sessionLifetime, csrfToken: EmulatorIDs.random(length: 43), flash: nil
            )
            return session
        }
    }

    /// The live session of a cookie value, taking its flash message (it is shown once).
    func session(cookie: String?) -> Session? {
        guard let cookie, Self.isTokenShape(cookie) else { return nil }
        let key = Self.digest(cookie)
        let now = ContinuousClock.now
        return state.withLock { state -> Session? in
            guard let session = state.sessions[key] else { return nil }
            guard session.expiresAt > now else {
                state.sessions[key] = nil
                return nil
            }
            state.sessions[key]?.flash = nil
            return session
        }
    }

    func setFlash(cookie: String, _ flash: Flash) {
        let key = Self.digest(cookie)
        state.withLock { $0.sessions[key]?.flash = flash }
    }

    var lastAppURL: String? { state.withLock { $0.lastAppURL } }

    func setLastAppURL(_ url: String) { state.withLock { $0.lastAppURL = url } }

    static func isTokenShape(_ text: String) -> Bool {
        text.utf8.count == 48 && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }

    static func digest(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The most recent Backend API requests (from SDKs, and from the dashboard's own actions), newest last: method, path
/// (never the query or a header), status and duration.
final class RequestLog: Sendable {
    struct Entry: Sendable {
        var at: Int64
        var method: String
        var path: String
        var status: Int
        var milliseconds: Double
        var fromDashboard: Bool
    }

    static let capacity = 200

    private let state = Mutex<(entries: [Entry], next: Int, total: Int64)>(([], 0, 0))

    func record(method: String, path: String, status: Int, elapsed: Duration, fromDashboard: Bool = false) {
        let (seconds, attoseconds) = elapsed.components
        let entry = Entry(
            at: nowMillis(), method: String(method.prefix(16)), path: String(path.prefix(300)), status: status,
            milliseconds: Double(seconds) * 1000 + Double(attoseconds) / 1e15, fromDashboard: fromDashboard
        )
        state.withLock { state in
            if state.entries.count < Self.capacity {
                state.entries.append(entry)
            } else {
                state.entries[state.next] = entry
            }
            state.next = (state.next + 1) % Self.capacity
            state.total += 1
        }
    }

    /// Newest first, and how many requests were recorded since the start.
    var recent: (entries: [Entry], total: Int64) {
        state.withLock { state in
            let ordered = state.entries.count < Self.capacity
                ? state.entries : Array(state.entries[state.next...] + state.entries[..<state.next])
            return (ordered.reversed(), state.total)
        }
    }
}

/// What a real instance would have done outside the emulator (an email or SMS sent, a card charged, a proxy or an
/// identity provider called), newest last: shown on the dashboard's Effects page, and logged.
final class EffectLog: Sendable {
    struct Entry: Sendable {
        var at: Int64
        var text: String
        var details: [String: String]
    }

    static let capacity = 200

    private let state = Mutex<(entries: [Entry], total: Int64)>(([], 0))

    func record(_ text: String, details: [String: String]) {
        let entry = Entry(at: nowMillis(), text: String(text.prefix(500)), details: details)
        state.withLock { state in
            state.entries.append(entry)
            if state.entries.count > Self.capacity { state.entries.removeFirst(state.entries.count - Self.capacity) }
            state.total += 1
        }
    }

    /// Newest first, and how many were recorded since the start.
    var recent: (entries: [Entry], total: Int64) { state.withLock { (Array($0.entries.reversed()), $0.total) } }
}
