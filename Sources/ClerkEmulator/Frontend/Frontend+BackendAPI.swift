import ClerkBackend
import Foundation
import GRDB

/// The Backend API's side of the browser flows: redeeming a handshake nonce, and refreshing an expired session token
/// with the refresh cookie a handshake issued.
extension EmulatorState {
    static let handshakePayloadPath = "/v1/clients/handshake_payload"

    /// `GET /v1/clients/handshake_payload?nonce=`: the directives stored under the nonce, once; 400 `invalid_nonce`
    /// for an unknown, used or expired one.
    func handshakePayload(method: String, query: String?, authorization: String?) async throws -> EmulatorResponse {
        try authenticate(authorization)
        guard method == "GET" else {
            throw EmulatorError(status: 405, code: "method_not_allowed", message: "Method not allowed", longMessage: "The handshake payload only answers GET.")
        }
        let nonce = EmulatorRoutes.parseQuery(query).first { $0.name == "nonce" }?.value ?? ""
        guard !nonce.isEmpty else {
            throw EmulatorError(status: 400, code: "missing_parameter", message: "nonce is missing", longMessage: "The nonce query parameter is required.", meta: ["param_name": "nonce"])
        }
        guard nonce.utf8.count <= 512, let directives = try await store.writer.write({ db in try Self.redeemHandshakeNonce(nonce, db) }) else {
            throw EmulatorError(
                status: 400, code: "invalid_nonce", message: "Invalid nonce",
                longMessage: "The handshake nonce is unknown, expired or already used.", meta: ["param_name": "nonce"]
            )
        }
        return try .json(["directives": .array(directives.map { .string($0) })])
    }

    static func registerFrontend(_ table: inout [Endpoint: EmulatorHandler]) {
        // POST /sessions/{session_id}/refresh: any validation failure is a 401, the SDK's cue to handshake instead.
        table[.refreshSession] = { state, request in
            let body = try badRequest { BodyReader(object: try request.jsonObject()) }
            let (expiredToken, refreshToken, requestOrigin, format) = try badRequest {
                (try body.requiredString("expired_token"), try body.requiredString("refresh_token"), try body.requiredString("request_origin"), try body.string("format") ?? "token")
            }
            guard format == "token" || format == "cookie" else {
                throw badRequestError(EmulatorError.invalid("format", "must be token or cookie"))
            }
            let sessionID = request.path("session_id")
            let refused = EmulatorError(
                status: 401, code: "authentication_invalid", message: "Invalid authentication",
                longMessage: "The session cannot be refreshed: it is not active, or the expired token or the refresh token does not belong to it."
            )
            guard let decoded = state.verifiedInstanceJWT(expiredToken), decoded.claims.sid == sessionID,
                decoded.header.cat == nil || decoded.header.cat == Self.sessionTokenCategory,
                let origin = URLComponents(string: requestOrigin), try await state.isAllowedOrigin(origin)
            else { throw refused }
            let session = try await state.store.writer.read { db -> EmulatorStore.Record? in
                guard let session = try EmulatorStore.fetch(sessionID, kind: "session", db), session.doc["status"]?.stringMember == "active",
                    try Self.refreshTokenMatches(sessionID: sessionID, token: refreshToken, db)
                else { return nil }
                return session
            }
            guard let session,
                let token = try? await state.sessionToken(session, lifetime: state.options.sessionTokenLifetimeSeconds, template: nil, authorizedParty: Self.origin(of: origin))
            else { throw refused }
            guard format == "cookie" else { return try .json(["object": "token", "jwt": .string(token)]) }
            let suffixed = try request.queryBool("suffixed_cookies") ?? false
            let suffix = try PublishableKey(state.keys.publishableKey).cookieSuffix
            let secure = origin.scheme?.lowercased() == "https"
            let cookies = (suffixed ? ["__session", "__session_" + suffix] : ["__session"]).map {
                Self.setCookie($0, token, maxAge: 31_536_000, secure: secure)
            }
            return try .json(["object": "cookies", "cookies": .array(cookies.map { .string($0) })])
        }
    }
}
