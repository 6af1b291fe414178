import ClerkBackend
import Foundation
import GRDB

/// Tickets: the links of sign-in tokens and invitations (`url` in their Backend API objects,
/// `<Frontend API>/v1/tickets/accept?ticket=…`). Following one leads to the hosted page that uses it, with
/// `__clerk_ticket`, as the Account Portal does; the page acts only on a form post (a link scanner that fetches the
/// URL consumes nothing).
extension EmulatorState {
    /// What a ticket is.
    enum Ticket {
        /// A pending, unexpired sign-in token: one click signs its user in.
        case signInToken(record: EmulatorStore.Record, userID: String)
        /// A pending invitation: the sign-up page for its email address.
        case invitation(record: EmulatorStore.Record, email: String)
    }

    /// The link of a ticket (what the Backend API puts in `url`).
    func ticketURL(_ ticket: String) -> String { keys.issuer + "/v1/tickets/accept?ticket=" + ticket }

    /// Tickets are the emulator's own random strings: letters and digits, 16–128 of them.
    static func isTicketShape(_ text: String) -> Bool {
        (16...128).contains(text.utf8.count) && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
    }

    /// The ticket's object when it can still be used; `nil` for an unknown, used, revoked or expired one.
    static func findTicket(_ ticket: String, _ db: Database) throws -> Ticket? {
        guard isTicketShape(ticket) else { return nil }
        // Sign-in tokens, and actor tokens (a sign-in whose session carries the actor: impersonation).
        if let row = try Row.fetchOne(
            db, sql: "SELECT * FROM resources WHERE kind IN ('sign_in_token', 'actor_token') AND json_extract(doc, '$.token') = ?",
            arguments: [ticket]
        ) {
            let record = try EmulatorStore.record(row)
            let expiresAt = record.secret.flatMap { Int64($0.split(separator: "|").first ?? "") } ?? 0
            guard record.doc["status"]?.stringMember == "pending", expiresAt > nowMillis(),
                let userID = record.doc["user_id"]?.stringMember
            else { return nil }
            return .signInToken(record: record, userID: userID)
        }
        // LIKE narrows the search (it ignores case); the exact suffix decides.
        let candidates = try Row.fetchAll(
            db, sql: "SELECT * FROM resources WHERE kind = 'invitation' AND json_extract(doc, '$.url') LIKE ?",
            arguments: ["%/v1/tickets/accept?ticket=" + ticket]
        ).map(EmulatorStore.record)
        if let record = candidates.first(where: { $0.doc["url"]?.stringMember?.hasSuffix("/v1/tickets/accept?ticket=" + ticket) == true }) {
            guard record.doc["status"]?.stringMember == "pending", (record.doc["expires_at"]?.intMember ?? 0) > nowMillis(),
                let email = record.doc["email_address"]?.stringMember
            else { return nil }
            return .invitation(record: record, email: email)
        }
        return nil
    }

    /// `GET /v1/tickets/accept?ticket=…[&redirect_url=…]`: `303` to the hosted page for the ticket, keeping a valid
    /// `redirect_url`.
    func acceptTicket(_ request: FrontendRequest) async throws -> EmulatorResponse {
        guard let ticket = request.queryValue("ticket"), Self.isTicketShape(ticket) else {
            throw EmulatorError(
                status: 400, code: "form_param_format_invalid", message: "is invalid", longMessage: "ticket is missing or malformed.",
                meta: ["param_name": "ticket"]
            )
        }
        let redirect = try await redirectTarget(request.queryValue("redirect_url"), name: "redirect_url")
        let found = try await store.writer.read { db in try Self.findTicket(ticket, db) }
        let page: String
        if case .invitation? = found { page = "/sign-up" } else { page = "/sign-in" }
        var location = "http://\(keys.accountsHost)\(page)?__clerk_ticket=\(ticket)"
        if let redirect { location += "&redirect_url=" + RedirectTarget.encode(redirect.string) }
        var response = EmulatorResponse.empty(status: 303)
        response.headers["Location"] = location
        return response
    }

    /// Signs in with a sign-in token (its status becomes `accepted`: it works once).
    func submitTicketSignIn(_ ticket: String, _ context: PageContext) async throws -> EmulatorResponse {
        let (userID, record) = try await store.writer.write { db -> (String, EmulatorStore.Record) in
            guard case .signInToken(let record, let userID)? = try Self.findTicket(ticket, db) else {
                throw EmulatorError(status: 422, code: "ticket_invalid", message: "This sign-in link is invalid, was already used, or has expired.")
            }
            try Self.markAccepted(record, db)
            return (userID, record)
        }
        guard record.kind == "actor_token" else { return try await signIn(userID: userID, context) }
        // An actor token: the session names the actor and lasts at most session_max_duration_in_seconds.
        let seconds = record.secret.flatMap { $0.split(separator: "|").last.flatMap { Int64($0) } } ?? 1800
        return try await signIn(userID: userID, context, actor: record.doc["actor"], maxDuration: seconds)
    }

    /// Marks the invitation of `ticket` accepted when the new user signed up with its email address.
    func acceptInvitation(_ ticket: String, email: String) async throws {
        try await store.writer.write { db in
            guard case .invitation(let record, let invited)? = try Self.findTicket(ticket, db),
                invited.lowercased() == email.lowercased()
            else { return }
            try Self.markAccepted(record, db)
        }
    }

    /// Sets a ticket's object `status` to `accepted` (a ticket works once).
    static func markAccepted(_ record: EmulatorStore.Record, _ db: Database) throws {
        var record = record
        var doc = record.doc.objectMembers ?? [:]
        record.updatedAt = nowMillis()
        doc["status"] = "accepted"
        doc["updated_at"] = .int(record.updatedAt)
        record.doc = .object(doc)
        try EmulatorStore.update(record, db)
    }
}
