extension ClerkClient {
    /// The Sessions API: list, get, create, revoke and refresh sessions, and mint session tokens
    /// (`clerkClient.sessions` in JS).
    public var sessions: SessionsAPI { SessionsAPI(client: self) }
}

/// The Sessions operations of the Backend API.
public struct SessionsAPI: Sendable {
    let client: ClerkClient

    /// Lists sessions, filtered by client, user or status. Sends `paginated=true` (as the JS SDK) and accepts both the
    /// paginated and the bare-array answer.
    public func getSessionList(_ query: GetSessionListQuery = GetSessionListQuery()) async throws
        -> PaginatedResourceResponse<Session>
    {
        var query = query
        if query.paginated == nil { query.paginated = true }
        return try await client.send(APIRequest(.getSessionList, query: query.queryItems))
    }

    /// Walks every session matching the filters, `pageSize` per request (offset paging).
    public func all(_ query: GetSessionListQuery = GetSessionListQuery(), pageSize: Int = 100) -> PaginatedSequence<Session> {
        let client = self.client
        return .offsetPaged(pageSize: min(max(pageSize, 1), 500)) { limit, offset in
            var page = query
            page.paginated = true
            page.limit = limit
            page.offset = offset
            let result: PaginatedResourceResponse<Session> = try await client.send(
                APIRequest(.getSessionList, query: page.queryItems)
            )
            return result.data
        }
    }

    /// Fetches a session by id.
    public func getSession(_ sessionID: String) async throws -> Session {
        try await client.send(APIRequest(.getSession, path: [sessionID]))
    }

    /// Creates a session for a user (development and testing instances).
    public func createSession(_ params: CreateSessionBody) async throws -> Session {
        try await client.send(APIRequest(.createSession, json: params))
    }

    /// Revokes a session: the user is signed out of it.
    public func revokeSession(_ sessionID: String) async throws -> Session {
        try await client.send(APIRequest(.revokeSession, path: [sessionID]))
    }

    /// Mints a token for the session: a session token, or (with `template`) a JWT-template token.
    /// Sends `expires_in_seconds` only when given.
    public func getToken(sessionID: String, template: String? = nil, expiresInSeconds: Int64? = nil) async throws
        -> String
    {
        if let template {
            let response: CreateSessionTokenFromTemplateResponse = try await client.send(
                APIRequest(
                    .createSessionTokenFromTemplate, path: [sessionID, template],
                    json: CreateSessionTokenFromTemplateBody(expiresInSeconds: expiresInSeconds)
                )
            )
            return try Self.jwt(response.jwt, operation: "CreateSessionTokenFromTemplate")
        }
        let response: CreateSessionTokenResponse = try await client.send(
            APIRequest(.createSessionToken, path: [sessionID], json: CreateSessionTokenBody(expiresInSeconds: expiresInSeconds))
        )
        return try Self.jwt(response.jwt, operation: "CreateSessionToken")
    }

    private static func jwt(_ value: String?, operation: String) throws -> String {
        guard let value, !value.isEmpty else {
            throw ClerkDecodingError(
                operationID: operation, status: 200, contentType: "application/json", reason: "missing key .jwt",
                redactedBody: ""
            )
        }
        return value
    }

    /// Refreshes an expired session token with the session's refresh token; answers a new token, or the
    /// `Set-Cookie` values to send to the browser when `format` is `cookie`. `suffixedCookies` goes in the query.
    public func refreshSession(_ sessionID: String, _ params: RefreshSessionBody, suffixedCookies: Bool? = nil)
        async throws -> SessionRefresh
    {
        var query = QueryItems()
        query.append("suffixed_cookies", suffixedCookies)
        return try await client.send(APIRequest(.refreshSession, path: [sessionID], query: query, json: params))
    }
}
